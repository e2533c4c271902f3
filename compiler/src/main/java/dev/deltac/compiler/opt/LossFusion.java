package dev.deltac.compiler.opt;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.Rewriter;

/**
 * Replaces an activation feeding its matching loss by the fused, stable loss on the logits,
 * before differentiation: {@code bce(sigmoid(z), y)} becomes {@code bce_with_logits(z, y)},
 * whose derivative is {@code (sigmoid(z) - y) / n}, and {@code cross_entropy(softmax(z), y)}
 * becomes {@code softmax_cross_entropy(z, y)}, whose derivative is {@code p * sum(y) - y}. The
 * loss value is then computed in the stable logits form too. Identity + mse needs no rewrite:
 * the mse rule is already the closed form {@code 2 (yhat - y) / n}.
 */
public final class LossFusion {
  private LossFusion() {}

  public static Graph run(Graph g) {
    return Rewriter.rewrite(g, (b, old, in) -> {
      Node p = in.isEmpty() ? null : in.get(0);
      if (old.op() == Op.BCE && p.op() == Op.SIGMOID) {
        return b.make(Op.BCE_LOGITS, old.span(), p.input(0), in.get(1));
      }
      if (old.op() == Op.CROSS_ENTROPY && p.op() == Op.SOFTMAX) {
        return b.make(Op.SOFTMAX_CE, old.span(), p.input(0), in.get(1));
      }
      return null;
    });
  }
}
