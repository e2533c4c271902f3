package dev.deltac.compiler.ir;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The running statistics of a model's batch_norm layers ({@code h.running_mean[C]},
 * {@code h.running_var[C]}): model state that is not trained. A training graph names them on
 * its {@link Op#BATCH_MEAN} statistics, an inference graph reads them as {@link Op#RUNNING_STAT}
 * leaves; both give the same list, in source order (by the batch_norm call's position, the mean
 * before the variance), which is the order of the runtime's {@code buffers()}.
 */
public final class RunningStats {
  private RunningStats() {}

  /**
   * One running statistic: its name, channels, the values per channel of one sample
   * ({@code count}: 1, L or H·W), whether it is a variance, and the momentum of its update.
   */
  public record Stat(String name, int channels, int count, boolean variance, double momentum,
      dev.deltac.compiler.diag.SourceSpan span) {}

  /** Whether n is a batch_norm statistic: a named {@link Op#BATCH_MEAN}. */
  public static boolean isStatistic(Node n) {
    return n.op() == Op.BATCH_MEAN && n.attr().name() != null;
  }

  /** The running statistics of g, in source order; empty for a model without batch_norm. */
  public static List<Stat> of(Graph g) {
    Map<String, Stat> byName = new LinkedHashMap<>();
    for (Node n : g.nodes()) {
      if (isStatistic(n)) {
        byName.putIfAbsent(n.attr().name(), new Stat(n.attr().name(), n.shape().dim(0),
            n.attr().intAt(0), n.attr().intAt(1) == 1, n.attr().doubleAt(0), n.span()));
      } else if (n.op() == Op.RUNNING_STAT) {
        String name = n.attr().name();
        byName.putIfAbsent(name, new Stat(name, n.shape().dim(0), 0,
            name.endsWith(".running_var"), 0, n.span()));
      }
    }
    List<Stat> out = new ArrayList<>(byName.values());
    out.sort(Comparator.comparingInt((Stat s) -> s.span().line())
        .thenComparingInt(s -> s.span().column()).thenComparing(Stat::name));
    return out;
  }

  /** Whether g has batch statistics, so that its samples are coupled. */
  public static boolean coupled(Graph g) {
    for (Node n : g.nodes()) {
      if (n.op() == Op.BATCH_MEAN) return true;
    }
    return false;
  }
}
