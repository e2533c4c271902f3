package dev.deltac.runtime.kernels;

/**
 * Portable kernels in plain Java, shaped for C2's auto-vectorizer where it can help.
 *
 * <ul>
 *   <li>Forward is a set of dot products, which C2 never vectorizes (float reductions); they are
 *       register-blocked, 4 weight rows by 2 samples, so each loaded value feeds several
 *       independent accumulators.
 *   <li>Input and weight gradients are row updates {@code row[j] += a * v[j]}, which C2
 *       vectorizes only when every array is indexed by the bare loop variable. The kernels
 *       therefore run them on whole per-thread scratch rows (copied in or out with
 *       {@code System.arraycopy}), four source rows per pass.
 * </ul>
 *
 * <p>Scratch rows live in a {@link ThreadLocal} and grow to the largest {@code n} seen; after
 * that no call allocates.
 */
public final class ScalarDenseKernels extends DenseLayerKernels {
  static final ScalarDenseKernels INSTANCE = new ScalarDenseKernels();

  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[5][0]);

  private ScalarDenseKernels() {}

  @Override
  public String name() {
    return "scalar";
  }

  /** Five scratch rows of at least {@code n} floats for the current thread. */
  private static float[][] scratch(int n) {
    float[][] s = SCRATCH.get();
    if (s[0].length < n) {
      for (int k = 0; k < s.length; k++) s[k] = new float[n];
    }
    return s;
  }

  @Override
  void forwardKernel(int batch, int m, int n, float[][] w, float[] bias,
      float[] x, int xOff, int xStride, float[] y, int yOff, int yStride) {
    int b = 0;
    for (; b + 2 <= batch; b += 2) {
      int xa = xOff + b * xStride;
      int xb = xa + xStride;
      int ya = yOff + b * yStride;
      int yb = ya + yStride;
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        float[] w0 = w[i];
        float[] w1 = w[i + 1];
        float[] w2 = w[i + 2];
        float[] w3 = w[i + 3];
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
        float b0 = 0f, b1 = 0f, b2 = 0f, b3 = 0f;
        for (int j = 0; j < n; j++) {
          float u = x[xa + j];
          float v = x[xb + j];
          float c0 = w0[j];
          float c1 = w1[j];
          float c2 = w2[j];
          float c3 = w3[j];
          a0 += c0 * u;
          a1 += c1 * u;
          a2 += c2 * u;
          a3 += c3 * u;
          b0 += c0 * v;
          b1 += c1 * v;
          b2 += c2 * v;
          b3 += c3 * v;
        }
        y[ya + i] = bias(bias, i) + a0;
        y[ya + i + 1] = bias(bias, i + 1) + a1;
        y[ya + i + 2] = bias(bias, i + 2) + a2;
        y[ya + i + 3] = bias(bias, i + 3) + a3;
        y[yb + i] = bias(bias, i) + b0;
        y[yb + i + 1] = bias(bias, i + 1) + b1;
        y[yb + i + 2] = bias(bias, i + 2) + b2;
        y[yb + i + 3] = bias(bias, i + 3) + b3;
      }
      for (; i < m; i++) {
        y[ya + i] = bias(bias, i) + dot(w[i], x, xa, n);
        y[yb + i] = bias(bias, i) + dot(w[i], x, xb, n);
      }
    }
    for (; b < batch; b++) {
      int xa = xOff + b * xStride;
      int ya = yOff + b * yStride;
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        float[] w0 = w[i];
        float[] w1 = w[i + 1];
        float[] w2 = w[i + 2];
        float[] w3 = w[i + 3];
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
        for (int j = 0; j < n; j++) {
          float u = x[xa + j];
          a0 += w0[j] * u;
          a1 += w1[j] * u;
          a2 += w2[j] * u;
          a3 += w3[j] * u;
        }
        y[ya + i] = bias(bias, i) + a0;
        y[ya + i + 1] = bias(bias, i + 1) + a1;
        y[ya + i + 2] = bias(bias, i + 2) + a2;
        y[ya + i + 3] = bias(bias, i + 3) + a3;
      }
      for (; i < m; i++) y[ya + i] = bias(bias, i) + dot(w[i], x, xa, n);
    }
  }

  private static float bias(float[] bias, int i) {
    return bias == null ? 0f : bias[i];
  }

  /** {@code sum_j w[j] * x[xo + j]}, summed from j = 0 up, as the blocked loops do. */
  private static float dot(float[] w, float[] x, int xo, int n) {
    float s = 0f;
    for (int j = 0; j < n; j++) s += w[j] * x[xo + j];
    return s;
  }

  @Override
  void inputGradientKernel(int batch, int m, int n, float[][] w,
      float[] d, int dOff, int dStride, float[] dx, int dxOff, int dxStride) {
    float[] acc = scratch(n)[0];
    for (int b = 0; b < batch; b++) {
      int dr = dOff + b * dStride;
      for (int j = 0; j < n; j++) acc[j] = 0f;
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        float d0 = d[dr + i];
        float d1 = d[dr + i + 1];
        float d2 = d[dr + i + 2];
        float d3 = d[dr + i + 3];
        float[] w0 = w[i];
        float[] w1 = w[i + 1];
        float[] w2 = w[i + 2];
        float[] w3 = w[i + 3];
        for (int j = 0; j < n; j++) {
          acc[j] += d0 * w0[j] + d1 * w1[j] + d2 * w2[j] + d3 * w3[j];
        }
      }
      for (; i < m; i++) {
        float d0 = d[dr + i];
        float[] w0 = w[i];
        for (int j = 0; j < n; j++) acc[j] += d0 * w0[j];
      }
      System.arraycopy(acc, 0, dx, dxOff + b * dxStride, n);
    }
  }

  @Override
  void weightGradientKernel(int batch, int m, int n,
      float[] d, int dOff, int dStride, float[] x, int xOff, int xStride,
      float[][] gw, float[] gb) {
    float[][] s = scratch(n);
    float[] x0 = s[1];
    float[] x1 = s[2];
    float[] x2 = s[3];
    float[] x3 = s[4];
    int b = 0;
    for (; b + 4 <= batch; b += 4) {
      int xr = xOff + b * xStride;
      System.arraycopy(x, xr, x0, 0, n);
      System.arraycopy(x, xr + xStride, x1, 0, n);
      System.arraycopy(x, xr + 2 * xStride, x2, 0, n);
      System.arraycopy(x, xr + 3 * xStride, x3, 0, n);
      int dr = dOff + b * dStride;
      for (int i = 0; i < m; i++) {
        float d0 = d[dr + i];
        float d1 = d[dr + dStride + i];
        float d2 = d[dr + 2 * dStride + i];
        float d3 = d[dr + 3 * dStride + i];
        float[] g = gw[i];
        for (int j = 0; j < n; j++) {
          g[j] += d0 * x0[j] + d1 * x1[j] + d2 * x2[j] + d3 * x3[j];
        }
      }
    }
    for (; b < batch; b++) {
      System.arraycopy(x, xOff + b * xStride, x0, 0, n);
      int dr = dOff + b * dStride;
      for (int i = 0; i < m; i++) {
        float d0 = d[dr + i];
        float[] g = gw[i];
        for (int j = 0; j < n; j++) g[j] += d0 * x0[j];
      }
    }
    if (gb != null) {
      for (int i = 0; i < m; i++) {
        float t = 0f;
        for (int q = 0, p = dOff + i; q < batch; q++, p += dStride) t += d[p];
        gb[i] += t;
      }
    }
  }
}
