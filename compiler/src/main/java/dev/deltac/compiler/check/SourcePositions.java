package dev.deltac.compiler.check;

import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.diag.SourceSpan;

/** Finds the position of a binary operator in the source text, so errors point at the operator. */
final class SourcePositions {
  private final String source;
  private final int[] lineStarts;

  SourcePositions(String source) {
    this.source = source == null ? "" : source;
    java.util.List<Integer> starts = new java.util.ArrayList<>();
    starts.add(0);
    for (int i = 0; i < this.source.length(); i++) {
      char c = this.source.charAt(i);
      if (c == '\n' || c == '\r' && (i + 1 >= this.source.length() || this.source.charAt(i + 1) != '\n')) {
        starts.add(i + 1);
      }
    }
    lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The operator of {@code b}, or the span of {@code b} when the text does not show it. */
  SourceSpan operator(Expr.Binary b) {
    SourceSpan left = b.left().span();
    int line = left.endLine();
    if (line < 1 || line > lineStarts.length) return b.span();
    int i = lineStarts[line - 1] + left.endColumn();
    String sym = b.op().symbol;
    while (i < source.length()) {
      char c = source.charAt(i);
      if (c == ' ' || c == '\t' || c == '\f' || c == ')' || c == '\r' || c == '\n') {
        i++;
      } else if (c == '#' || c == '/' && i + 1 < source.length() && source.charAt(i + 1) == '/') {
        while (i < source.length() && source.charAt(i) != '\n' && source.charAt(i) != '\r') i++;
      } else if (source.startsWith(sym, i)) {
        return position(i, sym.length(), b.span().file());
      } else {
        break;
      }
    }
    return b.span();
  }

  private SourceSpan position(int offset, int length, String file) {
    int lo = 0;
    int hi = lineStarts.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (lineStarts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    int col = offset - lineStarts[lo] + 1;
    return new SourceSpan(file, lo + 1, col, lo + 1, col + length - 1);
  }
}
