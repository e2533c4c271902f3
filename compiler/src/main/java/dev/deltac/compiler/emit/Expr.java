package dev.deltac.compiler.emit;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.TypeName;
import java.util.List;

/**
 * A Java expression of generated kernel code, as a tree. The emitter builds these and {@link
 * Render} writes them through JavaPoet: names with {@code $N} (locals allocated per scope,
 * fields from the class's allocator), types with {@code $T}. Nothing ever reads generated text
 * back: parentheses, constant folding and equality are decided on the tree.
 *
 * <p>Records compare by value, so two kernels built the same way are equal (the passes share
 * leading units by comparing them; see {@link Sharing#commonPrefix}).
 */
sealed interface Expr {
  /** An int constant; index arithmetic on constants folds. */
  record Int(int value) implements Expr {}

  /**
   * A literal of the element type ({@code 0.5f}, {@code 1.0E-5}, a {@code double} such as
   * {@code 0.5} in double arithmetic), made by {@link Num}; {@code text} is never user text.
   */
  record Lit(String text, boolean negative) implements Expr {}

  /** A static constant such as {@code Double.NEGATIVE_INFINITY}. */
  record StaticField(ClassName owner, String name) implements Expr {}

  /** A field of the generated class (its name comes from the class's {@code NameAllocator}). */
  record Field(String name) implements Expr {}

  /** A local variable or parameter, named when the method is rendered. */
  record Var(Local local) implements Expr {}

  /** {@code array[index]}. */
  record Index(Expr array, Expr index) implements Expr {}

  /** A binary operator: {@code + - * / %}, comparisons, {@code && ||}. */
  record Bin(String op, Expr left, Expr right) implements Expr {}

  /** Unary minus or logical not ({@code op} is "-" or "!"). */
  record Unary(String op, Expr operand) implements Expr {}

  /** {@code (type) operand}. */
  record Cast(TypeName type, Expr operand) implements Expr {}

  /** {@code (cond ? a : b)}, always parenthesized. */
  record Cond(Expr cond, Expr a, Expr b) implements Expr {}

  /**
   * A method call: {@code Owner.method(args)} for a static method of {@code owner}, or
   * {@code method(args)} on the generated class itself when {@code owner} is null.
   */
  record Call(ClassName owner, String method, List<Expr> args) implements Expr {
    public Call {
      args = List.copyOf(args);
    }
  }

  /** {@code array.length}. */
  record Length(Expr array) implements Expr {}

  /** An explicit pair of parentheses around {@code inner}. */
  record Paren(Expr inner) implements Expr {}

  /** A string literal, rendered escaped ({@code "ids"}): names in run-time error messages. */
  record Str(String value) implements Expr {}

  /** The {@code null} reference (an absent optional array argument of a runtime kernel). */
  Expr NULL = new Lit("null", false);

  /** The boolean literals (flags of a runtime kernel). */
  Expr TRUE = new Lit("true", false);
  Expr FALSE = new Lit("false", false);

  static Expr bool(boolean b) {
    return b ? TRUE : FALSE;
  }

  // ---- factories

  static Expr i(int v) {
    return new Int(v);
  }

  static Expr v(Local l) {
    return new Var(l);
  }

  static Expr field(String name) {
    return new Field(name);
  }

  static Expr at(Expr array, Expr index) {
    return new Index(array, index);
  }

  static Expr at(Expr array, int index) {
    return new Index(array, new Int(index));
  }

  static Expr call(ClassName owner, String method, Expr... args) {
    return new Call(owner, method, List.of(args));
  }

  /** A call of a method of the generated class. */
  static Expr self(String method, Expr... args) {
    return new Call(null, method, List.of(args));
  }

  static Expr bin(String op, Expr a, Expr b) {
    return new Bin(op, a, b);
  }

  static Expr add(Expr a, Expr b) {
    return new Bin("+", a, b);
  }

  static Expr sub(Expr a, Expr b) {
    return new Bin("-", a, b);
  }

  static Expr mul(Expr a, Expr b) {
    return new Bin("*", a, b);
  }

  static Expr div(Expr a, Expr b) {
    return new Bin("/", a, b);
  }

  static Expr neg(Expr a) {
    return new Unary("-", a);
  }

  static Expr cond(Expr c, Expr a, Expr b) {
    return new Cond(c, a, b);
  }

  static Expr paren(Expr e) {
    return new Paren(e);
  }

  // ---- int index arithmetic that folds constants (W1[2][1], not W1[(0 + 2)][1])

  static boolean isConst(Expr e) {
    return e instanceof Int;
  }

  static int value(Expr e) {
    return ((Int) e).value();
  }

  static Expr plus(Expr a, Expr b) {
    if (a instanceof Int x && b instanceof Int y) return new Int(x.value() + y.value());
    if (b instanceof Int y && y.value() == 0) return a;
    if (a instanceof Int x && x.value() == 0) return b;
    if (b instanceof Bin y && y.op().equals("+")) return plus(plus(a, y.left()), y.right());
    return new Bin("+", a, b);
  }

  static Expr plus(Expr a, int k) {
    return plus(a, new Int(k));
  }

  static Expr times(Expr a, int k) {
    if (a instanceof Int x) return new Int(x.value() * k);
    if (k == 1) return a;
    if (k == 0) return new Int(0);
    return new Bin("*", a, new Int(k));
  }

  static Expr over(Expr a, int k) {
    if (a instanceof Int x) return new Int(x.value() / k);
    if (k == 1) return a;
    return new Bin("/", a, new Int(k));
  }

  static Expr mod(Expr a, int k) {
    if (a instanceof Int x) return new Int(x.value() % k);
    if (k == 1) return new Int(0);
    return new Bin("%", a, new Int(k));
  }
}
