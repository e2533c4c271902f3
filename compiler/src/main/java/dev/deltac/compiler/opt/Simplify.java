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
    if (allConst(in) && old.size() <= MAX_FOLD_SIZE) {
      double[][] v = new double[in.size()][];
      for (int i = 0; i < v.length; i++) v[i] = in.get(i).attr().doubles();
      Node probe = b.remake(old, in);
      return b.constant(old.shape(), Kernels.eval(probe, v));
    }
    Node a = in.isEmpty() ? null : in.get(0);
    Node c = in.size() > 1 ? in.get(1) : null;
    switch (op) {
      case ADD:
        if (a.isConst(0) && c.shape().equals(old.shape())) return c;
        if (c.isConst(0) && a.shape().equals(old.shape())) return a;
        break;
      case SUB:
        if (c.isConst(0) && a.shape().equals(old.shape())) return a;
        if (a.isConst(0) && c.shape().equals(old.shape())) return b.neg(c);
        break;
      case MUL:
        if (a.isConst(1) && c.shape().equals(old.shape())) return c;
        if (c.isConst(1) && a.shape().equals(old.shape())) return a;
        if (a.isConst(0) || c.isConst(0)) return b.constant(old.shape(), 0.0);
        if (a.op() == Op.CONST && a.shape().isScalar() && c.op() == Op.MUL) {
          Node folded = foldScalarFactor(b, a, c);
          if (folded != null) return folded;
        }
        if (c.op() == Op.CONST && c.shape().isScalar() && a.op() == Op.MUL) {
          Node folded = foldScalarFactor(b, c, a);
          if (folded != null) return folded;
        }
        break;
      case DIV:
        if (c.isConst(1) && a.shape().equals(old.shape())) return a;
        if (a.isConst(0)) return b.constant(old.shape(), 0.0);
        break;
      case NEG:
        if (a.op() == Op.NEG) return a.input(0);
        break;
      case POW:
        if (c.isConst(1) && a.shape().equals(old.shape())) return a;
        if (c.isConst(2) && a.shape().equals(old.shape())) return b.unary(Op.SQUARE, a);
        break;
      case TRANSPOSE:
        if (a.op() == Op.TRANSPOSE) return a.input(0);
        if (a.shape().rank() < 2) return a;
        break;
      case MATMUL: {
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
        if (changed) return b.make(Op.MATMUL, Attr.ints(ta, tb), old.span(), a, c);
        break;
      }
      case RESHAPE:
        if (a.shape().equals(old.shape())) return a;
        if (a.op() == Op.RESHAPE) return b.reshape(a.input(0), old.shape());
        break;
      case WHERE:
        if (a.isConst(1) && in.get(1).shape().equals(old.shape())) return in.get(1);
        if (a.isConst(0) && in.get(2).shape().equals(old.shape())) return in.get(2);
        break;
      case SUM:
        if (a.op() == Op.BROADCAST) return b.mul(a.input(0), b.scalar(a.size()));
        break;
      case SLICE:
        if (a.op() == Op.PAD_FIRST && a.attr().intAt(0) == old.attr().intAt(0)
            && a.input(0).shape().equals(old.shape())) {
          return a.input(0);
        }
        break;
      default:
        break;
    }
    return null;
  }

  /** c1 * (c2 * x) or c1 * (x * c2) with scalar constants: (c1 c2) * x. */
  private static Node foldScalarFactor(GraphBuilder b, Node c1, Node mul) {
    Node l = mul.input(0);
    Node r = mul.input(1);
    if (l.op() == Op.CONST && l.shape().isScalar()) {
      return b.mul(b.scalar(c1.attr().doubleAt(0) * l.attr().doubleAt(0)), r);
    }
    if (r.op() == Op.CONST && r.shape().isScalar()) {
      return b.mul(l, b.scalar(c1.attr().doubleAt(0) * r.attr().doubleAt(0)));
    }
    return null;
  }

  private static boolean allConst(List<Node> in) {
    if (in.isEmpty()) return false;
    for (Node n : in) {
      if (n.op() != Op.CONST) return false;
    }
    return true;
  }
}
