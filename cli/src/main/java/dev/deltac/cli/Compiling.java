package dev.deltac.cli;

import dev.deltac.compiler.Compilation;
import dev.deltac.compiler.CompileException;
import dev.deltac.compiler.Deltac;
import java.io.PrintWriter;
import java.nio.file.Path;

/** Shared by the commands: compile a file, printing its diagnostics when it has errors. */
final class Compiling {
  private Compiling() {}

  /**
   * The compiled file, its warnings printed to {@code err}; or null after printing why not.
   */
  static Compilation compile(Path file, PrintWriter err) {
    try {
      Compilation c = Deltac.compile(file);
      if (!c.warnings().isEmpty()) {
        err.print(c.formatWarnings());
        err.flush();
      }
      return c;
    } catch (CompileException e) {
      err.print(e.getMessage());
      if (!e.getMessage().endsWith("\n")) err.println();
      err.flush();
      return null;
    }
  }
}
