package dev.deltac.compiler.emit;

import java.util.function.Consumer;

/** A small indented-text builder for kernel bodies, with loops that unroll on request. */
final class Code {
  private final StringBuilder sb = new StringBuilder();
  private int indent;

  Code line(String s) {
    for (int k = 0; k < indent; k++) sb.append("  ");
    sb.append(s).append('\n');
    return this;
  }

  Code comment(String text) {
    return line("// " + SourceText.comment(text));
  }

  Code open(String header) {
    line(header.isEmpty() ? "{" : header + " {");
    indent++;
    return this;
  }

  Code close() {
    indent--;
    return line("}");
  }

  /** Closes the open {@code if} block and opens its {@code else} block. */
  Code orElse() {
    indent--;
    line("} else {");
    indent++;
    return this;
  }

  /** {@code for (int var = 0; var < n; var++)}, or n copies of the body with constant indices. */
  Code loop(String var, int n, boolean unroll, Consumer<Ix> body) {
    return loop(var, 0, n, 1, unroll, body);
  }

  Code loop(String var, int from, int to, int step, boolean unroll, Consumer<Ix> body) {
    if (from >= to) return this;
    if (unroll) {
      for (int k = from; k < to; k += step) body.accept(Ix.c(k));
    } else if (to - from == step) {
      open("");
      body.accept(Ix.c(from));
      close();
    } else {
      open("for (int " + var + " = " + from + "; " + var + " < " + to + "; " + var
          + (step == 1 ? "++" : " += " + step) + ")");
      body.accept(Ix.v(var));
      close();
    }
    return this;
  }

  boolean isEmpty() {
    return sb.length() == 0;
  }

  @Override
  public String toString() {
    return sb.toString();
  }
}
