package dev.deltac.runtime;

/**
 * The running statistics of batch_norm, model state that is not trained: how a training step
 * updates them (as PyTorch's BatchNorm1d/BatchNorm2d in training mode) and the check that a
 * batch has more than one value per channel. Generated classes and the interpreter both call
 * these, so the update is written once.
 */
public final class RunningStatistics {
  private RunningStatistics() {}

  /**
   * {@code running = momentum * value + (1 - momentum) * running} per channel, where value is the
   * batch mean, or for a variance the batch's biased variance made unbiased with the
   * {@code n = batch * count} values per channel ({@code * n / (n - 1)}).
   *
   * @param stat the batch statistic, one value per channel (biased for a variance)
   */
  public static void update(float[] running, float[] stat, double momentum, boolean variance, int n) {
    double unbias = variance ? (double) n / (n - 1) : 1;
    for (int c = 0; c < running.length; c++) {
      running[c] = (float) (momentum * (stat[c] * unbias) + (1 - momentum) * running[c]);
    }
  }

  /** As {@link #update(float[], float[], double, boolean, int)} in float64. */
  public static void update(double[] running, double[] stat, double momentum, boolean variance, int n) {
    double unbias = variance ? (double) n / (n - 1) : 1;
    for (int c = 0; c < running.length; c++) {
      running[c] = momentum * (stat[c] * unbias) + (1 - momentum) * running[c];
    }
  }

  /**
   * Throws the error PyTorch gives when a training batch has one value per channel (its
   * variance is 0/0 unbiased): {@code n = batch * count} must be at least 2.
   */
  public static void checkValues(String layer, int batch, int count) {
    if ((long) batch * count < 2) {
      throw new IllegalArgumentException("batch_norm `" + layer + "` needs more than one value per"
          + " channel in training, got a batch of " + batch + " with " + count
          + " value(s) per channel and sample");
    }
  }
}
