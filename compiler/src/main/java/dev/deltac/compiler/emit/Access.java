package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;

/**
 * Java expressions that read one element of a node's value, wherever the value lives: a work
 * buffer, a parameter (matrices as row arrays), an input buffer, a constant (a literal or a
 * table), a view of another node, or an elementwise expression inlined at the point of use.
 */
final class Access {
  final GraphPlan plan;
  final ClassContext ctx;
  final Num num;

  Access(GraphPlan plan) {
    this.plan = plan;
    this.ctx = plan.ctx;
    this.num = ctx.num;
  }

  /** Element {@code i} (row-major) of n; a scalar ignores i. */
  String atS(Node n, Ix i) {
    if (n.size() == 1) i = Ix.c(0);
    switch (n.op()) {
      case CONST:
        if (uniform(n)) return num.litS(n.attr().doubleAt(0));
        return ctx.constant(n) + "[" + i + "]";
      case PARAM: {
        String f = ctx.paramField.get(n.attr().name());
        if (n.shape().rank() <= 1) return f + "[" + i + "]";
        int c = ClassContext.rowSize(n);
        return f + "[" + i.div(c) + "][" + i.mod(c) + "]";
      }
      case INPUT:
        return ctx.inputField.get(n.attr().name()) + "[" + i + "]";
      case TARGET:
        return ctx.targetField.get(n.attr().name()) + "[" + i + "]";
      case SEED:
        return ctx.seedField != null ? ctx.seedField : num.litS(1);
      default:
        break;
    }
    if (plan.aliases.contains(n.id())) return atS(n.input(0), i);
    if (plan.inlined.contains(n.id())) return exprS(n, i);
    String b = plan.buffers.get(n.id());
    if (b == null) throw new IllegalStateException("no storage for " + n);
    return b + "[" + i + "]";
  }

  /** Element (r, c) of n seen as rows of {@code rowSize}: a row array access for a matrix param. */
  String atS(Node n, Ix r, Ix c, int rowSize) {
    if (ClassContext.isMatrixParam(n) && ClassContext.rowSize(n) == rowSize) {
      return ctx.paramField.get(n.attr().name()) + "[" + r + "][" + c + "]";
    }
    return atS(n, r.times(rowSize).plus(c));
  }

  /** A Java expression for n's values as one flat array from index 0, or null. */
  String arrS(Node n) {
    switch (n.op()) {
      case PARAM: return n.shape().rank() <= 1 ? ctx.paramField.get(n.attr().name()) : null;
      case CONST: return ctx.constant(n);
      case INPUT: return ctx.inputField.get(n.attr().name());
      case TARGET: return ctx.targetField.get(n.attr().name());
      default: break;
    }
    if (plan.aliases.contains(n.id())) return arrS(n.input(0));
    return plan.buffers.get(n.id());
  }

  /** The row array {@code W[r]} of a matrix param, else null. */
  String rowS(Node n, Ix r) {
    if (!ClassContext.isMatrixParam(n)) return null;
    return ctx.paramField.get(n.attr().name()) + "[" + r + "]";
  }

  static boolean uniform(Node c) {
    double v = c.attr().doubleAt(0);
    for (int k = 1; k < c.attr().doubleCount(); k++) {
      if (Double.doubleToRawLongBits(c.attr().doubleAt(k)) != Double.doubleToRawLongBits(v)) {
        return false;
      }
    }
    return true;
  }

  private String operand(Node n, int k, Ix i) {
    Node in = n.input(k);
    return atS(in, in.size() == 1 ? Ix.c(0) : i);
  }

  /** The elementwise value of n at i, written over its operands. */
  String exprS(Node n, Ix i) {
    Op op = n.op();
    if (op == Op.BROADCAST) return atS(n.input(0), Ix.c(0));
    if (op == Op.WHERE) {
      return "(" + operand(n, 0, i) + " != 0 ? " + operand(n, 1, i) + " : " + operand(n, 2, i) + ")";
    }
    if (op.kind == Op.Kind.BINARY) return binaryS(op, operand(n, 0, i), operand(n, 1, i));
    if (op.kind == Op.Kind.UNARY) return unaryS(n, operand(n, 0, i));
    throw new IllegalStateException("not elementwise: " + n);
  }

