package dev.deltac.cli;

import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import dev.deltac.compiler.Compilation;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.interp.InterpretedModel;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.check.GradientCheck;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code deltac check FILE...}: parses and checks each file; exit 1 when any has errors. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Parse and check .nn files; print their diagnostics.")
public final class CheckCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "FILE", description = "the .nn files to check")
  List<Path> files;

  @Option(names = "--no-gradients", negatable = true, defaultValue = "true",
      description = "also check every model's gradients against central differences in float64 "
          + "(default: ${DEFAULT-VALUE})")
  boolean gradients;

  @Option(names = "--interpret",
      description = "check the reference interpreter instead of the generated float64 class")
  boolean interpret;

  @Option(names = "--samples", defaultValue = "32", paramLabel = "N",
      description = "elements checked per parameter tensor (default: ${DEFAULT-VALUE})")
  int samples;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /**
   * Gradient check of every parameter tensor of every model (up to {@code samples} elements
   * each), on a random batch of 2 with the declared initializers, seed 1, on the generated
   * float64 class (or the reference interpreter).
   */
  private boolean checkGradients(Compilation c, PrintWriter out, PrintWriter err) {
    boolean ok = true;
    for (CompiledModel m : c.models()) {
      DoubleModel model = interpret ? new InterpretedModel(m.backwardWithInputs(), 2)
          : m.newDoubleModel(2);
      model.initParams(1);
      GradientCheck.Report report = new GradientCheck().sample(samples, 1)
          .run(model, GradientCheck.randomBatch(model.info(), 2, 1));
      String summary = String.format(Locale.ROOT,
          "  model %s: gradients %s: %d elements of %d params, max relative error %.1e (tolerance %.0e, %s)",
          m.name(), report.passed() ? "ok" : "WRONG", report.checked(), model.info().params().size(),
          report.maxError(), report.tolerance(), interpret ? "interpreter" : "generated float64")
          + (report.skipped().isEmpty() ? "" : "; " + report.skipped().size()
              + " elements at relu/max-pool kinks skipped");
      if (report.passed()) {
        out.println(summary);
      } else {
        ok = false;
        err.println(summary);
        err.print(report);
      }
    }
    return ok;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean failed = false;
    for (Path file : files) {
      FrontendResult r = Frontend.load(file);
      if (r.ok()) {
        Compilation c = Compiling.compile(file, err);
        if (c == null) {
          failed = true;
          continue;
        }
        int w = c.warnings().size();
        out.println(file + ": ok" + (w == 0 ? "" : " (" + w + (w == 1 ? " warning)" : " warnings)")));
        if (gradients && !checkGradients(c, out, err)) failed = true;
      } else {
        failed = true;
        err.print(r.diagnostics().format());
        int n = r.diagnostics().errorCount();
        err.println(file + ": " + n + (n == 1 ? " error" : " errors"));
      }
    }
    out.flush();
    err.flush();
    return failed ? 1 : 0;
  }
}
