package dev.deltac.runtime.kernels;

/**
 * Batches of small matrix products, float32, as attention computes them per sample
 * ({@code [4, 16, 8] @ [4, 8, 16]}): {@code out[c] = op(A[c]) op(B[c])} for {@code c < count}.
 *
 * <p>{@code op(A)} is {@code m × k}: {@code A[c]} is stored row-major as {@code m × k}, or as
 * {@code k × m} when {@code ta} (then transposed). {@code op(B)} is {@code k × p}: stored
 * {@code k × p}, or {@code p × k} when {@code tb}. Matrix {@code c} of A starts at
 * {@code aOff + c * aStride} (B and out likewise); the output is {@code m × p}, written (not
 * accumulated).
 *
 * <p>Numerics: every output element is one FMA chain over {@code q} ascending,
 * {@code s = fma(B(q, j), A(i, q), s)} from {@code s = 0}, in float32, in every implementation and
 * at every vector width, so they all give the same bits.
 *
 * <p>The Vector API implementation is used when {@link DenseKernels} selected its vector kernels
 * (same species); otherwise the scalar one. Allocation-free once warm (a transposed right side
 * is copied into a per-thread scratch array, grown once).
 */
public final class SmallProducts {
  private SmallProducts() {}

  /** Per-thread scratch for a transposed right side ({@code k × p}). */
  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[][] {new float[256], new float[256]});

  private static final boolean VECTOR = DenseKernels.get() != DenseKernels.scalar();

  /** The product; see the class comment. */
  public static void product(int count, int m, int k, int p, boolean ta, boolean tb,
      float[] a, int aOff, int aStride, float[] b, int bOff, int bStride,
      float[] out, int oOff, int oStride) {
    if (count < 0 || m < 0 || k < 0 || p < 0) {
      throw new IllegalArgumentException("negative size: " + count + ", " + m + ", " + k + ", " + p);
    }
    if (count == 0 || m == 0 || p == 0) return;
    checkRange("a", a, aOff, aStride, count, m * k);
    checkRange("b", b, bOff, bStride, count, k * p);
    checkRange("out", out, oOff, oStride, count, m * p);
    float[] t = null;
    float[] dup = null;
    int extra = VECTOR ? VectorSmallProducts.scratch(m, k, p) : 0;
    if (tb || extra > 0) {
      float[][] holder = SCRATCH.get();
      if (holder[0].length < k * p) holder[0] = new float[k * p];
      if (holder[1].length < extra) holder[1] = new float[extra];
      t = holder[0];
      dup = holder[1];
    }
    for (int c = 0; c < count; c++) {
      int ao = aOff + c * aStride;
      float[] bt = b;
      int bo = bOff + c * bStride;
      if (tb) {
        // B stored p × k: its transpose, k × p, into the scratch
        for (int j = 0; j < p; j++) {
          int src = bo + j * k;
          for (int q = 0; q < k; q++) t[q * p + j] = b[src + q];
        }
        bt = t;
        bo = 0;
      }
      int oo = oOff + c * oStride;
      if (VECTOR) {
        VectorSmallProducts.rows(m, k, p, ta, a, ao, bt, bo, out, oo, dup);
      } else {
        scalarRows(0, m, k, p, ta, a, ao, bt, bo, out, oo);
      }
    }
  }

  private static void checkRange(String what, float[] x, int off, int stride, int count, int size) {
    if (size == 0) return;
    long last = off + (long) (count - 1) * stride + size;
    if (off < 0 || stride < 0 || last > x.length) {
      throw new IllegalArgumentException(what + ": " + count + " matrices of " + size + " from " + off
          + " by " + stride + " do not fit in " + x.length);
    }
  }

  /**
   * Rows {@code [i0, m)} of {@code op(A) B}, {@code B} stored {@code k × p} at {@code bo}: per
   * element, the FMA chain over q ascending.
   */
  static void scalarRows(int i0, int m, int k, int p, boolean ta, float[] a, int ao,
      float[] b, int bo, float[] out, int oo) {
    scalarColumns(i0, m, 0, k, p, ta, a, ao, b, bo, out, oo);
  }

  /** Columns {@code [j0, p)} of rows {@code [i0, m)}, as {@link #scalarRows}. */
  static void scalarColumns(int i0, int m, int j0, int k, int p, boolean ta, float[] a, int ao,
      float[] b, int bo, float[] out, int oo) {
    for (int i = i0; i < m; i++) {
      int row = oo + i * p;
      for (int j = j0; j < p; j++) out[row + j] = 0f;
      for (int q = 0; q < k; q++) {
        float x = ta ? a[ao + q * m + i] : a[ao + i * k + q];
        int br = bo + q * p;
        for (int j = j0; j < p; j++) out[row + j] = Math.fma(b[br + j], x, out[row + j]);
      }
    }
  }
}
