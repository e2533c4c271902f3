package dev.deltac.compiler.diag;

import java.util.Objects;

/** One reported problem: its kind (stable code), severity, position and rendered message. */
public record Diagnostic(DiagnosticKind kind, Severity severity, SourceSpan span, String message) {
  public Diagnostic {
    Objects.requireNonNull(kind, "kind == null");
    Objects.requireNonNull(severity, "severity == null");
    Objects.requireNonNull(span, "span == null");
    Objects.requireNonNull(message, "message == null");
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** {@code FILE:LINE:COL: error: MESSAGE}, without the source excerpt. */
  @Override
  public String toString() {
    return span + ": " + severity.label + ": " + message;
  }
}
