package dev.deltac.compiler.diag;

/** How bad a diagnostic is; only {@link #ERROR} stops the pipeline. */
public enum Severity {
  ERROR("error"),
  WARNING("warning");

  public final String label;

  Severity(String label) {
    this.label = label;
  }
}
