package dev.deltac.runtime.optim;

import dev.deltac.runtime.Checks;

/**
 * Loss scaling, the mixed-precision recipe: the loss (hence every gradient) is multiplied by
 * {@link #scale()} before the backward pass so small gradients survive a narrow format, and the
 * gradients are divided by it again before the optimizer step.
 *
 * <p>Use: compute gradients of {@code scale() * loss}, then call {@link #unscale(float[][])}; if
 * it returns false (some gradient overflowed to infinity or NaN) skip the optimizer step. A
 * static scaler never changes its scale. A dynamic one halves the scale on every overflow and
 * doubles it after {@code growthInterval} consecutive good steps.
 */
public final class LossScaler {
  private final boolean dynamic;
  private final int growthInterval;
  private final double minScale;
  private double scale;
  private int goodSteps;
  private long skipped;

  private LossScaler(double scale, boolean dynamic, int growthInterval, double minScale) {
    Checks.checkArgument(scale > 0 && Double.isFinite(scale), "loss scale must be > 0: %s",
        scale);
    Checks.checkArgument(growthInterval > 0, "growth interval must be > 0: %s", growthInterval);
    this.scale = scale;
    this.dynamic = dynamic;
    this.growthInterval = growthInterval;
    this.minScale = minScale;
  }

  /** A fixed scale. */
  public static LossScaler fixed(double scale) {
    return new LossScaler(scale, false, Integer.MAX_VALUE, scale);
  }

  /** A dynamic scale from {@code initial}, doubled after {@code growthInterval} good steps. */
  public static LossScaler dynamic(double initial, int growthInterval) {
    return new LossScaler(initial, true, growthInterval, 0x1.0p-24);
  }

  /** PyTorch's {@code GradScaler} defaults: 2^16, doubled every 2000 good steps. */
  public static LossScaler dynamic() {
    return dynamic(65536.0, 2000);
  }

  public double scale() {
    return scale;
  }

  public boolean isDynamic() {
    return dynamic;
  }

  /** Steps skipped so far because of overflow. */
  public long skippedSteps() {
    return skipped;
  }

  /** The loss to differentiate: {@code loss * scale()}. */
  public double scaleLoss(double loss) {
    return loss * scale;
  }

  /**
   * Checks the (scaled) gradients: if all are finite, divides them by the scale and returns
   * true; otherwise leaves them, records the overflow (halving a dynamic scale) and returns false,
   * meaning: skip this step. Calls {@link #update(boolean)} itself.
   */
  public boolean unscale(float[][] grads) {
    boolean ok = GradientClipping.allFinite(grads);
    if (ok) {
      float inv = (float) (1.0 / scale);
      for (float[] g : grads) {
        for (int i = 0; i < g.length; i++) g[i] *= inv;
      }
    }
    update(ok);
    return ok;
  }

  /** Records one step: {@code finite} false halves a dynamic scale, true counts towards growth. */
  public void update(boolean finite) {
    if (!finite) {
      skipped++;
      goodSteps = 0;
      if (dynamic) scale = Math.max(minScale, scale / 2);
      return;
    }
    if (dynamic && ++goodSteps >= growthInterval) {
      goodSteps = 0;
      double grown = scale * 2;
      if (Double.isFinite(grown) && grown <= Float.MAX_VALUE) scale = grown;
    }
  }
}
