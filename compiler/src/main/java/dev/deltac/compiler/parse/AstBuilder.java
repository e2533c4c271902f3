package dev.deltac.compiler.parse;

import dev.deltac.compiler.ast.Decl;
import dev.deltac.compiler.ast.Dim;
import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.ast.Ident;
import dev.deltac.compiler.ast.Init;
import dev.deltac.compiler.ast.Program;
import dev.deltac.compiler.ast.Stmt;
import dev.deltac.compiler.ast.TrainSetting;
import dev.deltac.compiler.diag.DiagnosticKind;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.grammar.DeltacParser;
import dev.deltac.grammar.DeltacParser.*;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Builds the AST from the parse tree. Works on trees with syntax errors too: parts that failed
 * to parse are dropped (the error has been reported), so the caller gets as much as could be
 * understood.
 */
final class AstBuilder {
  private final String file;
  private final Diagnostics diags;

  AstBuilder(String file, Diagnostics diags) {
    this.file = file;
    this.diags = diags;
  }

  Program program(ProgramContext ctx, String source) {
    List<Decl> decls = new ArrayList<>();
    for (DeclContext d : ctx.decl()) {
      Decl decl = decl(d);
      if (decl != null) decls.add(decl);
    }
    return new Program(file, source, decls);
  }

  // ---- spans ----

  SourceSpan span(ParserRuleContext ctx) {
    Token start = ctx.getStart();
    Token stop = ctx.getStop();
    if (stop == null || stop.getTokenIndex() < start.getTokenIndex()) stop = start;
    return new SourceSpan(file, start.getLine(), start.getCharPositionInLine() + 1, stop.getLine(),
        stop.getCharPositionInLine() + Math.max(1, text(stop).length()));
  }

  SourceSpan span(Token t) {
    return new SourceSpan(file, t.getLine(), t.getCharPositionInLine() + 1, t.getLine(),
        t.getCharPositionInLine() + Math.max(1, text(t).length()));
  }

  private static String text(Token t) {
    String s = t.getText();
    return s == null || t.getType() == Token.EOF ? "" : s;
  }

  // ---- declarations ----

  private Decl decl(DeclContext ctx) {
    if (ctx instanceof ModelDeclContext m) {
      Ident name = ident(m.ident());
      if (name == null || m.block() == null) return null;
      return new Decl.Model(name, block(m.block()), span(m));
    }
    if (!(ctx instanceof FunctionDeclContext f)) return null;
    Ident name = ident(f.ident());
    if (name == null || f.block() == null) return null;
    List<Decl.Arg> args = new ArrayList<>();
    for (FunArgContext a : f.funArg()) {
      Ident an = ident(a.ident());
      if (an == null) continue;
      args.add(new Decl.Arg(an, shape(a.shape()), span(a)));
    }
    return new Decl.Function(name, args, block(f.block()), span(f));
  }

  private List<Stmt> block(BlockContext ctx) {
    List<Stmt> out = new ArrayList<>();
    for (StmtContext s : ctx.stmt()) {
      Stmt st = stmt(s);
      if (st != null) out.add(st);
    }
    return out;
  }

  private Ident ident(IdentContext ctx) {
    if (ctx == null || ctx.ID() == null) return null;
    Token t = ctx.ID().getSymbol();
    if (t.getTokenIndex() < 0) return null; // conjured by error recovery
    return new Ident(t.getText(), span(t));
  }

  private Ident ident(TerminalNode node) {
    Token t = node.getSymbol();
    return new Ident(t.getText(), span(t));
  }

  private List<Dim> shape(ShapeContext ctx) {
    List<Dim> dims = new ArrayList<>();
    if (ctx == null) return dims;
    for (DimContext d : ctx.dim()) {
      Dim dim = dim(d);
      if (dim != null) dims.add(dim);
    }
    return dims;
  }

  private Dim dim(DimContext ctx) {
    if (ctx == null || ctx.INT() == null || ctx.INT().getSymbol().getTokenIndex() < 0) return null;
    long v = Numbers.parseLong(ctx.INT().getText());
    if (ctx.MINUS() != null) v = -v;
    return new Dim(v, span(ctx));
  }


  // ---- statements ----

