package dev.deltac.compiler.ir;

import dev.deltac.compiler.types.Shape;
import dev.deltac.compiler.types.ShapeException;
import dev.deltac.compiler.types.ShapeRules;
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

  private static Shape rule(Op op, Attr attr, List<Node> in) {
    switch (op.kind) {
      case UNARY:
        return in.get(0).shape();
      case BINARY:
        return ShapeRules.broadcast(op.name(), in.get(0).shape(), in.get(1).shape());
      case LOSS:
        return ShapeRules.loss(op.name(), in.get(0).shape(), in.get(1).shape());
      default:
        break;
    }
    if (op == Op.DROPOUT_MASK) {
      int[] ints = attr.ints();
      return Shape.of(java.util.Arrays.copyOfRange(ints, 1, ints.length));
    }
    Shape a = in.get(0).shape();
    switch (op) {
      case WHERE:
        return ShapeRules.where(a, in.get(1).shape(), in.get(2).shape());
      case SUM:
      case LOGSUMEXP:
        return Shape.SCALAR;
      case BROADCAST:
        require(a.isScalar(), op, "operand must be a scalar, got " + a);
        return Shape.of(attr.ints());
      case SOFTMAX:
      case LOG_SOFTMAX:
        return a;
      case MATMUL: {
        Shape b = in.get(1).shape();
        return ShapeRules.matmul(attr.intAt(0) != 0 && a.rank() == 2 ? ShapeRules.transpose(a) : a,
            attr.intAt(1) != 0 && b.rank() == 2 ? ShapeRules.transpose(b) : b);
      }
      case TRANSPOSE:
        return a.rank() < 2 ? a : ShapeRules.transpose(a);
      case OUTER:
        return ShapeRules.outer(a, in.get(1).shape());
      case INDEX:
        return ShapeRules.index(a, attr.intAt(0));
      case SLICE:
        return ShapeRules.slice(a, attr.intAt(0), attr.intAt(1));
      case PAD_FIRST:
        require(a.rank() >= 1, op, "needs rank >= 1");
        return a.withFirst(attr.intAt(0) + a.dim(0) + attr.intAt(1));
      case CONCAT: {
        List<Shape> parts = new ArrayList<>();
        for (Node n : in) parts.add(n.shape());
        return ShapeRules.concat(parts);
      }
      case RESHAPE: {
        long[] dims = new long[attr.intCount()];
        for (int i = 0; i < dims.length; i++) dims[i] = attr.intAt(i);
        return ShapeRules.reshape(a, dims);
      }
      case CONV2D: {
        Shape w = in.get(1).shape();
        require(w.rank() == 4 && w.dim(2) == w.dim(3)
            && ShapeRules.conv2dWeight(a, w.dim(0), w.dim(2)).equals(w), op,
            "input " + a + " and kernel " + w + " do not fit");
        return ShapeRules.conv2d(a, w.dim(0), w.dim(2), attr.intAt(0), attr.intAt(1));
      }
      case CONV2D_GRAD_INPUT:
      case AVGPOOL2D_GRAD:
        return ConvGeometry.of(op, attr, in).inputShape();
      case CONV2D_GRAD_KERNEL:
        return ConvGeometry.of(op, attr, in).kernelShape();
      case MAXPOOL2D:
      case AVGPOOL2D:
        return ShapeRules.pool2d(op.name(), a, attr.intAt(0), attr.intAt(1));
      case MAXPOOL2D_GRAD:
        return a;
      case DELTA:
        return in.get(2).shape();
      default:
        throw new IllegalArgumentException("no shape rule for " + op);
    }
  }

  private static void require(boolean ok, Op op, String message) {
    if (!ok) throw new IllegalArgumentException(op + ": " + message);
  }
}