  String unaryS(Node n, String x) {
    String px = p(x);
    String one = num.litS(1);
    String zero = num.litS(0);
    switch (n.op()) {
      case NEG: return "-" + px;
      case EXP: return num.castS("Math.exp(" + x + ")");
      case LOG: return num.castS("Math.log(" + x + ")");
      case SQRT: return num.castS("Math.sqrt(" + x + ")");
      case ABS: return "Math.abs(" + x + ")";
      case SIN: return num.castS("Math.sin(" + x + ")");
      case COS: return num.castS("Math.cos(" + x + ")");
      case TANH:
        // float32: a vectorizable rational approximation (Math.tanh is not a Java 17 intrinsic).
        if (num.isFloat) return "dev.deltac.runtime.MathFunctions.tanhf(" + x + ")";
        return num.castS("Math.tanh(" + x + ")");
      case SIGMOID: return helper(ClassContext.Helper.SIGMOID, "sigmoid(" + x + ")");
      case GELU: return helper(ClassContext.Helper.GELU, "gelu(" + x + ")");
      case GELU_GRAD: return helper(ClassContext.Helper.GELU_GRAD, "geluGrad(" + x + ")");
      case SOFTPLUS: return helper(ClassContext.Helper.SOFTPLUS, "softplus(" + x + ")");
      case SIGN: return "Math.signum(" + x + ")";
      case RELU:
        if (atomic(x)) return "(" + x + " > 0 ? " + x + " : " + zero + ")";
        ctx.helpers.add(ClassContext.Helper.RELU);
        return "relu(" + x + ")";
      case STEP:
        if (atomic(x)) return "(" + x + " > 0 ? " + one + " : " + zero + ")";
        ctx.helpers.add(ClassContext.Helper.STEP);
        return "step(" + x + ")";
      case SQUARE:
        if (atomic(x)) return x + " * " + x;
        ctx.helpers.add(ClassContext.Helper.SQUARE);
        return "square(" + x + ")";
      case LEAKY_RELU:
        ctx.helpers.add(ClassContext.Helper.LEAKY_RELU);
        return "leakyRelu(" + x + ", " + num.litS(n.attr().doubleAt(0)) + ")";
      case ELU:
        ctx.helpers.add(ClassContext.Helper.ELU);
        return "elu(" + x + ", " + num.litS(n.attr().doubleAt(0)) + ")";
      default:
        throw new IllegalStateException("not unary: " + n.op());
    }
  }

  private String helper(ClassContext.Helper h, String call) {
    ctx.helpers.add(h);
    return call;
  }

  String binaryS(Op op, String a, String b) {
    String pa = p(a);
    String pb = p(b);
    String one = num.litS(1);
    String zero = num.litS(0);
    switch (op) {
      case ADD: return a + " + " + pbAdd(b);
      case SUB: return a + " - " + pb;
      case MUL: return pMul(a) + " * " + pMul(b);
      case DIV: return pMul(a) + " / " + pb;
      case POW: return num.castS("Math.pow(" + a + ", " + b + ")");
      case MAX: return "Math.max(" + a + ", " + b + ")";
      case MIN: return "Math.min(" + a + ", " + b + ")";
      case LT: return "(" + pa + " < " + pb + " ? " + one + " : " + zero + ")";
      case LE: return "(" + pa + " <= " + pb + " ? " + one + " : " + zero + ")";
      case GT: return "(" + pa + " > " + pb + " ? " + one + " : " + zero + ")";
      case GE: return "(" + pa + " >= " + pb + " ? " + one + " : " + zero + ")";
      case EQ: return "(" + pa + " == " + pb + " ? " + one + " : " + zero + ")";
      case NE: return "(" + pa + " != " + pb + " ? " + one + " : " + zero + ")";
      default: throw new IllegalStateException("not binary: " + op);
    }
  }

  /** The right operand of +: parenthesized unless atomic or a product. */
  private static String pbAdd(String b) {
    return atomic(b) || isProduct(b) ? b : "(" + b + ")";
  }

  /** An operand of * or /: parenthesized unless atomic or itself a plain product. */
  private static String pMul(String a) {
    return atomic(a) ? a : "(" + a + ")";
  }

  private static boolean isProduct(String s) {
    int depth = 0;
    boolean sawStar = false;
    for (int k = 0; k < s.length(); k++) {
      char ch = s.charAt(k);
      if (ch == '(' || ch == '[') depth++;
      else if (ch == ')' || ch == ']') depth--;
      else if (depth == 0) {
        if (ch == '*') sawStar = true;
        else if (ch == '+' || ch == '-' || ch == '/' || ch == '?' || ch == ':' || ch == '%'
            || ch == '<' || ch == '>' || ch == '=' || ch == '!') return false;
        else if (ch == '(' ) return false;
      }
    }
    return sawStar && !s.startsWith("(float)") && !s.startsWith("-");
  }

  static String p(String s) {
    return atomic(s) ? s : "(" + s + ")";
  }

