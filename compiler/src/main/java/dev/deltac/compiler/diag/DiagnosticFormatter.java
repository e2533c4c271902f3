package dev.deltac.compiler.diag;

/**
 * Renders a diagnostic as users read it:
 * <pre>
 * xor.nn:11:8: error: undefined name `hiden`; did you mean `hidden`? [E201]
 *   yhat = sigmoid(W2 @ hiden + b2)
 *                       ^
 * </pre>
 * The caret line copies the tabs of the source line so the caret stays under the column.
 */
public final class DiagnosticFormatter {
  private DiagnosticFormatter() {}

  public static String format(Diagnostic d, String source) {
    StringBuilder sb = new StringBuilder();
    sb.append(d.span()).append(": ").append(d.severity().label).append(": ").append(d.message())
        .append(" [").append(d.kind().code()).append("]\n");
    String line = source == null ? null : line(source, d.span().line());
    if (line != null) {
      sb.append(line).append('\n');
      int col = Math.max(1, d.span().column());
      for (int i = 0; i < col - 1 && i < line.length(); i++) {
        sb.append(line.charAt(i) == '\t' ? '\t' : ' ');
      }
      for (int i = line.length(); i < col - 1; i++) sb.append(' ');
      sb.append("^\n");
    }
    return sb.toString();
  }

  /** The text of 1-based line {@code n} without its terminator, or null when out of range. */
  static String line(String source, int n) {
    if (n < 1) return null;
    int start = 0;
    for (int i = 1; i < n; i++) {
      int nl = nextBreak(source, start);
      if (nl < 0) return null;
      start = nl + ((source.charAt(nl) == '\r' && nl + 1 < source.length()
          && source.charAt(nl + 1) == '\n') ? 2 : 1);
    }
    if (start > source.length()) return null;
    int end = nextBreak(source, start);
    String text = source.substring(start, end < 0 ? source.length() : end);
    // keep excerpts readable for garbage input
    StringBuilder clean = new StringBuilder(Math.min(text.length(), 200));
    for (int i = 0; i < text.length() && i < 200; i++) {
      char c = text.charAt(i);
      clean.append(c == '\t' || c >= ' ' && c != 0x7f ? c : '?');
    }
    return clean.toString();
  }

  private static int nextBreak(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n' || c == '\r') return i;
    }
    return -1;
  }
}
