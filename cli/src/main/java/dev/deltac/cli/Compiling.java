package dev.deltac.cli;

import dev.deltac.compiler.Compilation;
import dev.deltac.compiler.CompileException;
import dev.deltac.compiler.Deltac;
import java.io.PrintWriter;
import java.nio.file.Path;

/** Shared by the commands: compile a file, printing its diagnostics when it has errors. */
final class Compiling {
  private Compiling() {}

  /** The compiled file, or null after printing why not to {@code err}. */
  static Compilation compile(Path file, PrintWriter err) {
    try {
      return Deltac.compile(file);
    } catch (CompileException e) {
      err.print(e.getMessage());
      if (!e.getMessage().endsWith("\n")) err.println();
      err.flush();
      return null;
    }
  }
}
