package dev.deltac.compiler.load;

/**
 * Generated Java that failed to compile: a compiler bug, never the user's fault. Carries the
 * position in the generated source, the offending line, and the whole source for a bug report;
 * the message reads {@code Xor.java:12:5: <compiler message>} followed by the line.
 */
public final class GeneratedCodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String className;
  private final String source;
  private final int line;
  private final int column;

  public GeneratedCodeException(String className, String source, int line, int column,
      String message, Throwable cause) {
    super(format(className, source, line, column, message), cause);
    this.className = className;
    this.source = source;
    this.line = line;
    this.column = column;
  }

  private static String format(String className, String source, int line, int column, String msg) {
    String simple = className.substring(className.lastIndexOf('.') + 1);
    StringBuilder sb = new StringBuilder("generated code for ").append(className)
        .append(" does not compile (a deltac bug): ").append(simple).append(".java");
    if (line > 0) sb.append(':').append(line).append(':').append(column);
    sb.append(": ").append(msg);
    String text = lineText(source, line);
    if (text != null) sb.append("\n    ").append(text.strip());
    return sb.toString();
  }

  /** Line {@code line} (1-based) of {@code source}, or null. */
  static String lineText(String source, int line) {
    if (source == null || line <= 0) return null;
    String[] lines = source.split("\n", -1);
    return line <= lines.length ? lines[line - 1] : null;
  }

  public String className() {
    return className;
  }

  /** The generated source that failed. */
  public String source() {
    return source;
  }

  /** 1-based line in the generated source, or 0 if unknown. */
  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