  /** True for names, array accesses, method calls and unsigned literals. */
  static boolean atomic(String s) {
    if (enclosed(s)) return true;
    int depth = 0;
    for (int k = 0; k < s.length(); k++) {
      char ch = s.charAt(k);
      if (ch == '(' || ch == '[') {
        depth++;
      } else if (ch == ')' || ch == ']') {
        depth--;
      } else if (depth == 0 && !(Character.isLetterOrDigit(ch) || ch == '_' || ch == '.')) {
        return false;
      }
    }
    return !s.isEmpty() && s.charAt(0) != '(';
  }

  /** True for "(...)" where the first parenthesis closes at the end. */
  private static boolean enclosed(String s) {
    if (s.length() < 2 || s.charAt(0) != '(') return false;
    int depth = 0;
    for (int k = 0; k < s.length(); k++) {
      char ch = s.charAt(k);
      if (ch == '(') depth++;
      else if (ch == ')') {
        depth--;
        if (depth == 0) return k == s.length() - 1;
      }
    }
    return false;
  }

  // ---- the code model (Expr) API

  /** Element {@code i} (row-major) of n; a scalar ignores i. */
  Expr at(Node n, Expr i) {
    if (n.size() == 1) i = Expr.i(0);
    switch (n.op()) {
      case CONST:
        if (uniform(n)) return num.lit(n.attr().doubleAt(0));
        return Expr.at(Expr.field(ctx.constant(n)), i);
      case PARAM: {
        Expr f = Expr.field(ctx.paramField.get(n.attr().name()));
        if (n.shape().rank() <= 1) return Expr.at(f, i);
        int c = ClassContext.rowSize(n);
        return Expr.at(Expr.at(f, Expr.over(i, c)), Expr.mod(i, c));
      }
      case INPUT:
        return Expr.at(Expr.field(ctx.inputField.get(n.attr().name())), i);
      case TARGET:
        return Expr.at(Expr.field(ctx.targetField.get(n.attr().name())), i);
      case SEED:
        return ctx.seedField != null ? Expr.field(ctx.seedField) : num.lit(1);
      default:
        break;
    }
    if (plan.aliases.contains(n.id())) return at(n.input(0), i);
    if (plan.inlined.contains(n.id())) return expr(n, i);
    String b = plan.buffers.get(n.id());
    if (b == null) throw new IllegalStateException("no storage for " + n);
    return Expr.at(Expr.field(b), i);
  }

  Expr at(Node n, int i) {
    return at(n, Expr.i(i));
  }

  /** Element (r, c) of n seen as rows of {@code rowSize}: a row array access for a matrix param. */
  Expr at(Node n, Expr r, Expr c, int rowSize) {
    if (ClassContext.isMatrixParam(n) && ClassContext.rowSize(n) == rowSize) {
      return Expr.at(Expr.at(Expr.field(ctx.paramField.get(n.attr().name())), r), c);
    }
    return at(n, Expr.plus(Expr.times(r, rowSize), c));
  }

  /** n's values as one flat array from index 0 (a field), or null. */
  Expr arr(Node n) {
    String s = arrS(n);
    return s == null ? null : Expr.field(s);
  }

  /** The row array {@code W[r]} of a matrix param, else null. */
  Expr row(Node n, Expr r) {
    if (!ClassContext.isMatrixParam(n)) return null;
    return Expr.at(Expr.field(ctx.paramField.get(n.attr().name())), r);
  }

  private Expr operand(Node n, int k, Expr i) {
    Node in = n.input(k);
    return at(in, in.size() == 1 ? Expr.i(0) : i);
  }

  /** The elementwise value of n at i, written over its operands. */
  Expr expr(Node n, Expr i) {
    Op op = n.op();
    if (op == Op.BROADCAST) return at(n.input(0), Expr.i(0));
    if (op == Op.WHERE) {
      return Expr.cond(Expr.bin("!=", operand(n, 0, i), Expr.i(0)), operand(n, 1, i), operand(n, 2, i));
    }
    if (op.kind == Op.Kind.BINARY) return binary(op, operand(n, 0, i), operand(n, 1, i));
    if (op.kind == Op.Kind.UNARY) return unary(n, operand(n, 0, i));
    throw new IllegalStateException("not elementwise: " + n);
  }

  private static Expr math(String f, Expr... args) {
    return Expr.call(JavaTypes.MATH, f, args);
  }

  private Expr helper(ClassContext.Helper h, String method, Expr... args) {
    ctx.helpers.add(h);
    return Expr.self(method, args);
  }

