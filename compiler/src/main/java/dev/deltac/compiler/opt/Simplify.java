package dev.deltac.compiler.opt;

import dev.deltac.compiler.interp.Kernels;
import dev.deltac.compiler.ir.Attr;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.GraphBuilder;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.Rewriter;
import java.util.List;

/**
 * Constant folding and algebraic identities ({@code x + 0}, {@code x * 1}, {@code x * 0},
 * double negation and transposition, transposes folded into the matrix product's flags,
 * {@code x^2} as a square). Common subexpressions merge and dead nodes vanish as the graph is
 * rebuilt (see {@link Rewriter}). Runs to a fixed point.
 */
public final class Simplify {
  /** Constants larger than this are not folded, to keep folded graphs small. */
  private static final int MAX_FOLD_SIZE = 1 << 16;
  /** Broadcasts of constants up to this size are folded into tables (see {@link #rewrite}). */
  private static final int MAX_FOLD_BROADCAST = 4096;

  private Simplify() {}

  public static Graph run(Graph g) {
    for (int round = 0; round < 8; round++) {
      int before = g.nodes().size();
      g = Rewriter.rewrite(g, Simplify::rewrite);
      if (g.nodes().size() == before) break;
    }
    return g;
  }

  static Node rewrite(GraphBuilder b, Node old, List<Node> in) {
    Op op = old.op();
    if (op.kind == Op.Kind.LEAF) return null;
    // Broadcasting a constant is folded only into small tables (a causal mask's [H, T, T] for the
    // words model's 4 heads of 16 positions: 1 024 elements read from a table, where it was
    // recomputed and copied to and from the batch buffers per sample); a large one would only
    // store copies (a [T, T] table instead of two index vectors).
    if (allConst(in) && old.size() <= MAX_FOLD_SIZE
        && (op != Op.BROADCAST_TO || old.size() <= MAX_FOLD_BROADCAST)) {
      double[][] v = new double[in.size()][];
      for (int i = 0; i < v.length; i++) v[i] = in.get(i).attr().doubles();
      Node probe = b.remake(old, in);
      return b.constant(old.shape(), Kernels.eval(probe, v));
    }
    Node a = in.isEmpty() ? null : in.get(0);
    Node c = in.size() > 1 ? in.get(1) : null;
    // One arm per op and no default: a new op says here whether it has identities.
    return switch (op) {
      case ADD -> {
        if (a.isConst(0) && c.shape().equals(old.shape())) yield c;
        if (c.isConst(0) && a.shape().equals(old.shape())) yield a;
        yield null;
      }
      case SUB -> {
        if (c.isConst(0) && a.shape().equals(old.shape())) yield a;
        if (a.isConst(0) && c.shape().equals(old.shape())) yield b.neg(c);
        yield null;
      }
      case MUL -> {
        if (a.isConst(1) && c.shape().equals(old.shape())) yield c;
        if (c.isConst(1) && a.shape().equals(old.shape())) yield a;
        if (a.isConst(0) || c.isConst(0)) yield b.constant(old.shape(), 0.0);
        if (a.op() == Op.CONST && a.shape().isScalar() && c.op() == Op.MUL) {
          Node folded = foldScalarFactor(b, a, c);
          if (folded != null) yield folded;
        }
        if (c.op() == Op.CONST && c.shape().isScalar() && a.op() == Op.MUL) {
          Node folded = foldScalarFactor(b, c, a);
          if (folded != null) yield folded;
        }
        yield null;
      }
      case DIV -> {
        if (c.isConst(1) && a.shape().equals(old.shape())) yield a;
        if (a.isConst(0)) yield b.constant(old.shape(), 0.0);
        yield null;
      }
      case NEG -> a.op() == Op.NEG ? a.input(0) : null;
      case POW -> {
        if (c.isConst(1) && a.shape().equals(old.shape())) yield a;
        if (c.isConst(2) && a.shape().equals(old.shape())) yield b.unary(Op.SQUARE, a);
        yield null;
      }
      case TRANSPOSE -> {
        if (a.op() == Op.TRANSPOSE) yield a.input(0);
        if (a.shape().rank() < 2) yield a;
        yield null;
      }
      case MATMUL -> transposesIntoFlags(b, old, a, c);
      case RESHAPE -> {
        if (a.shape().equals(old.shape())) yield a;
        if (a.op() == Op.RESHAPE) yield b.reshape(a.input(0), old.shape());
        yield null;
      }
      case WHERE -> {
        if (a.isConst(1) && in.get(1).shape().equals(old.shape())) yield in.get(1);
        if (a.isConst(0) && in.get(2).shape().equals(old.shape())) yield in.get(2);
        yield null;
      }
      case SUM -> a.op() == Op.BROADCAST ? b.mul(a.input(0), b.scalar(a.size())) : null;
      case SLICE -> a.op() == Op.PAD_FIRST && a.attr().intAt(0) == old.attr().intAt(0)
          && a.input(0).shape().equals(old.shape()) ? a.input(0) : null;
      // No identities (leaves returned above; only constant folding applies).
      case INPUT, TARGET, PARAM, CONST, SEED, EXP, LOG, SQRT, ABS, SIN, COS, TANH, SIGMOID, RELU,
          LEAKY_RELU, ELU, GELU, SOFTPLUS, SQUARE, SIGN, STEP, GELU_GRAD, MAX, MIN, LT, LE, GT, GE,
          EQ, NE, BROADCAST, BROADCAST_TO, SUM_TO, MAX_TO, LOGSUMEXP_TO, SOFTMAX, LOG_SOFTMAX, LOGSUMEXP, OUTER, BATCH_MATMUL, INDEX, PAD_FIRST, CONCAT, PERMUTE, MSE,
          BCE, BCE_LOGITS, CROSS_ENTROPY, SOFTMAX_CE, HUBER, CONV2D, CONV2D_GRAD_INPUT,
          CONV2D_GRAD_KERNEL, MAXPOOL2D, MAXPOOL2D_GRAD, AVGPOOL2D, AVGPOOL2D_GRAD, DROPOUT_MASK,
          DELTA, GATHER, GATHER_GRAD, ONE_HOT, SOFTMAX_CE_ROWS, SOFTMAX_CE_ROWS_GRAD, BATCH_MEAN, RUNNING_STAT,
          RECURRENT, RECURRENT_GRAD, LOOP, LOOP_GRAD -> null;
    };
  }

