package dev.deltac.compiler.parse;

import dev.deltac.compiler.ast.Decl;
import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.ast.Exprs;
import dev.deltac.compiler.ast.Program;
import dev.deltac.compiler.ast.Stmt;
import dev.deltac.compiler.ast.TrainSetting;
import dev.deltac.compiler.diag.DiagnosticKind;
import dev.deltac.compiler.diag.Diagnostics;
import java.util.List;

/** Rejects expression trees deeper than {@link Parser#MAX_EXPR_DEPTH}, so later stages may recurse. */
final class ExprDepth {
  private ExprDepth() {}

  static boolean check(Program program, Diagnostics diags) {
    boolean ok = true;
    for (Decl d : program.decls()) {
      List<Stmt> body = d instanceof Decl.Model m ? m.body() : ((Decl.Function) d).body();
      ok &= stmts(body, diags);
    }
    return ok;
  }

  private static boolean stmts(List<Stmt> body, Diagnostics diags) {
    boolean ok = true;
    for (Stmt s : body) {
      if (s instanceof Stmt.Bind b) {
        ok &= expr(b.value(), diags);
      } else if (s instanceof Stmt.State st) {
        ok &= expr(st.start(), diags);
      } else if (s instanceof Stmt.Loss l) {
        ok &= expr(l.value(), diags);
      } else if (s instanceof Stmt.Return r) {
        ok &= expr(r.value(), diags);
      } else if (s instanceof Stmt.For f) {
        ok &= stmts(f.body(), diags);
      } else if (s instanceof Stmt.Train t) {
        for (TrainSetting ts : t.settings()) ok &= expr(ts.value(), diags);
      }
    }
    return ok;
  }

  private static boolean expr(Expr e, Diagnostics diags) {
    if (e == null) return true;
    int d = depth(e);
    if (d > Parser.MAX_EXPR_DEPTH) {
      diags.error(DiagnosticKind.NESTING_TOO_DEEP, e.span(),
          "expression nested " + d + " deep; the limit is " + Parser.MAX_EXPR_DEPTH
              + " (split it with bindings)");
      return false;
    }
    return true;
  }

  /** Depth of the expression tree. */
  static int depth(Expr e) {
    int max = 0;
    for (Expr c : Exprs.children(e)) max = Math.max(max, depth(c));
    return 1 + max;
  }
}
