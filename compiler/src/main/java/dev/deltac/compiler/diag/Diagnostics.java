package dev.deltac.compiler.diag;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects the diagnostics of a run. Stages report into it and compare {@link #errorCount()}
 * before and after to decide whether to go on. An identical diagnostic (same kind, position and
 * message) is kept once. The collector also remembers each file's text, so that
 * {@link #format()} can show the offending line with a caret.
 */
public final class Diagnostics {
  /** Stop collecting after this many errors; a garbage file would otherwise produce thousands. */
  public static final int MAX_ERRORS = 100;

  private final List<Diagnostic> list = new ArrayList<>();
  private final Set<Diagnostic> seen = new HashSet<>();
  private final Map<String, String> sources = new HashMap<>();
  private int errors;
  private boolean truncated;

  /** Remembers the text of {@code file} for source excerpts. */
  public void addSource(String file, String text) {
    sources.put(file, text);
  }

  public String source(String file) {
    return sources.get(file);
  }

  public Diagnostic error(DiagnosticKind kind, SourceSpan span, Object... args) {
    return report(new Diagnostic(kind, kind.severity, span, kind.format(args)));
  }

  public Diagnostic report(Diagnostic d) {
    if (!seen.add(d)) return d;
    if (d.isError()) {
      if (errors >= MAX_ERRORS) {
        truncated = true;
        return d;
      }
      errors++;
    }
    list.add(d);
    return d;
  }

  public int errorCount() {
    return errors;
  }

  public boolean hasErrors() {
    return errors > 0;
  }

  /** True when errors were dropped after {@link #MAX_ERRORS}. */
  public boolean truncated() {
    return truncated;
  }

  /** All diagnostics in report order. */
  public List<Diagnostic> all() {
    return Collections.unmodifiableList(list);
  }

  /** All diagnostics sorted by file, line and column (stable for equal positions). */
  public List<Diagnostic> sorted() {
    List<Diagnostic> copy = new ArrayList<>(list);
    copy.sort((a, b) -> {
      int c = a.span().file().compareTo(b.span().file());
      if (c != 0) return c;
      c = Integer.compare(a.span().line(), b.span().line());
      return c != 0 ? c : Integer.compare(a.span().column(), b.span().column());
    });
    return copy;
  }

  /** Every diagnostic, sorted, rendered by {@link DiagnosticFormatter}. */
  public String format() {
    StringBuilder sb = new StringBuilder();
    for (Diagnostic d : sorted()) {
      sb.append(DiagnosticFormatter.format(d, sources.get(d.span().file())));
    }
    if (truncated) sb.append("too many errors; only the first ").append(MAX_ERRORS).append(" are shown\n");
    return sb.toString();
  }
}
