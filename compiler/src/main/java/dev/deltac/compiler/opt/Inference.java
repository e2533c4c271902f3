package dev.deltac.compiler.opt;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.Rewriter;
import dev.deltac.compiler.ir.RunningStats;
import dev.deltac.compiler.types.Shape;

/**
 * Inference mode: every dropout mask becomes 1 (inverted dropout needs no rescaling), and every
 * batch statistic of batch_norm the running statistic it names ({@link RunningStats}), so
 * {@code predict} and {@code loss} are deterministic and {@link Simplify} removes the products.
 */
public final class Inference {
  private Inference() {}

  public static Graph run(Graph g) {
    return Rewriter.rewrite(g, (b, old, in) ->
        old.op() == Op.DROPOUT_MASK ? b.constant(old.shape(), 1.0)
            : RunningStats.isStatistic(old) ? b.reshape(
                b.runningStat(old.attr().name(), Shape.of(old.shape().dim(0)), old.span()), old.shape())
            : null);
  }
}
