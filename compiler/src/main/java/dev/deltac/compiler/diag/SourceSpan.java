package dev.deltac.compiler.diag;

import java.util.Objects;

/**
 * Where a piece of syntax came from: file name, and 1-based line and column of its first and
 * last character. {@code toString()} is {@code file:line:column}, the prefix of every diagnostic.
 */
public record SourceSpan(String file, int line, int column, int endLine, int endColumn) {
  public static final SourceSpan NONE = new SourceSpan("<none>", 0, 0, 0, 0);

  public SourceSpan {
    Objects.requireNonNull(file, "file == null");
  }

  public static SourceSpan at(String file, int line, int column) {
    return new SourceSpan(file, line, column, line, column);
  }

  /** The span from the start of {@code this} to the end of {@code other}. */
  public SourceSpan to(SourceSpan other) {
    return new SourceSpan(file, line, column, other.endLine, other.endColumn);
  }

  @Override
  public String toString() {
    return file + ":" + line + ":" + column;
  }
}
