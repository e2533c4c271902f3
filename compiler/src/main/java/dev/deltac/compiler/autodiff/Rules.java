package dev.deltac.compiler.autodiff;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.ir.Attr;
import dev.deltac.compiler.ir.ConvGeometry;
import dev.deltac.compiler.ir.GraphBuilder;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.types.Shape;
import java.util.EnumMap;
import java.util.Map;

/**
 * The derivative rule of every primitive, in one exhaustive switch ({@link #rule}): adding an op
 * to {@link Op} fails compilation here until it has a rule or is declared non-differentiable.
 * Activation derivatives are written through the op's output ({@code y}) where that lets the
 * forward pass drop the pre-activation: σ' = y(1−y), tanh' = 1−y², relu' = step(y).
 */
public final class Rules {
  /** The rules, built once from {@link #rule}; ops without one are absent. */
  private static final Map<Op, VjpRule> RULES = new EnumMap<>(Op.class);

  static {
    for (Op op : Op.values()) {
      VjpRule r = rule(op);
      if (r != null) RULES.put(op, r);
    }
  }

  /** A rule for a one-operand op: the operand's cotangent from (builder, node, g). */
  @FunctionalInterface
  private interface Unary {
    Node apply(GraphBuilder b, Node y, Node g);
  }

  private static VjpRule unary(Unary rule) {
    return (b, n, g) -> new Node[] {rule.apply(b, n, g)};
  }

