package dev.deltac.compiler.emit;

/**
 * An int index expression of generated code that folds constants, so that unrolled code reads
 * {@code W1[2][1]} rather than {@code W1[(0 + 2)][1]}.
 */
final class Ix {
  private final int value;
  private final String expr;
  /** True when {@code expr} can be an operand of * / % without parentheses. */
  private final boolean atomic;

  private Ix(int value, String expr, boolean atomic) {
    this.value = value;
    this.expr = expr;
    this.atomic = atomic;
  }

  static Ix c(int v) {
    return new Ix(v, null, true);
  }

  static Ix v(String name) {
    return new Ix(0, name, true);
  }

  /** A compound expression (parenthesized when it becomes an operand). */
  static Ix e(String expr) {
    return new Ix(0, expr, false);
  }

  boolean isConst() {
    return expr == null;
  }

  int value() {
    return value;
  }

  Ix plus(Ix o) {
    if (isConst() && o.isConst()) return c(value + o.value);
    if (o.isConst() && o.value == 0) return this;
    if (isConst() && value == 0) return o;
    return new Ix(0, this + " + " + o, false);
  }

  Ix plus(int k) {
    return plus(c(k));
  }

  Ix times(int k) {
    if (isConst()) return c(value * k);
    if (k == 1) return this;
    if (k == 0) return c(0);
    return new Ix(0, paren() + " * " + k, false);
  }

  Ix div(int k) {
    if (isConst()) return c(value / k);
    if (k == 1) return this;
    return new Ix(0, paren() + " / " + k, false);
  }

  Ix mod(int k) {
    if (isConst()) return c(value % k);
    if (k == 1) return c(0);
    return new Ix(0, paren() + " % " + k, false);
  }

  private String paren() {
    return atomic ? toString() : "(" + this + ")";
  }

  @Override
  public String toString() {
    return isConst() ? Integer.toString(value) : expr;
  }
}
