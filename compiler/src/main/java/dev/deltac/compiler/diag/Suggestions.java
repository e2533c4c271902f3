package dev.deltac.compiler.diag;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/** "did you mean ...?" by edit distance (optimal string alignment: insert, delete, substitute, swap). */
public final class Suggestions {
  private Suggestions() {}

  /** The closest candidate within a small distance, or null. Ties go to the first in order. */
  public static String closest(String name, Collection<String> candidates) {
    int limit = name.length() <= 3 ? 1 : name.length() <= 6 ? 2 : 3;
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      if (c.equals(name)) continue;
      int d = distance(name, c);
      if (d <= limit && d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    if (best == null) {
      for (String c : candidates) {
        if (!c.equals(name) && c.equalsIgnoreCase(name)) return c;
      }
    }
    return best;
  }

  /** {@code "; did you mean `x`?"} or the empty string. */
  public static String didYouMean(String name, Collection<String> candidates) {
    String c = closest(name, candidates);
    return c == null ? "" : "; did you mean `" + c + "`?";
  }

  /** {@code "a, b, c"} sorted. */
  public static String list(Collection<String> choices) {
    return String.join(", ", new TreeSet<>(choices));
  }

  public static int distance(String a, String b) {
    int n = a.length();
    int m = b.length();
    if (Math.abs(n - m) > 8) return Math.abs(n - m);
    int[][] d = new int[n + 1][m + 1];
    for (int i = 0; i <= n; i++) d[i][0] = i;
    for (int j = 0; j <= m; j++) d[0][j] = j;
    for (int i = 1; i <= n; i++) {
      for (int j = 1; j <= m; j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, d[i - 2][j - 2] + 1);
        }
        d[i][j] = v;
      }
    }
    return d[n][m];
  }

  static List<String> sortedCopy(Collection<String> c) {
    return List.copyOf(new TreeSet<>(c));
  }
}
