package dev.deltac.compiler.emit;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.TypeName;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@link Stmt} and {@link Expr} trees as JavaPoet code: every name through {@code $N},
 * every type through {@code $T}, literals of the element type through {@code $L} (made by {@link
 * Num}, never user text).
 *
 * <p><b>Names.</b> A method is rendered in a scope whose {@link NameAllocator} is a copy of the
 * class's, which holds every field, the simple name of every type the generated code refers to,
 * and the package roots ({@code java}, {@code dev}): a local therefore never hides a field and
 * never obscures a type, whatever the user named things. Each block copies its parent's scope,
 * so sibling blocks may reuse a name and nested ones never shadow.
 *
 * <p><b>Parentheses.</b> Decided on the tree: an operand is parenthesized unless it is atomic (a
 * name, an element, a call, a non-negative literal, a parenthesized conditional) or, on the right
 * of {@code +}, a product.
 */
final class Render {
  private Render() {}

  /** A lexical scope: names taken so far and the locals declared in it. */
  static final class Scope {
    private final NameAllocator names;
    private final Map<Local, String> bound = new HashMap<>();
    private final Scope parent;

    private Scope(NameAllocator names, Scope parent) {
      this.names = names;
      this.parent = parent;
    }

    /** A method's scope, under the class's allocator (which it does not change). */
    static Scope method(NameAllocator classNames) {
      return new Scope(classNames.clone(), null);
    }

    Scope child() {
      return new Scope(names.clone(), this);
    }

    /** Declares a new local in this scope and returns its Java name. */
    String declare(Local l) {
      String n = names.newName(l.hint());
      bound.put(l, n);
      return n;
    }

    String name(Local l) {
      for (Scope s = this; s != null; s = s.parent) {
        String n = s.bound.get(l);
        if (n != null) return n;
      }
      throw new IllegalStateException("local used outside its scope: " + l);
    }
  }

  /** The statements of a method body (or part of one) in {@code scope}. */
  static CodeBlock stmts(List<Stmt> body, Scope scope) {
    CodeBlock.Builder b = CodeBlock.builder();
    for (Stmt s : body) stmt(s, b, scope);
    return b.build();
  }

  /** One expression, for a caller that writes it into a statement of its own. */
  static CodeBlock expr(Expr e, Scope scope) {
    CodeBlock.Builder b = CodeBlock.builder();
    expr(e, b, scope);
    return b.build();
  }

  private static void stmt(Stmt s, CodeBlock.Builder b, Scope scope) {
    if (s instanceof Stmt.Assign a) {
      expr(a.target(), b, scope);
      b.add(" $L ", a.op());
      expr(a.value(), b, scope);
      b.add(";\n");
    } else if (s instanceof Stmt.Decl d) {
      String name = scope.declare(d.local());
      b.add("$T $N", d.type(), name);
      if (d.init() != null) {
        b.add(" = ");
        expr(d.init(), b, scope);
      }
      b.add(";\n");
    } else if (s instanceof Stmt.Eval e) {
      expr(e.call(), b, scope);
      b.add(";\n");
    } else if (s instanceof Stmt.For f) {
      Scope inner = scope.child();
      String v = inner.declare(f.var());
      b.add("for ($T $N = ", TypeName.INT, v);
      expr(f.from(), b, inner);
      b.add("; $N < ", v);
      expr(f.to(), b, inner);
      if (f.step() == 1) b.add("; $N++) {\n$>", v);
      else b.add("; $N += $L) {\n$>", v, f.step());
      for (Stmt x : f.body().body()) stmt(x, b, inner);
      b.add("$<}\n");
    } else if (s instanceof Stmt.If i) {
      b.add("if (");
      expr(i.cond(), b, scope);
      b.add(") {\n$>");
      Scope then = scope.child();
      for (Stmt x : i.then().body()) stmt(x, b, then);
      if (i.orElse() != null) {
        b.add("$<} else {\n$>");
        Scope other = scope.child();
        for (Stmt x : i.orElse().body()) stmt(x, b, other);
      }
      b.add("$<}\n");
    } else if (s instanceof Stmt.Return r) {
      if (r.value() == null) {
        b.add("return;\n");
      } else {
        b.add("return ");
        expr(r.value(), b, scope);
        b.add(";\n");
      }
    } else if (s instanceof Stmt.Continue) {
      b.add("continue;\n");
    } else if (s instanceof Stmt.Comment c) {
      b.add("// $L\n", SourceText.comment(c.text()));
    } else if (s instanceof Stmt.Block blk) {
      b.add("{\n$>");
      Scope inner = scope.child();
      for (Stmt x : blk.body()) stmt(x, b, inner);
      b.add("$<}\n");
    } else {
      throw new IllegalStateException("unknown statement " + s);
    }
  }

