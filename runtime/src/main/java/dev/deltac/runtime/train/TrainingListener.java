package dev.deltac.runtime.train;

/**
 * Callbacks from {@link Trainer#fit}, all on the thread that called it, so a progress bar or a
 * loss-curve recorder can be plugged in. Every method has an empty default. To stop training
 * from a callback, call {@link Trainer#requestStop()}: the current epoch ends normally.
 */
public interface TrainingListener {
  /** Before the first epoch. */
  default void onTrainingStart(TrainingPlan plan) {}

  /** Before each epoch (0-based). */
  default void onEpochStart(int epoch) {}

  /**
   * After each optimizer step: {@code step} counts from 1 over all epochs, {@code samples} is
   * the batch size, {@code loss} the batch's mean loss (before the step).
   */
  default void onBatchEnd(long step, int samples, double loss) {}

  /** After each epoch and its evaluation. */
  default void onEpochEnd(EpochMetrics metrics) {}

  /** After the last epoch (not called when training fails with an exception). */
  default void onTrainingEnd(TrainingResult result) {}

  /**
   * What a run will do, for sizing a progress display.
   *
   * @param epochs epochs requested (early stopping may end sooner)
   * @param batchesPerEpoch optimizer steps per epoch
   * @param trainSamples training samples per epoch
   * @param validationSamples validation samples (0 without a validation set)
   * @param threads worker threads computing gradients
   * @param hasAccuracy whether accuracies will be reported
   */
  record TrainingPlan(int epochs, int batchesPerEpoch, int trainSamples, int validationSamples,
      int threads, boolean hasAccuracy) {}
}