  /**
   * The rule of {@code op}, or null for ops whose derivative is zero or that are never
   * differentiated (leaves, masks, comparisons, the gradient kernels and fused nodes the
   * backward pass itself makes). One arm per op and no default.
   */
  private static VjpRule rule(Op op) {
    return switch (op) {
      case INPUT, TARGET, PARAM, CONST, SEED, SIGN, STEP, GELU_GRAD, LT, LE, GT, GE, EQ, NE,
          CONV2D_GRAD_INPUT, CONV2D_GRAD_KERNEL, MAXPOOL2D_GRAD, AVGPOOL2D_GRAD, DELTA, RECURRENT_GRAD, LOOP_GRAD,
          DROPOUT_MASK, GATHER_GRAD, ONE_HOT, SOFTMAX_CE_ROWS_GRAD, RUNNING_STAT -> null;
      // The mean over the batch is linear and symmetric in the samples: its transpose is itself.
      case BATCH_MEAN -> unary((b, y, g) -> b.make(Op.BATCH_MEAN, SourceSpan.NONE, g));

      // Elementwise, one operand.
      case NEG -> unary((b, y, g) -> b.neg(g));
      case EXP -> unary((b, y, g) -> b.mul(g, y));
      case LOG -> unary((b, y, g) -> b.div(g, y.input(0)));
      case SQRT -> unary((b, y, g) -> b.div(g, b.mul(b.scalar(2), y)));
      case ABS -> unary((b, y, g) -> b.mul(g, b.unary(Op.SIGN, y.input(0))));
      case SIN -> unary((b, y, g) -> b.mul(g, b.unary(Op.COS, y.input(0))));
      case COS -> unary((b, y, g) -> b.neg(b.mul(g, b.unary(Op.SIN, y.input(0)))));
      case TANH -> unary((b, y, g) -> b.mul(g, b.sub(b.scalar(1), b.unary(Op.SQUARE, y))));
      case SIGMOID -> unary((b, y, g) -> b.mul(g, b.mul(y, b.sub(b.scalar(1), y))));
      case RELU -> unary((b, y, g) -> b.mul(g, b.unary(Op.STEP, y)));
      case LEAKY_RELU -> unary((b, y, g) -> b.where(b.make(Op.GT, SourceSpan.NONE, y.input(0), b.scalar(0)),
          g, b.mul(g, b.scalar(y.attr().doubleAt(0)))));
      case ELU -> unary((b, y, g) -> b.where(b.make(Op.GT, SourceSpan.NONE, y.input(0), b.scalar(0)),
          g, b.mul(g, b.add(y, b.scalar(y.attr().doubleAt(0))))));
      case GELU -> unary((b, y, g) -> b.mul(g, b.unary(Op.GELU_GRAD, y.input(0))));
      case SOFTPLUS -> unary((b, y, g) -> b.mul(g, b.unary(Op.SIGMOID, y.input(0))));
      case SQUARE -> unary((b, y, g) -> b.mul(g, b.mul(b.scalar(2), y.input(0))));

      // Elementwise, two operands; a scalar operand gets the sum of the broadcast cotangent.
      case ADD -> (b, n, g) -> new Node[] {unbroadcast(b, g, n.input(0)), unbroadcast(b, g, n.input(1))};
      case SUB -> (b, n, g) -> new Node[] {unbroadcast(b, g, n.input(0)),
          unbroadcast(b, b.neg(g), n.input(1))};
      case MUL -> (b, n, g) -> new Node[] {unbroadcast(b, b.mul(g, n.input(1)), n.input(0)),
          unbroadcast(b, b.mul(g, n.input(0)), n.input(1))};
      case DIV -> (b, n, g) -> new Node[] {unbroadcast(b, b.div(g, n.input(1)), n.input(0)),
          unbroadcast(b, b.neg(b.div(b.mul(g, n), n.input(1))), n.input(1))};
      case POW -> (b, n, g) -> {
        Node a = n.input(0);
        Node e = n.input(1);
        Node da = b.mul(g, b.mul(e, b.make(Op.POW, SourceSpan.NONE, a, b.sub(e, b.scalar(1)))));
        Node de = b.mul(g, b.mul(n, b.unary(Op.LOG, a)));
        return new Node[] {unbroadcast(b, da, a), e.op() == Op.CONST ? null : unbroadcast(b, de, e)};
      };
      case MAX -> (b, n, g) -> extremum(b, n, g, Op.GT, Op.GE);
      case MIN -> (b, n, g) -> extremum(b, n, g, Op.LT, Op.LE);
      case WHERE -> (b, n, g) -> {
        Node zero = b.scalar(0);
        return new Node[] {null, unbroadcast(b, b.where(n.input(0), g, zero), n.input(1)),
            unbroadcast(b, b.where(n.input(0), zero, g), n.input(2))};
      };

      // Reductions and vector functions.
      case SUM -> unary((b, y, g) -> b.broadcast(g, y.input(0).shape()));
      case BROADCAST -> unary((b, y, g) -> b.sum(g));
      case BROADCAST_TO -> unary((b, y, g) -> b.sumTo(g, y.input(0).shape()));
      case SUM_TO -> unary((b, y, g) -> b.broadcastTo(g, y.input(0).shape()));
      // PyTorch's amax: the gradient split evenly among the elements equal to the maximum.
      case MAX_TO -> unary((b, y, g) -> {
        Node x = y.input(0);
        Node mask = b.make(Op.EQ, SourceSpan.NONE, x, y);
        Node count = b.sumTo(b.where(mask, b.scalar(1), b.scalar(0)), y.shape());
        return b.where(mask, b.div(g, count), b.scalar(0));
      });
      case LOGSUMEXP_TO -> unary((b, y, g) -> b.mul(g, b.unary(Op.EXP, b.sub(y.input(0), y))));
      case SOFTMAX -> unary((b, y, g) -> b.mul(y, b.sub(g, b.sum(b.mul(g, y)))));
      case LOG_SOFTMAX -> unary((b, y, g) -> b.sub(g, b.mul(b.unary(Op.EXP, y), b.sum(g))));
      case LOGSUMEXP -> unary((b, y, g) -> b.mul(g, b.unary(Op.SOFTMAX, y.input(0))));
      case MATMUL -> Rules::matmul;
      case BATCH_MATMUL -> Rules::batchMatmul;
      case TRANSPOSE -> unary((b, y, g) -> b.unary(Op.TRANSPOSE, g));
      case OUTER -> (b, n, g) -> new Node[] {b.matmul(g, n.input(1), false, false),
          b.matmul(g, n.input(0), true, false)};

      // Structure: each is the transpose of another.
      case INDEX -> unary((b, y, g) -> {
        Shape x = y.input(0).shape();
        int i = y.attr().intAt(0);
        Node row = b.reshape(g, x.withFirst(1));
        return b.make(Op.PAD_FIRST, Attr.ints(i, x.dim(0) - i - 1), SourceSpan.NONE, row);
      });
      case SLICE -> unary((b, y, g) -> b.make(Op.PAD_FIRST,
          Attr.ints(y.attr().intAt(0), y.input(0).shape().dim(0) - y.attr().intAt(1)), SourceSpan.NONE, g));
      case PAD_FIRST -> unary((b, y, g) -> b.make(Op.SLICE,
          Attr.ints(y.attr().intAt(0), y.attr().intAt(0) + y.input(0).shape().dim(0)), SourceSpan.NONE, g));
      case CONCAT -> (b, n, g) -> {
        Node[] out = new Node[n.inputs().size()];
        int off = 0;
        for (int i = 0; i < out.length; i++) {
          int len = n.input(i).shape().dim(0);
          out[i] = b.make(Op.SLICE, Attr.ints(off, off + len), SourceSpan.NONE, g);
          off += len;
        }
        return out;
      };
      case RESHAPE -> unary((b, y, g) -> b.reshape(g, y.input(0).shape()));
      case PERMUTE -> unary((b, y, g) -> {
        int[] p = y.attr().ints();
        int[] inverse = new int[p.length];
        for (int i = 0; i < p.length; i++) inverse[p[i]] = i;
        return b.make(Op.PERMUTE, Attr.ints(inverse), SourceSpan.NONE, g);
      });
      // The table's gradient scatter-adds g's rows into the gathered rows; indices get none.
      // The fused closed form, (softmax - one_hot) / T per row, scaled by the cotangent.
      case SOFTMAX_CE_ROWS -> (b, n, g) -> new Node[] {
          b.mul(b.make(Op.SOFTMAX_CE_ROWS_GRAD, Attr.NONE, SourceSpan.NONE, n.input(0), n.input(1)), g),
          null};
      case GATHER -> (b, n, g) -> new Node[] {
          b.make(Op.GATHER_GRAD, Attr.ints(n.input(0).shape().dim(0)), SourceSpan.NONE, g, n.input(1)),
          null};

      // Losses: closed forms, so that fused pairs are stable.
      case MSE -> (b, n, g) -> {
        Node d = b.mul(b.mul(g, b.scalar(2.0 / n.input(0).size())), b.sub(n.input(0), n.input(1)));
        return new Node[] {d, b.neg(d)};
      };
      case BCE -> (b, n, g) -> {
        Node p = n.input(0);
        Node y = n.input(1);
        Node s = b.mul(g, b.scalar(1.0 / p.size()));
        Node one = b.scalar(1);
        Node dp = b.mul(s, b.div(b.sub(p, y), b.mul(p, b.sub(one, p))));
        Node dy = b.mul(s, b.sub(b.unary(Op.LOG, b.sub(one, p)), b.unary(Op.LOG, p)));
        return new Node[] {dp, dy};
      };
      case BCE_LOGITS -> (b, n, g) -> {
        Node z = n.input(0);
        Node s = b.mul(g, b.scalar(1.0 / z.size()));
        return new Node[] {b.mul(s, b.sub(b.unary(Op.SIGMOID, z), n.input(1))), b.neg(b.mul(s, z))};
      };
      // -y/p, and 0 where y is 0 (also where p is 0 there: the loss is xlogy)
      case CROSS_ENTROPY -> (b, n, g) -> new Node[] {
          b.neg(b.mul(g, b.make(Op.WHERE, SourceSpan.NONE,
              b.make(Op.NE, SourceSpan.NONE, n.input(1), b.scalar(0)),
              b.div(n.input(1), n.input(0)), b.scalar(0)))),
          b.neg(b.mul(g, b.unary(Op.LOG, n.input(0))))};
      case SOFTMAX_CE -> (b, n, g) -> {
        Node z = n.input(0);
        Node y = n.input(1);
        Node p = b.unary(Op.SOFTMAX, z);
        return new Node[] {b.mul(g, b.sub(b.mul(p, b.sum(y)), y)),
            b.neg(b.mul(g, b.unary(Op.LOG_SOFTMAX, z)))};
      };
      case HUBER -> (b, n, g) -> {
        double delta = n.attr().doubleAt(0);
        Node d = b.sub(n.input(0), n.input(1));
        Node clipped = b.make(Op.MIN, SourceSpan.NONE,
            b.make(Op.MAX, SourceSpan.NONE, d, b.scalar(-delta)), b.scalar(delta));
        Node dp = b.mul(b.mul(g, b.scalar(1.0 / d.size())), clipped);
        return new Node[] {dp, b.neg(dp)};
      };

      // Convolution and pooling.
      case CONV2D -> (b, n, g) -> {
        ConvGeometry geo = ConvGeometry.of(n);
        Node dx = b.make(Op.CONV2D_GRAD_INPUT, geo.gradInputAttr(), SourceSpan.NONE, n.input(1), g);
        Node dw = b.make(Op.CONV2D_GRAD_KERNEL, geo.gradKernelAttr(), SourceSpan.NONE, n.input(0), g);
        return new Node[] {dx, dw};
      };
      case MAXPOOL2D -> unary((b, y, g) -> b.make(Op.MAXPOOL2D_GRAD, y.attr(), SourceSpan.NONE, y.input(0), g));
      case AVGPOOL2D -> unary((b, y, g) ->
          b.make(Op.AVGPOOL2D_GRAD, ConvGeometry.of(y).avgPoolGradAttr(), SourceSpan.NONE, g));

      // Recurrent layers: one backward sweep gives every cotangent, packed; each is a part of it.
      case RECURRENT -> (b, n, g) -> recurrent(b, n, g);
      // ReverseMode differentiates a rolled loop itself: its rule continues the running sums.
      case LOOP -> (b, n, g) -> {
        throw new IllegalStateException("a LOOP is differentiated by ReverseMode, not by a rule");
      };
    };
  }

