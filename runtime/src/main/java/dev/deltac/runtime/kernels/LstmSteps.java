package dev.deltac.runtime.kernels;

import dev.deltac.runtime.MathFunctions;

/**
 * The fused LSTM kernels of the batched float32 pass ({@link RecurrentKernels#forwardBatch} and
 * {@link RecurrentKernels#backwardBatch}): one step of the whole batch, forward or backward, with
 * the products, the gate nonlinearities and the cell update in one pass per sample; then the input
 * gradients and the weight gradients over all {@code batch * t} rows. This class is the portable
 * scalar implementation; {@code VectorLstmSteps} (Vector API, loaded reflectively like
 * {@code VectorDenseKernels}) computes the same bits.
 *
 * <p>Numerics, the same in both implementations and at every vector width: every sum is one
 * chain of fused multiply-adds ({@link Math#fma}) in a fixed order (ascending input index,
 * ascending row), and the elementwise formulas are evaluated with the same operations in the same
 * order (float arithmetic without contraction; {@link MathFunctions#tanhf} and
 * {@code 0.5 + 0.5 tanhf(x / 2)} for the logistic function). A vector lane computes exactly what
 * the scalar code computes for its element, so the results depend on the sizes only, never on the
 * vector width or the thread count.
 *
 * <p>Layouts (sizes {@code n} inputs, {@code h} hidden units, {@code g = 4h}): transposed weights
 * {@code wtIh[j * g + k]}, {@code wtHh[j * g + k]} (forward), flat ones {@code wih[k * n + j]},
 * {@code whh[k * h + j]} (backward); per-sample state rows {@code [batch, h]};
 * a tape row {@code [c, i, f, g, o]} ({@code 5h}) per sample and step, as {@link RecurrentKernels}
 * describes; gate cotangents {@code dz} in rows of {@code g}, one per sample and step (the caller
 * chooses the order: {@code RecurrentKernels} uses chunks of a group's steps).
 * The methods do not check their arguments (their caller does).
 */
class LstmSteps {
  static final LstmSteps SCALAR = new LstmSteps();
  private static final LstmSteps SELECTED = choose();

  LstmSteps() {}

  /** The implementation in use: the vector one when {@link DenseKernels} uses its vector kernels. */
  static LstmSteps get() {
    return SELECTED;
  }

  String name() {
    return "scalar";
  }

  private static LstmSteps choose() {
    if (DenseKernels.get() == ScalarDenseKernels.INSTANCE) return SCALAR;
    try {
      Class<?> c = Class.forName("dev.deltac.runtime.kernels.VectorLstmSteps");
      return (LstmSteps) c.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      return SCALAR;
    }
  }

  /**
   * One forward step of samples {@code 0 .. batch - 1}: with {@code z = bsum + W_ih x + W_hh h}
   * (the sum over the inputs first, then over the previous hidden state, which is zero and skipped
   * at the first step), the gates {@code i, f, g, o}, {@code c' = f c + i g}, {@code h' = o tanh(c')}.
   * Sample b's input row is at {@code xs[xBase + b * xStride]}; {@code hPrev} and {@code c} are
   * rows {@code [batch, h]} ({@code c} is updated in place); {@code h'} goes to {@code hCur} and
   * to {@code tape[hBase + b * tStride]}; {@code [c', i, f, g, o]} to
   * {@code tape[restBase + b * tStride]}.
   */
  void forward(int batch, int n, int h, boolean first, float[] wtIh, float[] wtHh, float[] bsum,
      float[] xs, int xBase, int xStride, float[] hPrev, float[] hCur, float[] c, float[] tape,
      int hBase, int restBase, int tStride) {
    for (int b = 0; b < batch; b++) {
      forwardUnits(b, 0, h, n, h, first, wtIh, wtHh, bsum, xs, xBase + b * xStride, hPrev, hCur, c,
          tape, hBase + b * tStride, restBase + b * tStride);
    }
  }

  /** Units {@code u0 .. u1 - 1} of sample b's forward step (the scalar code and the vector tails). */
  static void forwardUnits(int b, int u0, int u1, int n, int h, boolean first, float[] wtIh,
      float[] wtHh, float[] bsum, float[] xs, int x, float[] hPrev, float[] hCur, float[] c,
      float[] tape, int ho, int rest) {
    int g = 4 * h;
    int hp = b * h;
    for (int u = u0; u < u1; u++) {
      float zi = bsum[u];
      float zf = bsum[h + u];
      float zg = bsum[2 * h + u];
      float zo = bsum[3 * h + u];
      for (int j = 0; j < n; j++) {
        float a = xs[x + j];
        int w = j * g + u;
        zi = Math.fma(a, wtIh[w], zi);
        zf = Math.fma(a, wtIh[w + h], zf);
        zg = Math.fma(a, wtIh[w + 2 * h], zg);
        zo = Math.fma(a, wtIh[w + 3 * h], zo);
      }
      if (!first) {
        for (int j = 0; j < h; j++) {
          float a = hPrev[hp + j];
          int w = j * g + u;
          zi = Math.fma(a, wtHh[w], zi);
          zf = Math.fma(a, wtHh[w + h], zf);
          zg = Math.fma(a, wtHh[w + 2 * h], zg);
          zo = Math.fma(a, wtHh[w + 3 * h], zo);
        }
      }
      float i = sigmoid(zi);
      float f = sigmoid(zf);
      float gg = MathFunctions.tanhf(zg);
      float o = sigmoid(zo);
      float cn = f * c[hp + u] + i * gg;
      float hn = o * MathFunctions.tanhf(cn);
      c[hp + u] = cn;
      hCur[hp + u] = hn;
      tape[ho + u] = hn;
      tape[rest + u] = cn;
      tape[rest + h + u] = i;
      tape[rest + 2 * h + u] = f;
      tape[rest + 3 * h + u] = gg;
      tape[rest + 4 * h + u] = o;
    }
  }

