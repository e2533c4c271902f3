package dev.deltac.runtime.kernels;

/**
 * Stride-1 2-D convolutions of one sample through the dense kernels ({@link DenseKernels}):
 * float32, allocation-free after the first call on a thread (per-thread scratch, grown on
 * demand), single-threaded per call.
 *
 * <p>Layout. The input {@code x} is {@code [c, h, w]}, the output {@code y} is
 * {@code [f, oh, ow]} with {@code oh = h + 2p - k + 1}, {@code ow = w + 2p - k + 1}, the kernel
 * is {@code f} row arrays of {@code c * k * k} ({@code W[f][(ch * k + u) * k + v]}), as the
 * generated code keeps it; all flat arrays are addressed from an offset.
 *
 * <p>Each pass is one matrix product on the transposed patch matrix ("im2col", rows indexed by
 * the window element, columns by the output position), so that the dense kernels' vectors run
 * along the output positions:
 *
 * <ul>
 *   <li>{@link #forward}: {@code Y[f, q] = sum_j W[f][j] * col[j][q]}, col row
 *       {@code j = (ch, u, v)} being the channel shifted by {@code (u - p, v - p)}, zero outside:
 *       {@code DenseKernels.inputGradient} with the {@code f} filters as its samples;
 *   <li>{@link #kernelGradient}: {@code dW[f][j] = sum_q g[f, q] * col[j][q]}:
 *       {@code DenseKernels.forward} with the filters as its samples and the patch rows as its
 *       weight rows;
 *   <li>{@link #inputGradient}: the full correlation of g with the flipped kernel,
 *       {@code dx[ch, y] = sum_{f, u, v} W[f][ch, u, v] * g[f, y - (u - p)]}: the same product as
 *       the forward on the patches of g shifted by {@code (p - u, p - v)}, no scatter.
 * </ul>
 *
 * <p>Numerics: every element is summed in an order fixed by the sizes (the dense kernels'
 * guarantee), so the bits are the same on every vector width and every thread.
 */
public final class Conv2dKernels {
  private Conv2dKernels() {}

  /**
   * Patch rows are padded with zero columns to a multiple of this: the dense kernels then run
   * whole vectors at every width (16 = 512 bits; 256- and 128-bit vectors divide it), where the
   * last {@code n % 16} columns would be scalar FMA chains (measured on 14 x 14 outputs: the 4
   * tail columns of 196 took about a fifth of the forward).
   */
  static final int PAD = 16;

  /** {@code n} rounded up to a multiple of {@link #PAD}. */
  static int padded(int n) {
    return (n + PAD - 1) / PAD * PAD;
  }

  /**
   * Per-thread scratch: the patch rows, a flat copy of the (possibly flipped) kernel, and a
   * matrix with padded rows (output or gradient).
   */
  private static final class Scratch {
    float[][] rows = new float[0][];
    float[] flat = new float[0];
    float[] wide = new float[0];

    float[] wide(int length) {
      if (wide.length < length) wide = new float[length];
      return wide;
    }

    float[][] rows(int count, int length) {
      if (rows.length < count) {
        float[][] r = new float[count][];
        System.arraycopy(rows, 0, r, 0, rows.length);
        rows = r;
      }
      for (int i = 0; i < count; i++) {
        if (rows[i] == null || rows[i].length < length) rows[i] = new float[length];
      }
      return rows;
    }