  /**
   * The cotangents of a RECURRENT node's five operands from the cotangent of its tape. Only the
   * hidden states (the tape's first T·H elements) are ever read, so the zero padding that the
   * slice's rule adds is skipped when it is there.
   */
  private static Node[] recurrent(GraphBuilder b, Node n, Node g) {
    int hiddens = n.input(0).shape().dim(0) * n.attr().intAt(0);
    Node gh = g;
    if (g.op() == Op.PAD_FIRST && g.attr().intAt(0) == 0 && g.input(0).size() >= hiddens) gh = g.input(0);
    Node packed = b.make(Op.RECURRENT_GRAD, n.attr(), SourceSpan.NONE,
        n.input(0), n.input(1), n.input(2), n, gh);
    Node[] out = new Node[5];
    int off = 0;
    for (int k = 0; k < 5; k++) {
      Shape s = n.input(k).shape();
      Node part = b.make(Op.SLICE, Attr.ints(off, off + s.size()), SourceSpan.NONE, packed);
      out[k] = s.rank() == 1 ? part : b.reshape(part, s);
      off += s.size();
    }
    return out;
  }

  private Rules() {}

  /** The rule for {@code op}, or null when it has none. */
  public static VjpRule get(Op op) {
    return RULES.get(op);
  }

  /** True for ops whose derivative is zero or that are never differentiated (leaves, masks). */
  public static boolean isNonDifferentiable(Op op) {
    return !RULES.containsKey(op);
  }

