package dev.deltac.cli;

import dev.deltac.compiler.Compilation;
import dev.deltac.compiler.CompileException;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.exchange.Exchange;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.data.Standardization;
import dev.deltac.runtime.io.Checkpoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deltac export MODEL.nn --checkpoint C -o FILE}: a checkpoint's tensors as safetensors,
 * or the inference graph with its weights as ONNX ({@link Exchange}).
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Write a checkpoint's parameters as safetensors (every tensor under its .nn name,",
        "float32, in its .nn shape), or the inference graph with its weights as ONNX (opset 17,",
        "batch axis N, inputs and outputs named as in the .nn file)."})
public final class ExportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL.nn", description = "the model file")
  Path file;

  @Option(names = "--checkpoint", required = true, paramLabel = "C", description = "trained parameters")
  Path checkpoint;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
      description = "the file to write: .safetensors or .onnx")
  Path output;

  @Option(names = "--format", paramLabel = "F",
      description = "safetensors or onnx (default: from the extension of FILE)")
  String format;

  @Option(names = "--model", paramLabel = "NAME", description = "which model, when the file has several")
  String name;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Exchange.Format f = format != null ? Exchange.Format.named(format) : Exchange.Format.ofFile(output);
      Compilation c = Compiling.compile(file, err);
      if (c == null) return 1;
      CompiledModel compiled = c.model(name);
      FloatModel model = compiled.newModel(1);
      Checkpoint saved = Checkpoint.read(checkpoint);
      saved.loadParams(checkpoint, model);
      // a checkpoint of train --standardize: predict standardizes the inputs, and so does the export
      Standardization standardization = Standardization.from(saved, checkpoint, model.info());
      Exchange.export(compiled, model, standardization, output, f);
      out.printf(Locale.ROOT, "wrote %s (%s, %,d bytes): model %s, %,d params%s%n", output,
          f.extension(), Files.size(output), compiled.name(), model.info().paramCount(),
          standardization == null ? "" : f == Exchange.Format.ONNX
              ? "; the graph standardizes its inputs first, as predict does"
              : "; the input standardization is in the header's metadata");
      return 0;
    } catch (CompileException | IOException e) {
      err.println("deltac export: " + e.getMessage());
      return 1;
    }
  }
}
