package dev.deltac.benchmarks.kernels;

/**
 * The "before" of the kernel work: per-sample plain loops, as a straightforward emitter writes
 * them (one dot product per output; {@code flat[off + j] += a * row[j]} row updates). Same
 * semantics as {@code DenseLayerKernels}, no argument checks.
 */
final class NaiveKernels {
  private NaiveKernels() {}

  static void forward(int batch, int m, int n, float[][] w, float[] bias,
      float[] x, int xOff, int xStride, float[] y, int yOff, int yStride) {
    for (int b = 0; b < batch; b++) {
      int xr = xOff + b * xStride;
      for (int i = 0; i < m; i++) {
        float[] wi = w[i];
        float s = bias[i];
        for (int j = 0; j < n; j++) s += wi[j] * x[xr + j];
        y[yOff + b * yStride + i] = s;
      }
    }
  }

  static void inputGradient(int batch, int m, int n, float[][] w,
      float[] d, int dOff, int dStride, float[] dx, int dxOff, int dxStride) {
    for (int b = 0; b < batch; b++) {
      int o = dxOff + b * dxStride;
      for (int j = 0; j < n; j++) dx[o + j] = 0f;
      for (int i = 0; i < m; i++) {
        float di = d[dOff + b * dStride + i];
        float[] wi = w[i];
        for (int j = 0; j < n; j++) dx[o + j] += di * wi[j];
      }
    }
  }

  static void weightGradient(int batch, int m, int n,
      float[] d, int dOff, int dStride, float[] x, int xOff, int xStride,
      float[][] gw, float[] gb) {
    for (int b = 0; b < batch; b++) {
      int xr = xOff + b * xStride;
      for (int i = 0; i < m; i++) {
        float di = d[dOff + b * dStride + i];
        float[] g = gw[i];
        for (int j = 0; j < n; j++) g[j] += di * x[xr + j];
        gb[i] += di;
      }
    }
  }
}
