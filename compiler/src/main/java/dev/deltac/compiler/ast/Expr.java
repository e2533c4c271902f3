package dev.deltac.compiler.ast;

import dev.deltac.compiler.diag.SourceSpan;
import java.util.List;

/** Expressions of the {@code .nn} language (dsl.md section 4). Immutable; every node has a span. */
public sealed interface Expr {
  SourceSpan span();

  /** A number literal; {@code text} is as written, for printing and messages. */
  record Num(double value, String text, SourceSpan span) implements Expr {}

  /** {@code true} or {@code false}. */
  record Bool(boolean value, SourceSpan span) implements Expr {}

  /** A reference to a name: input, target, param, const, binding, state, loop variable, argument. */
  record Name(String name, SourceSpan span) implements Expr {}

  /** {@code h.W}: a param that layer sugar introduced for binding {@code h}. */
  record Member(Expr target, Ident member, SourceSpan span) implements Expr {}

  /** {@code -x}. */
  record Neg(Expr operand, SourceSpan span) implements Expr {}

  /** Binary operators, elementwise except {@code @}. */
  record Binary(BinaryOp op, Expr left, Expr right, SourceSpan span) implements Expr {}

  /** {@code f(a, b, name=c)}: positional arguments first, then named ones. */
  record Call(Ident callee, List<Expr> args, List<NamedArg> named, SourceSpan span) implements Expr {
    public Call {
      args = List.copyOf(args);
      named = List.copyOf(named);
    }
  }

  /** {@code name=value} inside a call. */
  record NamedArg(Ident name, Expr value, SourceSpan span) {}

  /** {@code x[i]}: selects along the first axis. */
  record Index(Expr target, Expr index, SourceSpan span) implements Expr {}

  /** {@code x[a:b]}: slices the first axis, {@code b} excluded. */
  record Slice(Expr target, Expr from, Expr to, SourceSpan span) implements Expr {}

  /**
   * {@code x[e1, e2, ...]} with two or more entries, one per axis from the first (dsl.md section
   * 9): an index removes its axis, {@code a:b} slices it, {@code :} keeps it whole; axes after
   * the last entry are kept.
   */
  record Subscript(Expr target, List<Entry> entries, SourceSpan span) implements Expr {
    public Subscript {
      entries = List.copyOf(entries);
    }
  }

  /**
   * One entry of a {@link Subscript}: {@code :} (both null), an index {@code from} ({@code to}
   * null), or the range {@code from:to}.
   */
  record Entry(Expr from, Expr to, SourceSpan span) {
    public boolean whole() {
      return from == null && to == null;
    }

    public boolean index() {
      return from != null && to == null;
    }
  }

  /** {@code x.T}. */
  record Transpose(Expr operand, SourceSpan span) implements Expr {}

  /** {@code if c then a else b}. */
  record If(Expr cond, Expr then, Expr otherwise, SourceSpan span) implements Expr {}

  /** {@code [a, b, c]}: only as an argument, e.g. the dims of {@code reshape(x, [2, 3])}. */
  record ListLit(List<Expr> elements, SourceSpan span) implements Expr {
    public ListLit {
      elements = List.copyOf(elements);
    }
  }

  enum BinaryOp {
    ADD("+"), SUB("-"), MUL("*"), DIV("/"), MATMUL("@"), POW("^"),
    LT("<"), LE("<="), GT(">"), GE(">="), EQ("=="), NE("!=");

    public final String symbol;

    BinaryOp(String symbol) {
      this.symbol = symbol;
    }

    public boolean isComparison() {
      return ordinal() >= LT.ordinal();
    }
  }
}
