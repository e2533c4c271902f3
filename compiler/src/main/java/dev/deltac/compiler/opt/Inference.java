package dev.deltac.compiler.opt;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.Rewriter;

/**
 * Inference mode: every dropout mask becomes 1 (inverted dropout needs no rescaling), so
 * {@code predict} and {@code loss} are deterministic and {@link Simplify} removes the products.
 */
public final class Inference {
  private Inference() {}

  public static Graph run(Graph g) {
    return Rewriter.rewrite(g, (b, old, in) ->
        old.op() == Op.DROPOUT_MASK ? b.constant(old.shape(), 1.0) : null);
  }
}