  private Stmt stmt(StmtContext ctx) {
    SourceSpan sp = span(ctx);
    if (ctx instanceof InputStmtContext c) {
      Ident n = ident(c.ident());
      return n == null ? null : new Stmt.Input(n, shape(c.shape()), sp);
    }
    if (ctx instanceof TargetStmtContext c) {
      Ident n = ident(c.ident());
      return n == null ? null : new Stmt.Target(n, shape(c.shape()), sp);
    }
    if (ctx instanceof ParamStmtContext c) {
      Ident n = ident(c.ident());
      if (n == null) return null;
      Init init = null;
      if (c.init() != null) {
        init = init(c.init());
        if (init == null) return null;
      }
      return new Stmt.Param(n, shape(c.shape()), init, sp);
    }
    if (ctx instanceof ConstStmtContext c) return constStmt(c, sp);
    if (ctx instanceof StateStmtContext c) {
      Ident n = ident(c.ident());
      Expr e = expr(c.expr());
      return n == null || e == null ? null : new Stmt.State(n, shape(c.shape()), e, sp);
    }
    if (ctx instanceof ForStmtContext c) {
      Ident v = ident(c.ident());
      if (v == null || c.dim().size() != 2 || c.block() == null) return null;
      Dim from = dim(c.dim(0));
      Dim to = dim(c.dim(1));
      if (from == null || to == null) return null;
      return new Stmt.For(v, from, to, block(c.block()), sp);
    }
    if (ctx instanceof OutputStmtContext c) {
      List<Ident> names = new ArrayList<>();
      for (IdentContext i : c.ident()) {
        Ident n = ident(i);
        if (n != null) names.add(n);
      }
      return names.isEmpty() ? null : new Stmt.Output(names, sp);
    }
    if (ctx instanceof LossAccStmtContext c) {
      Expr e = expr(c.expr());
      return e == null ? null : new Stmt.Loss(e, true, sp);
    }
    if (ctx instanceof LossStmtContext c) {
      Expr e = expr(c.expr());
      return e == null ? null : new Stmt.Loss(e, false, sp);
    }
    if (ctx instanceof TrainStmtContext c) {
      List<TrainSetting> settings = new ArrayList<>();
      for (TrainSettingContext t : c.trainSetting()) {
        Ident key = ident(t.ident());
        Expr value = expr(t.expr());
        if (key != null && value != null) settings.add(new TrainSetting(key, value, span(t)));
      }
      return new Stmt.Train(settings, sp);
    }
    if (ctx instanceof ReturnStmtContext c) {
      Expr e = expr(c.expr());
      return e == null ? null : new Stmt.Return(e, sp);
    }
    if (ctx instanceof BindStmtContext c) {
      Ident n = ident(c.ident());
      Expr e = expr(c.expr());
      return n == null || e == null ? null : new Stmt.Bind(n, e, sp);
    }
    return null;
  }

  private Stmt constStmt(ConstStmtContext c, SourceSpan sp) {
    Ident n = ident(c.ident());
    if (n == null || c.constValue() == null) return null;
    List<Dim> shape = shape(c.shape());
    List<Expr> values = new ArrayList<>();
    if (c.constValue() instanceof ConstScalarContext s) {
      Expr v = signed(s.signedNumber());
      if (v == null) return null;
      values.add(v);
    } else if (c.constValue() instanceof ConstListContext l) {
      for (SignedNumberContext s : l.signedNumber()) {
        Expr v = signed(s);
        if (v == null) return null;
        values.add(v);
      }
      if (c.shape() == null) {
        diags.error(DiagnosticKind.CONST_LIST_NEEDS_SHAPE, span(l), n.name(), values.size());
        return null;
      }
    } else {
      return null;
    }
    return new Stmt.Const(n, shape, values, sp);
  }

  /** A const value: {@code -0.5} folds to one {@code Num} with a negative value and text. */
  private Expr signed(SignedNumberContext ctx) {
    if (ctx == null || ctx.number() == null) return null;
    Expr.Num n = number(ctx.number());
    if (n == null) return null;
    if (ctx.MINUS() == null) return n;
    return new Expr.Num(-n.value(), "-" + n.text(), span(ctx));
  }

