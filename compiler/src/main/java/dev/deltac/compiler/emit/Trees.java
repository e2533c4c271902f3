package dev.deltac.compiler.emit;

import java.util.Set;

/** Questions about code-model trees ({@link Stmt}, {@link Expr}) that decisions are made on. */
final class Trees {
  private Trees() {}

  /** True when the statement reads or writes one of these fields anywhere inside. */
  static boolean mentions(Stmt s, Set<String> fields) {
    if (s instanceof Stmt.Assign a) return mentions(a.target(), fields) || mentions(a.value(), fields);
    if (s instanceof Stmt.Decl d) return d.init() != null && mentions(d.init(), fields);
    if (s instanceof Stmt.Eval e) return mentions(e.call(), fields);
    if (s instanceof Stmt.For f) {
      return mentions(f.from(), fields) || mentions(f.to(), fields) || mentions(f.body(), fields);
    }
    if (s instanceof Stmt.If i) {
      return mentions(i.cond(), fields) || mentions(i.then(), fields)
          || (i.orElse() != null && mentions(i.orElse(), fields));
    }
    if (s instanceof Stmt.Return r) return r.value() != null && mentions(r.value(), fields);
    if (s instanceof Stmt.Block b) {
      for (Stmt x : b.body()) {
        if (mentions(x, fields)) return true;
      }
      return false;
    }
    if (s instanceof Stmt.Comment || s instanceof Stmt.Continue) return false;
    throw new IllegalStateException("unknown statement " + s);
  }

  static boolean mentions(Expr e, Set<String> fields) {
    if (e instanceof Expr.Field f) return fields.contains(f.name());
    if (e instanceof Expr.Index x) return mentions(x.array(), fields) || mentions(x.index(), fields);
    if (e instanceof Expr.Bin b) return mentions(b.left(), fields) || mentions(b.right(), fields);
    if (e instanceof Expr.Unary u) return mentions(u.operand(), fields);
    if (e instanceof Expr.Cast c) return mentions(c.operand(), fields);
    if (e instanceof Expr.Cond c) {
      return mentions(c.cond(), fields) || mentions(c.a(), fields) || mentions(c.b(), fields);
    }
    if (e instanceof Expr.Call c) {
      for (Expr a : c.args()) {
        if (mentions(a, fields)) return true;
      }
      return false;
    }
    if (e instanceof Expr.Paren p) return mentions(p.inner(), fields);
    if (e instanceof Expr.Length l) return mentions(l.array(), fields);
    return false;
  }

  /**
   * A rough bytecode size of generated statements, for splitting code into methods HotSpot will
   * compile ({@link Units}): about 3 bytes per name, number or load, 1 per operator, 2 per
   * element access and statement end, plus the loop and branch overheads. The bytecode tests
   * check the real sizes.
   */
  static int estimate(java.util.List<Stmt> stmts) {
    int n = 0;
    for (Stmt s : stmts) n += estimate(s);
    return n;
  }

  static int estimate(Stmt s) {
    if (s instanceof Stmt.Assign a) return estimate(a.target()) + a.op().length() + estimate(a.value()) + 2;
    if (s instanceof Stmt.Decl d) return 3 + 3 + (d.init() == null ? 0 : 1 + estimate(d.init())) + 2;
    if (s instanceof Stmt.Eval e) return estimate(e.call()) + 2;
    if (s instanceof Stmt.For f) {
      return 33 + estimate(f.from()) + estimate(f.to()) + estimate(f.body().body());
    }
    if (s instanceof Stmt.If i) {
      return 4 + estimate(i.cond()) + estimate(i.then().body())
          + (i.orElse() == null ? 0 : 3 + estimate(i.orElse().body()));
    }
    if (s instanceof Stmt.Return r) return 5 + (r.value() == null ? 0 : estimate(r.value()));
    if (s instanceof Stmt.Block b) return estimate(b.body());
    if (s instanceof Stmt.Continue) return 5;
    if (s instanceof Stmt.Comment) return 0;
    throw new IllegalStateException("unknown statement " + s);
  }

  static int estimate(Expr e) {
    if (e instanceof Expr.Int || e instanceof Expr.Lit || e instanceof Expr.Field || e instanceof Expr.Var) return 3;
    if (e instanceof Expr.StaticField) return 4;
    if (e instanceof Expr.Index x) return 2 + estimate(x.array()) + estimate(x.index());
    if (e instanceof Expr.Bin b) return b.op().length() + estimate(b.left()) + estimate(b.right());
    if (e instanceof Expr.Unary u) return 1 + estimate(u.operand());
    if (e instanceof Expr.Cast c) return 4 + estimate(c.operand());
    if (e instanceof Expr.Cond c) return 4 + estimate(c.cond()) + estimate(c.a()) + estimate(c.b());
    if (e instanceof Expr.Call c) {
      int n = (c.owner() == null ? 3 : 4) + 1;
      for (Expr a : c.args()) n += estimate(a);
      return n;
    }
    if (e instanceof Expr.Paren p) return 1 + estimate(p.inner());
    if (e instanceof Expr.Length l) return 3 + estimate(l.array());
    throw new IllegalStateException("unknown expression " + e);
  }
}
