package dev.deltac.runtime.optim;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.kernels.FiniteCheck;

/** Gradient clipping over blocks, in place. */
public final class GradientClipping {
  private GradientClipping() {}

  /** Clamps every element into {@code [-limit, limit]}; NaN stays NaN. */
  public static void clipByValue(float[][] grads, double limit) {
    Checks.checkArgument(limit > 0, "clip value must be > 0: %s", limit);
    float hi = (float) limit;
    float lo = -hi;
    for (float[] g : grads) {
      for (int i = 0; i < g.length; i++) {
        float x = g[i];
        if (x > hi) g[i] = hi;
        else if (x < lo) g[i] = lo;
      }
    }
  }

  /** The L2 norm of all gradients together, summed in double in block order. */
  public static double globalNorm(float[][] grads) {
    double s = 0;
    for (float[] g : grads) {
      for (float x : g) s += (double) x * x;
    }
    return Math.sqrt(s);
  }

  /**
   * Scales all gradients by {@code maxNorm / (norm + 1e-6)} when that is below 1, as PyTorch's
   * {@code clip_grad_norm_}. Returns the norm before clipping (NaN or infinite if a gradient
   * is; then nothing is scaled).
   */
  public static double clipByNorm(float[][] grads, double maxNorm) {
    Checks.checkArgument(maxNorm > 0, "clip norm must be > 0: %s", maxNorm);
    double norm = globalNorm(grads);
    if (!Double.isFinite(norm)) return norm;
    double coef = maxNorm / (norm + 1e-6);
    if (coef < 1) {
      float c = (float) coef;
      for (float[] g : grads) {
        for (int i = 0; i < g.length; i++) g[i] *= c;
      }
    }
    return norm;
  }

  /** True when every element is finite. */
  public static boolean allFinite(float[][] grads) {
    return firstNonFiniteBlock(grads) < 0;
  }

  /** The first block holding a NaN or infinity, or -1. */
  public static int firstNonFiniteBlock(float[][] blocks) {
    for (int b = 0; b < blocks.length; b++) {
      if (!allFinite(blocks[b], 0, blocks[b].length)) return b;
    }
    return -1;
  }

  /**
   * Whether {@code a[from, to)} holds no NaN and no infinity ({@link FiniteCheck}: with the Vector
   * API when the dense kernels use it).
   */
  public static boolean allFinite(float[] a, int from, int to) {
    return FiniteCheck.allFinite(a, from, to);
  }
}
