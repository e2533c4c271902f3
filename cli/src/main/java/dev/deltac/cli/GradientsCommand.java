package dev.deltac.cli;

import dev.deltac.cli.gradients.CaseException;
import dev.deltac.cli.gradients.GeneratedRun;
import dev.deltac.cli.gradients.GradientCase;
import dev.deltac.cli.gradients.GradientReport;
import dev.deltac.compiler.Compilation;
import dev.deltac.compiler.CompileException;
import dev.deltac.compiler.CompiledFunction;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.interp.Interpreter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deltac gradients MODEL.nn --case CASE.json}: loss, outputs and gradients for given
 * params and batch, as JSON (api.md), so anyone can compare them with another system's.
 */
@Command(name = "gradients", mixinStandardHelpOptions = true,
    description = {"Print loss, outputs and gradients for given params and batch, as JSON.",
        "CASE.json gives params and a batch (or a function's args); the answer has the loss, the",
        "outputs, the gradient of the mean loss by param and the input gradients by sample.",
        "Runs the generated class in the case's precision (default float32)."})
public final class GradientsCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL.nn", description = "the model file")
  Path file;

  @Option(names = "--case", required = true, paramLabel = "CASE.json", description = "params and batch")
  Path casePath;

  @Option(names = "--interpret",
      description = "use the float64 reference interpreter instead of the generated class")
  boolean interpret;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String json;
    try {
      json = Files.readString(casePath, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      err.println("deltac gradients: " + casePath + ": no such file");
      return 1;
    } catch (MalformedInputException e) {
      err.println("deltac gradients: " + casePath + ": not UTF-8 text");
      return 1;
    } catch (IOException e) {
      err.println("deltac gradients: " + casePath + ": " + e.getMessage());
      return 1;
    }
    Compilation c = Compiling.compile(file, err);
    if (c == null) return 1;
    try {
      String name = GradientCase.declName(json);
      if (c.models().isEmpty() || (name != null && !c.names().isEmpty()
          && c.functions().stream().anyMatch(f -> f.name().equals(name)))) {
        CompiledFunction f = c.function(name);
        GradientCase gc = GradientCase.parse(json, f.lowered());
        Interpreter.Result r = interpret ? f.interpreter().run(gc.params(), gc.xs(), gc.ts(), 1)
            : GeneratedRun.function(f, gc);
        out.println(GradientReport.function(f.gradient(), r));
      } else {
        CompiledModel m = c.model(name);
        GradientCase gc = GradientCase.parse(json, m.lowered());
        Interpreter.Result r = interpret
            ? m.interpreter().run(gc.params(), gc.xs(), gc.ts(), gc.batch())
            : GeneratedRun.model(m, gc);
        out.println(GradientReport.model(m.backwardWithInputs(), r));
      }
    } catch (CaseException e) {
      err.println("deltac gradients: " + casePath + ": " + e.getMessage());
      return 1;
    } catch (CompileException e) {
      err.println("deltac gradients: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      // an integer input or target outside its range (dev.deltac.runtime.Indices)
      err.println("deltac gradients: " + casePath + ": " + e.getMessage());
      return 1;
    }
    out.flush();
    return 0;
  }
}
