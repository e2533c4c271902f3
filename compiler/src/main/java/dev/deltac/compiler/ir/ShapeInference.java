package dev.deltac.compiler.ir;

import dev.deltac.compiler.types.Shape;
import java.util.List;

/**
 * The shape of each IR op from its operands. The front end has already rejected ill-shaped
 * programs with positioned diagnostics, so a failure here is a compiler bug and throws.
 */
final class ShapeInference {
  private ShapeInference() {}

  static Shape infer(Op op, Attr attr, List<Node> in) {
    switch (op.kind) {
      case UNARY:
        return in.get(0).shape();
      case BINARY:
        return broadcast(op, in.get(0).shape(), in.get(1).shape());
      case LOSS:
        same(op, in.get(0).shape(), in.get(1).shape());
        return Shape.SCALAR;
      default:
        break;
    }
    Shape a = in.get(0).shape();
    switch (op) {
      case WHERE:
        return broadcast(op, broadcast(op, a, in.get(1).shape()), in.get(2).shape());
      case SUM:
      case LOGSUMEXP:
        return Shape.SCALAR;
      case BROADCAST:
        require(a.isScalar(), op, "operand must be a scalar, got " + a);
        return Shape.of(attr.ints());
      case SOFTMAX:
      case LOG_SOFTMAX:
        return a;
      case MATMUL:
        return matmul(a, in.get(1).shape(), attr.intAt(0) != 0, attr.intAt(1) != 0);
      case TRANSPOSE:
        if (a.rank() < 2) return a;
        require(a.rank() == 2, op, "needs a matrix, got " + a);
        return Shape.of(a.dim(1), a.dim(0));
      case OUTER: {
        Shape b = in.get(1).shape();
        require(a.rank() == 1 && b.rank() == 1, op, "needs two vectors, got " + a + " and " + b);
        return Shape.of(a.dim(0), b.dim(0));
      }
      case INDEX:
        require(a.rank() >= 1 && attr.intAt(0) >= 0 && attr.intAt(0) < a.dim(0), op,
            "index " + attr.intAt(0) + " out of " + a);
        return a.dropFirst();
      case SLICE: {
        int from = attr.intAt(0);
        int to = attr.intAt(1);
        require(a.rank() >= 1 && 0 <= from && from < to && to <= a.dim(0), op,
            "slice " + from + ":" + to + " out of " + a);
        return a.withFirst(to - from);
      }
      case PAD_FIRST:
        require(a.rank() >= 1, op, "needs rank >= 1");
        return a.withFirst(attr.intAt(0) + a.dim(0) + attr.intAt(1));
      case CONCAT: {
        int first = 0;
        for (Node n : in) {
          Shape s = n.shape();
          require(s.rank() == a.rank() && s.rank() >= 1
              && s.dropFirst().equals(a.dropFirst()), op, "cannot concatenate " + a + " and " + s);
          first += s.dim(0);
        }
        return a.withFirst(first);
      }
      case RESHAPE: {
        Shape to = Shape.of(attr.ints());
        require(to.size() == a.size(), op, "cannot reshape " + a + " to " + to);
        return to;
      }
      case CONV2D: {
        Shape w = in.get(1).shape();
        require(a.rank() == 3 && w.rank() == 4 && w.dim(1) == a.dim(0) && w.dim(2) == w.dim(3), op,
            "input " + a + " and kernel " + w + " do not fit");
        int s = attr.intAt(0);
        int p = attr.intAt(1);
        int k = w.dim(2);
        return Shape.of(w.dim(0), (a.dim(1) + 2 * p - k) / s + 1, (a.dim(2) + 2 * p - k) / s + 1);
      }
      case CONV2D_GRAD_INPUT: {
        Shape w = a;
        return Shape.of(w.dim(1), attr.intAt(2), attr.intAt(3));
      }
      case CONV2D_GRAD_KERNEL: {
        Shape g = in.get(1).shape();
        int k = attr.intAt(2);
        return Shape.of(g.dim(0), a.dim(0), k, k);
      }
      case MAXPOOL2D:
      case AVGPOOL2D: {
        require(a.rank() == 3, op, "needs [c, h, w], got " + a);
        int size = attr.intAt(0);
        int stride = attr.intAt(1);
        return Shape.of(a.dim(0), (a.dim(1) - size) / stride + 1, (a.dim(2) - size) / stride + 1);
      }
      case MAXPOOL2D_GRAD:
        return a;
      case AVGPOOL2D_GRAD:
        return Shape.of(a.dim(0), attr.intAt(2), attr.intAt(3));
      case DELTA:
        return in.get(2).shape();
      default:
        throw new IllegalArgumentException("no shape rule for " + op);
    }
  }

  static Shape broadcast(Op op, Shape a, Shape b) {
    if (a.isScalar()) return b;
    if (b.isScalar()) return a;
    same(op, a, b);
    return a;
  }

  static Shape matmul(Shape a, Shape b, boolean ta, boolean tb) {
    if (ta) a = transposed(a);
    if (tb) b = transposed(b);
    int ra = a.rank();
    int rb = b.rank();
    if (ra == 2 && rb == 1 && a.dim(1) == b.dim(0)) return Shape.of(a.dim(0));
    if (ra == 2 && rb == 2 && a.dim(1) == b.dim(0)) return Shape.of(a.dim(0), b.dim(1));
    if (ra == 1 && rb == 2 && a.dim(0) == b.dim(0)) return Shape.of(b.dim(1));
    if (ra == 1 && rb == 1 && a.dim(0) == b.dim(0)) return Shape.SCALAR;
    throw new IllegalArgumentException("MATMUL: " + a + " @ " + b + " do not fit");
  }

  private static Shape transposed(Shape s) {
    return s.rank() == 2 ? Shape.of(s.dim(1), s.dim(0)) : s;
  }

  private static void same(Op op, Shape a, Shape b) {
    require(a.equals(b), op, "shapes " + a + " and " + b + " differ");
  }

  private static void require(boolean ok, Op op, String message) {
    if (!ok) throw new IllegalArgumentException(op + ": " + message);
  }
}
