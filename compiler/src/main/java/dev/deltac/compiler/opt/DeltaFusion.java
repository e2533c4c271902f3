package dev.deltac.compiler.opt;

import dev.deltac.compiler.ir.Attr;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.Rewriter;
import java.util.Map;

/**
 * Fuses the δ-recurrence of a dense layer, {@code δ_l = (W^T δ_{l+1}) ⊙ φ'(h_l)} with φ'
 * written through the layer output h, into one {@link Op#DELTA} node that the code generator
 * emits as a single pass over W (sharing the sweep with the weight gradient
 * {@code outer(δ_{l+1}, h_l)}, which reads the same W rows and δ).
 *
 * <p>Recognized slopes, as the derivative rules write them: sigmoid {@code h * (1 - h)}, tanh
 * {@code 1 - square(h)}, relu {@code step(h)}. The product is fused only when it is the sole
 * use of {@code W^T δ}.
 */
public final class DeltaFusion {
  private DeltaFusion() {}

  public static Graph run(Graph g) {
    Map<Integer, Integer> uses = Graph.useCounts(g.nodes());
    return Rewriter.rewrite(g, (b, old, in) -> {
      if (old.op() != Op.MUL) return null;
      for (int side = 0; side < 2; side++) {
        Node oldProduct = old.input(side);
        Node m = in.get(side);
        Node slope = in.get(1 - side);
        if (!isTransposedMatVec(m) || uses.getOrDefault(oldProduct.id(), 0) != 1) continue;
        Node h = layerOutput(slope);
        if (h == null || !h.shape().equals(old.shape())) continue;
        return b.make(Op.DELTA, Attr.name(activation(h)), old.span(), m.input(0), m.input(1), h);
      }
      return null;
    });
  }

  private static boolean isTransposedMatVec(Node m) {
    return m.op() == Op.MATMUL && m.attr().intAt(0) == 1 && m.attr().intAt(1) == 0
        && m.input(0).shape().rank() == 2 && m.input(1).shape().rank() == 1;
  }

  /** The activation output h when {@code s} is φ'(h) written through h; else null. */
  private static Node layerOutput(Node s) {
    if (s.op() == Op.STEP && s.input(0).op() == Op.RELU) return s.input(0);
    if (s.op() == Op.SUB && s.input(0).isConst(1) && s.input(1).op() == Op.SQUARE
        && s.input(1).input(0).op() == Op.TANH) {
      return s.input(1).input(0);
    }
    if (s.op() == Op.MUL && s.input(0).op() == Op.SIGMOID && s.input(1).op() == Op.SUB
        && s.input(1).input(0).isConst(1) && s.input(1).input(1) == s.input(0)) {
      return s.input(0);
    }
    return null;
  }

  private static String activation(Node h) {
    return h.op().name().toLowerCase(java.util.Locale.ROOT);
  }
}