  private Expr.Num number(NumberContext ctx) {
    Token t = ctx.getStart();
    if (t == null || t.getTokenIndex() < 0 || t.getType() == Token.EOF) return null;
    String text = t.getText();
    double v;
    try {
      v = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return null;
    }
    return new Expr.Num(v, text, span(t));
  }

  private Init init(InitContext ctx) {
    if (ctx.initName() == null) return null;
    Token t = ctx.initName().getStart();
    if (t.getTokenIndex() < 0) return null;
    List<Expr> args = new ArrayList<>();
    for (ExprContext e : ctx.expr()) {
      Expr a = expr(e);
      if (a == null) return null;
      args.add(a);
    }
    return new Init(new Ident(t.getText(), span(t)), args, span(ctx));
  }

  // ---- expressions ----

  /** Null when the subtree did not parse (the syntax error has been reported). */
  Expr expr(ExprContext ctx) {
    if (ctx == null) return null;
    if (ctx instanceof IfExprContext c) {
      if (c.expr().size() != 3) return null;
      Expr cond = expr(c.expr(0));
      Expr then = expr(c.expr(1));
      Expr otherwise = expr(c.expr(2));
      if (cond == null || then == null || otherwise == null) return null;
      return new Expr.If(cond, then, otherwise, span(c));
    }
    return ctx instanceof CmpExprContext c ? comparison(c.comparison()) : null;
  }

  private Expr comparison(ComparisonContext ctx) {
    if (ctx == null || ctx.additive().isEmpty()) return null;
    Expr left = additive(ctx.additive(0));
    if (ctx.compOp() == null) return left;
    if (ctx.additive().size() < 2) return null;
    Expr right = additive(ctx.additive(1));
    if (left == null || right == null) return null;
    Expr.BinaryOp op = switch (ctx.compOp().getStart().getType()) {
      case DeltacParser.LT -> Expr.BinaryOp.LT;
      case DeltacParser.LE -> Expr.BinaryOp.LE;
      case DeltacParser.GT -> Expr.BinaryOp.GT;
      case DeltacParser.GE -> Expr.BinaryOp.GE;
      case DeltacParser.EQ -> Expr.BinaryOp.EQ;
      default -> Expr.BinaryOp.NE;
    };
    return new Expr.Binary(op, left, right, span(ctx));
  }

  private Expr additive(AdditiveContext ctx) {
    // fetch the child lists once: ctx.multiplicative(i) scans all children on every call
    List<MultiplicativeContext> terms = ctx == null ? List.of() : ctx.multiplicative();
    if (terms.isEmpty()) return null;
    List<AddOpContext> ops = ctx.addOp();
    Expr left = multiplicative(terms.get(0));
    if (left == null) return null;
    for (int i = 0; i < ops.size(); i++) {
      if (i + 1 >= terms.size()) return null;
      Expr right = multiplicative(terms.get(i + 1));
      if (right == null) return null;
      Expr.BinaryOp op = ops.get(i).PLUS() != null ? Expr.BinaryOp.ADD : Expr.BinaryOp.SUB;
      left = new Expr.Binary(op, left, right, left.span().to(right.span()));
    }
    return left;
  }

  private Expr multiplicative(MultiplicativeContext ctx) {
    List<UnaryContext> factors = ctx == null ? List.of() : ctx.unary();
    if (factors.isEmpty()) return null;
    List<MulOpContext> ops = ctx.mulOp();
    Expr left = unary(factors.get(0));
    if (left == null) return null;
    for (int i = 0; i < ops.size(); i++) {
      if (i + 1 >= factors.size()) return null;
      Expr right = unary(factors.get(i + 1));
      if (right == null) return null;
      MulOpContext m = ops.get(i);
      Expr.BinaryOp op = m.STAR() != null ? Expr.BinaryOp.MUL
          : m.SLASH() != null ? Expr.BinaryOp.DIV : Expr.BinaryOp.MATMUL;
      left = new Expr.Binary(op, left, right, left.span().to(right.span()));
    }
    return left;
  }

  private Expr unary(UnaryContext ctx) {
    if (ctx == null) return null;
    if (ctx instanceof NegExprContext n) {
      Expr operand = unary(n.unary());
      return operand == null ? null : new Expr.Neg(operand, span(n));
    }
    return ctx instanceof PowExprContext p ? power(p.power()) : null;
  }

