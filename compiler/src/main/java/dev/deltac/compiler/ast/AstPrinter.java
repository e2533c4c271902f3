package dev.deltac.compiler.ast;

import java.util.List;

/**
 * Prints an AST as canonical {@code .nn} text: two-space indentation, one statement per line,
 * {@code a + b} with spaces around binary operators, {@code f(x, alpha=0.2)} for calls, and only
 * the parentheses that precedence and associativity require. Comments are not kept. Parsing
 * the output gives an AST equal to the input (see {@link AstEquality}).
 */
public final class AstPrinter {
  // precedence levels, lowest first
  private static final int IF = 0;
  private static final int CMP = 1;
  private static final int ADD = 2;
  private static final int MUL = 3;
  private static final int UNARY = 4;
  private static final int POW = 5;
  private static final int POSTFIX = 6;

  private final StringBuilder out = new StringBuilder();

  private AstPrinter() {}

  public static String print(Program program) {
    AstPrinter p = new AstPrinter();
    boolean first = true;
    for (Decl d : program.decls()) {
      if (!first) p.out.append('\n');
      first = false;
      p.decl(d);
    }
    return p.out.toString();
  }

  public static String print(Expr e) {
    AstPrinter p = new AstPrinter();
    p.expr(e, IF);
    return p.out.toString();
  }

  public static String print(Stmt s) {
    AstPrinter p = new AstPrinter();
    p.stmt(s, 0);
    return p.out.toString().stripTrailing();
  }

  private void decl(Decl d) {
    if (d instanceof Decl.Model m) {
      out.append("model ").append(m.name().name()).append(" {\n");
      body(m.body(), 1);
    } else {
      Decl.Function f = (Decl.Function) d;
      out.append("function ").append(f.name().name()).append('(');
      for (int i = 0; i < f.args().size(); i++) {
        if (i > 0) out.append(", ");
        Decl.Arg a = f.args().get(i);
        out.append(a.name().name());
        dims(a.shape());
      }
      out.append(") {\n");
      body(f.body(), 1);
    }
    out.append("}\n");
  }

  private void body(List<Stmt> stmts, int indent) {
    for (Stmt s : stmts) stmt(s, indent);
  }

  private void indent(int n) {
    out.append("  ".repeat(n));
  }

  private void dims(List<Dim> dims) {
    if (dims.isEmpty()) return;
    out.append('[');
    for (int i = 0; i < dims.size(); i++) {
      if (i > 0) out.append(", ");
      out.append(dims.get(i).value());
    }
    out.append(']');
  }

  private void stmt(Stmt s, int indent) {
    indent(indent);
    if (s instanceof Stmt.Input i) {
      out.append("input ").append(i.name().name());
      dims(i.shape());
    } else if (s instanceof Stmt.Target t) {
      out.append("target ").append(t.name().name());
      dims(t.shape());
    } else if (s instanceof Stmt.Param p) {
      out.append("param ").append(p.name().name());
      dims(p.shape());
      if (p.init() != null) {
        out.append(" = ").append(p.init().name().name());
        if (!p.init().args().isEmpty()) {
          out.append('(');
          exprList(p.init().args());
          out.append(')');
        }
      }
    } else if (s instanceof Stmt.Const c) {
      out.append("const ").append(c.name().name());
      dims(c.shape());
      out.append(" = ");
      if (c.shape().isEmpty() && c.values().size() == 1) {
        expr(c.values().get(0), IF);
      } else {
        out.append('[');
        exprList(c.values());
        out.append(']');
      }
    } else if (s instanceof Stmt.Bind b) {
      out.append(b.name().name()).append(" = ");
      expr(b.value(), IF);
    } else if (s instanceof Stmt.State st) {
      out.append("state ").append(st.name().name());
      dims(st.shape());
      out.append(" = ");
      expr(st.start(), IF);
    } else if (s instanceof Stmt.For f) {
      out.append("for ").append(f.var().name()).append(" in ").append(f.from().value()).append("..")
          .append(f.to().value()).append(" {\n");
      body(f.body(), indent + 1);
      indent(indent);
      out.append('}');
    } else if (s instanceof Stmt.Output o) {
      out.append("output ");
      for (int i = 0; i < o.names().size(); i++) {
        if (i > 0) out.append(", ");
        out.append(o.names().get(i).name());
      }
    } else if (s instanceof Stmt.Loss l) {
      out.append(l.accumulate() ? "loss += " : "loss ");
      expr(l.value(), IF);
    } else if (s instanceof Stmt.Train t) {
      out.append("train {\n");
      for (TrainSetting ts : t.settings()) {
        indent(indent + 1);
        out.append(ts.key().name()).append(' ');
        expr(ts.value(), IF);
        out.append('\n');
      }
      indent(indent);
      out.append('}');
    } else if (s instanceof Stmt.Return r) {
      out.append("return ");
      expr(r.value(), IF);
    }
    out.append('\n');
  }