  /** The cotangent of a possibly broadcast operand: summed when the operand is a scalar. */
  static Node unbroadcast(GraphBuilder b, Node g, Node operand) {
    if (operand.shape().isScalar() && !g.shape().isScalar()) return b.sum(g);
    return g;
  }

  private static Node[] select(GraphBuilder b, Node firstWins, Node n, Node g) {
    Node zero = b.scalar(0);
    return new Node[] {unbroadcast(b, b.where(firstWins, g, zero), n.input(0)),
        unbroadcast(b, b.where(firstWins, zero, g), n.input(1))};
  }

  /**
   * max(a, b) or min(a, b): the gradient goes to the operand that wins ({@code wins} is GT for
   * max, LT for min) and, at a tie, half to each, as PyTorch's maximum/minimum. Inside
   * {@code clamp} (attribute 1) the first operand takes a tie whole, as PyTorch's clamp at a bound.
   */
  private static Node[] extremum(GraphBuilder b, Node n, Node g, Op wins, Op winsOrTies) {
    Node a = n.input(0);
    Node c = n.input(1);
    if (n.attr().intCount() > 0 && n.attr().intAt(0) == 1) {
      return select(b, b.make(winsOrTies, SourceSpan.NONE, a, c), n, g);
    }
    Node zero = b.scalar(0);
    Node half = b.where(b.make(Op.EQ, SourceSpan.NONE, a, c), b.mul(g, b.scalar(0.5)), zero);
    Node da = b.where(b.make(wins, SourceSpan.NONE, a, c), g, half);
    Node dc = b.where(b.make(wins, SourceSpan.NONE, c, a), g, half);
    return new Node[] {unbroadcast(b, da, a), c.op() == Op.CONST ? null : unbroadcast(b, dc, c)};
  }