  /** A transposed operand of a matrix product folded into the product's transposition flag. */
  private static Node transposesIntoFlags(GraphBuilder b, Node old, Node a, Node c) {
    int ta = old.attr().intAt(0);
    int tb = old.attr().intAt(1);
    boolean changed = false;
    if (a.op() == Op.TRANSPOSE && a.input(0).shape().rank() == 2) {
      a = a.input(0);
      ta ^= 1;
      changed = true;
    }
    if (c.op() == Op.TRANSPOSE && c.input(0).shape().rank() == 2) {
      c = c.input(0);
      tb ^= 1;
      changed = true;
    }
    return changed ? b.make(Op.MATMUL, Attr.ints(ta, tb), old.span(), a, c) : null;
  }

  /**
   * c1 * (c2 * x) or c1 * (x * c2) with scalar constants: (c1 c2) * x, only when one of the two
   * is a power of two, so that the fold rounds as the unfolded product does (a scaling by 2^k is
   * exact, in double and in float, barring overflow and subnormals). Any other fold reassociates:
   * with a loop's t as c1, an unrolled loop would round differently from the rolled one, where t
   * is a value (RolledLoopTest).
   */
  private static Node foldScalarFactor(GraphBuilder b, Node c1, Node mul) {
    Node l = mul.input(0);
    Node r = mul.input(1);
    double a = c1.attr().doubleAt(0);
    if (l.op() == Op.CONST && l.shape().isScalar() && exactProduct(a, l.attr().doubleAt(0))) {
      return b.mul(b.scalar(a * l.attr().doubleAt(0)), r);
    }
    if (r.op() == Op.CONST && r.shape().isScalar() && exactProduct(a, r.attr().doubleAt(0))) {
      return b.mul(l, b.scalar(a * r.attr().doubleAt(0)));
    }
    return null;
  }

  /** One factor a power of two (in float range, normal), so that folding it in is exact. */
  private static boolean exactProduct(double a, double c) {
    return powerOfTwo(a) || powerOfTwo(c);
  }

  private static boolean powerOfTwo(double v) {
    double m = Math.abs(v);
    return m >= 0x1p-60 && m <= 0x1p60 && m == Math.scalb(1.0, Math.getExponent(m));
  }

  private static boolean allConst(List<Node> in) {
    if (in.isEmpty()) return false;
    for (Node n : in) {
      if (n.op() != Op.CONST) return false;
    }
    return true;
  }
}
