package dev.deltac.runtime.kernels;

/**
 * The three matrix products of a dense layer over a batch, float32, single-threaded and
 * allocation-free. Two implementations share these semantics: {@link ScalarDenseKernels}
 * (plain loops) and {@code VectorDenseKernels} (Vector API). {@link DenseKernels} picks one
 * once per JVM and forwards to it.
 *
 * <p>Layout. The weight {@code W} is {@code m} rows of {@code n}: row {@code i} is {@code w[i]}
 * and only its first {@code n} elements are read. Activation matrices are flat and sample-major:
 * element {@code (b, k)} of a matrix passed as {@code (a, aOff, aStride)} is
 * {@code a[aOff + b * aStride + k]}; the stride is at least the row width, so rows may be padded
 * or interleaved with other data. Output matrices must not overlap inputs.
 *
 * <p>Numerics. Every sum runs in float32 in a fixed order that depends only on the sizes, so a
 * call gives the same bits every time on a given implementation, and the vector implementation
 * gives the same bits at every vector width (512, 256 or 128 bits). The two implementations sum
 * in different orders and agree to float32 rounding (about {@code 1e-6 * sqrt(k)} relative to the sum
 * of magnitudes, for a sum of {@code k} terms).
 *
 * <p>The public methods check their arguments (sizes, offsets, strides, array and row lengths)
 * in {@code O(m)} time and then run the unchecked kernel.
 */
public abstract class DenseLayerKernels {
  DenseLayerKernels() {}

  /** A short name for reports: {@code "scalar"}, {@code "vector-256"} or {@code "vector-512"}. */
  public abstract String name();

  /**
   * Forward product: for {@code b < batch} and {@code i < m},
   * {@code Y[b, i] = bias[i] + sum_{j < n} W[i][j] * X[b, j]}, written (not accumulated).
   *
   * @param bias {@code m} biases, or {@code null} for none
   * @param x the input, {@code batch} rows of {@code n}
   * @param y the output, {@code batch} rows of {@code m}
   */
  public final void forward(int batch, int m, int n, float[][] w, float[] bias,
      float[] x, int xOff, int xStride, float[] y, int yOff, int yStride) {
    checkSizes(batch, m, n);
    checkWeights("w", w, m, n);
    if (bias != null) checkLength("bias", bias, m);
    checkMatrix("x", x, xOff, xStride, batch, n);
    checkMatrix("y", y, yOff, yStride, batch, m);
    if (batch == 0 || m == 0) return;
    forwardKernel(batch, m, n, w, bias, x, xOff, xStride, y, yOff, yStride);
  }

  /**
   * Input gradient (the δ-recurrence before the activation slope): for {@code b < batch} and
   * {@code j < n}, {@code DX[b, j] = sum_{i < m} D[b, i] * W[i][j]}, written (not accumulated).
   *
   * @param d the output gradient, {@code batch} rows of {@code m}
   * @param dx the input gradient, {@code batch} rows of {@code n}
   */
  public final void inputGradient(int batch, int m, int n, float[][] w,
      float[] d, int dOff, int dStride, float[] dx, int dxOff, int dxStride) {
    checkSizes(batch, m, n);
    checkWeights("w", w, m, n);
    checkMatrix("d", d, dOff, dStride, batch, m);
    checkMatrix("dx", dx, dxOff, dxStride, batch, n);
    if (batch == 0 || n == 0) return;
    inputGradientKernel(batch, m, n, w, d, dOff, dStride, dx, dxOff, dxStride);
  }

