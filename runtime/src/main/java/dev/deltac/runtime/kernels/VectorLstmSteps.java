package dev.deltac.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link LstmSteps} on the Vector API: the same bits as the scalar code (each lane runs the
 * scalar element's chain of fused multiply-adds and the same elementwise operations), with
 * vectors along the hidden units (the step kernels), the input columns ({@code dxs}) and the gate
 * rows (the weight gradients), and several samples, rows or columns per block so that each
 * loaded vector feeds several chains (register blocks sized for the 32 registers of AVX-512 or
 * the 16 of AVX2: {@link #COLS}, {@code sixByFour}, {@code sixByTwo}, {@code quadDh}). Element
 * tails (sizes not a multiple of the vector length) and an odd last sample or row run the scalar
 * code. Loaded reflectively by {@link LstmSteps}
 * only when {@link DenseKernels} uses the vector kernels, with the same species (mixing species
 * in one JVM stops C2 from intrinsifying, see {@code VectorDenseKernels}).
 *
 * <p>No vector crosses a method boundary (a vector passed to a method that C2 does not inline is
 * boxed): the step kernels store the gate pre-activations of a group of four samples (or of a
 * pair, when H is not a multiple of the vector length) to a small per-thread array and finish
 * the gates from there.
 */
final class VectorLstmSteps extends LstmSteps {
  private static final VectorSpecies<Float> S = species(System.getProperty(VectorDenseKernels.BITS_PROPERTY));
  private static final int L = S.length();
  private static final float CLAMP = 7.90531110763549805f;

  /** Per thread: the pre-activation vectors of a block of samples (16 at most). */
  private static final ThreadLocal<float[]> Z = ThreadLocal.withInitial(() -> new float[16 * 64]);

  VectorLstmSteps() {}

  /** The species of {@code VectorDenseKernels}: 512 bits where preferred, else 256 (or 128 when asked). */
  private static VectorSpecies<Float> species(String bits) {
    int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    String b = bits == null ? "" : bits.trim();
    if (b.equals("128") && preferred >= 128) return FloatVector.SPECIES_128;
    if (b.equals("256") && preferred >= 256) return FloatVector.SPECIES_256;
    if (preferred >= 512) return FloatVector.SPECIES_512;
    return FloatVector.SPECIES_256;
  }

  @Override
  String name() {
    return "vector-" + S.vectorBitSize();
  }

  /** {@link LstmSteps#tanh} lane by lane: the same operations in the same order. */
  private static FloatVector tanh(FloatVector x) {
    return rational(x, LstmSteps.CLAMP, LstmSteps.P13, LstmSteps.P11, LstmSteps.P9, LstmSteps.P7,
        LstmSteps.P5, LstmSteps.P3, LstmSteps.P1, LstmSteps.Q6, LstmSteps.Q4, LstmSteps.Q2, LstmSteps.Q0);
  }

  /** {@link LstmSteps#sigmoid} lane by lane: the same operations in the same order. */
  private static FloatVector sigmoid(FloatVector x) {
    return rational(x, LstmSteps.S_CLAMP, LstmSteps.S13, LstmSteps.S11, LstmSteps.S9, LstmSteps.S7,
        LstmSteps.S5, LstmSteps.S3, LstmSteps.S1, LstmSteps.T6, LstmSteps.T4, LstmSteps.T2, LstmSteps.T0).add(0.5f);
  }

  /**
   * {@code LstmSteps.rational} lane by lane (C2 inlines it with constant arguments). The clamp
   * as compare-and-blend: the scalar code's conditionals (NaN stays NaN), in two instructions
   * where C2's min/max with Java's NaN and signed-zero rules take five on AVX2.
   */
  private static FloatVector rational(FloatVector x, float m, float p13, float p11, float p9, float p7,
      float p5, float p3, float p1, float q6, float q4, float q2, float q0) {
    FloatVector c = x.blend(m, x.compare(VectorOperators.GT, m));
    c = c.blend(-m, c.compare(VectorOperators.LT, -m));
    FloatVector x2 = c.mul(c);
    FloatVector p = x2.fma(p13, p11);
    p = x2.fma(p, FloatVector.broadcast(S, p9));
    p = x2.fma(p, FloatVector.broadcast(S, p7));
    p = x2.fma(p, FloatVector.broadcast(S, p5));
    p = x2.fma(p, FloatVector.broadcast(S, p3));
    p = x2.fma(p, FloatVector.broadcast(S, p1));
    p = c.mul(p);
    FloatVector q = x2.fma(q6, q4);
    q = x2.fma(q, FloatVector.broadcast(S, q2));
    q = x2.fma(q, FloatVector.broadcast(S, q0));
    return p.div(q);
  }

  @Override
  void forward(int batch, int n, int h, boolean first, float[] wtIh, float[] wtHh, float[] bsum,
      float[] xs, int xBase, int xStride, float[] hPrev, float[] hCur, float[] c, float[] tape,
      int hBase, int restBase, int tStride) {
    int b0 = 0;
    if (h % L == 0 && batch >= 4) {
      // Groups of four samples: the pre-activations of the group ([4, 4h], bias first, then x,
      // then h ascending, as forwardUnits) through a register-blocked product, then the gates and
      // the cell over the whole group.
      int g = 4 * h;
      float[] z = groupScratch(4 * g);
      for (; b0 + 4 <= batch; b0 += 4) {
        groupProducts(n, h, first, wtIh, wtHh, bsum, xs, xBase + b0 * xStride, xStride, hPrev, b0 * h, z);
        int rest = restBase + b0 * tStride;
        sigmoidRange(z, 0, 2 * h, g, tape, rest + h, tStride);
        tanhRange(z, 2 * h, 3 * h, g, tape, rest + h, tStride);
        sigmoidRange(z, 3 * h, g, g, tape, rest + h, tStride);
        groupCell(b0, h, hCur, c, tape, hBase + b0 * tStride, rest, tStride);
      }
      if (b0 == batch) return;
    }
    int hv = h - h % L;
    float[] z = Z.get();
    for (int b = b0; b < batch; b += 2) {
      boolean two = b + 1 < batch;
      int b1 = two ? b + 1 : b;
      int x0 = xBase + b * xStride;
      int x1 = xBase + b1 * xStride;
      for (int u = 0; u < hv; u += L) {
        pairProducts(n, h, u, first, wtIh, wtHh, bsum, xs, x0, x1, hPrev, b * h, b1 * h, z);
        finish(z, two ? 2 : 1, b, u, h, hCur, c, tape, hBase + b * tStride, restBase + b * tStride, tStride);
      }
      if (hv < h) {
        LstmSteps.forwardUnits(b, hv, h, n, h, first, wtIh, wtHh, bsum, xs, x0, hPrev, hCur, c, tape,
            hBase + b * tStride, restBase + b * tStride);
        if (two) {
          LstmSteps.forwardUnits(b1, hv, h, n, h, first, wtIh, wtHh, bsum, xs, x1, hPrev, hCur, c,
              tape, hBase + b1 * tStride, restBase + b1 * tStride);
        }
      }
    }
  }

  /** Per thread: the pre-activations of a group of four samples, grown on first use. */
  private static final class GroupScratch {
    float[] z = new float[0];
  }

  private static final ThreadLocal<GroupScratch> GROUP_Z = ThreadLocal.withInitial(GroupScratch::new);

  private static float[] groupScratch(int size) {
    GroupScratch gs = GROUP_Z.get();
    if (gs.z.length < size) gs.z = new float[size];
    return gs.z;
  }

  /** Column vectors per block of {@link #groupProducts}: 4 samples x COLS accumulators (16 at 512 bits, 12 at 256). */
  private static final int COLS = L >= 16 ? 4 : 3;

  /**
   * The pre-activations {@code z[q * 4h + k]} of four samples (inputs {@code xs[x0 + q * xStride ..]},
   * previous states {@code hPrev[h0 + q * h ..]}): each element the chain of
   * {@link LstmSteps#forwardUnits} (bias, then the inputs ascending, then h ascending). Requires
   * {@code h % L == 0}.
   */
  private static void groupProducts(int n, int h, boolean first, float[] wtIh, float[] wtHh,
      float[] bsum, float[] xs, int x0, int xStride, float[] hPrev, int h0, float[] z) {
    int g = 4 * h;
    int k = 0;
    if (COLS == 4) {
      for (; k + 4 * L <= g; k += 4 * L) quadFour(n, h, k, first, wtIh, wtHh, bsum, xs, x0, xStride, hPrev, h0, z);
    } else {
      // Blocks of three vectors, and the last four (or two) as blocks of two: 8 chains, where a
      // block of one (4 chains) leaves half the FMA latency exposed (16 vectors at h = 32: 3, 3,
      // 3, 3, 2, 2 instead of 3, 3, 3, 3, 3, 1).
      for (; k + 3 * L <= g && g - k != 4 * L; k += 3 * L) quadThree(n, h, k, first, wtIh, wtHh, bsum, xs, x0, xStride, hPrev, h0, z);
      for (; k + 2 * L <= g; k += 2 * L) quadTwo(n, h, k, first, wtIh, wtHh, bsum, xs, x0, xStride, hPrev, h0, z);
    }
    for (; k < g; k += L) quadOne(n, h, k, first, wtIh, wtHh, bsum, xs, x0, xStride, hPrev, h0, z);
  }

  /** Columns {@code k .. k + 2L - 1} of {@link #groupProducts}: 8 accumulators. */
  private static void quadTwo(int n, int h, int k, boolean first, float[] wtIh, float[] wtHh,
      float[] bsum, float[] xs, int x0, int xStride, float[] hPrev, int h0, float[] z) {
    int g = 4 * h;
    int x1 = x0 + xStride;
    int x2 = x1 + xStride;
    int x3 = x2 + xStride;
    FloatVector a00 = FloatVector.fromArray(S, bsum, k);
    FloatVector a01 = FloatVector.fromArray(S, bsum, k + L);
    FloatVector a10 = a00, a11 = a01;
    FloatVector a20 = a00, a21 = a01;
    FloatVector a30 = a00, a31 = a01;
    for (int j = 0, w = k; j < n; j++, w += g) {
      FloatVector w0 = FloatVector.fromArray(S, wtIh, w);
      FloatVector w1 = FloatVector.fromArray(S, wtIh, w + L);
      FloatVector a = FloatVector.broadcast(S, xs[x0 + j]);
      a00 = w0.fma(a, a00);
      a01 = w1.fma(a, a01);
      a = FloatVector.broadcast(S, xs[x1 + j]);
      a10 = w0.fma(a, a10);
      a11 = w1.fma(a, a11);
      a = FloatVector.broadcast(S, xs[x2 + j]);
      a20 = w0.fma(a, a20);
      a21 = w1.fma(a, a21);
      a = FloatVector.broadcast(S, xs[x3 + j]);
      a30 = w0.fma(a, a30);
      a31 = w1.fma(a, a31);
    }
    if (!first) {
      int h1 = h0 + h;
      int h2 = h1 + h;
      int h3 = h2 + h;
      for (int j = 0, w = k; j < h; j++, w += g) {
        FloatVector w0 = FloatVector.fromArray(S, wtHh, w);
        FloatVector w1 = FloatVector.fromArray(S, wtHh, w + L);
        FloatVector a = FloatVector.broadcast(S, hPrev[h0 + j]);
        a00 = w0.fma(a, a00);
        a01 = w1.fma(a, a01);
        a = FloatVector.broadcast(S, hPrev[h1 + j]);
        a10 = w0.fma(a, a10);
        a11 = w1.fma(a, a11);
        a = FloatVector.broadcast(S, hPrev[h2 + j]);
        a20 = w0.fma(a, a20);
        a21 = w1.fma(a, a21);
        a = FloatVector.broadcast(S, hPrev[h3 + j]);
        a30 = w0.fma(a, a30);
        a31 = w1.fma(a, a31);
      }
    }
    a00.intoArray(z, k);
    a01.intoArray(z, k + L);
    a10.intoArray(z, g + k);
    a11.intoArray(z, g + k + L);
    a20.intoArray(z, 2 * g + k);
    a21.intoArray(z, 2 * g + k + L);
    a30.intoArray(z, 3 * g + k);
    a31.intoArray(z, 3 * g + k + L);
  }

  /** Columns {@code k .. k + 4L - 1} of {@link #groupProducts}. */
  private static void quadFour(int n, int h, int k, boolean first, float[] wtIh, float[] wtHh,
      float[] bsum, float[] xs, int x0, int xStride, float[] hPrev, int h0, float[] z) {
    int g = 4 * h;
    int x1 = x0 + xStride;
    int x2 = x1 + xStride;
    int x3 = x2 + xStride;
    FloatVector a00 = FloatVector.fromArray(S, bsum, k);
    FloatVector a01 = FloatVector.fromArray(S, bsum, k + L);
    FloatVector a02 = FloatVector.fromArray(S, bsum, k + 2 * L);
    FloatVector a03 = FloatVector.fromArray(S, bsum, k + 3 * L);
    FloatVector a10 = a00, a11 = a01, a12 = a02, a13 = a03;
    FloatVector a20 = a00, a21 = a01, a22 = a02, a23 = a03;
    FloatVector a30 = a00, a31 = a01, a32 = a02, a33 = a03;
    for (int j = 0, w = k; j < n; j++, w += g) {
      FloatVector w0 = FloatVector.fromArray(S, wtIh, w);
      FloatVector w1 = FloatVector.fromArray(S, wtIh, w + L);
      FloatVector w2 = FloatVector.fromArray(S, wtIh, w + 2 * L);
      FloatVector w3 = FloatVector.fromArray(S, wtIh, w + 3 * L);
      FloatVector a = FloatVector.broadcast(S, xs[x0 + j]);
      a00 = w0.fma(a, a00);
      a01 = w1.fma(a, a01);
      a02 = w2.fma(a, a02);
      a03 = w3.fma(a, a03);
      a = FloatVector.broadcast(S, xs[x1 + j]);
      a10 = w0.fma(a, a10);
      a11 = w1.fma(a, a11);
      a12 = w2.fma(a, a12);
      a13 = w3.fma(a, a13);
      a = FloatVector.broadcast(S, xs[x2 + j]);
      a20 = w0.fma(a, a20);
      a21 = w1.fma(a, a21);
      a22 = w2.fma(a, a22);
      a23 = w3.fma(a, a23);
      a = FloatVector.broadcast(S, xs[x3 + j]);
      a30 = w0.fma(a, a30);
      a31 = w1.fma(a, a31);
      a32 = w2.fma(a, a32);
      a33 = w3.fma(a, a33);
    }
    if (!first) {
      int h1 = h0 + h;
      int h2 = h1 + h;
      int h3 = h2 + h;
      for (int j = 0, w = k; j < h; j++, w += g) {
        FloatVector w0 = FloatVector.fromArray(S, wtHh, w);
        FloatVector w1 = FloatVector.fromArray(S, wtHh, w + L);
        FloatVector w2 = FloatVector.fromArray(S, wtHh, w + 2 * L);
        FloatVector w3 = FloatVector.fromArray(S, wtHh, w + 3 * L);
        FloatVector a = FloatVector.broadcast(S, hPrev[h0 + j]);
        a00 = w0.fma(a, a00);
        a01 = w1.fma(a, a01);
        a02 = w2.fma(a, a02);
        a03 = w3.fma(a, a03);
        a = FloatVector.broadcast(S, hPrev[h1 + j]);
        a10 = w0.fma(a, a10);
        a11 = w1.fma(a, a11);
        a12 = w2.fma(a, a12);
        a13 = w3.fma(a, a13);
        a = FloatVector.broadcast(S, hPrev[h2 + j]);
        a20 = w0.fma(a, a20);
        a21 = w1.fma(a, a21);
        a22 = w2.fma(a, a22);
        a23 = w3.fma(a, a23);
        a = FloatVector.broadcast(S, hPrev[h3 + j]);
        a30 = w0.fma(a, a30);
        a31 = w1.fma(a, a31);
        a32 = w2.fma(a, a32);
        a33 = w3.fma(a, a33);
      }
    }
    a00.intoArray(z, k);
    a01.intoArray(z, k + L);
    a02.intoArray(z, k + 2 * L);
    a03.intoArray(z, k + 3 * L);
    a10.intoArray(z, g + k);
    a11.intoArray(z, g + k + L);
    a12.intoArray(z, g + k + 2 * L);
    a13.intoArray(z, g + k + 3 * L);
    a20.intoArray(z, 2 * g + k);
    a21.intoArray(z, 2 * g + k + L);
    a22.intoArray(z, 2 * g + k + 2 * L);
    a23.intoArray(z, 2 * g + k + 3 * L);
    a30.intoArray(z, 3 * g + k);
    a31.intoArray(z, 3 * g + k + L);
    a32.intoArray(z, 3 * g + k + 2 * L);
    a33.intoArray(z, 3 * g + k + 3 * L);
  }

  /** Columns {@code k .. k + 3L - 1} of {@link #groupProducts}: 12 accumulators, 16 registers at AVX2. */
  private static void quadThree(int n, int h, int k, boolean first, float[] wtIh, float[] wtHh,
      float[] bsum, float[] xs, int x0, int xStride, float[] hPrev, int h0, float[] z) {
    int g = 4 * h;
    int x1 = x0 + xStride;
    int x2 = x1 + xStride;
    int x3 = x2 + xStride;
    FloatVector a00 = FloatVector.fromArray(S, bsum, k);
    FloatVector a01 = FloatVector.fromArray(S, bsum, k + L);
    FloatVector a02 = FloatVector.fromArray(S, bsum, k + 2 * L);
    FloatVector a10 = a00, a11 = a01, a12 = a02;
    FloatVector a20 = a00, a21 = a01, a22 = a02;
    FloatVector a30 = a00, a31 = a01, a32 = a02;
    for (int j = 0, w = k; j < n; j++, w += g) {
      FloatVector w0 = FloatVector.fromArray(S, wtIh, w);
      FloatVector w1 = FloatVector.fromArray(S, wtIh, w + L);
      FloatVector w2 = FloatVector.fromArray(S, wtIh, w + 2 * L);
      FloatVector a = FloatVector.broadcast(S, xs[x0 + j]);
      a00 = w0.fma(a, a00);
      a01 = w1.fma(a, a01);
      a02 = w2.fma(a, a02);
      a = FloatVector.broadcast(S, xs[x1 + j]);
      a10 = w0.fma(a, a10);
      a11 = w1.fma(a, a11);
      a12 = w2.fma(a, a12);
      a = FloatVector.broadcast(S, xs[x2 + j]);
      a20 = w0.fma(a, a20);
      a21 = w1.fma(a, a21);
      a22 = w2.fma(a, a22);
      a = FloatVector.broadcast(S, xs[x3 + j]);
      a30 = w0.fma(a, a30);
      a31 = w1.fma(a, a31);
      a32 = w2.fma(a, a32);
    }
    if (!first) {
      int h1 = h0 + h;
      int h2 = h1 + h;
      int h3 = h2 + h;
      for (int j = 0, w = k; j < h; j++, w += g) {
        FloatVector w0 = FloatVector.fromArray(S, wtHh, w);
        FloatVector w1 = FloatVector.fromArray(S, wtHh, w + L);
        FloatVector w2 = FloatVector.fromArray(S, wtHh, w + 2 * L);
        FloatVector a = FloatVector.broadcast(S, hPrev[h0 + j]);
        a00 = w0.fma(a, a00);
        a01 = w1.fma(a, a01);
        a02 = w2.fma(a, a02);
        a = FloatVector.broadcast(S, hPrev[h1 + j]);
        a10 = w0.fma(a, a10);
        a11 = w1.fma(a, a11);
        a12 = w2.fma(a, a12);
        a = FloatVector.broadcast(S, hPrev[h2 + j]);
        a20 = w0.fma(a, a20);
        a21 = w1.fma(a, a21);
        a22 = w2.fma(a, a22);
        a = FloatVector.broadcast(S, hPrev[h3 + j]);
        a30 = w0.fma(a, a30);
        a31 = w1.fma(a, a31);
        a32 = w2.fma(a, a32);
      }
    }
    a00.intoArray(z, k);
    a01.intoArray(z, k + L);
    a02.intoArray(z, k + 2 * L);
    a10.intoArray(z, g + k);
    a11.intoArray(z, g + k + L);
    a12.intoArray(z, g + k + 2 * L);
    a20.intoArray(z, 2 * g + k);
    a21.intoArray(z, 2 * g + k + L);
    a22.intoArray(z, 2 * g + k + 2 * L);
    a30.intoArray(z, 3 * g + k);
    a31.intoArray(z, 3 * g + k + L);
    a32.intoArray(z, 3 * g + k + 2 * L);
  }

  /** Columns {@code k .. k + L - 1} of {@link #groupProducts}. */
  private static void quadOne(int n, int h, int k, boolean first, float[] wtIh, float[] wtHh,
      float[] bsum, float[] xs, int x0, int xStride, float[] hPrev, int h0, float[] z) {
    int g = 4 * h;
    FloatVector a0 = FloatVector.fromArray(S, bsum, k);
    FloatVector a1 = a0, a2 = a0, a3 = a0;
    for (int j = 0, w = k; j < n; j++, w += g) {
      FloatVector w0 = FloatVector.fromArray(S, wtIh, w);
      a0 = w0.fma(FloatVector.broadcast(S, xs[x0 + j]), a0);
      a1 = w0.fma(FloatVector.broadcast(S, xs[x0 + xStride + j]), a1);
      a2 = w0.fma(FloatVector.broadcast(S, xs[x0 + 2 * xStride + j]), a2);
      a3 = w0.fma(FloatVector.broadcast(S, xs[x0 + 3 * xStride + j]), a3);
    }
    if (!first) {
      for (int j = 0, w = k; j < h; j++, w += g) {
        FloatVector w0 = FloatVector.fromArray(S, wtHh, w);
        a0 = w0.fma(FloatVector.broadcast(S, hPrev[h0 + j]), a0);
        a1 = w0.fma(FloatVector.broadcast(S, hPrev[h0 + h + j]), a1);
        a2 = w0.fma(FloatVector.broadcast(S, hPrev[h0 + 2 * h + j]), a2);
        a3 = w0.fma(FloatVector.broadcast(S, hPrev[h0 + 3 * h + j]), a3);
      }
    }
    a0.intoArray(z, k);
    a1.intoArray(z, g + k);
    a2.intoArray(z, 2 * g + k);
    a3.intoArray(z, 3 * g + k);
  }

  /**
   * The logistic function of {@code z[q * g + from .. q * g + to - 1]} of the four samples q of a
   * group (whole vectors) to their tape rows, {@code tape[gates + q * tStride + from ..]}: one
   * call per group step, not one per sample.
   */
  private static void sigmoidRange(float[] z, int from, int to, int g, float[] tape, int gates, int tStride) {
    for (int o = 0; o < 4 * g; o += g, gates += tStride) {
      for (int i = from; i < to; i += L) sigmoid(FloatVector.fromArray(S, z, o + i)).intoArray(tape, gates + i);
    }
  }

  /** tanh of {@code z[q * g + from .. q * g + to - 1]} of the four samples of a group to their tape rows (as {@link #sigmoidRange}). */
  private static void tanhRange(float[] z, int from, int to, int g, float[] tape, int gates, int tStride) {
    for (int o = 0; o < 4 * g; o += g, gates += tStride) {
      for (int i = from; i < to; i += L) tanh(FloatVector.fromArray(S, z, o + i)).intoArray(tape, gates + i);
    }
  }

  /** c and h of the four samples {@code b0 ..} of a group from their activated gates on the tape. */
  private static void groupCell(int b0, int h, float[] hCur, float[] c, float[] tape, int ho, int rest, int tStride) {
    for (int q = 0; q < 4; q++, ho += tStride, rest += tStride) {
      int hp = (b0 + q) * h;
      for (int u = 0; u < h; u += L) {
        FloatVector i = FloatVector.fromArray(S, tape, rest + h + u);
        FloatVector f = FloatVector.fromArray(S, tape, rest + 2 * h + u);
        FloatVector gg = FloatVector.fromArray(S, tape, rest + 3 * h + u);
        FloatVector o = FloatVector.fromArray(S, tape, rest + 4 * h + u);
        FloatVector cn = f.fma(FloatVector.fromArray(S, c, hp + u), i.mul(gg));
        FloatVector hn = o.mul(tanh(cn));
        cn.intoArray(c, hp + u);
        hn.intoArray(hCur, hp + u);
        hn.intoArray(tape, ho + u);
        cn.intoArray(tape, rest + u);
      }
    }
  }

  /** The pre-activations of units {@code u .. u + L} of two samples, stored to {@code z} (i, f, g, o of each). */
  private static void pairProducts(int n, int h, int u, boolean first, float[] wtIh, float[] wtHh,
      float[] bsum, float[] xs, int x0, int x1, float[] hPrev, int h0, int h1, float[] z) {
    int g = 4 * h;
    FloatVector i0 = FloatVector.fromArray(S, bsum, u);
    FloatVector f0 = FloatVector.fromArray(S, bsum, h + u);
    FloatVector g0 = FloatVector.fromArray(S, bsum, 2 * h + u);
    FloatVector o0 = FloatVector.fromArray(S, bsum, 3 * h + u);
    FloatVector i1 = i0;
    FloatVector f1 = f0;
    FloatVector g1 = g0;
    FloatVector o1 = o0;
    for (int j = 0, w = u; j < n; j++, w += g) {
      FloatVector wi = FloatVector.fromArray(S, wtIh, w);
      FloatVector wf = FloatVector.fromArray(S, wtIh, w + h);
      FloatVector wg = FloatVector.fromArray(S, wtIh, w + 2 * h);
      FloatVector wo = FloatVector.fromArray(S, wtIh, w + 3 * h);
      FloatVector a = FloatVector.broadcast(S, xs[x0 + j]);
      i0 = wi.fma(a, i0);
      f0 = wf.fma(a, f0);
      g0 = wg.fma(a, g0);
      o0 = wo.fma(a, o0);
      a = FloatVector.broadcast(S, xs[x1 + j]);
      i1 = wi.fma(a, i1);
      f1 = wf.fma(a, f1);
      g1 = wg.fma(a, g1);
      o1 = wo.fma(a, o1);
    }
    if (!first) {
      for (int j = 0, w = u; j < h; j++, w += g) {
        FloatVector wi = FloatVector.fromArray(S, wtHh, w);
        FloatVector wf = FloatVector.fromArray(S, wtHh, w + h);
        FloatVector wg = FloatVector.fromArray(S, wtHh, w + 2 * h);
        FloatVector wo = FloatVector.fromArray(S, wtHh, w + 3 * h);
        FloatVector a = FloatVector.broadcast(S, hPrev[h0 + j]);
        i0 = wi.fma(a, i0);
        f0 = wf.fma(a, f0);
        g0 = wg.fma(a, g0);
        o0 = wo.fma(a, o0);
        a = FloatVector.broadcast(S, hPrev[h1 + j]);
        i1 = wi.fma(a, i1);
        f1 = wf.fma(a, f1);
        g1 = wg.fma(a, g1);
        o1 = wo.fma(a, o1);
      }
    }
    i0.intoArray(z, 0);
    f0.intoArray(z, L);
    g0.intoArray(z, 2 * L);
    o0.intoArray(z, 3 * L);
    i1.intoArray(z, 4 * L);
    f1.intoArray(z, 5 * L);
    g1.intoArray(z, 6 * L);
    o1.intoArray(z, 7 * L);
  }

  /**
   * The gates, the cell and the hidden state of units {@code u .. u + L} of the {@code count}
   * samples {@code b0 ..} of a block, from {@code z}: in three methods (each a loop over the block) of at most two {@link #tanh} each, since C2 stops inlining
   * into one method with five (NodeCountInliningCutoff), and a vector passed to a method that is
   * not inlined is boxed.
   */
  private static void finish(float[] z, int count, int b0, int u, int h, float[] hCur, float[] c,
      float[] tape, int ho, int rest, int tStride) {
    activateIf(z, count);
    activateGo(z, count);
    cell(z, count, b0, u, h, hCur, c, tape, ho, rest, tStride);
  }

  /** i and f of {@code count} consecutive samples of a block, in place in {@code z}. */
  private static void activateIf(float[] z, int count) {
    for (int q = 0, zo = 0; q < count; q++, zo += 4 * L) {
      sigmoid(FloatVector.fromArray(S, z, zo)).intoArray(z, zo);
      sigmoid(FloatVector.fromArray(S, z, zo + L)).intoArray(z, zo + L);
    }
  }

  /** g and o of {@code count} consecutive samples of a block, in place in {@code z}. */
  private static void activateGo(float[] z, int count) {
    for (int q = 0, zo = 0; q < count; q++, zo += 4 * L) {
      tanh(FloatVector.fromArray(S, z, zo + 2 * L)).intoArray(z, zo + 2 * L);
      sigmoid(FloatVector.fromArray(S, z, zo + 3 * L)).intoArray(z, zo + 3 * L);
    }
  }

  /** c and h of samples {@code b0 .. b0 + count - 1} (tape rows {@code tStride} apart) from their gates in {@code z}. */
  private static void cell(float[] z, int count, int b0, int u, int h, float[] hCur, float[] c,
      float[] tape, int ho, int rest, int tStride) {
    for (int q = 0, zo = 0; q < count; q++, zo += 4 * L, ho += tStride, rest += tStride) {
      FloatVector i = FloatVector.fromArray(S, z, zo);
      FloatVector f = FloatVector.fromArray(S, z, zo + L);
      FloatVector gg = FloatVector.fromArray(S, z, zo + 2 * L);
      FloatVector o = FloatVector.fromArray(S, z, zo + 3 * L);
      int hp = (b0 + q) * h + u;
      FloatVector cn = f.fma(FloatVector.fromArray(S, c, hp), i.mul(gg));
      FloatVector hn = o.mul(tanh(cn));
      cn.intoArray(c, hp);
      hn.intoArray(hCur, hp);
      hn.intoArray(tape, ho + u);
      cn.intoArray(tape, rest + u);
      i.intoArray(tape, rest + h + u);
      f.intoArray(tape, rest + 2 * h + u);
      gg.intoArray(tape, rest + 3 * h + u);
      o.intoArray(tape, rest + 4 * h + u);
    }
  }

  @Override
  void backward(int batch, int h, boolean first, float[] tape, int restBase, int tStride,
      float[] gh, int ghBase, int gStride, float[] dhIn, float[] dc, float[] dz, int dzOff,
      float[] whh, float[] dhOut) {
    int hv = h - h % L;
    int g = 4 * h;
    for (int b = 0; b < batch; b++) {
      int rest = restBase + b * tStride;
      int go = ghBase + b * gStride;
      int r = dzOff + b * g;
      int hp = b * h;
      for (int u = 0; u < hv; u += L) {
        FloatVector d = FloatVector.fromArray(S, dhIn, hp + u).add(FloatVector.fromArray(S, gh, go + u));
        FloatVector cc = FloatVector.fromArray(S, tape, rest + u);
        FloatVector i = FloatVector.fromArray(S, tape, rest + h + u);
        FloatVector f = FloatVector.fromArray(S, tape, rest + 2 * h + u);
        FloatVector gg = FloatVector.fromArray(S, tape, rest + 3 * h + u);
        FloatVector o = FloatVector.fromArray(S, tape, rest + 4 * h + u);
        FloatVector cp = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tape, rest - 5 * h + u);
        FloatVector tc = tanh(cc);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector dct = d.mul(o).fma(one.sub(tc.mul(tc)), FloatVector.fromArray(S, dc, hp + u));
        dct.mul(f).intoArray(dc, hp + u);
        dct.mul(gg).mul(i).mul(one.sub(i)).intoArray(dz, r + u);
        dct.mul(cp).mul(f).mul(one.sub(f)).intoArray(dz, r + h + u);
        dct.mul(i).mul(one.sub(gg.mul(gg))).intoArray(dz, r + 2 * h + u);
        d.mul(tc).mul(o).mul(one.sub(o)).intoArray(dz, r + 3 * h + u);
      }
      if (hv < h) LstmSteps.backwardUnits(b, hv, h, h, first, tape, rest, gh, go, dhIn, dc, dz, r);
    }
    if (first) return;
    int b = 0;
    // Four samples per block: 8 accumulators (two vectors of units each), enough chains in
    // flight to keep both FMA pipes busy; the pairs below had four.
    for (; b + 4 <= batch; b += 4) quadDh(h, g, dz, dzOff + b * g, whh, dhOut, b * h);
    for (; b < batch; b += 2) {
      boolean two = b + 1 < batch;
      int b1 = two ? b + 1 : b;
      int r0 = dzOff + b * g;
      int r1 = dzOff + b1 * g;
      int u = 0;
      for (; u + 2 * L <= h; u += 2 * L) {
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        for (int k = 0, w = u; k < g; k++, w += h) {
          FloatVector w0 = FloatVector.fromArray(S, whh, w);
          FloatVector w1 = FloatVector.fromArray(S, whh, w + L);
          FloatVector q0 = FloatVector.broadcast(S, dz[r0 + k]);
          FloatVector q1 = FloatVector.broadcast(S, dz[r1 + k]);
          a00 = w0.fma(q0, a00);
          a01 = w1.fma(q0, a01);
          a10 = w0.fma(q1, a10);
          a11 = w1.fma(q1, a11);
        }
        a00.intoArray(dhOut, b * h + u);
        a01.intoArray(dhOut, b * h + u + L);
        if (two) {
          a10.intoArray(dhOut, b1 * h + u);
          a11.intoArray(dhOut, b1 * h + u + L);
        }
      }
      for (; u + L <= h; u += L) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        for (int k = 0, w = u; k < g; k++, w += h) {
          FloatVector w0 = FloatVector.fromArray(S, whh, w);
          a0 = w0.fma(FloatVector.broadcast(S, dz[r0 + k]), a0);
          a1 = w0.fma(FloatVector.broadcast(S, dz[r1 + k]), a1);
        }
        a0.intoArray(dhOut, b * h + u);
        if (two) a1.intoArray(dhOut, b1 * h + u);
      }
      if (u < h) {
        LstmSteps.dhUnits(b, u, h, h, dz, r0, whh, dhOut);
        if (two) LstmSteps.dhUnits(b1, u, h, h, dz, r1, whh, dhOut);
      }
    }
  }

  /**
   * {@code dhOut} rows of four consecutive samples (gate cotangents at {@code dz[r0 + q * g ..]},
   * outputs at {@code dhOut[o0 + q * h ..]}): each element the chain over k ascending of
   * {@link LstmSteps#dhUnits}.
   */
  private static void quadDh(int h, int g, float[] dz, int r0, float[] whh, float[] dhOut, int o0) {
    int r1 = r0 + g;
    int r2 = r1 + g;
    int r3 = r2 + g;
    int u = 0;
    for (; u + 2 * L <= h; u += 2 * L) {
      FloatVector a00 = FloatVector.zero(S);
      FloatVector a01 = a00;
      FloatVector a10 = a00;
      FloatVector a11 = a00;
      FloatVector a20 = a00;
      FloatVector a21 = a00;
      FloatVector a30 = a00;
      FloatVector a31 = a00;
      for (int k = 0, w = u; k < g; k++, w += h) {
        FloatVector w0 = FloatVector.fromArray(S, whh, w);
        FloatVector w1 = FloatVector.fromArray(S, whh, w + L);
        FloatVector q = FloatVector.broadcast(S, dz[r0 + k]);
        a00 = w0.fma(q, a00);
        a01 = w1.fma(q, a01);
        q = FloatVector.broadcast(S, dz[r1 + k]);
        a10 = w0.fma(q, a10);
        a11 = w1.fma(q, a11);
        q = FloatVector.broadcast(S, dz[r2 + k]);
        a20 = w0.fma(q, a20);
        a21 = w1.fma(q, a21);
        q = FloatVector.broadcast(S, dz[r3 + k]);
        a30 = w0.fma(q, a30);
        a31 = w1.fma(q, a31);
      }
      a00.intoArray(dhOut, o0 + u);
      a01.intoArray(dhOut, o0 + u + L);
      a10.intoArray(dhOut, o0 + h + u);
      a11.intoArray(dhOut, o0 + h + u + L);
      a20.intoArray(dhOut, o0 + 2 * h + u);
      a21.intoArray(dhOut, o0 + 2 * h + u + L);
      a30.intoArray(dhOut, o0 + 3 * h + u);
      a31.intoArray(dhOut, o0 + 3 * h + u + L);
    }
    for (; u + L <= h; u += L) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int k = 0, w = u; k < g; k++, w += h) {
        FloatVector w0 = FloatVector.fromArray(S, whh, w);
        a0 = w0.fma(FloatVector.broadcast(S, dz[r0 + k]), a0);
        a1 = w0.fma(FloatVector.broadcast(S, dz[r1 + k]), a1);
        a2 = w0.fma(FloatVector.broadcast(S, dz[r2 + k]), a2);
        a3 = w0.fma(FloatVector.broadcast(S, dz[r3 + k]), a3);
      }
      a0.intoArray(dhOut, o0 + u);
      a1.intoArray(dhOut, o0 + h + u);
      a2.intoArray(dhOut, o0 + 2 * h + u);
      a3.intoArray(dhOut, o0 + 3 * h + u);
    }
    if (u < h) {
      int b = o0 / h;
      for (int q = 0; q < 4; q++) LstmSteps.dhUnits(b + q, u, h, h, dz, r0 + q * g, whh, dhOut);
    }
  }

  /**
   * {@link LstmSteps#inputRows} with vector loads and stores when n and h are multiples of the
   * vector length: 8 192 short {@code System.arraycopy} calls per step at T = 128 cost about 5 %
   * of the backward (AVX2).
   */
  @Override
  void inputRows(int batch, int n, int h, float[] xs, int xBase, int xStride, float[] tape, int hBase,
      int tStride, float[] xh, int o) {
    if (n % L != 0 || h % L != 0) {
      super.inputRows(batch, n, h, xs, xBase, xStride, tape, hBase, tStride, xh, o);
      return;
    }
    int w = n + h + 1;
    FloatVector zero = FloatVector.zero(S);
    for (int b = 0; b < batch; b++, o += w, xBase += xStride, hBase += tStride) {
      for (int j = 0; j < n; j += L) FloatVector.fromArray(S, xs, xBase + j).intoArray(xh, o + j);
      if (tape != null) {
        for (int j = 0; j < h; j += L) FloatVector.fromArray(S, tape, hBase + j).intoArray(xh, o + n + j);
      } else {
        for (int j = 0; j < h; j += L) zero.intoArray(xh, o + n + j);
      }
      xh[o + n + h] = 1f;
    }
  }

  @Override
  void inputGradient(int rows, int batch, int n, int g, float[] dz, float[] wih, float[] out,
      int oOff, int oStride) {
    int nv = n - n % L;
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
      int d0 = r * g;
      int d1 = d0 + g;
      int d2 = d1 + g;
      int d3 = d2 + g;
      for (int j = 0; j < nv; j += L) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int k = 0, q = j; k < g; k++, q += n) {
          FloatVector w = FloatVector.fromArray(S, wih, q);
          a0 = w.fma(FloatVector.broadcast(S, dz[d0 + k]), a0);
          a1 = w.fma(FloatVector.broadcast(S, dz[d1 + k]), a1);
          a2 = w.fma(FloatVector.broadcast(S, dz[d2 + k]), a2);
          a3 = w.fma(FloatVector.broadcast(S, dz[d3 + k]), a3);
        }
        a0.intoArray(out, oOff + (r % batch) * oStride + (r / batch) * n + j);
        a1.intoArray(out, oOff + ((r + 1) % batch) * oStride + ((r + 1) / batch) * n + j);
        a2.intoArray(out, oOff + ((r + 2) % batch) * oStride + ((r + 2) / batch) * n + j);
        a3.intoArray(out, oOff + ((r + 3) % batch) * oStride + ((r + 3) / batch) * n + j);
      }
      if (nv < n) {
        for (int q = 0; q < 4; q++) {
          LstmSteps.inputGradientColumns(r + q, nv, n, batch, n, g, dz, wih, out, oOff, oStride);
        }
      }
    }
    for (; r < rows; r++) LstmSteps.inputGradientColumns(r, 0, n, batch, n, g, dz, wih, out, oOff, oStride);
  }

  @Override
  void weightGradient(int r0, int r1, int w, int cols, int g, float[] xh, float[] dz, float[] gt) {
    int gv = g - g % (2 * L);
    int j = 0;
    // Six columns by two vectors of gate rows: 12 accumulators, two dz loads and six broadcasts
    // per row (15 registers: fits the 16 of AVX2).
    for (; j + 6 <= cols; j += 6) {
      int k = 0;
      if (L >= 16) {
        for (; k + 4 * L <= gv; k += 4 * L) sixByFour(r0, r1, j, k, w, g, xh, dz, gt);
      }
      for (; k < gv; k += 2 * L) sixByTwo(r0, r1, j, k, w, g, xh, dz, gt);
      if (gv < g) {
        for (int q = 0; q < 6; q++) columnTail(r0, r1, j + q, gv, w, g, xh, dz, gt);
      }
    }
    for (; j < cols; j++) columnTail(r0, r1, j, 0, w, g, xh, dz, gt);
  }

  /** Columns {@code j .. j + 5}, gate rows {@code k .. k + 4L - 1} (24 accumulators, for the 32 registers of AVX-512). */
  private static void sixByFour(int r0, int r1, int j, int k, int w, int g, float[] xh, float[] dz, float[] gt) {
    int t0 = j * g + k;
    FloatVector a00 = FloatVector.fromArray(S, gt, t0);
    FloatVector a01 = FloatVector.fromArray(S, gt, t0 + L);
    FloatVector a02 = FloatVector.fromArray(S, gt, t0 + 2 * L);
    FloatVector a03 = FloatVector.fromArray(S, gt, t0 + 3 * L);
    FloatVector a10 = FloatVector.fromArray(S, gt, t0 + g);
    FloatVector a11 = FloatVector.fromArray(S, gt, t0 + g + L);
    FloatVector a12 = FloatVector.fromArray(S, gt, t0 + g + 2 * L);
    FloatVector a13 = FloatVector.fromArray(S, gt, t0 + g + 3 * L);
    FloatVector a20 = FloatVector.fromArray(S, gt, t0 + 2 * g);
    FloatVector a21 = FloatVector.fromArray(S, gt, t0 + 2 * g + L);
    FloatVector a22 = FloatVector.fromArray(S, gt, t0 + 2 * g + 2 * L);
    FloatVector a23 = FloatVector.fromArray(S, gt, t0 + 2 * g + 3 * L);
    FloatVector a30 = FloatVector.fromArray(S, gt, t0 + 3 * g);
    FloatVector a31 = FloatVector.fromArray(S, gt, t0 + 3 * g + L);
    FloatVector a32 = FloatVector.fromArray(S, gt, t0 + 3 * g + 2 * L);
    FloatVector a33 = FloatVector.fromArray(S, gt, t0 + 3 * g + 3 * L);
    FloatVector a40 = FloatVector.fromArray(S, gt, t0 + 4 * g);
    FloatVector a41 = FloatVector.fromArray(S, gt, t0 + 4 * g + L);
    FloatVector a42 = FloatVector.fromArray(S, gt, t0 + 4 * g + 2 * L);
    FloatVector a43 = FloatVector.fromArray(S, gt, t0 + 4 * g + 3 * L);
    FloatVector a50 = FloatVector.fromArray(S, gt, t0 + 5 * g);
    FloatVector a51 = FloatVector.fromArray(S, gt, t0 + 5 * g + L);
    FloatVector a52 = FloatVector.fromArray(S, gt, t0 + 5 * g + 2 * L);
    FloatVector a53 = FloatVector.fromArray(S, gt, t0 + 5 * g + 3 * L);
    for (int r = r0, d = r0 * g + k, x = r0 * w + j; r < r1; r++, d += g, x += w) {
      FloatVector d0 = FloatVector.fromArray(S, dz, d);
      FloatVector d1 = FloatVector.fromArray(S, dz, d + L);
      FloatVector d2 = FloatVector.fromArray(S, dz, d + 2 * L);
      FloatVector d3 = FloatVector.fromArray(S, dz, d + 3 * L);
      FloatVector q = FloatVector.broadcast(S, xh[x]);
      a00 = d0.fma(q, a00);
      a01 = d1.fma(q, a01);
      a02 = d2.fma(q, a02);
      a03 = d3.fma(q, a03);
      q = FloatVector.broadcast(S, xh[x + 1]);
      a10 = d0.fma(q, a10);
      a11 = d1.fma(q, a11);
      a12 = d2.fma(q, a12);
      a13 = d3.fma(q, a13);
      q = FloatVector.broadcast(S, xh[x + 2]);
      a20 = d0.fma(q, a20);
      a21 = d1.fma(q, a21);
      a22 = d2.fma(q, a22);
      a23 = d3.fma(q, a23);
      q = FloatVector.broadcast(S, xh[x + 3]);
      a30 = d0.fma(q, a30);
      a31 = d1.fma(q, a31);
      a32 = d2.fma(q, a32);
      a33 = d3.fma(q, a33);
      q = FloatVector.broadcast(S, xh[x + 4]);
      a40 = d0.fma(q, a40);
      a41 = d1.fma(q, a41);
      a42 = d2.fma(q, a42);
      a43 = d3.fma(q, a43);
      q = FloatVector.broadcast(S, xh[x + 5]);
      a50 = d0.fma(q, a50);
      a51 = d1.fma(q, a51);
      a52 = d2.fma(q, a52);
      a53 = d3.fma(q, a53);
    }
    a00.intoArray(gt, t0);
    a01.intoArray(gt, t0 + L);
    a02.intoArray(gt, t0 + 2 * L);
    a03.intoArray(gt, t0 + 3 * L);
    a10.intoArray(gt, t0 + g);
    a11.intoArray(gt, t0 + g + L);
    a12.intoArray(gt, t0 + g + 2 * L);
    a13.intoArray(gt, t0 + g + 3 * L);
    a20.intoArray(gt, t0 + 2 * g);
    a21.intoArray(gt, t0 + 2 * g + L);
    a22.intoArray(gt, t0 + 2 * g + 2 * L);
    a23.intoArray(gt, t0 + 2 * g + 3 * L);
    a30.intoArray(gt, t0 + 3 * g);
    a31.intoArray(gt, t0 + 3 * g + L);
    a32.intoArray(gt, t0 + 3 * g + 2 * L);
    a33.intoArray(gt, t0 + 3 * g + 3 * L);
    a40.intoArray(gt, t0 + 4 * g);
    a41.intoArray(gt, t0 + 4 * g + L);
    a42.intoArray(gt, t0 + 4 * g + 2 * L);
    a43.intoArray(gt, t0 + 4 * g + 3 * L);
    a50.intoArray(gt, t0 + 5 * g);
    a51.intoArray(gt, t0 + 5 * g + L);
    a52.intoArray(gt, t0 + 5 * g + 2 * L);
    a53.intoArray(gt, t0 + 5 * g + 3 * L);
  }

  /** Columns {@code j .. j + 5}, gate rows {@code k .. k + 2L - 1} of the weight gradients. */
  private static void sixByTwo(int r0, int r1, int j, int k, int w, int g, float[] xh, float[] dz, float[] gt) {
    int t0 = j * g + k;
    FloatVector a00 = FloatVector.fromArray(S, gt, t0);
    FloatVector a01 = FloatVector.fromArray(S, gt, t0 + L);
    FloatVector a10 = FloatVector.fromArray(S, gt, t0 + g);
    FloatVector a11 = FloatVector.fromArray(S, gt, t0 + g + L);
    FloatVector a20 = FloatVector.fromArray(S, gt, t0 + 2 * g);
    FloatVector a21 = FloatVector.fromArray(S, gt, t0 + 2 * g + L);
    FloatVector a30 = FloatVector.fromArray(S, gt, t0 + 3 * g);
    FloatVector a31 = FloatVector.fromArray(S, gt, t0 + 3 * g + L);
    FloatVector a40 = FloatVector.fromArray(S, gt, t0 + 4 * g);
    FloatVector a41 = FloatVector.fromArray(S, gt, t0 + 4 * g + L);
    FloatVector a50 = FloatVector.fromArray(S, gt, t0 + 5 * g);
    FloatVector a51 = FloatVector.fromArray(S, gt, t0 + 5 * g + L);
    for (int r = r0, d = r0 * g + k, x = r0 * w + j; r < r1; r++, d += g, x += w) {
      FloatVector d0 = FloatVector.fromArray(S, dz, d);
      FloatVector d1 = FloatVector.fromArray(S, dz, d + L);
      FloatVector q = FloatVector.broadcast(S, xh[x]);
      a00 = d0.fma(q, a00);
      a01 = d1.fma(q, a01);
      q = FloatVector.broadcast(S, xh[x + 1]);
      a10 = d0.fma(q, a10);
      a11 = d1.fma(q, a11);
      q = FloatVector.broadcast(S, xh[x + 2]);
      a20 = d0.fma(q, a20);
      a21 = d1.fma(q, a21);
      q = FloatVector.broadcast(S, xh[x + 3]);
      a30 = d0.fma(q, a30);
      a31 = d1.fma(q, a31);
      q = FloatVector.broadcast(S, xh[x + 4]);
      a40 = d0.fma(q, a40);
      a41 = d1.fma(q, a41);
      q = FloatVector.broadcast(S, xh[x + 5]);
      a50 = d0.fma(q, a50);
      a51 = d1.fma(q, a51);
    }
    a00.intoArray(gt, t0);
    a01.intoArray(gt, t0 + L);
    a10.intoArray(gt, t0 + g);
    a11.intoArray(gt, t0 + g + L);
    a20.intoArray(gt, t0 + 2 * g);
    a21.intoArray(gt, t0 + 2 * g + L);
    a30.intoArray(gt, t0 + 3 * g);
    a31.intoArray(gt, t0 + 3 * g + L);
    a40.intoArray(gt, t0 + 4 * g);
    a41.intoArray(gt, t0 + 4 * g + L);
    a50.intoArray(gt, t0 + 5 * g);
    a51.intoArray(gt, t0 + 5 * g + L);
  }

  /** Column j, gate rows {@code k0 .. g - 1}: two vectors, then one, then the scalar elements. */
  private static void columnTail(int r0, int r1, int j, int k0, int w, int g, float[] xh, float[] dz, float[] gt) {
    int k = k0;
    int t = j * g;
    // Eight vectors per block (8 chains; two left half of the FMA latency exposed): the last
    // column (the biases' ones at n + h + 1 = 49) is a whole block at 4h = 128.
    for (; k + 8 * L <= g; k += 8 * L) {
      FloatVector a0 = FloatVector.fromArray(S, gt, t + k);
      FloatVector a1 = FloatVector.fromArray(S, gt, t + k + L);
      FloatVector a2 = FloatVector.fromArray(S, gt, t + k + 2 * L);
      FloatVector a3 = FloatVector.fromArray(S, gt, t + k + 3 * L);
      FloatVector a4 = FloatVector.fromArray(S, gt, t + k + 4 * L);
      FloatVector a5 = FloatVector.fromArray(S, gt, t + k + 5 * L);
      FloatVector a6 = FloatVector.fromArray(S, gt, t + k + 6 * L);
      FloatVector a7 = FloatVector.fromArray(S, gt, t + k + 7 * L);
      for (int r = r0, d = r0 * g + k, x = r0 * w + j; r < r1; r++, d += g, x += w) {
        FloatVector q = FloatVector.broadcast(S, xh[x]);
        a0 = FloatVector.fromArray(S, dz, d).fma(q, a0);
        a1 = FloatVector.fromArray(S, dz, d + L).fma(q, a1);
        a2 = FloatVector.fromArray(S, dz, d + 2 * L).fma(q, a2);
        a3 = FloatVector.fromArray(S, dz, d + 3 * L).fma(q, a3);
        a4 = FloatVector.fromArray(S, dz, d + 4 * L).fma(q, a4);
        a5 = FloatVector.fromArray(S, dz, d + 5 * L).fma(q, a5);
        a6 = FloatVector.fromArray(S, dz, d + 6 * L).fma(q, a6);
        a7 = FloatVector.fromArray(S, dz, d + 7 * L).fma(q, a7);
      }
      a0.intoArray(gt, t + k);
      a1.intoArray(gt, t + k + L);
      a2.intoArray(gt, t + k + 2 * L);
      a3.intoArray(gt, t + k + 3 * L);
      a4.intoArray(gt, t + k + 4 * L);
      a5.intoArray(gt, t + k + 5 * L);
      a6.intoArray(gt, t + k + 6 * L);
      a7.intoArray(gt, t + k + 7 * L);
    }
    for (; k + 2 * L <= g; k += 2 * L) {
      FloatVector a0 = FloatVector.fromArray(S, gt, t + k);
      FloatVector a1 = FloatVector.fromArray(S, gt, t + k + L);
      for (int r = r0, d = r0 * g + k, x = r0 * w + j; r < r1; r++, d += g, x += w) {
        FloatVector q = FloatVector.broadcast(S, xh[x]);
        a0 = FloatVector.fromArray(S, dz, d).fma(q, a0);
        a1 = FloatVector.fromArray(S, dz, d + L).fma(q, a1);
      }
      a0.intoArray(gt, t + k);
      a1.intoArray(gt, t + k + L);
    }
    for (; k + L <= g; k += L) {
      FloatVector a0 = FloatVector.fromArray(S, gt, t + k);
      for (int r = r0, d = r0 * g + k, x = r0 * w + j; r < r1; r++, d += g, x += w) {
        a0 = FloatVector.fromArray(S, dz, d).fma(FloatVector.broadcast(S, xh[x]), a0);
      }
      a0.intoArray(gt, t + k);
    }
    if (k < g) LstmSteps.weightGradientColumns(r0, r1, j, k, g, w, g, xh, dz, gt);
  }
}