  private void exprList(List<Expr> list) {
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) out.append(", ");
      expr(list.get(i), IF);
    }
  }

  /** Precedence level of an expression's top operator. */
  static int level(Expr e) {
    if (e instanceof Expr.If) return IF;
    if (e instanceof Expr.Binary b) {
      if (b.op().isComparison()) return CMP;
      return switch (b.op()) {
        case ADD, SUB -> ADD;
        case MUL, DIV, MATMUL -> MUL;
        default -> POW;
      };
    }
    if (e instanceof Expr.Neg) return UNARY;
    if (e instanceof Expr.Num n && n.text().startsWith("-")) return UNARY;
    return POSTFIX;
  }

  private void expr(Expr e, int min) {
    boolean parens = level(e) < min;
    if (parens) out.append('(');
    if (e instanceof Expr.Num n) {
      out.append(n.text());
    } else if (e instanceof Expr.Bool b) {
      out.append(b.value());
    } else if (e instanceof Expr.Name n) {
      out.append(n.name());
    } else if (e instanceof Expr.Member m) {
      expr(m.target(), POSTFIX);
      out.append('.').append(m.member().name());
    } else if (e instanceof Expr.Neg n) {
      out.append('-');
      if (level(n.operand()) == UNARY) out.append(' ');
      expr(n.operand(), UNARY);
    } else if (e instanceof Expr.Binary b) {
      int lv = level(b);
      int left;
      int right;
      if (lv == CMP) {
        left = ADD;
        right = ADD;
      } else if (lv == POW) {
        left = POSTFIX;
        right = UNARY;
      } else {
        left = lv;
        right = lv + 1;
      }
      expr(b.left(), left);
      out.append(' ').append(b.op().symbol).append(' ');
      expr(b.right(), right);
    } else if (e instanceof Expr.Call c) {
      out.append(c.callee().name()).append('(');
      exprList(c.args());
      for (int i = 0; i < c.named().size(); i++) {
        if (i > 0 || !c.args().isEmpty()) out.append(", ");
        Expr.NamedArg a = c.named().get(i);
        out.append(a.name().name()).append('=');
        expr(a.value(), IF);
      }
      out.append(')');
    } else if (e instanceof Expr.Index i) {
      expr(i.target(), POSTFIX);
      out.append('[');
      expr(i.index(), IF);
      out.append(']');
    } else if (e instanceof Expr.Slice s) {
      expr(s.target(), POSTFIX);
      out.append('[');
      expr(s.from(), IF);
      out.append(':');
      expr(s.to(), IF);
      out.append(']');
    } else if (e instanceof Expr.Subscript s) {
      expr(s.target(), POSTFIX);
      out.append('[');
      for (int i = 0; i < s.entries().size(); i++) {
        Expr.Entry en = s.entries().get(i);
        if (i > 0) out.append(", ");
        if (en.whole()) {
          out.append(':');
        } else {
          expr(en.from(), IF);
          if (!en.index()) {
            out.append(':');
            expr(en.to(), IF);
          }
        }
      }
      out.append(']');
    } else if (e instanceof Expr.Transpose t) {
      expr(t.operand(), POSTFIX);
      out.append(".T");
    } else if (e instanceof Expr.If i) {
      out.append("if ");
      expr(i.cond(), IF);
      out.append(" then ");
      expr(i.then(), IF);
      out.append(" else ");
      expr(i.otherwise(), IF);
    } else if (e instanceof Expr.ListLit l) {
      out.append('[');
      exprList(l.elements());
      out.append(']');
    }
    if (parens) out.append(')');
  }
}