  /**
   * Weight gradient, accumulated: for {@code i < m} and {@code j < n},
   * {@code GW[i][j] += sum_{b < batch} D[b, i] * X[b, j]} and
   * {@code Gb[i] += sum_{b < batch} D[b, i]}. The vector kernels form each sum over the batch and
   * then add it to the gradient; the scalar kernels add four samples at a time.
   *
   * @param d the output gradient, {@code batch} rows of {@code m}
   * @param x the layer input, {@code batch} rows of {@code n}
   * @param gw the weight gradient, {@code m} rows of at least {@code n}
   * @param gb the bias gradient ({@code m}), or {@code null} when the layer has no bias
   */
  public final void weightGradient(int batch, int m, int n,
      float[] d, int dOff, int dStride, float[] x, int xOff, int xStride,
      float[][] gw, float[] gb) {
    checkSizes(batch, m, n);
    checkMatrix("d", d, dOff, dStride, batch, m);
    checkMatrix("x", x, xOff, xStride, batch, n);
    checkWeights("gw", gw, m, n);
    if (gb != null) checkLength("gb", gb, m);
    if (batch == 0 || m == 0) return;
    weightGradientKernel(batch, m, n, d, dOff, dStride, x, xOff, xStride, gw, gb);
  }

  /**
   * The whole backward step of a dense layer: {@link #weightGradient} and then, when {@code dx}
   * is not {@code null}, {@link #inputGradient}. Results are identical to the two calls.
   * Pass {@code dx == null} for the first layer, whose input gradient nobody reads.
   */
  public final void backward(int batch, int m, int n, float[][] w,
      float[] d, int dOff, int dStride, float[] x, int xOff, int xStride,
      float[][] gw, float[] gb, float[] dx, int dxOff, int dxStride) {
    weightGradient(batch, m, n, d, dOff, dStride, x, xOff, xStride, gw, gb);
    if (dx != null) inputGradient(batch, m, n, w, d, dOff, dStride, dx, dxOff, dxStride);
  }

  abstract void forwardKernel(int batch, int m, int n, float[][] w, float[] bias,
      float[] x, int xOff, int xStride, float[] y, int yOff, int yStride);

  abstract void inputGradientKernel(int batch, int m, int n, float[][] w,
      float[] d, int dOff, int dStride, float[] dx, int dxOff, int dxStride);

  abstract void weightGradientKernel(int batch, int m, int n,
      float[] d, int dOff, int dStride, float[] x, int xOff, int xStride,
      float[][] gw, float[] gb);

  @Override
  public String toString() {
    return "DenseLayerKernels[" + name() + "]";
  }

  private static void checkSizes(int batch, int m, int n) {
    if (batch < 0 || m < 0 || n < 0) {
      throw new IllegalArgumentException(
          "negative size: batch=" + batch + ", m=" + m + ", n=" + n);
    }
  }

  private static void checkLength(String what, float[] a, int min) {
    if (a.length < min) {
      throw new IllegalArgumentException(what + ".length " + a.length + " < " + min);
    }
  }

  private static void checkWeights(String what, float[][] w, int m, int n) {
    if (w.length < m) {
      throw new IllegalArgumentException(what + ".length " + w.length + " < m=" + m);
    }
    for (int i = 0; i < m; i++) {
      if (w[i] == null) throw new NullPointerException(what + "[" + i + "] == null");
      if (w[i].length < n) {
        throw new IllegalArgumentException(
            what + "[" + i + "].length " + w[i].length + " < n=" + n);
      }
    }
  }

  /** Rows of {@code width} at {@code off + b * stride} for {@code b < rows} lie inside {@code a}. */
  private static void checkMatrix(String what, float[] a, int off, int stride, int rows,
      int width) {
    if (a == null) throw new NullPointerException(what + " == null");
    if (off < 0) throw new IllegalArgumentException(what + " offset " + off + " < 0");
    if (rows > 1 && stride < width) {
      throw new IllegalArgumentException(what + " stride " + stride + " < row width " + width);
    }
    if (rows == 0 || width == 0) return;
    long end = off + (long) (rows - 1) * stride + width;
    if (end > a.length) {
      throw new IllegalArgumentException(what + ": " + rows + " rows of " + width
          + " at offset " + off + ", stride " + stride + " end at " + end + " > length "
          + a.length);
    }
  }
}
