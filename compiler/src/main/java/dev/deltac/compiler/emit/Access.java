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
  /**
   * While an elementwise loop is emitted: its scalar operands, read once before the loop into
   * locals (node id to the local), else null.
   */
  java.util.Map<Integer, Expr> hoisted;

  Access(GraphPlan plan) {
    this.plan = plan;
    this.ctx = plan.ctx;
    this.num = ctx.num;
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

  // ---- the code model (Expr) API

  /** Element {@code i} (row-major) of n; a scalar ignores i. */
  Expr at(Node n, Expr i) {
    if (hoisted != null && n.size() == 1) {
      Expr h = hoisted.get(n.id());
      if (h != null) return h;
    }
    if (n.size() == 1) i = Expr.i(0);
    String leaf = plan.leafFields.get(n.id());
    if (leaf != null) return Expr.at(Expr.field(leaf), i);
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
      case RUNNING_STAT:
        return Expr.at(Expr.field(ctx.statField.get(n.attr().name())), i);
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

  /**
   * n's values as one flat array from index 0 (a field), or null (a matrix param's rows, an
   * inlined expression). Every computed node other than a view has its own buffer.
   */
  Expr arr(Node n) {
    String leaf = plan.leafFields.get(n.id());
    if (leaf != null) return Expr.field(leaf);
    return switch (n.op()) {
      case PARAM -> n.shape().rank() <= 1 ? Expr.field(ctx.paramField.get(n.attr().name())) : null;
      case CONST -> Expr.field(ctx.constant(n));
      case INPUT -> Expr.field(ctx.inputField.get(n.attr().name()));
      case TARGET -> Expr.field(ctx.targetField.get(n.attr().name()));
      case RUNNING_STAT -> Expr.field(ctx.statField.get(n.attr().name()));
      default -> {
        if (plan.aliases.contains(n.id())) yield arr(n.input(0));
        String b = plan.buffers.get(n.id());
        yield b == null ? null : Expr.field(b);
      }
    };
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

  /** Whether x (through views) is a relu's value: +0 to +infinity, never NaN. */
  private boolean reluOutput(Node x) {
    while (plan.aliases.contains(x.id())) x = x.input(0);
    return x.op() == Op.RELU;
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
      // float32: branch-free stepf, exactly the values of the conditional (over a batch the signs
      // are random and the branch mispredicts half the time; as LinearKernels.slope does)
      // of a relu's output (never NaN nor negative): a min C2 vectorizes, the same values
      case STEP -> num.isFloat && reluOutput(n.input(0))
          ? Expr.call(JavaTypes.MATH_FUNCTIONS, "stepOfReluf", x)
          : num.isFloat ? Expr.call(JavaTypes.MATH_FUNCTIONS, "stepf", x)
          : Render.atomic(x) ? Expr.cond(Expr.bin(">", x, Expr.i(0)), one, zero)
          : helper(ClassContext.Helper.STEP, "step", x);
      case SQUARE -> Render.atomic(x) ? Expr.mul(x, x) : helper(ClassContext.Helper.SQUARE, "square", x);
      case LEAKY_RELU -> helper(ClassContext.Helper.LEAKY_RELU, "leakyRelu", x, num.lit(n.attr().doubleAt(0)));
      case ELU -> helper(ClassContext.Helper.ELU, "elu", x, num.lit(n.attr().doubleAt(0)));
      case INPUT, TARGET, PARAM, CONST, SEED, ADD, SUB, MUL, DIV, POW, MAX, MIN, LT, LE, GT, GE,
          EQ, NE, WHERE, SUM, BROADCAST, BROADCAST_TO, SUM_TO, MAX_TO, LOGSUMEXP_TO, SOFTMAX, LOG_SOFTMAX, LOGSUMEXP, MATMUL, BATCH_MATMUL, TRANSPOSE,
          OUTER, INDEX, SLICE, PAD_FIRST, CONCAT, RESHAPE, PERMUTE, GATHER, GATHER_GRAD, ONE_HOT, SOFTMAX_CE_ROWS, SOFTMAX_CE_ROWS_GRAD, MSE, BCE, BCE_LOGITS, CROSS_ENTROPY,
          SOFTMAX_CE, HUBER, CONV2D, CONV2D_GRAD_INPUT, CONV2D_GRAD_KERNEL, MAXPOOL2D,
          MAXPOOL2D_GRAD, AVGPOOL2D, AVGPOOL2D_GRAD, DROPOUT_MASK, DELTA, BATCH_MEAN, RUNNING_STAT, RECURRENT, RECURRENT_GRAD, LOOP, LOOP_GRAD ->
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
          BROADCAST, BROADCAST_TO, SUM_TO, MAX_TO, LOGSUMEXP_TO, SOFTMAX, LOG_SOFTMAX, LOGSUMEXP, MATMUL, BATCH_MATMUL, TRANSPOSE, OUTER, INDEX, SLICE,
          PAD_FIRST, CONCAT, RESHAPE, PERMUTE, GATHER, GATHER_GRAD, ONE_HOT, SOFTMAX_CE_ROWS, SOFTMAX_CE_ROWS_GRAD, MSE, BCE, BCE_LOGITS, CROSS_ENTROPY, SOFTMAX_CE, HUBER,
          CONV2D, CONV2D_GRAD_INPUT, CONV2D_GRAD_KERNEL, MAXPOOL2D, MAXPOOL2D_GRAD, AVGPOOL2D,
          AVGPOOL2D_GRAD, DROPOUT_MASK, DELTA, BATCH_MEAN, RUNNING_STAT, RECURRENT, RECURRENT_GRAD, LOOP, LOOP_GRAD ->
          throw new IllegalStateException("not binary: " + op);
    };
  }
}
