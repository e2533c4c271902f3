package dev.deltac.compiler.ir;

import dev.deltac.compiler.types.Shape;
import dev.deltac.compiler.types.ShapeException;
import dev.deltac.compiler.types.ShapeRules;
import dev.deltac.runtime.kernels.RecurrentKernels;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape of each IR op from its operands, by the same {@link ShapeRules} the checker uses;
 * only the IR's own ops (transposition flags, padding, gradient kernels) have rules here. The
 * front end has already rejected ill-shaped programs with positioned diagnostics, so a failure
 * here is a compiler bug and throws.
 */
final class ShapeInference {
  private ShapeInference() {}

  static Shape infer(Op op, Attr attr, List<Node> in) {
    try {
      return rule(op, attr, in);
    } catch (ShapeException e) {
      throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
    }
  }

  /**
   * The shape rule of {@code op}. One arm per op and no default: adding an op to {@link Op}
   * fails compilation here until it has a shape rule.
   */
  private static Shape rule(Op op, Attr attr, List<Node> in) {
    return switch (op) {
      case NEG, EXP, LOG, SQRT, ABS, SIN, COS, TANH, SIGMOID, RELU, LEAKY_RELU, ELU, GELU, SOFTPLUS,
          SQUARE, SIGN, STEP, GELU_GRAD -> in.get(0).shape();
      case ADD, SUB, MUL, DIV, POW, MAX, MIN, LT, LE, GT, GE, EQ, NE ->
          ShapeRules.broadcast(op.name(), in.get(0).shape(), in.get(1).shape());
      case MSE, BCE, BCE_LOGITS, CROSS_ENTROPY, SOFTMAX_CE, HUBER ->
          ShapeRules.loss(op.name(), in.get(0).shape(), in.get(1).shape());
      case DROPOUT_MASK -> {
        int[] ints = attr.ints();
        yield Shape.of(java.util.Arrays.copyOfRange(ints, 1, ints.length));
      }
      case WHERE -> ShapeRules.where(in.get(0).shape(), in.get(1).shape(), in.get(2).shape());
      case SUM, LOGSUMEXP -> Shape.SCALAR;
      case BROADCAST -> {
        Shape a = in.get(0).shape();
        require(a.isScalar(), op, "operand must be a scalar, got " + a);
        yield Shape.of(attr.ints());
      }
      case BROADCAST_TO -> {
        Shape a = in.get(0).shape();
        Shape to = Shape.of(attr.ints());
        require(!a.isScalar() && ShapeRules.broadcastsTo(a, to), op, a + " does not broadcast to " + to);
        yield to;
      }
      case SUM_TO, MAX_TO, LOGSUMEXP_TO -> {
        Shape a = in.get(0).shape();
        Shape to = Shape.of(attr.ints());
        require(ShapeRules.broadcastsTo(to, a), op, to + " does not broadcast to " + a);
        yield to;
      }
      case SOFTMAX, LOG_SOFTMAX, MAXPOOL2D_GRAD -> in.get(0).shape();
      case MATMUL -> {
        Shape a = in.get(0).shape();
        Shape b = in.get(1).shape();
        yield ShapeRules.matmul(attr.intAt(0) != 0 && a.rank() == 2 ? ShapeRules.transpose(a) : a,
            attr.intAt(1) != 0 && b.rank() == 2 ? ShapeRules.transpose(b) : b);
      }
      case BATCH_MATMUL -> ShapeRules.batchMatmulIr(in.get(0).shape(), in.get(1).shape(),
          attr.intAt(0) != 0, attr.intAt(1) != 0);
      case TRANSPOSE -> {
        Shape a = in.get(0).shape();
        yield a.rank() < 2 ? a : ShapeRules.transpose(a);
      }
      case OUTER -> ShapeRules.outer(in.get(0).shape(), in.get(1).shape());
      case INDEX -> ShapeRules.index(in.get(0).shape(), attr.intAt(0));
      case SLICE -> ShapeRules.slice(in.get(0).shape(), attr.intAt(0), attr.intAt(1));
      case GATHER -> ShapeRules.gather(in.get(0).shape(), in.get(1).shape());
      case GATHER_GRAD -> {
        Shape g = in.get(0).shape();
        int lead = in.get(1).shape().rank();
        int[] d = new int[g.rank() - lead + 1];
        d[0] = attr.intAt(0);
        for (int i = lead; i < g.rank(); i++) d[i - lead + 1] = g.dim(i);
        yield Shape.of(d);
      }
      case ONE_HOT -> ShapeRules.oneHot(in.get(0).shape(), attr.intAt(0));
      case SOFTMAX_CE_ROWS -> ShapeRules.classLoss("softmax_cross_entropy", in.get(0).shape(), in.get(1).shape());
      case SOFTMAX_CE_ROWS_GRAD -> {
        ShapeRules.classLoss("softmax_cross_entropy", in.get(0).shape(), in.get(1).shape());
        yield in.get(0).shape();
      }
      case PAD_FIRST -> {
        Shape a = in.get(0).shape();
        require(a.rank() >= 1, op, "needs rank >= 1");
        yield a.withFirst(attr.intAt(0) + a.dim(0) + attr.intAt(1));
      }
      case CONCAT -> {
        List<Shape> parts = new ArrayList<>();
        for (Node n : in) parts.add(n.shape());
        yield ShapeRules.concat(parts);
      }
      case RESHAPE -> {
        long[] dims = new long[attr.intCount()];
        for (int i = 0; i < dims.length; i++) dims[i] = attr.intAt(i);
        yield ShapeRules.reshape(in.get(0).shape(), dims);
      }
      case PERMUTE -> {
        long[] axes = new long[attr.intCount()];
        for (int i = 0; i < axes.length; i++) axes[i] = attr.intAt(i);
        yield ShapeRules.permute(in.get(0).shape(), axes);
      }
      case CONV2D -> {
        Shape a = in.get(0).shape();
        Shape w = in.get(1).shape();
        require(w.rank() == 4 && w.dim(2) == w.dim(3)
            && ShapeRules.conv2dWeight(a, w.dim(0), w.dim(2)).equals(w), op,
            "input " + a + " and kernel " + w + " do not fit");
        yield ShapeRules.conv2d(a, w.dim(0), w.dim(2), attr.intAt(0), attr.intAt(1));
      }
      case CONV2D_GRAD_INPUT, AVGPOOL2D_GRAD -> ConvGeometry.of(op, attr, in).inputShape();
      case CONV2D_GRAD_KERNEL -> ConvGeometry.of(op, attr, in).kernelShape();
      case MAXPOOL2D, AVGPOOL2D -> ShapeRules.pool2d(op.name(), in.get(0).shape(), attr.intAt(0), attr.intAt(1));
      case DELTA -> in.get(2).shape();
      case RECURRENT -> {
        Shape xs = in.get(0).shape();
        int h = attr.intAt(0);
        int cell = RecurrentKernels.cell(attr.name());
        int g = RecurrentKernels.gates(cell, h);
        require(xs.rank() == 2 && in.get(1).shape().equals(Shape.of(g, xs.dim(1)))
            && in.get(2).shape().equals(Shape.of(g, h)) && in.get(3).shape().equals(Shape.of(g))
            && in.get(4).shape().equals(Shape.of(g)), op, "operands do not fit " + attr.name() + "(" + h + ")");
        yield Shape.of(RecurrentKernels.tapeSize(cell, xs.dim(0), h));
      }
      case RECURRENT_GRAD -> {
        Shape xs = in.get(0).shape();
        int h = attr.intAt(0);
        int cell = RecurrentKernels.cell(attr.name());
        require(xs.rank() == 2 && in.get(4).size() >= xs.dim(0) * h, op, "cotangent too small");
        yield Shape.of(RecurrentKernels.gradientSize(cell, xs.dim(0), xs.dim(1), h));
      }
      case BATCH_MEAN -> in.get(0).shape();
      case LOOP -> {
        LoopBody body = attr.body();
        require(body != null && !body.reverse() && in.size() == body.carried() + body.captures(), op, "operands do not fit the body");
        yield Shape.of((attr.intAt(1) - attr.intAt(0) + 1) * body.rowSize());
      }
      case LOOP_GRAD -> {
        LoopBody body = attr.body();
        require(body != null && body.reverse() && in.size() == 2 + body.captures() + body.active().length, op, "operands do not fit the body");
        int n = body.rowSize();
        for (int k : body.active()) n += body.capture(k).size();
        yield Shape.of(n);
      }
      case INPUT, TARGET, PARAM, CONST, SEED, RUNNING_STAT ->
          throw new IllegalArgumentException("no shape rule for " + op + ": leaves are made with their shape");
    };
  }

  private static void require(boolean ok, Op op, String message) {
    if (!ok) throw new IllegalArgumentException(op + ": " + message);
  }
}