  private static void expr(Expr e, CodeBlock.Builder b, Scope scope) {
    if (e instanceof Expr.Int i) {
      b.add("$L", i.value());
    } else if (e instanceof Expr.Lit l) {
      b.add("$L", l.text());
    } else if (e instanceof Expr.Str str) {
      b.add("$S", str.value());
    } else if (e instanceof Expr.StaticField f) {
      b.add("$T.$N", f.owner(), f.name());
    } else if (e instanceof Expr.Field f) {
      b.add("$N", f.name());
    } else if (e instanceof Expr.Var v) {
      b.add("$N", scope.name(v.local()));
    } else if (e instanceof Expr.Index x) {
      operand(x.array(), b, scope);
      b.add("[");
      expr(x.index(), b, scope);
      b.add("]");
    } else if (e instanceof Expr.Bin x) {
      bin(x, b, scope);
    } else if (e instanceof Expr.Unary u) {
      b.add("$L", u.op());
      operand(u.operand(), b, scope);
    } else if (e instanceof Expr.Cast c) {
      b.add("($T) ", c.type());
      operand(c.operand(), b, scope);
    } else if (e instanceof Expr.Cond c) {
      b.add("(");
      expr(c.cond(), b, scope);
      b.add(" ? ");
      expr(c.a(), b, scope);
      b.add(" : ");
      expr(c.b(), b, scope);
      b.add(")");
    } else if (e instanceof Expr.Call c) {
      if (c.owner() != null) b.add("$T.", c.owner());
      b.add("$N(", c.method());
      for (int k = 0; k < c.args().size(); k++) {
        if (k > 0) b.add(", ");
        expr(c.args().get(k), b, scope);
      }
      b.add(")");
    } else if (e instanceof Expr.Length l) {
      operand(l.array(), b, scope);
      b.add(".length");
    } else if (e instanceof Expr.Paren p) {
      b.add("(");
      expr(p.inner(), b, scope);
      b.add(")");
    } else {
      throw new IllegalStateException("unknown expression " + e);
    }
  }

  private static void bin(Expr.Bin x, CodeBlock.Builder b, Scope scope) {
    switch (x.op()) {
      case "+":
        left(x.left(), b, scope);
        b.add(" + ");
        if (isProduct(x.right())) expr(x.right(), b, scope);
        else operand(x.right(), b, scope);
        return;
      case "-":
        left(x.left(), b, scope);
        b.add(" - ");
        operand(x.right(), b, scope);
        return;
      case "*", "/", "%":
        // left-associative: a * b / c needs no parentheses around a * b
        if (x.left() instanceof Expr.Bin l && MULTIPLICATIVE.contains(l.op())) expr(x.left(), b, scope);
        else operand(x.left(), b, scope);
        b.add(" $L ", x.op());
        operand(x.right(), b, scope);
        return;
      default:
        operand(x.left(), b, scope);
        b.add(" $L ", x.op());
        operand(x.right(), b, scope);
    }
  }

  /** The left operand of + or -: as it is unless it binds less tightly than they do. */
  private static void left(Expr e, CodeBlock.Builder b, Scope scope) {
    if (e instanceof Expr.Bin x && !ADDITIVE_OR_TIGHTER.contains(x.op())) {
      b.add("(");
      expr(e, b, scope);
      b.add(")");
    } else {
      expr(e, b, scope);
    }
  }

  private static final java.util.Set<String> MULTIPLICATIVE = java.util.Set.of("*", "/", "%");

  private static final java.util.Set<String> ADDITIVE_OR_TIGHTER = java.util.Set.of("+", "-", "*", "/", "%");

  private static void operand(Expr e, CodeBlock.Builder b, Scope scope) {
    if (atomic(e)) {
      expr(e, b, scope);
    } else {
      b.add("(");
      expr(e, b, scope);
      b.add(")");
    }
  }

  /** A product of atomic factors, which needs no parentheses on the right of +. */
  static boolean isProduct(Expr e) {
    return e instanceof Expr.Bin x && x.op().equals("*");
  }

  /** Names, elements, calls, parenthesized forms and unsigned literals. */
  static boolean atomic(Expr e) {
    if (e instanceof Expr.Int i) return i.value() >= 0;
    if (e instanceof Expr.Lit l) return !l.negative();
    return e instanceof Expr.Field || e instanceof Expr.Var || e instanceof Expr.Index
        || e instanceof Expr.Call || e instanceof Expr.Paren || e instanceof Expr.Cond
        || e instanceof Expr.StaticField || e instanceof Expr.Length || e instanceof Expr.Str;
  }
}