  /**
   * C = op(A) op(B). With A' = op(A) and B' = op(B): dA' = G B'^T and dB' = A'^T G, transposed
   * back where A or B was stored transposed; vectors take the outer-product and dot forms.
   */
  /**
   * C = op(A) op(B) per batch slice: dA = g op(B)^T (or op(B) g^T when A is transposed), dB the
   * same way, as for matrices; the batch axes were merged and stretched before, so the sums back
   * over broadcast axes are the SUM_TO of the BROADCAST_TO that made them.
   */
  private static Node[] batchMatmul(GraphBuilder b, Node n, Node g) {
    Node a = n.input(0);
    Node c = n.input(1);
    boolean ta = n.attr().intAt(0) != 0;
    boolean tb = n.attr().intAt(1) != 0;
    Node da = ta ? batched(b, c, g, tb, true) : batched(b, g, c, false, !tb);
    Node db = tb ? batched(b, g, a, true, ta) : batched(b, a, g, !ta, false);
    return new Node[] {da, db};
  }

  private static Node batched(GraphBuilder b, Node x, Node y, boolean tx, boolean ty) {
    return b.make(Op.BATCH_MATMUL, Attr.ints(tx ? 1 : 0, ty ? 1 : 0), SourceSpan.NONE, x, y);
  }

  private static Node[] matmul(GraphBuilder b, Node n, Node g) {
    Node a = n.input(0);
    Node c = n.input(1);
    boolean ta = n.attr().intAt(0) != 0 && a.shape().rank() == 2;
    boolean tb = n.attr().intAt(1) != 0 && c.shape().rank() == 2;
    int ra = a.shape().rank();
    int rb = c.shape().rank();
    if (ra == 2 && rb == 1) {
      Node da = ta ? b.make(Op.OUTER, SourceSpan.NONE, c, g) : b.make(Op.OUTER, SourceSpan.NONE, g, c);
      return new Node[] {da, b.matmul(a, g, !ta, false)};
    }
    if (ra == 2 && rb == 2) {
      Node da = ta ? b.matmul(c, g, tb, true) : b.matmul(g, c, false, !tb);
      Node db = tb ? b.matmul(g, a, true, ta) : b.matmul(a, g, !ta, false);
      return new Node[] {da, db};
    }
    if (ra == 1 && rb == 2) {
      Node da = b.matmul(c, g, tb, false);
      Node db = tb ? b.make(Op.OUTER, SourceSpan.NONE, g, a) : b.make(Op.OUTER, SourceSpan.NONE, a, g);
      return new Node[] {da, db};
    }
    return new Node[] {b.mul(g, c), b.mul(g, a)};
  }
}