  /**
   * One backward step of samples {@code 0 .. batch - 1}: with {@code d = dhIn + gh} (the
   * cotangent of h from the later steps and from the loss), the gate cotangents of sample b into
   * {@code dz[dzOff + b * g ..]}, the cell cotangent {@code dc} updated in place to the previous
   * step's, and unless {@code first}, {@code dhOut = dz W_hh} (rows {@code [batch, h]}, a sum over
   * the gate rows k ascending). Sample b's tape row of this step is at
   * {@code tape[restBase + b * tStride]}, the previous step's {@code 5h} before it; its cotangent
   * row at {@code gh[ghBase + b * gStride]}.
   */
  void backward(int batch, int h, boolean first, float[] tape, int restBase, int tStride,
      float[] gh, int ghBase, int gStride, float[] dhIn, float[] dc, float[] dz, int dzOff,
      float[] whh, float[] dhOut) {
    for (int b = 0; b < batch; b++) {
      backwardUnits(b, 0, h, h, first, tape, restBase + b * tStride, gh, ghBase + b * gStride, dhIn,
          dc, dz, dzOff + b * 4 * h);
      if (!first) dhUnits(b, 0, h, h, dz, dzOff + b * 4 * h, whh, dhOut);
    }
  }

  /** Units {@code u0 .. u1 - 1} of sample b's gate cotangents. */
  static void backwardUnits(int b, int u0, int u1, int h, boolean first, float[] tape, int rest,
      float[] gh, int go, float[] dhIn, float[] dc, float[] dz, int r) {
    int hp = b * h;
    for (int u = u0; u < u1; u++) {
      float d = dhIn[hp + u] + gh[go + u];
      float cc = tape[rest + u];
      float i = tape[rest + h + u];
      float f = tape[rest + 2 * h + u];
      float gg = tape[rest + 3 * h + u];
      float o = tape[rest + 4 * h + u];
      float cp = first ? 0f : tape[rest - 5 * h + u];
      float tc = MathFunctions.tanhf(cc);
      float dct = dc[hp + u] + d * o * (1 - tc * tc);
      dc[hp + u] = dct * f;
      dz[r + u] = dct * gg * i * (1 - i);
      dz[r + h + u] = dct * cp * f * (1 - f);
      dz[r + 2 * h + u] = dct * i * (1 - gg * gg);
      dz[r + 3 * h + u] = d * tc * o * (1 - o);
    }
  }

  /**
   * Units {@code u0 .. u1 - 1} of {@code dhOut} row b: sums over k ascending of
   * {@code dz[r + k] W_hh[k][u]}, with {@code W_hh} flat ({@code whh[k * h + u]}).
   */
  static void dhUnits(int b, int u0, int u1, int h, float[] dz, int r, float[] whh, float[] dhOut) {
    int g = 4 * h;
    for (int u = u0; u < u1; u++) {
      float s = 0f;
      for (int k = 0; k < g; k++) s = Math.fma(dz[r + k], whh[k * h + u], s);
      dhOut[b * h + u] = s;
    }
  }

  /**
   * The input gradients: for every row {@code r = s * batch + b < rows} of {@code dz},
   * {@code dxs[b, s, j] = sum over k ascending of dz[r, k] W_ih[k][j]}, written to
   * {@code out[oOff + b * oStride + s * n + j]}; {@code W_ih} flat ({@code wih[k * n + j]}).
   */
  void inputGradient(int rows, int batch, int n, int g, float[] dz, float[] wih, float[] out,
      int oOff, int oStride) {
    for (int r = 0; r < rows; r++) inputGradientColumns(r, 0, n, batch, n, g, dz, wih, out, oOff, oStride);
  }

  static void inputGradientColumns(int r, int j0, int j1, int batch, int n, int g, float[] dz,
      float[] wih, float[] out, int oOff, int oStride) {
    int o = oOff + (r % batch) * oStride + (r / batch) * n;
    int d = r * g;
    for (int j = j0; j < j1; j++) {
      float s = 0f;
      for (int k = 0; k < g; k++) s = Math.fma(dz[d + k], wih[k * n + j], s);
      out[o + j] = s;
    }
  }

  /**
   * The weight gradients of rows {@code r0 .. r1 - 1}, accumulated:
   * {@code gt[j * g + k] = fma(xh[r * w + j], dz[r * g + k], gt[j * g + k])} for r ascending, for
   * {@code j < cols} (rows of {@code xh} are {@code w} apart), {@code k < g}. Each element is one
   * chain over the rows, so calling this on consecutive row ranges gives the same bits as one call.
   */
  void weightGradient(int r0, int r1, int w, int cols, int g, float[] xh, float[] dz, float[] gt) {
    for (int j = 0; j < cols; j++) weightGradientColumns(r0, r1, j, 0, g, w, g, xh, dz, gt);
  }

  static void weightGradientColumns(int r0, int r1, int j, int k0, int k1, int w, int g, float[] xh,
      float[] dz, float[] gt) {
    for (int k = k0; k < k1; k++) {
      float s = gt[j * g + k];
      for (int r = r0; r < r1; r++) s = Math.fma(xh[r * w + j], dz[r * g + k], s);
      gt[j * g + k] = s;
    }
  }

  /** The logistic function as the float32 kernels compute it: 0.5 + 0.5 tanhf(0.5 x). */
  static float sigmoid(float x) {
    return 0.5f + 0.5f * MathFunctions.tanhf(0.5f * x);
  }
}
