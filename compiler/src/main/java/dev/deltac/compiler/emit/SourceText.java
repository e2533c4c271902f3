package dev.deltac.compiler.emit;

import dev.deltac.compiler.diag.SourceSpan;

/**
 * Makes user text safe to place in generated Java. Comments keep printable ASCII only: a
 * backslash becomes '/', so that no {@code \}{@code u000a} unicode escape (which javac decodes
 * even inside comments) survives, and {@code *}{@code /} is broken up. String literals escape
 * everything else.
 */
final class SourceText {
  private SourceText() {}

  /** Text for a line comment: printable ASCII, no backslash, no comment terminator. */
  static String comment(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '\\') {
        sb.append('/');
      } else if (ch < 0x20 || ch > 0x7e) {
        sb.append('?');
      } else if (ch == '/' && sb.length() > 0 && sb.charAt(sb.length() - 1) == '*') {
        sb.append(' ').append('/');
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }

  /**
   * A Java string literal (with quotes) for any text: printable ASCII stays, quote and backslash
   * and control characters use their short escapes, and everything else is a unicode escape
   * (never one that decodes to a line terminator, quote or backslash).
   */
  static String literal(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"': sb.append("\\\""); break;
        case '\\': sb.append("\\\\"); break;
        case '\n': sb.append("\\n"); break;
        case '\r': sb.append("\\r"); break;
        case '\t': sb.append("\\t"); break;
        case '\b': sb.append("\\b"); break;
        case '\f': sb.append("\\f"); break;
        default:
          if (ch >= 0x20 && ch <= 0x7e) {
            sb.append(ch);
          } else {
            sb.append(String.format("\\u%04x", (int) ch));
          }
      }
    }
    return sb.append('"').toString();
  }

  /** {@code xor.nn:11}, or null when the span is unknown. */
  static String where(SourceSpan span) {
    if (span == null || span.line() <= 0) return null;
    return comment(span.file() + ":" + span.line());
  }

  /** A Java identifier suggestion for user text: ASCII letters, digits and '_' only. */
  static String identifier(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      boolean ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
      sb.append(ok ? ch : '_');
    }
    if (sb.length() == 0 || Character.isDigit(sb.charAt(0))) sb.insert(0, '_');
    return sb.toString();
  }
}