  private Expr power(PowerContext ctx) {
    if (ctx == null) return null;
    Expr base = postfix(ctx.postfix());
    if (ctx.CARET() == null) return base;
    Expr exp = unary(ctx.unary());
    if (base == null || exp == null) return null;
    return new Expr.Binary(Expr.BinaryOp.POW, base, exp, base.span().to(exp.span()));
  }

  private Expr postfix(PostfixContext ctx) {
    if (ctx == null) return null;
    Expr e = primary(ctx.primary());
    if (e == null) return null;
    for (PostfixOpContext op : ctx.postfixOp()) {
      SourceSpan sp = e.span().to(span(op));
      if (op instanceof IndexOpContext i) {
        Expr idx = expr(i.expr());
        if (idx == null) return null;
        e = new Expr.Index(e, idx, sp);
      } else if (op instanceof SliceOpContext s) {
        if (s.expr().size() != 2) return null;
        Expr from = expr(s.expr(0));
        Expr to = expr(s.expr(1));
        if (from == null || to == null) return null;
        e = new Expr.Slice(e, from, to, sp);
      } else if (op instanceof MultiIndexOpContext mi) {
        List<Expr.Entry> entries = new ArrayList<>();
        for (SubscriptContext sc : mi.subscript()) {
          if (sc instanceof WholeAxisContext) {
            entries.add(new Expr.Entry(null, null, span(sc)));
          } else if (sc instanceof RangeAxisContext r) {
            if (r.expr().size() != 2) return null;
            Expr from = expr(r.expr(0));
            Expr to = expr(r.expr(1));
            if (from == null || to == null) return null;
            entries.add(new Expr.Entry(from, to, span(sc)));
          } else if (sc instanceof AtAxisContext at) {
            Expr idx = expr(at.expr());
            if (idx == null) return null;
            entries.add(new Expr.Entry(idx, null, span(sc)));
          } else {
            return null;
          }
        }
        e = new Expr.Subscript(e, entries, sp);
      } else if (op instanceof MemberOpContext m) {
        Ident member = ident(m.ident());
        if (member == null) return null;
        e = member.name().equals("T") ? new Expr.Transpose(e, sp) : new Expr.Member(e, member, sp);
      } else {
        return null;
      }
    }
    return e;
  }

  private Expr primary(PrimaryContext ctx) {
    if (ctx == null) return null;
    if (ctx instanceof NumberExprContext n) return number(n.number());
    if (ctx instanceof TrueExprContext t) return new Expr.Bool(true, span(t));
    if (ctx instanceof FalseExprContext f) return new Expr.Bool(false, span(f));
    if (ctx instanceof NameExprContext n) {
      Ident id = ident(n.ident());
      return id == null ? null : new Expr.Name(id.name(), id.span());
    }
    if (ctx instanceof ParenExprContext p) return expr(p.expr());
    if (ctx instanceof ListExprContext l) {
      List<Expr> elements = new ArrayList<>();
      for (ExprContext e : l.expr()) {
        Expr x = expr(e);
        if (x == null) return null;
        elements.add(x);
      }
      return new Expr.ListLit(elements, span(l));
    }
    if (!(ctx instanceof CallExprContext c) || c.callee() == null) return null;
    Token callee = c.callee().getStart();
    if (callee.getTokenIndex() < 0) return null;
    List<Expr> args = new ArrayList<>();
    List<Expr.NamedArg> named = new ArrayList<>();
    if (c.callArgs() != null) {
      for (CallArgContext a : c.callArgs().callArg()) {
        if (a instanceof NamedArgContext na) {
          Ident name = ident(na.ident());
          Expr v = expr(na.expr());
          if (name == null || v == null) return null;
          named.add(new Expr.NamedArg(name, v, span(na)));
        } else if (a instanceof PositionalArgContext pa) {
          Expr v = expr(pa.expr());
          if (v == null) return null;
          if (!named.isEmpty()) {
            diags.error(DiagnosticKind.POSITIONAL_AFTER_NAMED, v.span(),
                named.get(named.size() - 1).name().name());
            return null;
          }
          args.add(v);
        } else {
          return null;
        }
      }
    }
    return new Expr.Call(new Ident(callee.getText(), span(callee)), args, named, span(c));
  }
}