  /**
   * The value of unary op n applied to x. One arm per op and no default, so that a new op must
   * say here whether it is an elementwise function.
   */
  Expr unary(Node n, Expr x) {
    Expr one = num.lit(1);
    Expr zero = num.lit(0);
    return switch (n.op()) {
      case NEG -> Expr.neg(x);
      case EXP -> num.cast(math("exp", x));
      case LOG -> num.cast(math("log", x));
      case SQRT -> num.cast(math("sqrt", x));
      case ABS -> math("abs", x);
      case SIN -> num.cast(math("sin", x));
      case COS -> num.cast(math("cos", x));
      // float32: a vectorizable rational approximation (Math.tanh is not a Java 17 intrinsic).
      case TANH -> num.isFloat ? Expr.call(JavaTypes.MATH_FUNCTIONS, "tanhf", x) : num.cast(math("tanh", x));
      case SIGMOID -> helper(ClassContext.Helper.SIGMOID, "sigmoid", x);
      case GELU -> helper(ClassContext.Helper.GELU, "gelu", x);
      case GELU_GRAD -> helper(ClassContext.Helper.GELU_GRAD, "geluGrad", x);
      case SOFTPLUS -> helper(ClassContext.Helper.SOFTPLUS, "softplus", x);
      case SIGN -> math("signum", x);
      case RELU -> Render.atomic(x) ? Expr.cond(Expr.bin(">", x, Expr.i(0)), x, zero)
          : helper(ClassContext.Helper.RELU, "relu", x);
      case STEP -> Render.atomic(x) ? Expr.cond(Expr.bin(">", x, Expr.i(0)), one, zero)
          : helper(ClassContext.Helper.STEP, "step", x);
      case SQUARE -> Render.atomic(x) ? Expr.mul(x, x) : helper(ClassContext.Helper.SQUARE, "square", x);
      case LEAKY_RELU -> helper(ClassContext.Helper.LEAKY_RELU, "leakyRelu", x, num.lit(n.attr().doubleAt(0)));
      case ELU -> helper(ClassContext.Helper.ELU, "elu", x, num.lit(n.attr().doubleAt(0)));
      case INPUT, TARGET, PARAM, CONST, SEED, ADD, SUB, MUL, DIV, POW, MAX, MIN, LT, LE, GT, GE,
          EQ, NE, WHERE, SUM, BROADCAST, SOFTMAX, LOG_SOFTMAX, LOGSUMEXP, MATMUL, TRANSPOSE,
          OUTER, INDEX, SLICE, PAD_FIRST, CONCAT, RESHAPE, MSE, BCE, BCE_LOGITS, CROSS_ENTROPY,
          SOFTMAX_CE, HUBER, CONV2D, CONV2D_GRAD_INPUT, CONV2D_GRAD_KERNEL, MAXPOOL2D,
          MAXPOOL2D_GRAD, AVGPOOL2D, AVGPOOL2D_GRAD, DROPOUT_MASK, DELTA ->
          throw new IllegalStateException("not unary: " + n.op());
    };
  }

  /** The value of binary op {@code op} on a and b; one arm per op, as {@link #unary}. */
  Expr binary(Op op, Expr a, Expr b) {
    Expr one = num.lit(1);
    Expr zero = num.lit(0);
    return switch (op) {
      case ADD -> Expr.add(a, b);
      case SUB -> Expr.sub(a, b);
      case MUL -> Expr.mul(a, b);
      case DIV -> Expr.div(a, b);
      case POW -> num.cast(math("pow", a, b));
      case MAX -> math("max", a, b);
      case MIN -> math("min", a, b);
      case LT -> Expr.cond(Expr.bin("<", a, b), one, zero);
      case LE -> Expr.cond(Expr.bin("<=", a, b), one, zero);
      case GT -> Expr.cond(Expr.bin(">", a, b), one, zero);
      case GE -> Expr.cond(Expr.bin(">=", a, b), one, zero);
      case EQ -> Expr.cond(Expr.bin("==", a, b), one, zero);
      case NE -> Expr.cond(Expr.bin("!=", a, b), one, zero);
      case INPUT, TARGET, PARAM, CONST, SEED, NEG, EXP, LOG, SQRT, ABS, SIN, COS, TANH, SIGMOID,
          RELU, LEAKY_RELU, ELU, GELU, SOFTPLUS, SQUARE, SIGN, STEP, GELU_GRAD, WHERE, SUM,
          BROADCAST, SOFTMAX, LOG_SOFTMAX, LOGSUMEXP, MATMUL, TRANSPOSE, OUTER, INDEX, SLICE,
          PAD_FIRST, CONCAT, RESHAPE, MSE, BCE, BCE_LOGITS, CROSS_ENTROPY, SOFTMAX_CE, HUBER,
          CONV2D, CONV2D_GRAD_INPUT, CONV2D_GRAD_KERNEL, MAXPOOL2D, MAXPOOL2D_GRAD, AVGPOOL2D,
          AVGPOOL2D_GRAD, DROPOUT_MASK, DELTA ->
          throw new IllegalStateException("not binary: " + op);
    };
  }
}