    float[] flat(int length) {
      if (flat.length < length) flat = new float[length];
      return flat;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static void check(int c, int h, int w, int f, int k, int p) {
    if (c <= 0 || h <= 0 || w <= 0 || f <= 0 || k <= 0 || p < 0 || h + 2 * p < k
        || w + 2 * p < k) {
      throw new IllegalArgumentException("bad convolution geometry: c=" + c + ", h=" + h + ", w="
          + w + ", f=" + f + ", k=" + k + ", p=" + p);
    }
  }

  /**
   * Patch rows of {@code src} ({@code [chans, sh, sw]} at {@code off}) for outputs of
   * {@code dh x dw}: row {@code (ch * k + u) * k + v}, column {@code i * dw + j} holds
   * {@code src[ch, i + sign * u + shift, j + sign * v + shift]}, zero outside the source.
   */
  static void patches(int chans, int sh, int sw, int k, int sign, int shift, float[] src,
      int off, int dh, int dw, float[][] rows) {
    int n = dh * dw;
    int np = padded(n);
    for (int ch = 0; ch < chans; ch++) {
      int plane = off + ch * sh * sw;
      for (int u = 0; u < k; u++) {
        int dy = sign * u + shift;
        for (int v = 0; v < k; v++) {
          int dx = sign * v + shift;
          float[] row = rows[(ch * k + u) * k + v];
          // columns j with 0 <= j + dx < sw
          int j0 = Math.max(0, -dx);
          int j1 = Math.min(dw, sw - dx);
          for (int i = 0; i < dh; i++) {
            int yy = i + dy;
            int o = i * dw;
            if (yy < 0 || yy >= sh || j1 <= j0) {
              java.util.Arrays.fill(row, o, o + dw, 0f);
              continue;
            }
            for (int j = 0; j < j0; j++) row[o + j] = 0f;
            System.arraycopy(src, plane + yy * sw + j0 + dx, row, o + j0, j1 - j0);
            for (int j = j1; j < dw; j++) row[o + j] = 0f;
          }
          for (int q = n; q < np; q++) row[q] = 0f;
        }
      }
    }
  }

  /**
   * Forward: {@code y[f, i, j] = sum_{ch, u, v} W[f][(ch * k + u) * k + v] *
   * x[ch, i + u - p, j + v - p]} (zero outside x), written.
   */
  public static void forward(int c, int h, int w, int f, int k, int p, float[] x, int xOff,
      float[][] kernel, float[] y, int yOff) {
    check(c, h, w, f, k, p);
    int oh = h + 2 * p - k + 1;
    int ow = w + 2 * p - k + 1;
    int ckk = c * k * k;
    int n = oh * ow;
    int np = padded(n);
    Scratch s = SCRATCH.get();
    float[][] rows = s.rows(ckk, np);
    patches(c, h, w, k, 1, -p, x, xOff, oh, ow, rows);
    float[] wf = s.flat(f * ckk);
    for (int r = 0; r < f; r++) System.arraycopy(kernel[r], 0, wf, r * ckk, ckk);
    productInto(f, ckk, n, np, rows, wf, y, yOff, s);
  }

  /**
   * Kernel gradient: {@code dw[fi * c*k*k + (ch * k + u) * k + v] = sum_{i, j} g[fi, i, j] *
   * x[ch, i + u - p, j + v - p]}, written.
   */
  public static void kernelGradient(int c, int h, int w, int f, int k, int p, float[] x,
      int xOff, float[] g, int gOff, float[] dw, int dwOff) {
    check(c, h, w, f, k, p);
    int oh = h + 2 * p - k + 1;
    int ow = w + 2 * p - k + 1;
    int ckk = c * k * k;
    int n = oh * ow;
    int np = padded(n);
    Scratch s = SCRATCH.get();
    float[][] rows = s.rows(ckk, np);
    patches(c, h, w, k, 1, -p, x, xOff, oh, ow, rows);
    float[] gp = g;
    int go = gOff;
    if (np != n) { // g's rows padded with zeros as the patch rows
      gp = s.wide(f * np);
      go = 0;
      for (int r = 0; r < f; r++) {
        System.arraycopy(g, gOff + r * n, gp, r * np, n);
        java.util.Arrays.fill(gp, r * np + n, (r + 1) * np, 0f);
      }
    }
    // the patch rows are this sample's, not weights fixed for the step: never the shared cache
    SharedPacking shared = SharedPacking.suspend();
    try {
      DenseKernels.forward(f, ckk, np, rows, null, gp, go, np, dw, dwOff, ckk);
    } finally {
      SharedPacking.resume(shared);
    }
  }

  /**
   * Input gradient: {@code dx[ch, yy, xx] = sum_{fi, u, v} W[fi][(ch * k + u) * k + v] *
   * g[fi, yy - u + p, xx - v + p]} (zero outside g), written.
   */
  public static void inputGradient(int c, int h, int w, int f, int k, int p, float[][] kernel,
      float[] g, int gOff, float[] dx, int dxOff) {
    check(c, h, w, f, k, p);
    int oh = h + 2 * p - k + 1;
    int ow = w + 2 * p - k + 1;
    int kk = k * k;
    int ckk = c * kk;
    int fkk = f * kk;
    int n = h * w;
    int np = padded(n);
    Scratch s = SCRATCH.get();
    float[][] rows = s.rows(fkk, np);
    patches(f, oh, ow, k, -1, p, g, gOff, h, w, rows);
    float[] wt = s.flat(c * fkk);
    for (int fi = 0; fi < f; fi++) {
      float[] kr = kernel[fi];
      for (int ch = 0; ch < c; ch++) {
        System.arraycopy(kr, ch * kk, wt, ch * fkk + fi * kk, kk);
      }
    }
    productInto(c, fkk, n, np, rows, wt, dx, dxOff, s);
  }

  /**
   * {@code out[r, q] = sum_{j < m} d[r * m + j] * rows[j][q]} for {@code r < count}, {@code q < n}:
   * {@code DenseKernels.inputGradient} over the padded columns {@code np}, straight into out
   * when no padding was needed, else through the scratch and copied.
   */
  private static void productInto(int count, int m, int n, int np, float[][] rows, float[] d,
      float[] out, int outOff, Scratch s) {
    if (np == n) {
      DenseKernels.inputGradient(count, m, n, rows, d, 0, m, out, outOff, n);
      return;
    }
    float[] t = s.wide(count * np);
    DenseKernels.inputGradient(count, m, np, rows, d, 0, m, t, 0, np);
    for (int r = 0; r < count; r++) System.arraycopy(t, r * np, out, outOff + r * n, n);
  }
}
