package dev.deltac.cli;

import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code deltac check FILE...}: parses and checks each file; exit 1 when any has errors. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Parse and check .nn files; print their diagnostics.")
public final class CheckCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "FILE", description = "the .nn files to check")
  List<Path> files;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean failed = false;
    for (Path file : files) {
      FrontendResult r = Frontend.load(file);
      if (r.ok()) {
        out.println(file + ": ok");
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
