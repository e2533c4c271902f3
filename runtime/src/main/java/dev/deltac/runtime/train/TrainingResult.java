package dev.deltac.runtime.train;

import java.util.List;

/**
 * The outcome of {@link Trainer#fit}.
 *
 * @param history one entry per epoch run
 * @param bestEpoch the epoch with the lowest monitored loss (0-based)
 * @param bestLoss that loss
 * @param stoppedEarly true when early stopping (or {@link Trainer#requestStop()}) ended training
 * @param restoredBest true when the parameters were reset to those of {@code bestEpoch}
 * @param steps optimizer steps taken
 */
public record TrainingResult(List<EpochMetrics> history, int bestEpoch, double bestLoss,
    boolean stoppedEarly, boolean restoredBest, long steps) {
  public TrainingResult {
    history = List.copyOf(history);
  }

  /** The last epoch's metrics, or null when no epoch ran. */
  public EpochMetrics last() {
    return history.isEmpty() ? null : history.get(history.size() - 1);
  }
}
