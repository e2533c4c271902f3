package dev.deltac.compiler.ast;

import java.util.ArrayList;
import java.util.List;

/** Small helpers over {@link Expr} trees. */
public final class Exprs {
  private Exprs() {}

  /** The direct sub-expressions of {@code e}, in source order (named argument values included). */
  public static List<Expr> children(Expr e) {
    if (e instanceof Expr.Member m) return List.of(m.target());
    if (e instanceof Expr.Neg n) return List.of(n.operand());
    if (e instanceof Expr.Binary b) return List.of(b.left(), b.right());
    if (e instanceof Expr.Call c) {
      List<Expr> out = new ArrayList<>(c.args());
      for (Expr.NamedArg a : c.named()) out.add(a.value());
      return out;
    }
    if (e instanceof Expr.Index i) return List.of(i.target(), i.index());
    if (e instanceof Expr.Slice s) return List.of(s.target(), s.from(), s.to());
    if (e instanceof Expr.Subscript s) {
      List<Expr> out = new ArrayList<>();
      out.add(s.target());
      for (Expr.Entry en : s.entries()) {
        if (en.from() != null) out.add(en.from());
        if (en.to() != null) out.add(en.to());
      }
      return out;
    }
    if (e instanceof Expr.Transpose t) return List.of(t.operand());
    if (e instanceof Expr.If i) return List.of(i.cond(), i.then(), i.otherwise());
    if (e instanceof Expr.ListLit l) return l.elements();
    return List.of();
  }
}
