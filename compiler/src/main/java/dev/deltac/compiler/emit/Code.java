package dev.deltac.compiler.emit;

import com.palantir.javapoet.TypeName;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds the statements of one kernel ({@link Stmt} trees), with loops that unroll on request.
 * Blocks, ifs and loops nest by {@link #open()}/{@link #openIf}/{@link #close()}; locals are
 * numbered per hint in the order they are made, so two kernels built the same way are equal.
 */
final class Code {
  /** An open construct: its statements so far and how to close it. */
  private static final class Frame {
    final List<Stmt> body = new ArrayList<>();
    final Expr cond;
    List<Stmt> then;

    Frame(Expr cond) {
      this.cond = cond;
    }
  }

  private final List<Stmt> top = new ArrayList<>();
  private final Deque<Frame> open = new ArrayDeque<>();
  private final Map<String, Integer> serials = new HashMap<>();

  private List<Stmt> current() {
    return open.isEmpty() ? top : open.peek().body;
  }

  Code add(Stmt s) {
    current().add(s);
    return this;
  }

  Code comment(String text) {
    return add(new Stmt.Comment(text));
  }

  /** {@code target = value;} */
  Code assign(Expr target, Expr value) {
    return add(new Stmt.Assign(target, "=", value));
  }

  /** {@code target op value;} for a compound assignment ({@code +=}, {@code *=}, ...). */
  Code update(Expr target, String op, Expr value) {
    return add(new Stmt.Assign(target, op, value));
  }

  /** {@code target += value;} */
  Code accumulate(Expr target, Expr value) {
    return update(target, "+=", value);
  }

  /** A call for its effect. */
  Code eval(Expr call) {
    return add(new Stmt.Eval(call));
  }

  /** {@code if (cond) continue;} */
  Code continueIf(Expr cond) {
    return add(new Stmt.If(cond, new Stmt.Block(java.util.List.of(new Stmt.Continue())), null));
  }

  /** A new local with this hint (declare it with {@link #declare}). */
  Local local(String hint) {
    int k = serials.merge(hint, 1, Integer::sum) - 1;
    return new Local(hint, k);
  }

  /** Declares {@code type hint = init;} and returns the new local as an expression. */
  Expr declare(TypeName type, String hint, Expr init) {
    Local l = local(hint);
    add(new Stmt.Decl(type, l, init));
    return Expr.v(l);
  }

  /** Opens a braced block (a scope of its own). */
  Code open() {
    open.push(new Frame(null));
    return this;
  }

  /** Opens {@code if (cond) {}}. */
  Code openIf(Expr cond) {
    open.push(new Frame(cond));
    return this;
  }

  /** Ends the then-branch of the open {@code if} and opens its else-branch. */
  Code orElse() {
    Frame f = open.peek();
    if (f == null || f.cond == null || f.then != null) {
      throw new IllegalStateException("no open if");
    }
    f.then = new ArrayList<>(f.body);
    f.body.clear();
    return this;
  }

  Code close() {
    Frame f = open.pop();
    if (f.cond == null) {
      add(new Stmt.Block(f.body));
    } else if (f.then == null) {
      add(new Stmt.If(f.cond, new Stmt.Block(f.body), null));
    } else {
      add(new Stmt.If(f.cond, new Stmt.Block(f.then), new Stmt.Block(f.body)));
    }
    return this;
  }

  /** {@code for (int var = 0; var < n; var++)}, or n copies of the body with constant indices. */
  Code loop(String var, int n, boolean unroll, Consumer<Expr> body) {
    return loop(var, 0, n, 1, unroll, body);
  }

  Code loop(String var, int from, int to, int step, boolean unroll, Consumer<Expr> body) {
    if (from >= to) return this;
    if (unroll) {
      for (int k = from; k < to; k += step) body.accept(Expr.i(k));
    } else if (to - from == step) {
      open();
      body.accept(Expr.i(from));
      close();
    } else {
      Local v = local(var);
      open.push(new Frame(null));
      body.accept(Expr.v(v));
      Frame f = open.pop();
      add(new Stmt.For(v, Expr.i(from), Expr.i(to), step, new Stmt.Block(f.body)));
    }
    return this;
  }

  /** {@code for (int v = from; v < to; v++) body} with bounds that need not be constants. */
  Code forRange(String hint, Expr from, Expr to, Consumer<Expr> body) {
    Local v = local(hint);
    open.push(new Frame(null));
    body.accept(Expr.v(v));
    Frame f = open.pop();
    return add(new Stmt.For(v, from, to, 1, new Stmt.Block(f.body)));
  }

  /**
   * {@code for (int v = from; v < to; v += step) body}: always a loop, even of one trip (where
   * {@link #loop} would write the body once with a constant).
   */
  Code forRange(String hint, Expr from, Expr to, int step, Consumer<Expr> body) {
    Local v = local(hint);
    open.push(new Frame(null));
    body.accept(Expr.v(v));
    Frame f = open.pop();
    return add(new Stmt.For(v, from, to, step, new Stmt.Block(f.body)));
  }

  /** The statements built, all blocks closed. */
  List<Stmt> stmts() {
    if (!open.isEmpty()) throw new IllegalStateException(open.size() + " blocks still open");
    return List.copyOf(top);
  }

  boolean isEmpty() {
    return top.isEmpty() && open.isEmpty();
  }
}
