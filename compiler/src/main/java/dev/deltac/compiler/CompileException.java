package dev.deltac.compiler;

import dev.deltac.compiler.diag.Diagnostics;

/**
 * A {@code .nn} source with errors. {@link #getMessage()} is the formatted diagnostics, each
 * {@code FILE:LINE:COL: error: MESSAGE} with the source line and a caret, ready to print.
 */
public final class CompileException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient Diagnostics diagnostics;

  /** The errors of a file, every one in the message as {@code FILE:LINE:COL: error: ...}. */
  public CompileException(Diagnostics diagnostics) {
    super(diagnostics.format());
    this.diagnostics = diagnostics;
  }

  /** A failure that is not about a position in the file (a missing model, an unreadable file). */
  public CompileException(String message) {
    super(message);
    this.diagnostics = null;
  }

  /** The diagnostics, or null when the failure was not about the source (e.g. a missing name). */
  public Diagnostics diagnostics() {
    return diagnostics;
  }
}
