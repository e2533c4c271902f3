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
 * order (explicit fused multiply-adds where the code writes them, no other contraction; the gate
 * functions {@link #tanh} and {@link #sigmoid}, which are {@link MathFunctions#tanhf}'s rational
 * function evaluated with fused multiply-adds). A vector lane computes exactly what
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
      float gg = tanh(zg);
      float o = sigmoid(zo);
      float cn = Math.fma(f, c[hp + u], i * gg);
      float hn = o * tanh(cn);
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
      float tc = tanh(cc);
      float dct = Math.fma(d * o, 1 - tc * tc, dc[hp + u]);
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
   * The weight gradients' input rows {@code [x, h_prev, 1]} (width {@code n + h + 1}) of samples
   * {@code 0 .. batch - 1} at one step, to {@code xh[o + b * (n + h + 1) ..]}: x from
   * {@code xs[xBase + b * xStride ..]}, the previous hidden state from
   * {@code tape[hBase + b * tStride ..]}, or zeros when {@code tape} is null (the first step).
   */
  void inputRows(int batch, int n, int h, float[] xs, int xBase, int xStride, float[] tape, int hBase,
      int tStride, float[] xh, int o) {
    int w = n + h + 1;
    for (int b = 0; b < batch; b++, o += w) {
      System.arraycopy(xs, xBase + b * xStride, xh, o, n);
      if (tape != null) {
        System.arraycopy(tape, hBase + b * tStride, xh, o + n, h);
      } else {
        java.util.Arrays.fill(xh, o + n, o + n + h, 0f);
      }
      xh[o + n + h] = 1f;
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

  // The gate functions. tanh: MathFunctions.tanhf's rational function (Eigen's float tanh: x
  // clamped to +-CLAMP, x * P(x^2) / Q(x^2)) with the polynomials evaluated by fused multiply-adds,
  // 16 operations where the separate multiplies and adds took 25. The logistic function is
  // 0.5 + 0.5 tanh(x / 2) with the halvings folded into the coefficients (powers of two, exact):
  // 0.5 tanh(x / 2) = c P(c^2 / 4) / (4 Q(c^2 / 4)) for c = x clamped to +-2 CLAMP, so it costs
  // one add more than tanh. Absolute error of both below 5e-7 (LstmStepsTest measures it).
  static final float CLAMP = 7.90531110763549805f;
  static final float P13 = -2.76076847742355e-16f;
  static final float P11 = 2.00018790482477e-13f;
  static final float P9 = -8.60467152213735e-11f;
  static final float P7 = 5.12229709037114e-08f;
  static final float P5 = 1.48572235717979e-05f;
  static final float P3 = 6.37261928875436e-04f;
  static final float P1 = 4.89352455891786e-03f;
  static final float Q6 = 1.19825839466702e-06f;
  static final float Q4 = 1.18534705686654e-04f;
  static final float Q2 = 2.26843463243900e-03f;
  static final float Q0 = 4.89352518554385e-03f;
  static final float S_CLAMP = 2 * CLAMP;
  static final float S13 = P13 / 4096f;
  static final float S11 = P11 / 1024f;
  static final float S9 = P9 / 256f;
  static final float S7 = P7 / 64f;
  static final float S5 = P5 / 16f;
  static final float S3 = P3 / 4f;
  static final float S1 = P1;
  static final float T6 = Q6 / 16f;
  static final float T4 = Q4 / 4f;
  static final float T2 = Q2;
  static final float T0 = Q0 * 4f;

  /** tanh as the fused LSTM kernels compute it (see the constants above). */
  static float tanh(float x) {
    return rational(x, CLAMP, P13, P11, P9, P7, P5, P3, P1, Q6, Q4, Q2, Q0);
  }

  /** The logistic function as the fused LSTM kernels compute it: 0.5 + 0.5 tanh(x / 2), folded. */
  static float sigmoid(float x) {
    return 0.5f + rational(x, S_CLAMP, S13, S11, S9, S7, S5, S3, S1, T6, T4, T2, T0);
  }

  /** c P(c^2) / Q(c^2) for c = x clamped to +-m (NaN stays NaN), both polynomials by Horner with FMAs. */
  private static float rational(float x, float m, float p13, float p11, float p9, float p7, float p5,
      float p3, float p1, float q6, float q4, float q2, float q0) {
    float c = x > m ? m : x;
    c = c < -m ? -m : c;
    float x2 = c * c;
    float p = Math.fma(x2, p13, p11);
    p = Math.fma(x2, p, p9);
    p = Math.fma(x2, p, p7);
    p = Math.fma(x2, p, p5);
    p = Math.fma(x2, p, p3);
    p = Math.fma(x2, p, p1);
    p = c * p;
    float q = Math.fma(x2, q6, q4);
    q = Math.fma(x2, q, q2);
    q = Math.fma(x2, q, q0);
    return p / q;
  }
}
