package dev.deltac.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the Vector API ({@code jdk.incubator.vector}), float vectors and FMA,
 * register-blocked so that each loaded vector feeds several independent accumulators. One
 * species for every kernel: 512 bits ({@code L = 16} lanes) where the hardware prefers them,
 * else 256 ({@code L = 8}); {@code -Ddeltac.vector.bits=256} or {@code 128} forces a narrower one.
 *
 * <p><b>The same bits on every width.</b> Every result is summed in an order fixed by the sizes
 * alone, never by {@code L}, so 512-, 256- and 128-bit vectors give bit-identical outputs (and a
 * seed trains the same weights on AVX-512, AVX2 and 128-bit machines):
 *
 * <ul>
 *   <li>Forward: each dot product {@code sum_j W[i][j] X[b, j]} is {@value #P} partial sums,
 *       partial {@code l} a sequential FMA chain over {@code j = l, l + 16, ...} below
 *       {@code n16 = n - n % 16}; the 16 partials are added in one fixed tree ({@link #lanes});
 *       then the tail columns {@code n16 <= j < n} by sequential FMA; then the bias. One 512-bit
 *       accumulator holds the 16 partials; at 256 bits two, at 128 bits four. Below 512 bits the
 *       4 x 3 kernel runs {@code 16 / L} passes over the columns, pass {@code h} filling lanes
 *       {@code h .. h + L} of the partials (the vectors at {@code j = h, h + 16, ...}): the
 *       block's rows are re-read from L1 by the second pass rather than held in twice as many
 *       registers, which AVX2's 16 would not have. A single sample at 256 bits is one pass,
 *       1 x 6 rows x 2 halves (12 accumulators), since it streams {@code W} from L2.
 *   <li>Gradients: every element is one sequential FMA chain over its sum index (in the lanes,
 *       and in the scalar tails through {@link Math#fma}), so its result depends neither on the
 *       block shape that computed it nor on {@code L}.
 * </ul>
 *
 * <p>Kernels:
 *
 * <ul>
 *   <li>Forward, small batches: dot products along {@code n}. Micro-kernel 4 samples x 3 weight
 *       rows at 512 bits (12 vector accumulators, 7 loads per 12 FMAs); below 512 bits 2 samples
 *       x 6 rows per pass (12 accumulators and 3 operands: 15 of AVX2's 16 registers, where
 *       4 x 3 needs all 16); each accumulator is stored and its 16 partials summed at the end,
 *       then the scalar column tail is added.
 *   <li>Forward, large batches ({@link #packedPays}): broadcast products on a packed
 *       {@code W^T} (vectors along the outputs), one pass per partial class, reproducing the dot
 *       products' order exactly (see {@code forwardPacked}). At 512 bits two classes per pass
 *       (16 accumulators, 21 registers of the 32); narrower, one class per pass (8
 *       accumulators, 11 registers: AVX2 has 16). Below 512 bits from 32 samples at every
 *       {@code n} (the 2-pass dot products reach about half of AVX2's peak), 6-sample x
 *       2-vector blocks (12 accumulators) where the batch allows.
 *   <li>Forward when the batch is at most the rows ({@link #xPackedPays}): broadcast
 *       products on a packed {@code X^T} (vectors along the samples, {@code W}'s elements
 *       broadcast), the same partial classes and tree: packing the {@code B x n} inputs costs
 *       a quarter of packing {@code W} at {@code 128x784 @ 32}. 6 rows x 2 vectors below 512
 *       bits; at 512 bits 6 rows x 4 vectors (64 samples) and 8 rows x 2 vectors.
 *   <li>Input gradient: 4 samples x 3 vectors of {@code DX}; per weight row, 3 vector loads and
 *       4 broadcasts of {@code D} feed 12 FMAs. At 512 bits 6 samples x 4 vectors (24
 *       accumulators) for everything, the last sample block and column panel overlapping the
 *       ones before. Column panels outermost, so the
 *       {@code m x 3L} panel of {@code W} is reused from L1 by every sample block. The last
 *       {@code batch % 4} samples stream whole rows instead (no latency-bound 1-sample block).
 *   <li>Weight gradient: 4 rows x 3 vectors of {@code GW} at 512 bits (8 rows x 3 vectors, 24
 *       accumulators, on the packed panels from 64 samples), 6 rows x 2 vectors below
 *       (the 4 x 3 block spilled under AVX2's 16 registers: half the speed), summed over the
 *       batch in registers and added to {@code GW} once. Column panels outermost, so the
 *       {@code batch x 3L} panel of {@code X} is reused by every row block; at 512 bits and
 *       {@code batch >= 64} that panel is copied contiguous first (and {@code D}'s last 4-row
 *       block; the 8-row blocks read {@code D} in place), so that both stay in L1.
 * </ul>
 *
 * <p>Loaded reflectively by {@link DenseKernels}: this class is the only one that links against
 * the incubator module.
 *
 * <p>JDK 17 caveats that shaped the code (each measured): no vector is passed to a helper that
 * C2 might not inline (it would be boxed: a helper adding three accumulators
 * into {@code GW} was left out of line at 256 bits, 1 440 bytes per call pattern); no two vector shapes run in one JVM (type-profile
 * pollution inside the Vector API made C2 box vectors); no lane rearranges or blends in the
 * kernels (their stores were not intrinsified in the kernels' context, allocating).
 */
final class VectorDenseKernels extends DenseLayerKernels {
  /**
   * System property: {@code 256} or {@code 128} forces that vector size where a wider one would
   * be chosen (values wider than the hardware's are ignored).
   */
  static final String BITS_PROPERTY = "deltac.vector.bits";

  /**
   * One species for every kernel: 512 bits where the hardware prefers them, else 256. Mixing two
   * shapes in one JVM pollutes the type profiles inside the Vector API, after which C2 stops
   * intrinsifying some operations and the kernels box vectors (measured: forward and weight
   * gradient 2x slower, allocating, once 256-bit forwards ran next to 512-bit gradients).
   */
  private static final VectorSpecies<Float> S = species(System.getProperty(BITS_PROPERTY));
  private static final int L = S.length();
  private static final int L2 = 2 * L;
  private static final int L3 = 3 * L;
  /** Partial sums per forward dot product, whatever {@code L}: fixes the summation order. */
  static final int P = 16;

  VectorDenseKernels() {}

  /** The species every vector kernel uses (one shape per JVM; see {@link #S}). */
  static VectorSpecies<Float> species() {
    return S;
  }

  private static VectorSpecies<Float> species(String bits) {
    int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    String b = bits == null ? "" : bits.trim();
    if (b.equals("128") && preferred >= 128) return FloatVector.SPECIES_128;
    if (b.equals("256") && preferred >= 256) return FloatVector.SPECIES_256;
    if (preferred >= 512) return FloatVector.SPECIES_512;
    return FloatVector.SPECIES_256;
  }

  /**
   * True when the platform runs 256-bit float vectors in hardware rather than emulating them, or
   * 128-bit ones when {@code -Ddeltac.vector.bits=128} asks for them.
   */
  static boolean hardwareSupported() {
    int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    String bits = System.getProperty(BITS_PROPERTY);
    return preferred >= 256
        || (preferred >= 128 && bits != null && bits.trim().equals("128"));
  }

  @Override
  public String name() {
    return "vector-" + S.vectorBitSize();
  }

  /**
   * Sum of the {@value #P} partials {@code t0 .. t15} of one dot product in the fixed tree
   * {@code s_l = t_l + t_(l+8)} ({@code l < 8}), {@code r_l = s_l + s_(l+4)},
   * {@code u_l = r_l + r_(l+2)}, {@code u_0 + u_1}: halving, so that its first levels run on
   * whole vectors at 256 and 128 bits ({@link #fold}; {@code t} then holds {@code s} or
   * {@code r} at {@code o}) and the rest here on scalars. The kernels store accumulators and
   * sum them here rather than extracting lanes: no vector crosses a method boundary (a vector
   * passed to a method C2 does not inline is boxed), and scalar loads are cheaper than lane
   * extractions.
   */
  private static float lanes(float[] t, int o) {
    if (L == 4) return (t[o] + t[o + 2]) + (t[o + 1] + t[o + 3]);
    if (L == 8) {
      return ((t[o] + t[o + 4]) + (t[o + 2] + t[o + 6]))
          + ((t[o + 1] + t[o + 5]) + (t[o + 3] + t[o + 7]));
    }
    return (((t[o] + t[o + 8]) + (t[o + 4] + t[o + 12]))
        + ((t[o + 2] + t[o + 10]) + (t[o + 6] + t[o + 14])))
        + (((t[o + 1] + t[o + 9]) + (t[o + 5] + t[o + 13]))
        + ((t[o + 3] + t[o + 11]) + (t[o + 7] + t[o + 15])));
  }

  private static float bias(float[] bias, int i) {
    return bias == null ? 0f : bias[i];
  }

  // ---------------------------------------------------------------------------------- forward

  @Override
  void forwardKernel(int batch, int m, int n, float[][] w, float[] bias,
      float[] x, int xOff, int xStride, float[] y, int yOff, int yStride) {
    int nv = n - n % P;
    int b4 = batch - batch % 4;
    // Inside a data-parallel step (a SharedPacking cache) W^T is packed once for the whole
    // batch, which costs less than packing every shard's X^T: AVX2, 4 x 128x784@64 against one
    // 128x784@256, 1.07-1.12x -> 0.97-1.00x (session 6, helper threads; at 512 bits no
    // difference either way by ShardCostReport, helper dense).
    int bx = xPackedPays(b4, m, nv) && SharedPacking.current() == null ? b4 - b4 % TP : 0;
    // At 512 bits a large rest (b4 - bx samples through the dot products, at about 45% of the
    // peak) cost more than the packed X^T saved: the whole batch through a packed W^T instead
    // (256x256@63: 1.04-1.36x slower split).
    if (L == P && b4 - bx >= 8 && packedPays(b4, n)) bx = 0;
    // Samples below bx through a packed X^T; the other rows and samples as before. Every
    // element has the same bits whichever kernel computes it. At 512 bits 64-sample panels of
    // 6 rows x 4 vectors (24 accumulators of the 32 registers) first, then a 32-sample panel
    // of 8 rows x 2 vectors; below 512 bits 2-vector panels of 6 rows (12 accumulators, 15 of
    // AVX2's 16 registers).
    int b64 = L == P && bx >= 2 * TP ? bx - bx % (2 * TP) : 0;
    if (b64 > 0) forwardX(0, b64, 6, 4, m, n, nv, w, bias, x, xOff, xStride, y, yOff, yStride);
    if (bx > b64) {
      forwardX(b64, bx, L == P ? 8 : 6, 2, m, n, nv, w, bias, x, xOff, xStride, y, yOff,
          yStride);
    }
    forwardRows(b4 - bx, 0, m, n, nv, w, bias, x, xOff + bx * xStride, xStride, y,
        yOff + bx * yStride, yStride);
    float[] t = PACKED.get()[1]; // 12 stored accumulators of 16 partials for the sums
    // The last batch % 4 samples, one at a time: 8 rows per pass (6 x 2 halves at 256 bits),
    // so that 8 or 12 independent FMA chains hide the FMA latency (a 1-sample x 3-row block was
    // latency bound). Every element
    // is still the same 16 partials, the fixed tree and the tail: the same bits as in the
    // 4-sample blocks.
    for (int b = b4; b < batch; b++) {
      int p = xOff + b * xStride;
      int yo = yOff + b * yStride;
      int r = 0;
      if (L == 8) {
        for (; r + 6 <= m; r += 6) forward1x6w(n, nv, w, bias, r, x, p, y, yo, t);
      } else {
        for (; r + 8 <= m; r += 8) forward1x8(n, nv, w, bias, r, x, p, y, yo, t);
      }
      for (; r < m; r++) y[yo + r] = bias(bias, r) + dot(n, nv, w[r], x, p, t);
    }
  }

  /**
   * Rows {@code i0 .. m} of the 4-sample blocks ({@code b4 % 4 == 0}): through a packed
   * {@code W^T} where {@link #packedPays}, else dot products.
   */
  private static void forwardRows(int b4, int i0, int m, int n, int nv, float[][] w,
      float[] bias, float[] x, int xOff, int xStride, float[] y, int yOff, int yStride) {
    float[] t = PACKED.get()[1];
    int i = i0;
    if ((packedPays(b4, n) || b4 >= SHARED_MIN_BATCH && SharedPacking.current() != null)
        && nv > 0) {
      i = m - (m - i0) % TP;
      if (i > i0) forwardPacked(b4, i0, i, n, nv, w, bias, x, xOff, xStride, y, yOff, yStride);
      if (partialPanelPays(m - i, nv)) {
        forwardPackedPartial(b4, i, m, n, nv, w, bias, x, xOff, xStride, y, yOff, yStride);
        i = m;
      }
    }
    if (L < P) {
      for (; i + 6 <= m; i += 6) {
        for (int b = 0; b < b4; b += 2) {
          forward2x6Passes(n, nv, w, bias, i, x, xOff + b * xStride, xStride, y,
              yOff + b * yStride, yStride, t);
        }
      }
    }
    for (; i + 3 <= m; i += 3) {
      for (int b = 0; b < b4; b += 4) {
        if (L == P) {
          forward4x3(n, nv, w, bias, i, x, xOff + b * xStride, xStride, y, yOff + b * yStride,
              yStride, t);
        } else {
          forward4x3Passes(n, nv, w, bias, i, x, xOff + b * xStride, xStride, y,
              yOff + b * yStride, yStride, t);
        }
      }
    }
    for (; i < m; i++) {
      for (int b = 0; b < b4; b += 4) {
        forward4x1(n, nv, w[i], bias(bias, i), x, xOff + b * xStride, xStride, y,
            yOff + b * yStride + i, yStride, t);
      }
    }
  }

  /**
   * 4 samples x 3 rows at 512 bits: one accumulator holds an element's 16 partials, one pass
   * (the 12 accumulators use 16 of the 32 registers).
   */
  private static void forward4x3(int n, int nv, float[][] w, float[] bias, int i,
      float[] x, int xo, int xs, float[] y, int yo, int ys, float[] t) {
    float[] w0 = w[i];
    float[] w1 = w[i + 1];
    float[] w2 = w[i + 2];
    int p0 = xo;
    int p1 = xo + xs;
    int p2 = p1 + xs;
    int p3 = p2 + xs;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
    for (int j = 0; j < nv; j += P) {
      FloatVector v0 = FloatVector.fromArray(S, w0, j);
      FloatVector v1 = FloatVector.fromArray(S, w1, j);
      FloatVector v2 = FloatVector.fromArray(S, w2, j);
      FloatVector u = FloatVector.fromArray(S, x, p0 + j);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      a02 = v2.fma(u, a02);
      u = FloatVector.fromArray(S, x, p1 + j);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      a12 = v2.fma(u, a12);
      u = FloatVector.fromArray(S, x, p2 + j);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      a22 = v2.fma(u, a22);
      u = FloatVector.fromArray(S, x, p3 + j);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      a32 = v2.fma(u, a32);
    }
    a00.intoArray(t, 0);
    a01.intoArray(t, 1 * P);
    a02.intoArray(t, 2 * P);
    a10.intoArray(t, 3 * P);
    a11.intoArray(t, 4 * P);
    a12.intoArray(t, 5 * P);
    a20.intoArray(t, 6 * P);
    a21.intoArray(t, 7 * P);
    a22.intoArray(t, 8 * P);
    a30.intoArray(t, 9 * P);
    a31.intoArray(t, 10 * P);
    a32.intoArray(t, 11 * P);
    float b0 = bias(bias, i);
    float b1 = bias(bias, i + 1);
    float b2 = bias(bias, i + 2);
    int q = yo + i;
    y[q] = b0 + tail(lanes(t, 0), n, nv, w0, x, p0);
    y[q + 1] = b1 + tail(lanes(t, 1 * P), n, nv, w1, x, p0);
    y[q + 2] = b2 + tail(lanes(t, 2 * P), n, nv, w2, x, p0);
    q += ys;
    y[q] = b0 + tail(lanes(t, 3 * P), n, nv, w0, x, p1);
    y[q + 1] = b1 + tail(lanes(t, 4 * P), n, nv, w1, x, p1);
    y[q + 2] = b2 + tail(lanes(t, 5 * P), n, nv, w2, x, p1);
    q += ys;
    y[q] = b0 + tail(lanes(t, 6 * P), n, nv, w0, x, p2);
    y[q + 1] = b1 + tail(lanes(t, 7 * P), n, nv, w1, x, p2);
    y[q + 2] = b2 + tail(lanes(t, 8 * P), n, nv, w2, x, p2);
    q += ys;
    y[q] = b0 + tail(lanes(t, 9 * P), n, nv, w0, x, p3);
    y[q + 1] = b1 + tail(lanes(t, 10 * P), n, nv, w1, x, p3);
    y[q + 2] = b2 + tail(lanes(t, 11 * P), n, nv, w2, x, p3);
  }

  /**
   * 4 samples x 3 rows below 512 bits, in {@code 16 / L} passes ({@link #forward4x3Pass}), then
   * {@link #fold} and the tree of {@link #lanes} per element, the tail and the bias. The
   * second pass re-reads the block's rows from L1 instead of holding 24 accumulators (AVX2 has
   * 16 registers). A one-pass 2 samples x 3 rows x 2 halves block (12 accumulators, 10 loads
   * per 12 FMAs) was tried under {@code -XX:UseAVX=2}: 1.3x slower at {@code 128 x 784 @ 32}.
   */
  private static void forward4x3Passes(int n, int nv, float[][] w, float[] bias, int i,
      float[] x, int xo, int xs, float[] y, int yo, int ys, float[] t) {
    float[] w0 = w[i];
    float[] w1 = w[i + 1];
    float[] w2 = w[i + 2];
    int p0 = xo;
    int p1 = xo + xs;
    int p2 = p1 + xs;
    int p3 = p2 + xs;
    forward4x3Pass(0, nv, w0, w1, w2, x, p0, p1, p2, p3, t);
    for (int h = L; h < P; h += L) forward4x3Pass(h, nv, w0, w1, w2, x, p0, p1, p2, p3, t);
    fold(t, 12);
    float b0 = bias(bias, i);
    float b1 = bias(bias, i + 1);
    float b2 = bias(bias, i + 2);
    int q = yo + i;
    y[q] = b0 + tail(lanes(t, 0), n, nv, w0, x, p0);
    y[q + 1] = b1 + tail(lanes(t, 1 * P), n, nv, w1, x, p0);
    y[q + 2] = b2 + tail(lanes(t, 2 * P), n, nv, w2, x, p0);
    q += ys;
    y[q] = b0 + tail(lanes(t, 3 * P), n, nv, w0, x, p1);
    y[q + 1] = b1 + tail(lanes(t, 4 * P), n, nv, w1, x, p1);
    y[q + 2] = b2 + tail(lanes(t, 5 * P), n, nv, w2, x, p1);
    q += ys;
    y[q] = b0 + tail(lanes(t, 6 * P), n, nv, w0, x, p2);
    y[q + 1] = b1 + tail(lanes(t, 7 * P), n, nv, w1, x, p2);
    y[q + 2] = b2 + tail(lanes(t, 8 * P), n, nv, w2, x, p2);
    q += ys;
    y[q] = b0 + tail(lanes(t, 9 * P), n, nv, w0, x, p3);
    y[q + 1] = b1 + tail(lanes(t, 10 * P), n, nv, w1, x, p3);
    y[q + 2] = b2 + tail(lanes(t, 11 * P), n, nv, w2, x, p3);
  }

  private static void forward2x6Passes(int n, int nv, float[][] w, float[] bias, int i,
      float[] x, int xo, int xs, float[] y, int yo, int ys, float[] t) {
    float[] w0 = w[i];
    float[] w1 = w[i + 1];
    float[] w2 = w[i + 2];
    float[] w3 = w[i + 3];
    float[] w4 = w[i + 4];
    float[] w5 = w[i + 5];
    int p0 = xo;
    int p1 = xo + xs;
    forward2x6Pass(0, nv, w0, w1, w2, w3, w4, w5, x, p0, p1, t);
    for (int h = L; h < P; h += L) forward2x6Pass(h, nv, w0, w1, w2, w3, w4, w5, x, p0, p1, t);
    fold(t, 12);
    int q = yo + i;
    y[q] = bias(bias, i) + tail(lanes(t, 0), n, nv, w0, x, p0);
    y[q + 1] = bias(bias, i + 1) + tail(lanes(t, 1 * P), n, nv, w1, x, p0);
    y[q + 2] = bias(bias, i + 2) + tail(lanes(t, 2 * P), n, nv, w2, x, p0);
    y[q + 3] = bias(bias, i + 3) + tail(lanes(t, 3 * P), n, nv, w3, x, p0);
    y[q + 4] = bias(bias, i + 4) + tail(lanes(t, 4 * P), n, nv, w4, x, p0);
    y[q + 5] = bias(bias, i + 5) + tail(lanes(t, 5 * P), n, nv, w5, x, p0);
    q += ys;
    y[q] = bias(bias, i) + tail(lanes(t, 6 * P), n, nv, w0, x, p1);
    y[q + 1] = bias(bias, i + 1) + tail(lanes(t, 7 * P), n, nv, w1, x, p1);
    y[q + 2] = bias(bias, i + 2) + tail(lanes(t, 8 * P), n, nv, w2, x, p1);
    y[q + 3] = bias(bias, i + 3) + tail(lanes(t, 9 * P), n, nv, w3, x, p1);
    y[q + 4] = bias(bias, i + 4) + tail(lanes(t, 10 * P), n, nv, w4, x, p1);
    y[q + 5] = bias(bias, i + 5) + tail(lanes(t, 11 * P), n, nv, w5, x, p1);
  }

  private static void forward2x6Pass(int h, int nv, float[] w0, float[] w1, float[] w2,
      float[] w3, float[] w4, float[] w5, float[] x, int p0, int p1, float[] t) {
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0;
    for (int j = h; j < nv; j += P) {
      FloatVector u = FloatVector.fromArray(S, x, p0 + j);
      FloatVector v = FloatVector.fromArray(S, x, p1 + j);
      FloatVector r = FloatVector.fromArray(S, w0, j);
      a0 = r.fma(u, a0);
      c0 = r.fma(v, c0);
      r = FloatVector.fromArray(S, w1, j);
      a1 = r.fma(u, a1);
      c1 = r.fma(v, c1);
      r = FloatVector.fromArray(S, w2, j);
      a2 = r.fma(u, a2);
      c2 = r.fma(v, c2);
      r = FloatVector.fromArray(S, w3, j);
      a3 = r.fma(u, a3);
      c3 = r.fma(v, c3);
      r = FloatVector.fromArray(S, w4, j);
      a4 = r.fma(u, a4);
      c4 = r.fma(v, c4);
      r = FloatVector.fromArray(S, w5, j);
      a5 = r.fma(u, a5);
      c5 = r.fma(v, c5);
    }
    a0.intoArray(t, h);
    a1.intoArray(t, 1 * P + h);
    a2.intoArray(t, 2 * P + h);
    a3.intoArray(t, 3 * P + h);
    a4.intoArray(t, 4 * P + h);
    a5.intoArray(t, 5 * P + h);
    c0.intoArray(t, 6 * P + h);
    c1.intoArray(t, 7 * P + h);
    c2.intoArray(t, 8 * P + h);
    c3.intoArray(t, 9 * P + h);
    c4.intoArray(t, 10 * P + h);
    c5.intoArray(t, 11 * P + h);
  }

  /**
   * One pass of {@link #forward4x3Passes}: the vectors at {@code j = h, h + 16, ...} into lanes
   * {@code h .. h + L} of the 12 stored accumulators of 16 partials at {@code t[16 k]}. Only
   * arrays and ints cross the call (a vector crossing it would be boxed if not inlined).
   */
  private static void forward4x3Pass(int h, int nv, float[] w0, float[] w1, float[] w2,
      float[] x, int p0, int p1, int p2, int p3, float[] t) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
    for (int j = h; j < nv; j += P) {
      FloatVector v0 = FloatVector.fromArray(S, w0, j);
      FloatVector v1 = FloatVector.fromArray(S, w1, j);
      FloatVector v2 = FloatVector.fromArray(S, w2, j);
      FloatVector u = FloatVector.fromArray(S, x, p0 + j);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      a02 = v2.fma(u, a02);
      u = FloatVector.fromArray(S, x, p1 + j);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      a12 = v2.fma(u, a12);
      u = FloatVector.fromArray(S, x, p2 + j);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      a22 = v2.fma(u, a22);
      u = FloatVector.fromArray(S, x, p3 + j);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      a32 = v2.fma(u, a32);
    }
    a00.intoArray(t, h);
    a01.intoArray(t, 1 * P + h);
    a02.intoArray(t, 2 * P + h);
    a10.intoArray(t, 3 * P + h);
    a11.intoArray(t, 4 * P + h);
    a12.intoArray(t, 5 * P + h);
    a20.intoArray(t, 6 * P + h);
    a21.intoArray(t, 7 * P + h);
    a22.intoArray(t, 8 * P + h);
    a30.intoArray(t, 9 * P + h);
    a31.intoArray(t, 10 * P + h);
    a32.intoArray(t, 11 * P + h);
  }

  /** 1 sample x 8 rows: one pass at 512 bits, else {@code 16 / L} as {@link #forward4x3Passes}. */
  private static void forward1x8(int n, int nv, float[][] w, float[] bias, int i,
      float[] x, int p, float[] y, int yo, float[] t) {
    float[] w0 = w[i];
    float[] w1 = w[i + 1];
    float[] w2 = w[i + 2];
    float[] w3 = w[i + 3];
    float[] w4 = w[i + 4];
    float[] w5 = w[i + 5];
    float[] w6 = w[i + 6];
    float[] w7 = w[i + 7];
    if (L == P) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
      for (int j = 0; j < nv; j += P) {
        FloatVector u = FloatVector.fromArray(S, x, p + j);
        a0 = FloatVector.fromArray(S, w0, j).fma(u, a0);
        a1 = FloatVector.fromArray(S, w1, j).fma(u, a1);
        a2 = FloatVector.fromArray(S, w2, j).fma(u, a2);
        a3 = FloatVector.fromArray(S, w3, j).fma(u, a3);
        a4 = FloatVector.fromArray(S, w4, j).fma(u, a4);
        a5 = FloatVector.fromArray(S, w5, j).fma(u, a5);
        a6 = FloatVector.fromArray(S, w6, j).fma(u, a6);
        a7 = FloatVector.fromArray(S, w7, j).fma(u, a7);
      }
      a0.intoArray(t, 0);
      a1.intoArray(t, 1 * P);
      a2.intoArray(t, 2 * P);
      a3.intoArray(t, 3 * P);
      a4.intoArray(t, 4 * P);
      a5.intoArray(t, 5 * P);
      a6.intoArray(t, 6 * P);
      a7.intoArray(t, 7 * P);
    } else {
      for (int h = 0; h < P; h += L) {
        forward1x8Pass(h, nv, w0, w1, w2, w3, w4, w5, w6, w7, x, p, t);
      }
      fold(t, 8);
    }
    int q = yo + i;
    y[q] = bias(bias, i) + tail(lanes(t, 0), n, nv, w0, x, p);
    y[q + 1] = bias(bias, i + 1) + tail(lanes(t, 1 * P), n, nv, w1, x, p);
    y[q + 2] = bias(bias, i + 2) + tail(lanes(t, 2 * P), n, nv, w2, x, p);
    y[q + 3] = bias(bias, i + 3) + tail(lanes(t, 3 * P), n, nv, w3, x, p);
    y[q + 4] = bias(bias, i + 4) + tail(lanes(t, 4 * P), n, nv, w4, x, p);
    y[q + 5] = bias(bias, i + 5) + tail(lanes(t, 5 * P), n, nv, w5, x, p);
    y[q + 6] = bias(bias, i + 6) + tail(lanes(t, 6 * P), n, nv, w6, x, p);
    y[q + 7] = bias(bias, i + 7) + tail(lanes(t, 7 * P), n, nv, w7, x, p);
  }

  private static void forward1x8Pass(int h, int nv, float[] w0, float[] w1, float[] w2,
      float[] w3, float[] w4, float[] w5, float[] w6, float[] w7, float[] x, int p, float[] t) {
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (int j = h; j < nv; j += P) {
      FloatVector u = FloatVector.fromArray(S, x, p + j);
      a0 = FloatVector.fromArray(S, w0, j).fma(u, a0);
      a1 = FloatVector.fromArray(S, w1, j).fma(u, a1);
      a2 = FloatVector.fromArray(S, w2, j).fma(u, a2);
      a3 = FloatVector.fromArray(S, w3, j).fma(u, a3);
      a4 = FloatVector.fromArray(S, w4, j).fma(u, a4);
      a5 = FloatVector.fromArray(S, w5, j).fma(u, a5);
      a6 = FloatVector.fromArray(S, w6, j).fma(u, a6);
      a7 = FloatVector.fromArray(S, w7, j).fma(u, a7);
    }
    a0.intoArray(t, h);
    a1.intoArray(t, 1 * P + h);
    a2.intoArray(t, 2 * P + h);
    a3.intoArray(t, 3 * P + h);
    a4.intoArray(t, 4 * P + h);
    a5.intoArray(t, 5 * P + h);
    a6.intoArray(t, 6 * P + h);
    a7.intoArray(t, 7 * P + h);
  }

  /**
   * 1 sample x 6 rows at 256 bits in one pass: both halves of each row's 16 partials in
   * registers (12 accumulators, 15 registers with the operands: AVX2 has 16), their sum stored
   * folded. A single sample is bound by streaming {@code W} from L2: two passes over half cache
   * lines each ({@link #forward1x8}) were 1.5x slower at {@code 128 x 784}, and 4 rows at a time
   * 1.3x slower, than main's 8 rows of one 8-lane accumulator each.
   */
  private static void forward1x6w(int n, int nv, float[][] w, float[] bias, int i,
      float[] x, int p, float[] y, int yo, float[] t) {
    float[] w0 = w[i];
    float[] w1 = w[i + 1];
    float[] w2 = w[i + 2];
    float[] w3 = w[i + 3];
    float[] w4 = w[i + 4];
    float[] w5 = w[i + 5];
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0;
    for (int j = 0; j < nv; j += P) {
      FloatVector u = FloatVector.fromArray(S, x, p + j);
      FloatVector v = FloatVector.fromArray(S, x, p + j + L);
      a0 = FloatVector.fromArray(S, w0, j).fma(u, a0);
      c0 = FloatVector.fromArray(S, w0, j + L).fma(v, c0);
      a1 = FloatVector.fromArray(S, w1, j).fma(u, a1);
      c1 = FloatVector.fromArray(S, w1, j + L).fma(v, c1);
      a2 = FloatVector.fromArray(S, w2, j).fma(u, a2);
      c2 = FloatVector.fromArray(S, w2, j + L).fma(v, c2);
      a3 = FloatVector.fromArray(S, w3, j).fma(u, a3);
      c3 = FloatVector.fromArray(S, w3, j + L).fma(v, c3);
      a4 = FloatVector.fromArray(S, w4, j).fma(u, a4);
      c4 = FloatVector.fromArray(S, w4, j + L).fma(v, c4);
      a5 = FloatVector.fromArray(S, w5, j).fma(u, a5);
      c5 = FloatVector.fromArray(S, w5, j + L).fma(v, c5);
    }
    a0.add(c0).intoArray(t, 0);
    a1.add(c1).intoArray(t, 1 * P);
    a2.add(c2).intoArray(t, 2 * P);
    a3.add(c3).intoArray(t, 3 * P);
    a4.add(c4).intoArray(t, 4 * P);
    a5.add(c5).intoArray(t, 5 * P);
    int q = yo + i;
    y[q] = bias(bias, i) + tail(lanes(t, 0), n, nv, w0, x, p);
    y[q + 1] = bias(bias, i + 1) + tail(lanes(t, 1 * P), n, nv, w1, x, p);
    y[q + 2] = bias(bias, i + 2) + tail(lanes(t, 2 * P), n, nv, w2, x, p);
    y[q + 3] = bias(bias, i + 3) + tail(lanes(t, 3 * P), n, nv, w3, x, p);
    y[q + 4] = bias(bias, i + 4) + tail(lanes(t, 4 * P), n, nv, w4, x, p);
    y[q + 5] = bias(bias, i + 5) + tail(lanes(t, 5 * P), n, nv, w5, x, p);
  }

  /** One weight row against 4 samples; writes {@code y[q + k * ys]} for k < 4. */
  private static void forward4x1(int n, int nv, float[] w0, float bias0,
      float[] x, int xo, int xs, float[] y, int q, int ys, float[] t) {
    int p0 = xo;
    int p1 = xo + xs;
    int p2 = p1 + xs;
    int p3 = p2 + xs;
    forward4x1Pass(0, nv, w0, x, p0, p1, p2, p3, t);
    for (int h = L; h < P; h += L) forward4x1Pass(h, nv, w0, x, p0, p1, p2, p3, t);
    fold(t, 4);
    y[q] = bias0 + tail(lanes(t, 0), n, nv, w0, x, p0);
    y[q + ys] = bias0 + tail(lanes(t, 1 * P), n, nv, w0, x, p1);
    y[q + 2 * ys] = bias0 + tail(lanes(t, 2 * P), n, nv, w0, x, p2);
    y[q + 3 * ys] = bias0 + tail(lanes(t, 3 * P), n, nv, w0, x, p3);
  }

  private static void forward4x1Pass(int h, int nv, float[] w0, float[] x, int p0, int p1,
      int p2, int p3, float[] t) {
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0, a2 = a0, a3 = a0;
    for (int j = h; j < nv; j += P) {
      FloatVector v = FloatVector.fromArray(S, w0, j);
      a0 = v.fma(FloatVector.fromArray(S, x, p0 + j), a0);
      a1 = v.fma(FloatVector.fromArray(S, x, p1 + j), a1);
      a2 = v.fma(FloatVector.fromArray(S, x, p2 + j), a2);
      a3 = v.fma(FloatVector.fromArray(S, x, p3 + j), a3);
    }
    a0.intoArray(t, h);
    a1.intoArray(t, 1 * P + h);
    a2.intoArray(t, 2 * P + h);
    a3.intoArray(t, 3 * P + h);
  }

  private static float dot(int n, int nv, float[] w0, float[] x, int p, float[] t) {
    for (int h = 0; h < P; h += L) {
      FloatVector a = FloatVector.zero(S);
      for (int j = h; j < nv; j += P) {
        a = FloatVector.fromArray(S, w0, j).fma(FloatVector.fromArray(S, x, p + j), a);
      }
      a.intoArray(t, h);
    }
    fold(t, 1);
    return tail(lanes(t, 0), n, nv, w0, x, p);
  }

  /**
   * The first levels of the tree of {@link #lanes} that run across stored vectors, for
   * {@code count} accumulators of 16 partials at {@code t[16 k]}: at 256 bits
   * {@code s = lo + hi} (partial {@code l} plus partial {@code l + 8}), at 128 bits also
   * {@code s[0..3] + s[4..7]}; the result is stored at {@code t[16 k]}. Nothing at 512 bits.
   */
  private static void fold(float[] t, int count) {
    if (L == 16) return;
    for (int k = 0, o = 0; k < count; k++, o += P) {
      if (L == 8) {
        FloatVector.fromArray(S, t, o).add(FloatVector.fromArray(S, t, o + 8)).intoArray(t, o);
      } else {
        FloatVector.fromArray(S, t, o).add(FloatVector.fromArray(S, t, o + 8))
            .add(FloatVector.fromArray(S, t, o + 4).add(FloatVector.fromArray(S, t, o + 12)))
            .intoArray(t, o);
      }
    }
  }

  /** {@code s} plus the columns {@code nv <= j < n}, by sequential FMA. */
  private static float tail(float s, int n, int nv, float[] w0, float[] x, int p) {
    for (int j = nv; j < n; j++) s = Math.fma(w0[j], x[p + j], s);
    return s;
  }

  // ------------------------------------------------------------- forward through packed W^T

  /**
   * Whether {@code batch} samples amortize packing {@code W^T} (about 0.43 ns per weight). The
   * packed kernel saves mostly the dot products' lane sums, one per output, so the saving per
   * sample shrinks relative to the packing as {@code n} grows. Measured crossovers (512 bits):
   * between 32 and 64 samples at {@code n = 256}, between 64 and 128 at {@code n = 784}.
   */
  static boolean packedPays(int batch, int n) {
    return batch >= 32 && (L < P || 7 * batch >= n);
  }

  /**
   * Samples from which a shard takes the packed forward when a {@link SharedPacking} cache
   * amortizes the packing over the whole batch (the packed and dot product kernels give the same
   * bits, so the choice is free).
   */
  static final int SHARED_MIN_BATCH = 16;
  /** Output columns per packed panel: two vectors. */
  private static final int TP = 2 * L;

  /**
   * Per-thread scratch: [0] one packed panel of {@code W^T}, [1] the partial-class sums of the
   * packed forward ({@code 12 * L} floats, up to 12 output vectors, per pair of classes
   * {@code l}, {@code l + 8}; after the first {@code 8 * 8 * L}, the 4 x {@code TP} results of
   * a zero-padded panel) and the 12 stored accumulators of the dot product kernels
   * ({@code 12 * P}), [2] the packed {@code X^T} panels, [3] one output vector, [4] a zero row
   * and [5] the padded bias of a zero-padded panel.
   */
  private static final ThreadLocal<float[][]> PACKED = ThreadLocal.withInitial(
      () -> new float[][] {new float[0],
          new float[Math.max(Math.max((P / 2) * 24 * L, 8 * 8 * L + 4 * TP), 12 * P)],
          new float[0], new float[0], new float[0], new float[0]});

  /**
   * The forward of the 4-sample blocks ({@code batch % 4 == 0}) for rows {@code i < mp}
   * ({@code mp % TP == 0}) as broadcast products on a packed {@code W^T}: vectors run along
   * the outputs {@code i}, so no lane sums are needed. The result has the same bits as the dot
   * product kernels: those sum, in partial {@code l}, the terms {@code j = l, l + 16, ...} below
   * {@code nv} in order; then add the 16 partials in a fixed tree, then the tail columns by FMA,
   * then the bias. Here every partial class {@code l} is one pass of FMA chains over the same
   * terms in the same order, and the 16 partial results of an element are added in the same
   * tree, followed by the same tail and bias. The price is a store and a load per partial: at
   * {@code n = 256} the chains are only 16 FMAs long.
   *
   * <p>Each panel of {@code TP} rows of {@code W} is packed as {@code n} rows of {@code TP}
   * floats, class-major ({@code j = 16k + l} at float {@code l * classStride + k * TP},
   * {@code k < nv / 16}), then the tail columns; every sample block then streams it.
   */
  private static void forwardPacked(int batch, int i0, int mp, int n, int nv, float[][] w,
      float[] bias, float[] x, int xOff, int xs, float[] y, int yOff, int ys) {
    float[][] scratch = PACKED.get();
    int k8 = nv / P;
    int cs = classStride(k8);
    int size = P * cs + (n - nv) * TP;
    float[] part = scratch[1];
    SharedPacking shared = SharedPacking.current();
    if (shared != null && i0 == 0) { // the cache's panel p holds rows p * TP .. p * TP + TP
      forwardShared(shared, batch, mp, n, nv, k8, cs, size, w, bias, x, xOff, xs, y, yOff, ys);
      return;
    }
    if (scratch[0].length < size) scratch[0] = new float[size];
    float[] wt = scratch[0];
    for (int i = i0; i < mp; i += TP) {
      pack(n, nv, k8, cs, w, i, wt, 0);
      forwardPanel(batch, i, n, nv, k8, cs, wt, 0, bias, x, xOff, xs, y, yOff, ys, part);
    }
  }

  /**
   * {@link #forwardPacked} on the panels of a {@link SharedPacking} cache: each panel is packed
   * once per step by the first thread that needs it. Panels another thread is packing are done
   * last; one still not ready after a short spin is packed privately.
   */
  private static void forwardShared(SharedPacking shared, int batch, int mp, int n, int nv,
      int k8, int cs, int size, float[][] w, float[] bias, float[] x, int xOff, int xs,
      float[] y, int yOff, int ys) {
    float[][] scratch = PACKED.get();
    float[] part = scratch[1];
    int panels = mp / TP;
    SharedPacking.Entry e = shared.entry(w, panels, size);
    int g = shared.generation();
    float[] wt = e.packed;
    long waiting = 0; // panels < 64 another thread was packing
    for (int p = 0; p < panels; p++) {
      int s = e.state.get(p);
      if (s != g) {
        if (s != -g && e.state.compareAndSet(p, s, -g)) {
          pack(n, nv, k8, cs, w, p * TP, wt, p * size);
          e.state.set(p, g);
        } else if (p < 64) {
          waiting |= 1L << p;
          continue;
        } else {
          forwardPrivate(batch, p * TP, n, nv, k8, cs, size, w, bias, x, xOff, xs, y, yOff, ys);
          continue;
        }
      }
      forwardPanel(batch, p * TP, n, nv, k8, cs, wt, p * size, bias, x, xOff, xs, y, yOff, ys,
          part);
    }
    for (; waiting != 0; waiting &= waiting - 1) {
      int p = Long.numberOfTrailingZeros(waiting);
      long deadline = System.nanoTime() + SharedPacking.SPIN_NANOS;
      while (e.state.get(p) != g && System.nanoTime() < deadline) Thread.onSpinWait();
      if (e.state.get(p) == g) {
        forwardPanel(batch, p * TP, n, nv, k8, cs, wt, p * size, bias, x, xOff, xs, y, yOff, ys,
            part);
      } else {
        forwardPrivate(batch, p * TP, n, nv, k8, cs, size, w, bias, x, xOff, xs, y, yOff, ys);
      }
    }
  }

  /** One panel packed into this thread's scratch, then multiplied. */
  private static void forwardPrivate(int batch, int i, int n, int nv, int k8, int cs, int size,
      float[][] w, float[] bias, float[] x, int xOff, int xs, float[] y, int yOff, int ys) {
    float[][] scratch = PACKED.get();
    if (scratch[0].length < size) scratch[0] = new float[size];
    pack(n, nv, k8, cs, w, i, scratch[0], 0);
    forwardPanel(batch, i, n, nv, k8, cs, scratch[0], 0, bias, x, xOff, xs, y, yOff, ys,
        scratch[1]);
  }

  /** Outputs {@code i .. i + TP} of every 4-sample block from the panel packed at {@code wt[o]}. */
  private static void forwardPanel(int batch, int i, int n, int nv, int k8, int cs, float[] wt,
      int o, float[] bias, float[] x, int xOff, int xs, float[] y, int yOff, int ys,
      float[] part) {
    // Below 512 bits: 6-sample blocks first (12 accumulators), as many as leave a multiple of
    // 4 samples for the 4-sample blocks (an even number of them).
    int b6 = L < P ? 6 * ((batch / 6) & ~1) : 0;
    for (int b = 0; b < b6; b += 6) { // AVX2's 16 registers: 12 accumulators, 3 operands
      int xo = xOff + b * xs;
      for (int l = 0; l < P; l++) forwardClass6x2(nv, o + l * cs, l, wt, x, xo, xs, part);
      int yo = yOff + b * ys + i;
      for (int slot = 0; slot < 12; slot++) {
        finish(slot, 12, n, nv, o + P * cs, wt, part, bias, i, x, xo + (slot >> 1) * xs,
            y, yo + (slot >> 1) * ys);
      }
    }
    for (int b = b6; b < batch; b += 4) {
      int xo = xOff + b * xs;
      forwardClasses(k8, nv, o, cs, wt, x, xo, xs, part);
      int yo = yOff + b * ys + i;
      for (int slot = 0; slot < 8; slot++) {
        finish(slot, 8, n, nv, o + P * cs, wt, part, bias, i, x, xo + (slot >> 1) * xs,
            y, yo + (slot >> 1) * ys);
      }
    }
  }

  /** The partial classes of one 4-sample block over a packed panel, into {@code part}. */
  private static void forwardClasses(int k8, int nv, int o, int cs, float[] wt, float[] x,
      int xo, int xs, float[] part) {
    if (L == 16) { // 32 registers: two classes per pass, 16 accumulators
      for (int l = 0; l < P / 2; l++) {
        forwardClassPair4x2(k8, o + l * cs, o + (l + P / 2) * cs, l, wt, x, xo, xs, part);
      }
    } else { // AVX2's 16 registers: one class per pass, 8 accumulators
      for (int l = 0; l < P; l++) forwardClass4x2(nv, o + l * cs, l, wt, x, xo, xs, part);
    }
  }

  /**
   * Whether the last {@code rest < TP} rows run as one zero-padded packed panel rather than
   * through the dot product kernels: when they fill at least half a panel and the rows are short
   * ({@code nv <= 64}), where the dot products' 16 stored partials and their lane sums cost more
   * than the FMAs (the words transformer's 27-class logits over 32 columns: the 4 x 3 dot kernel
   * was 6 % of its training step).
   */
  static boolean partialPanelPays(int rest, int nv) {
    return rest > 0 && 2 * rest >= TP && nv <= 4 * P;
  }

  /**
   * Rows {@code i .. m} ({@code m - i < TP}) of the forward through one packed panel padded with
   * zero rows: the same FMA chains, partial tree, tail and bias per element as
   * {@link #forwardPacked} (so the same bits as the dot products); each result vector goes to the
   * scratch and its first {@code m - i} lanes to {@code y}.
   */
  private static void forwardPackedPartial(int batch, int i, int m, int n, int nv, float[][] w,
      float[] bias, float[] x, int xOff, int xs, float[] y, int yOff, int ys) {
    float[][] scratch = PACKED.get();
    int k8 = nv / P;
    int cs = classStride(k8);
    int size = P * cs + (n - nv) * TP;
    if (scratch[0].length < size) scratch[0] = new float[size];
    if (scratch[4].length < n) scratch[4] = new float[n];
    if (scratch[5].length < TP) scratch[5] = new float[TP];
    float[] wt = scratch[0];
    float[] part = scratch[1];
    float[] zero = scratch[4];
    float[] pb = scratch[5];
    float[][] rows = ROWS.get();
    for (int c = 0; c < TP; c++) rows[c] = i + c < m ? w[i + c] : zero;
    int rest = m - i;
    for (int c = 0; c < TP; c++) pb[c] = c < rest && bias != null ? bias[i + c] : 0f;
    pack(n, nv, k8, cs, rows, 0, wt, 0);
    float[] out = part; // the 8 result vectors go after the partial sums' first 8 vectors
    int outOff = 8 * 8 * L;
    for (int b = 0; b < batch; b += 4) {
      int xo = xOff + b * xs;
      forwardClasses(k8, nv, 0, cs, wt, x, xo, xs, part);
      for (int slot = 0; slot < 8; slot++) {
        finish(slot, 8, n, nv, P * cs, wt, part, pb, 0, x, xo + (slot >> 1) * xs, out,
            outOff + (slot >> 1) * TP);
      }
      for (int k = 0; k < 4; k++) {
        System.arraycopy(out, outOff + k * TP, y, yOff + (b + k) * ys + i, rest);
      }
    }
    java.util.Arrays.fill(rows, null);
  }

  /** Per-thread row references of a zero-padded panel. */
  private static final ThreadLocal<float[][]> ROWS = ThreadLocal.withInitial(() -> new float[TP][]);

  /**
   * Floats between the packed rows of consecutive partial classes: {@code k8} rows of
   * {@code TP} plus one cache line, so that the classes' rows are not 4 KiB apart (at
   * {@code n = 256}, {@code L = 8} they were: L1 set conflicts made the packing twice as slow).
   */
  private static int classStride(int k8) {
    return k8 * TP + 16;
  }

  /**
   * Packs rows {@code i .. i + TP} of {@code W} transposed, in the class-major row order, eight
   * rows at a time, at {@code wt[o]}.
   */
  private static void pack(int n, int nv, int k8, int kt, float[][] w, int i, float[] wt,
      int o) {
    for (int c = 0; c < TP; c += 8) {
      pack8(k8, kt, TP, w[i + c], w[i + c + 1], w[i + c + 2], w[i + c + 3], w[i + c + 4],
          w[i + c + 5], w[i + c + 6], w[i + c + 7], 0, 0, wt, o + c);
    }
    for (int j = nv, q = o + P * kt; j < n; j++) {
      for (int c = 0; c < TP; c++, q++) wt[q] = w[i + c][j];
    }
  }

  /**
   * Eight rows of {@code W} (row {@code c} at {@code rc[ro + c * rs]}; {@code ro = rs = 0} for
   * {@code W}'s row arrays, one array and the sample stride for {@code X}): for each 16 columns {@code 16k .. 16k + 15}, loads from 8 row
   * segments and one run of 8 contiguous stores per partial class. About 0.43 ns per element
   * on the benchmark machine. Transposes in vector registers (lane rotations and blends) were
   * tried: 8 x 8 at 256 bits took half the time alone but allocated inside the kernels; 16 x 16
   * at 512 bits took 0.40 ns and allocated too.
   */
  private static void pack8(int k8, int kt, int tp, float[] r0, float[] r1, float[] r2, float[] r3,
      float[] r4, float[] r5, float[] r6, float[] r7, int ro, int rs, float[] wt, int q0) {
    for (int k = 0, s = ro, q = q0; k < k8; k++, s += P, q += tp) {
      for (int l = 0; l < P; l++) {
        int o = q + l * kt;
        int t = s + l;
        wt[o] = r0[t];
        wt[o + 1] = r1[t + rs];
        wt[o + 2] = r2[t + 2 * rs];
        wt[o + 3] = r3[t + 3 * rs];
        wt[o + 4] = r4[t + 4 * rs];
        wt[o + 5] = r5[t + 5 * rs];
        wt[o + 6] = r6[t + 6 * rs];
        wt[o + 7] = r7[t + 7 * rs];
      }
    }
  }

  /**
   * Partial classes {@code l} and {@code l + 8} ({@code l < 8}) for 4 samples x 2 vectors of
   * outputs: 16 FMA chains over the terms {@code j = 16k + l} and {@code 16k + l + 8}, and the
   * first level of the partials' tree (class {@code l} plus class {@code l + 8}, see
   * {@link #lanes}) in registers; the 8 sums are stored to {@code part} at
   * {@code (l * 8 + slot) * L}, slot = 2 * sample + vector.
   */
  private static void forwardClassPair4x2(int k8, int r0, int r1, int l, float[] wt, float[] x,
      int xo, int xs, float[] part) {
    int p1 = xo + xs;
    int p2 = p1 + xs;
    int p3 = p2 + xs;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    FloatVector c00 = a00, c01 = a00, c10 = a00, c11 = a00, c20 = a00, c21 = a00, c30 = a00;
    FloatVector c31 = a00;
    for (int k = 0, r = r0, q = r1, j = l; k < k8; k++, r += TP, q += TP, j += P) {
      FloatVector v0 = FloatVector.fromArray(S, wt, r);
      FloatVector v1 = FloatVector.fromArray(S, wt, r + L);
      FloatVector w0 = FloatVector.fromArray(S, wt, q);
      FloatVector w1 = FloatVector.fromArray(S, wt, q + L);
      FloatVector u = FloatVector.broadcast(S, x[xo + j]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      u = FloatVector.broadcast(S, x[xo + j + 8]);
      c00 = w0.fma(u, c00);
      c01 = w1.fma(u, c01);
      u = FloatVector.broadcast(S, x[p1 + j]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      u = FloatVector.broadcast(S, x[p1 + j + 8]);
      c10 = w0.fma(u, c10);
      c11 = w1.fma(u, c11);
      u = FloatVector.broadcast(S, x[p2 + j]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      u = FloatVector.broadcast(S, x[p2 + j + 8]);
      c20 = w0.fma(u, c20);
      c21 = w1.fma(u, c21);
      u = FloatVector.broadcast(S, x[p3 + j]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      u = FloatVector.broadcast(S, x[p3 + j + 8]);
      c30 = w0.fma(u, c30);
      c31 = w1.fma(u, c31);
    }
    int o = l * 8 * L;
    a00.add(c00).intoArray(part, o);
    a01.add(c01).intoArray(part, o + 1 * L);
    a10.add(c10).intoArray(part, o + 2 * L);
    a11.add(c11).intoArray(part, o + 3 * L);
    a20.add(c20).intoArray(part, o + 4 * L);
    a21.add(c21).intoArray(part, o + 5 * L);
    a30.add(c30).intoArray(part, o + 6 * L);
    a31.add(c31).intoArray(part, o + 7 * L);
  }

  /**
   * Partial class {@code l} for 4 samples x 2 vectors of outputs: 8 FMA chains over the terms
   * {@code j = 16k + l}. Classes {@code l >= 8} add their sums to class {@code l - 8}'s stored
   * ones (the first level of the tree, as {@link #forwardClassPair4x2} does in registers),
   * which are at {@code part[((l % 8) * 8 + slot) * L]}, slot = 2 * sample + vector.
   */
  private static void forwardClass4x2(int nv, int r0, int l, float[] wt, float[] x, int xo,
      int xs, float[] part) {
    int p1 = xo + xs;
    int p2 = p1 + xs;
    int p3 = p2 + xs;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    for (int j = l, r = r0; j < nv; j += P, r += TP) {
      FloatVector v0 = FloatVector.fromArray(S, wt, r);
      FloatVector v1 = FloatVector.fromArray(S, wt, r + L);
      FloatVector u = FloatVector.broadcast(S, x[xo + j]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      u = FloatVector.broadcast(S, x[p1 + j]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      u = FloatVector.broadcast(S, x[p2 + j]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      u = FloatVector.broadcast(S, x[p3 + j]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
    }
    int o = (l & 7) * 8 * L;
    if (l >= 8) {
      a00 = FloatVector.fromArray(S, part, o).add(a00);
      a01 = FloatVector.fromArray(S, part, o + L).add(a01);
      a10 = FloatVector.fromArray(S, part, o + 2 * L).add(a10);
      a11 = FloatVector.fromArray(S, part, o + 3 * L).add(a11);
      a20 = FloatVector.fromArray(S, part, o + 4 * L).add(a20);
      a21 = FloatVector.fromArray(S, part, o + 5 * L).add(a21);
      a30 = FloatVector.fromArray(S, part, o + 6 * L).add(a30);
      a31 = FloatVector.fromArray(S, part, o + 7 * L).add(a31);
    }
    a00.intoArray(part, o);
    a01.intoArray(part, o + L);
    a10.intoArray(part, o + 2 * L);
    a11.intoArray(part, o + 3 * L);
    a20.intoArray(part, o + 4 * L);
    a21.intoArray(part, o + 5 * L);
    a30.intoArray(part, o + 6 * L);
    a31.intoArray(part, o + 7 * L);
  }

  /**
   * Partial class {@code l} for 6 samples x 2 vectors of outputs (below 512 bits: 12
   * accumulators, 2 loaded vectors and 1 broadcast, 15 of AVX2's 16 registers; the 4 x 2 block
   * has only the 8 chains that two FMA pipes of latency 4 need, and stalls). The same chains
   * and the same first tree level as {@link #forwardClass4x2}, at
   * {@code part[((l % 8) * 12 + slot) * L]}.
   */
  private static void forwardClass6x2(int nv, int r0, int l, float[] wt, float[] x, int xo,
      int xs, float[] part) {
    int p1 = xo + xs;
    int p2 = p1 + xs;
    int p3 = p2 + xs;
    int p4 = p3 + xs;
    int p5 = p4 + xs;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    FloatVector a40 = a00, a41 = a00, a50 = a00, a51 = a00;
    for (int j = l, r = r0; j < nv; j += P, r += TP) {
      FloatVector v0 = FloatVector.fromArray(S, wt, r);
      FloatVector v1 = FloatVector.fromArray(S, wt, r + L);
      FloatVector u = FloatVector.broadcast(S, x[xo + j]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      u = FloatVector.broadcast(S, x[p1 + j]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      u = FloatVector.broadcast(S, x[p2 + j]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      u = FloatVector.broadcast(S, x[p3 + j]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      u = FloatVector.broadcast(S, x[p4 + j]);
      a40 = v0.fma(u, a40);
      a41 = v1.fma(u, a41);
      u = FloatVector.broadcast(S, x[p5 + j]);
      a50 = v0.fma(u, a50);
      a51 = v1.fma(u, a51);
    }
    int o = (l & 7) * 12 * L;
    if (l >= 8) {
      a00 = FloatVector.fromArray(S, part, o).add(a00);
      a01 = FloatVector.fromArray(S, part, o + L).add(a01);
      a10 = FloatVector.fromArray(S, part, o + 2 * L).add(a10);
      a11 = FloatVector.fromArray(S, part, o + 3 * L).add(a11);
      a20 = FloatVector.fromArray(S, part, o + 4 * L).add(a20);
      a21 = FloatVector.fromArray(S, part, o + 5 * L).add(a21);
      a30 = FloatVector.fromArray(S, part, o + 6 * L).add(a30);
      a31 = FloatVector.fromArray(S, part, o + 7 * L).add(a31);
      a40 = FloatVector.fromArray(S, part, o + 8 * L).add(a40);
      a41 = FloatVector.fromArray(S, part, o + 9 * L).add(a41);
      a50 = FloatVector.fromArray(S, part, o + 10 * L).add(a50);
      a51 = FloatVector.fromArray(S, part, o + 11 * L).add(a51);
    }
    a00.intoArray(part, o);
    a01.intoArray(part, o + L);
    a10.intoArray(part, o + 2 * L);
    a11.intoArray(part, o + 3 * L);
    a20.intoArray(part, o + 4 * L);
    a21.intoArray(part, o + 5 * L);
    a30.intoArray(part, o + 6 * L);
    a31.intoArray(part, o + 7 * L);
    a40.intoArray(part, o + 8 * L);
    a41.intoArray(part, o + 9 * L);
    a50.intoArray(part, o + 10 * L);
    a51.intoArray(part, o + 11 * L);
  }

  /**
   * One vector of outputs ({@code slot}: sample {@code slot / 2}, vector {@code slot % 2}; a
   * block of {@code slots} vectors, 8 or 12): the 16 partial-class sums added in the tree of {@link #lanes} (whose first level, class
   * {@code l} plus class {@code l + 8}, is already done), the tail columns by FMA, then the
   * bias.
   */
  private static void finish(int slot, int slots, int n, int nv, int tailRow, float[] wt,
      float[] part, float[] bias, int i, float[] x, int p, float[] y, int q) {
    int o = slot * L;
    int c = slots * L;
    FloatVector p0 = FloatVector.fromArray(S, part, o);
    FloatVector p1 = FloatVector.fromArray(S, part, o + c);
    FloatVector p2 = FloatVector.fromArray(S, part, o + 2 * c);
    FloatVector p3 = FloatVector.fromArray(S, part, o + 3 * c);
    FloatVector p4 = FloatVector.fromArray(S, part, o + 4 * c);
    FloatVector p5 = FloatVector.fromArray(S, part, o + 5 * c);
    FloatVector p6 = FloatVector.fromArray(S, part, o + 6 * c);
    FloatVector p7 = FloatVector.fromArray(S, part, o + 7 * c);
    FloatVector s = p0.add(p4).add(p2.add(p6)).add(p1.add(p5).add(p3.add(p7)));
    int v = (slot & 1) * L;
    for (int j = nv, r = tailRow + v; j < n; j++, r += TP) {
      s = FloatVector.fromArray(S, wt, r).fma(FloatVector.broadcast(S, x[p + j]), s);
    }
    FloatVector b = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, i + v);
    b.add(s).intoArray(y, q + v);
  }

  // ------------------------------------------------------------- forward through packed X^T

  /**
   * Whether to pack {@code X^T} (vectors along the batch) rather than {@code W^T}: for at least
   * {@code TP} samples and no more samples than rows, packing the {@code B x n} inputs is
   * cheaper than packing the {@code m x n} weights (at {@code 128x784 @ 32} a quarter). Below
   * 512 bits 6-row x 2-vector blocks (12 accumulators in AVX2's 16 registers); at 512 bits
   * 6 x 4 on 64-sample panels and 8 x 2 on a 32-sample one.
   */
  static boolean xPackedPays(int b4, int m, int nv) {
    return nv > 0 && b4 >= TP && b4 <= m && m >= 6;
  }

  /**
   * Samples {@code b0 .. b1} ({@code (b1 - b0) % (v * L) == 0}): rows below {@code m - m % r}
   * through {@link #forwardPackedX} in blocks of {@code r} rows x {@code v} vectors of samples,
   * the other rows through {@link #forwardRows}.
   */
  private static void forwardX(int b0, int b1, int r, int v, int m, int n, int nv, float[][] w,
      float[] bias, float[] x, int xOff, int xs, float[] y, int yOff, int ys) {
    int mr = m - m % r;
    int xo = xOff + b0 * xs;
    int yo = yOff + b0 * ys;
    forwardPackedX(b1 - b0, mr, r, v, n, nv, w, bias, x, xo, xs, y, yo, ys);
    forwardRows(b1 - b0, mr, m, n, nv, w, bias, x, xo, xs, y, yo, ys);
  }

  /**
   * The forward of samples {@code 0 .. bx} ({@code bx % (v * L) == 0}) for rows {@code i < mr}
   * ({@code mr % r == 0}) as broadcast products on a packed {@code X^T}: vectors run along the
   * samples, {@code W}'s elements are broadcast. The same bits as the dot products, exactly as
   * {@link #forwardPacked} (one pass per partial class, the same tree, tail and bias), with
   * the roles of {@code W} and {@code X} exchanged; the results, one vector per row and
   * {@code L} samples, are stored to {@code Y} lane by lane. {@code X} is packed in panels of
   * {@code v * L} samples in {@code W^T}'s layout, all panels first; then every panel runs
   * over the row blocks (6 x 2 below 512 bits; at 512, 6 x 4 or 8 x 2).
   */
  private static void forwardPackedX(int bx, int mr, int r, int v, int n, int nv, float[][] w,
      float[] bias, float[] x, int xOff, int xs, float[] y, int yOff, int ys) {
    float[][] scratch = PACKED.get();
    int tp = v * L;
    int k8 = nv / P;
    int cs = k8 * tp + 16; // as classStride, for panels tp wide
    int panel = P * cs + (n - nv) * tp;
    int panels = bx / tp;
    if (scratch[2].length < panels * panel) scratch[2] = new float[panels * panel];
    float[] xt = scratch[2];
    float[] part = scratch[1];
    int ot = bx + 16; // out's rows, padded: 256-byte rows read down a column thrashed L1 sets
    if (scratch[3].length < mr * ot) scratch[3] = new float[mr * ot];
    float[] out = scratch[3];
    for (int q = 0; q < panels; q++) {
      int base = q * panel;
      int xo = xOff + q * tp * xs;
      for (int c = 0; c < tp; c += 8) {
        int o = xo + c * xs;
        pack8(k8, cs, tp, x, x, x, x, x, x, x, x, o, xs, xt, base + c);
      }
      for (int j = nv, e = base + P * cs; j < n; j++) {
        for (int c = 0; c < tp; c++, e++) xt[e] = x[xo + c * xs + j];
      }
    }
    int slots = r * v;
    // 512 bits: each panel over all row blocks (a 64-sample panel of n = 256 is 64 KB); below,
    // each row block over all panels (measured 3-5% faster under AVX2)
    int outer = L == P ? panels : mr / r;
    int inner = L == P ? mr / r : panels;
    for (int o1 = 0; o1 < outer; o1++) {
      for (int o2 = 0; o2 < inner; o2++) {
        int q = L == P ? o1 : o2;
        int i = (L == P ? o2 : o1) * r;
        int base = q * panel;
        if (v == 4) {
          for (int l = 0; l < P; l++) {
            forwardClassX6x4(k8, base + l * cs, l, w[i], w[i + 1], w[i + 2], w[i + 3],
                w[i + 4], w[i + 5], xt, part);
          }
        } else if (r == 8) {
          for (int l = 0; l < P; l++) {
            forwardClassX8x2(nv, base + l * cs, l, w[i], w[i + 1], w[i + 2], w[i + 3],
                w[i + 4], w[i + 5], w[i + 6], w[i + 7], xt, part);
          }
        } else {
          for (int l = 0; l < P; l++) {
            forwardClassX6x2(nv, base + l * cs, l, w[i], w[i + 1], w[i + 2], w[i + 3],
                w[i + 4], w[i + 5], xt, part);
          }
        }
        for (int slot = 0; slot < slots; slot++) {
          int row = slot / v;
          int vec = slot - row * v;
          finishX(slot, slots, tp, n, nv, base + P * cs + vec * L, xt, part, bias, i + row,
              w[i + row], out, (i + row) * ot + q * tp + vec * L);
        }
      }
    }
    // out holds the mr x bx results row-major (rows ot apart), long stored: one scalar store
    // per element of Y (read back lane by lane right after their vector stores, they stalled
    // on store forwarding)
    for (int b = 0, yo = yOff; b < bx; b++, yo += ys) {
      for (int i = 0, e = b; i < mr; i++, e += ot) y[yo + i] = out[e];
    }
  }

  /**
   * Partial class {@code l} for 6 rows x 4 vectors of samples (512 bits: 24 accumulators, 4
   * loaded vectors and 1 broadcast, 29 of the 32 registers; 4 loads and 6 broadcasts per 24
   * FMAs). Measured alone (compute only, {@code 256x256@64}): 193-208 GFLOP/s against 147-173
   * for 6 x 2, 159-177 for 8 x 2 and 168-178 for 12 x 2; two classes per pass (24
   * accumulators, 6 x 2 x 2) 148-161. Stored, with the first tree level for {@code l >= 8}, at
   * {@code part[((l % 8) * 24 + slot) * L]}, slot = 4 * row + vector.
   */
  private static void forwardClassX6x4(int k8, int r0, int l, float[] w0, float[] w1,
      float[] w2, float[] w3, float[] w4, float[] w5, float[] xt, float[] part) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00;
    FloatVector a33 = a00, a40 = a00, a41 = a00, a42 = a00, a43 = a00, a50 = a00, a51 = a00;
    FloatVector a52 = a00, a53 = a00;
    for (int k = 0, r = r0, j = l; k < k8; k++, r += 4 * L, j += P) {
      FloatVector v0 = FloatVector.fromArray(S, xt, r);
      FloatVector v1 = FloatVector.fromArray(S, xt, r + L);
      FloatVector v2 = FloatVector.fromArray(S, xt, r + 2 * L);
      FloatVector v3 = FloatVector.fromArray(S, xt, r + 3 * L);
      FloatVector u = FloatVector.broadcast(S, w0[j]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      a02 = v2.fma(u, a02);
      a03 = v3.fma(u, a03);
      u = FloatVector.broadcast(S, w1[j]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      a12 = v2.fma(u, a12);
      a13 = v3.fma(u, a13);
      u = FloatVector.broadcast(S, w2[j]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      a22 = v2.fma(u, a22);
      a23 = v3.fma(u, a23);
      u = FloatVector.broadcast(S, w3[j]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      a32 = v2.fma(u, a32);
      a33 = v3.fma(u, a33);
      u = FloatVector.broadcast(S, w4[j]);
      a40 = v0.fma(u, a40);
      a41 = v1.fma(u, a41);
      a42 = v2.fma(u, a42);
      a43 = v3.fma(u, a43);
      u = FloatVector.broadcast(S, w5[j]);
      a50 = v0.fma(u, a50);
      a51 = v1.fma(u, a51);
      a52 = v2.fma(u, a52);
      a53 = v3.fma(u, a53);
    }
    int o = (l & 7) * 24 * L;
    if (l >= 8) {
      a00 = FloatVector.fromArray(S, part, o).add(a00);
      a01 = FloatVector.fromArray(S, part, o + L).add(a01);
      a02 = FloatVector.fromArray(S, part, o + 2 * L).add(a02);
      a03 = FloatVector.fromArray(S, part, o + 3 * L).add(a03);
      a10 = FloatVector.fromArray(S, part, o + 4 * L).add(a10);
      a11 = FloatVector.fromArray(S, part, o + 5 * L).add(a11);
      a12 = FloatVector.fromArray(S, part, o + 6 * L).add(a12);
      a13 = FloatVector.fromArray(S, part, o + 7 * L).add(a13);
      a20 = FloatVector.fromArray(S, part, o + 8 * L).add(a20);
      a21 = FloatVector.fromArray(S, part, o + 9 * L).add(a21);
      a22 = FloatVector.fromArray(S, part, o + 10 * L).add(a22);
      a23 = FloatVector.fromArray(S, part, o + 11 * L).add(a23);
      a30 = FloatVector.fromArray(S, part, o + 12 * L).add(a30);
      a31 = FloatVector.fromArray(S, part, o + 13 * L).add(a31);
      a32 = FloatVector.fromArray(S, part, o + 14 * L).add(a32);
      a33 = FloatVector.fromArray(S, part, o + 15 * L).add(a33);
      a40 = FloatVector.fromArray(S, part, o + 16 * L).add(a40);
      a41 = FloatVector.fromArray(S, part, o + 17 * L).add(a41);
      a42 = FloatVector.fromArray(S, part, o + 18 * L).add(a42);
      a43 = FloatVector.fromArray(S, part, o + 19 * L).add(a43);
      a50 = FloatVector.fromArray(S, part, o + 20 * L).add(a50);
      a51 = FloatVector.fromArray(S, part, o + 21 * L).add(a51);
      a52 = FloatVector.fromArray(S, part, o + 22 * L).add(a52);
      a53 = FloatVector.fromArray(S, part, o + 23 * L).add(a53);
    }
    a00.intoArray(part, o);
    a01.intoArray(part, o + L);
    a02.intoArray(part, o + 2 * L);
    a03.intoArray(part, o + 3 * L);
    a10.intoArray(part, o + 4 * L);
    a11.intoArray(part, o + 5 * L);
    a12.intoArray(part, o + 6 * L);
    a13.intoArray(part, o + 7 * L);
    a20.intoArray(part, o + 8 * L);
    a21.intoArray(part, o + 9 * L);
    a22.intoArray(part, o + 10 * L);
    a23.intoArray(part, o + 11 * L);
    a30.intoArray(part, o + 12 * L);
    a31.intoArray(part, o + 13 * L);
    a32.intoArray(part, o + 14 * L);
    a33.intoArray(part, o + 15 * L);
    a40.intoArray(part, o + 16 * L);
    a41.intoArray(part, o + 17 * L);
    a42.intoArray(part, o + 18 * L);
    a43.intoArray(part, o + 19 * L);
    a50.intoArray(part, o + 20 * L);
    a51.intoArray(part, o + 21 * L);
    a52.intoArray(part, o + 22 * L);
    a53.intoArray(part, o + 23 * L);
  }

  /**
   * Partial class {@code l} for 8 rows x 2 vectors of samples (512 bits, 32-sample panels: 16
   * accumulators; compute alone at {@code 128x784@32} 181-185 GFLOP/s against 168-172 for
   * 6 x 2). Stored, with the first tree level for {@code l >= 8}, at
   * {@code part[((l % 8) * 16 + slot) * L]}, slot = 2 * row + vector.
   */
  private static void forwardClassX8x2(int nv, int r0, int l, float[] w0, float[] w1,
      float[] w2, float[] w3, float[] w4, float[] w5, float[] w6, float[] w7, float[] xt,
      float[] part) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    FloatVector a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00, a70 = a00;
    FloatVector a71 = a00;
    for (int j = l, r = r0; j < nv; j += P, r += 2 * L) {
      FloatVector v0 = FloatVector.fromArray(S, xt, r);
      FloatVector v1 = FloatVector.fromArray(S, xt, r + L);
      FloatVector u = FloatVector.broadcast(S, w0[j]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      u = FloatVector.broadcast(S, w1[j]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      u = FloatVector.broadcast(S, w2[j]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      u = FloatVector.broadcast(S, w3[j]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      u = FloatVector.broadcast(S, w4[j]);
      a40 = v0.fma(u, a40);
      a41 = v1.fma(u, a41);
      u = FloatVector.broadcast(S, w5[j]);
      a50 = v0.fma(u, a50);
      a51 = v1.fma(u, a51);
      u = FloatVector.broadcast(S, w6[j]);
      a60 = v0.fma(u, a60);
      a61 = v1.fma(u, a61);
      u = FloatVector.broadcast(S, w7[j]);
      a70 = v0.fma(u, a70);
      a71 = v1.fma(u, a71);
    }
    int o = (l & 7) * 16 * L;
    if (l >= 8) {
      a00 = FloatVector.fromArray(S, part, o).add(a00);
      a01 = FloatVector.fromArray(S, part, o + L).add(a01);
      a10 = FloatVector.fromArray(S, part, o + 2 * L).add(a10);
      a11 = FloatVector.fromArray(S, part, o + 3 * L).add(a11);
      a20 = FloatVector.fromArray(S, part, o + 4 * L).add(a20);
      a21 = FloatVector.fromArray(S, part, o + 5 * L).add(a21);
      a30 = FloatVector.fromArray(S, part, o + 6 * L).add(a30);
      a31 = FloatVector.fromArray(S, part, o + 7 * L).add(a31);
      a40 = FloatVector.fromArray(S, part, o + 8 * L).add(a40);
      a41 = FloatVector.fromArray(S, part, o + 9 * L).add(a41);
      a50 = FloatVector.fromArray(S, part, o + 10 * L).add(a50);
      a51 = FloatVector.fromArray(S, part, o + 11 * L).add(a51);
      a60 = FloatVector.fromArray(S, part, o + 12 * L).add(a60);
      a61 = FloatVector.fromArray(S, part, o + 13 * L).add(a61);
      a70 = FloatVector.fromArray(S, part, o + 14 * L).add(a70);
      a71 = FloatVector.fromArray(S, part, o + 15 * L).add(a71);
    }
    a00.intoArray(part, o);
    a01.intoArray(part, o + L);
    a10.intoArray(part, o + 2 * L);
    a11.intoArray(part, o + 3 * L);
    a20.intoArray(part, o + 4 * L);
    a21.intoArray(part, o + 5 * L);
    a30.intoArray(part, o + 6 * L);
    a31.intoArray(part, o + 7 * L);
    a40.intoArray(part, o + 8 * L);
    a41.intoArray(part, o + 9 * L);
    a50.intoArray(part, o + 10 * L);
    a51.intoArray(part, o + 11 * L);
    a60.intoArray(part, o + 12 * L);
    a61.intoArray(part, o + 13 * L);
    a70.intoArray(part, o + 14 * L);
    a71.intoArray(part, o + 15 * L);
  }

  /**
   * Partial class {@code l} for 6 rows x 2 vectors of samples: 12 FMA chains over the terms
   * {@code j = 16k + l}, {@code X^T} vectors times broadcast weights (12 accumulators, 2 loaded
   * vectors, 1 broadcast: 15 of AVX2's 16 registers). Stored, with the first tree level for
   * {@code l >= 8}, at {@code part[((l % 8) * 12 + slot) * L]}, slot = 2 * row + vector.
   */
  private static void forwardClassX6x2(int nv, int r0, int l, float[] w0, float[] w1,
      float[] w2, float[] w3, float[] w4, float[] w5, float[] xt, float[] part) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    FloatVector a40 = a00, a41 = a00, a50 = a00, a51 = a00;
    for (int j = l, r = r0; j < nv; j += P, r += TP) {
      FloatVector v0 = FloatVector.fromArray(S, xt, r);
      FloatVector v1 = FloatVector.fromArray(S, xt, r + L);
      FloatVector u = FloatVector.broadcast(S, w0[j]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      u = FloatVector.broadcast(S, w1[j]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      u = FloatVector.broadcast(S, w2[j]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      u = FloatVector.broadcast(S, w3[j]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      u = FloatVector.broadcast(S, w4[j]);
      a40 = v0.fma(u, a40);
      a41 = v1.fma(u, a41);
      u = FloatVector.broadcast(S, w5[j]);
      a50 = v0.fma(u, a50);
      a51 = v1.fma(u, a51);
    }
    int o = (l & 7) * 12 * L;
    if (l >= 8) {
      a00 = FloatVector.fromArray(S, part, o).add(a00);
      a01 = FloatVector.fromArray(S, part, o + L).add(a01);
      a10 = FloatVector.fromArray(S, part, o + 2 * L).add(a10);
      a11 = FloatVector.fromArray(S, part, o + 3 * L).add(a11);
      a20 = FloatVector.fromArray(S, part, o + 4 * L).add(a20);
      a21 = FloatVector.fromArray(S, part, o + 5 * L).add(a21);
      a30 = FloatVector.fromArray(S, part, o + 6 * L).add(a30);
      a31 = FloatVector.fromArray(S, part, o + 7 * L).add(a31);
      a40 = FloatVector.fromArray(S, part, o + 8 * L).add(a40);
      a41 = FloatVector.fromArray(S, part, o + 9 * L).add(a41);
      a50 = FloatVector.fromArray(S, part, o + 10 * L).add(a50);
      a51 = FloatVector.fromArray(S, part, o + 11 * L).add(a51);
    }
    a00.intoArray(part, o);
    a01.intoArray(part, o + L);
    a10.intoArray(part, o + 2 * L);
    a11.intoArray(part, o + 3 * L);
    a20.intoArray(part, o + 4 * L);
    a21.intoArray(part, o + 5 * L);
    a30.intoArray(part, o + 6 * L);
    a31.intoArray(part, o + 7 * L);
    a40.intoArray(part, o + 8 * L);
    a41.intoArray(part, o + 9 * L);
    a50.intoArray(part, o + 10 * L);
    a51.intoArray(part, o + 11 * L);
  }

  /**
   * One row {@code i} x one vector of samples ({@code slot} of a block of {@code slots}, whose
   * packed tail columns start at {@code tailRow}, rows {@code tp} floats apart): the
   * partial-class sums in {@link #finish}'s tree, the tail columns by FMA, the bias; stored to
   * {@code out[e]}.
   */
  private static void finishX(int slot, int slots, int tp, int n, int nv, int tailRow,
      float[] xt, float[] part, float[] bias, int i, float[] wi, float[] out, int e) {
    int o = slot * L;
    int c = slots * L;
    FloatVector p0 = FloatVector.fromArray(S, part, o);
    FloatVector p1 = FloatVector.fromArray(S, part, o + c);
    FloatVector p2 = FloatVector.fromArray(S, part, o + 2 * c);
    FloatVector p3 = FloatVector.fromArray(S, part, o + 3 * c);
    FloatVector p4 = FloatVector.fromArray(S, part, o + 4 * c);
    FloatVector p5 = FloatVector.fromArray(S, part, o + 5 * c);
    FloatVector p6 = FloatVector.fromArray(S, part, o + 6 * c);
    FloatVector p7 = FloatVector.fromArray(S, part, o + 7 * c);
    FloatVector s = p0.add(p4).add(p2.add(p6)).add(p1.add(p5).add(p3.add(p7)));
    for (int j = nv, r = tailRow; j < n; j++, r += tp) {
      s = FloatVector.fromArray(S, xt, r).fma(FloatVector.broadcast(S, wi[j]), s);
    }
    FloatVector.broadcast(S, bias(bias, i)).add(s).intoArray(out, e);
  }

  // --------------------------------------------------------------------------- input gradient

  @Override
  void inputGradientKernel(int batch, int m, int n, float[][] w,
      float[] d, int dOff, int dStride, float[] dx, int dxOff, int dxStride) {
    if (L == P && batch >= 6 && n >= 4 * L) {
      // 32 registers: 6 samples x 4 vectors (24 accumulators) everywhere; the last sample
      // block and column panel overlap the ones before (their elements are stored again with
      // the same bits) rather than going through other kernels, which, called only for those
      // rests, stayed in C1 code that boxes vectors (the words step allocated 117 KB per step).
      // Session 6: 256x256@64 0.67-0.83x, 128x784@32 0.91-0.96x, 128x784@256 0.86-0.94x the
      // 4 x 3 blocks.
      for (int j0 = 0; j0 < n; j0 += 4 * L) {
        int j = Math.min(j0, n - 4 * L);
        for (int b0 = 0; b0 < batch; b0 += 6) {
          int b = Math.min(b0, batch - 6);
          inputGradient6x4(m, w, j, d, dOff + b * dStride, dStride, dx, dxOff + b * dxStride,
              dxStride);
        }
      }
      return;
    }
    inputGradientBlocks(batch, m, n, w, d, dOff, dStride, dx, dxOff, dxStride);
  }

  /** {@code DX} in 4-sample blocks, then the last {@code batch % 4} samples streaming rows. */
  private static void inputGradientBlocks(int batch, int m, int n, float[][] w, float[] d,
      int dOff, int dStride, float[] dx, int dxOff, int dxStride) {
    int full = batch - batch % 4;
    int j = 0;
    for (; j + L3 <= n; j += L3) {
      for (int b = 0; b < full; b += 4) {
        inputGradient4x3(m, w, j, d, dOff + b * dStride, dStride, dx, dxOff + b * dxStride,
            dxStride);
      }
    }
    // Column tails of one or two vectors: still 4 samples per block (4 or 8 independent FMA
    // chains; one chain per block was FMA-latency bound, e.g. the last 16 of n = 256 or 784).
    for (; j + L2 <= n; j += L2) {
      for (int b = 0; b < full; b += 4) {
        inputGradient4xV(2, m, w, j, d, dOff + b * dStride, dStride, dx, dxOff + b * dxStride,
            dxStride);
      }
    }
    for (; j + L <= n; j += L) {
      for (int b = 0; b < full; b += 4) {
        inputGradient4xV(1, m, w, j, d, dOff + b * dStride, dStride, dx, dxOff + b * dxStride,
            dxStride);
      }
    }
    for (; j < n; j++) {
      for (int b = 0; b < full; b++) {
        float s = 0f;
        int dr = dOff + b * dStride;
        for (int i = 0; i < m; i++) s = Math.fma(w[i][j], d[dr + i], s);
        dx[dxOff + b * dxStride + j] = s;
      }
    }
    for (int b = full; b < batch; b++) {
      inputGradientRow(m, n, w, d, dOff + b * dStride, dx, dxOff + b * dxStride);
    }
  }

  /**
   * One sample, streaming whole rows: {@code DX} row += {@code D[b, i] * W[i]}, four weight rows
   * per pass. The same per-element FMA chain as the blocked kernels, but the chains of different
   * columns overlap, where a 1-sample register block would wait on FMA latency.
   */
  private static void inputGradientRow(int m, int n, float[][] w, float[] d, int dr,
      float[] dx, int q) {
    int nv = n - n % L;
    for (int j = 0; j < n; j++) dx[q + j] = 0f;
    int i = 0;
    for (; i + 4 <= m; i += 4) {
      float[] w0 = w[i];
      float[] w1 = w[i + 1];
      float[] w2 = w[i + 2];
      float[] w3 = w[i + 3];
      float d0 = d[dr + i];
      float d1 = d[dr + i + 1];
      float d2 = d[dr + i + 2];
      float d3 = d[dr + i + 3];
      FloatVector u0 = FloatVector.broadcast(S, d0);
      FloatVector u1 = FloatVector.broadcast(S, d1);
      FloatVector u2 = FloatVector.broadcast(S, d2);
      FloatVector u3 = FloatVector.broadcast(S, d3);
      for (int j = 0; j < nv; j += L) {
        FloatVector a = FloatVector.fromArray(S, dx, q + j);
        a = FloatVector.fromArray(S, w0, j).fma(u0, a);
        a = FloatVector.fromArray(S, w1, j).fma(u1, a);
        a = FloatVector.fromArray(S, w2, j).fma(u2, a);
        a = FloatVector.fromArray(S, w3, j).fma(u3, a);
        a.intoArray(dx, q + j);
      }
      for (int j = nv; j < n; j++) {
        float s = dx[q + j];
        s = Math.fma(w0[j], d0, s);
        s = Math.fma(w1[j], d1, s);
        s = Math.fma(w2[j], d2, s);
        dx[q + j] = Math.fma(w3[j], d3, s);
      }
    }
    for (; i < m; i++) {
      float[] w0 = w[i];
      float d0 = d[dr + i];
      FloatVector u0 = FloatVector.broadcast(S, d0);
      for (int j = 0; j < nv; j += L) {
        FloatVector.fromArray(S, w0, j).fma(u0, FloatVector.fromArray(S, dx, q + j))
            .intoArray(dx, q + j);
      }
      for (int j = nv; j < n; j++) dx[q + j] = Math.fma(w0[j], d0, dx[q + j]);
    }
  }

  /**
   * 6 samples x 4 vectors of {@code DX} at 512 bits (24 accumulators; per weight row 4 vector
   * loads and 6 broadcasts of {@code D} feed 24 FMAs): the same FMA chain over {@code i} per
   * element as {@link #inputGradient4x3}.
   */
  private static void inputGradient6x4(int m, float[][] w, int j,
      float[] d, int dr, int ds, float[] dx, int q, int qs) {
    int d1 = dr + ds;
    int d2 = d1 + ds;
    int d3 = d2 + ds;
    int d4 = d3 + ds;
    int d5 = d4 + ds;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00;
    FloatVector a33 = a00, a40 = a00, a41 = a00, a42 = a00, a43 = a00, a50 = a00, a51 = a00;
    FloatVector a52 = a00, a53 = a00;
    for (int i = 0; i < m; i++) {
      float[] wi = w[i];
      FloatVector v0 = FloatVector.fromArray(S, wi, j);
      FloatVector v1 = FloatVector.fromArray(S, wi, j + L);
      FloatVector v2 = FloatVector.fromArray(S, wi, j + L2);
      FloatVector v3 = FloatVector.fromArray(S, wi, j + L3);
      FloatVector u = FloatVector.broadcast(S, d[dr + i]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      a02 = v2.fma(u, a02);
      a03 = v3.fma(u, a03);
      u = FloatVector.broadcast(S, d[d1 + i]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      a12 = v2.fma(u, a12);
      a13 = v3.fma(u, a13);
      u = FloatVector.broadcast(S, d[d2 + i]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      a22 = v2.fma(u, a22);
      a23 = v3.fma(u, a23);
      u = FloatVector.broadcast(S, d[d3 + i]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      a32 = v2.fma(u, a32);
      a33 = v3.fma(u, a33);
      u = FloatVector.broadcast(S, d[d4 + i]);
      a40 = v0.fma(u, a40);
      a41 = v1.fma(u, a41);
      a42 = v2.fma(u, a42);
      a43 = v3.fma(u, a43);
      u = FloatVector.broadcast(S, d[d5 + i]);
      a50 = v0.fma(u, a50);
      a51 = v1.fma(u, a51);
      a52 = v2.fma(u, a52);
      a53 = v3.fma(u, a53);
    }
    int o = q + j;
    a00.intoArray(dx, o);
    a01.intoArray(dx, o + L);
    a02.intoArray(dx, o + L2);
    a03.intoArray(dx, o + L3);
    o += qs;
    a10.intoArray(dx, o);
    a11.intoArray(dx, o + L);
    a12.intoArray(dx, o + L2);
    a13.intoArray(dx, o + L3);
    o += qs;
    a20.intoArray(dx, o);
    a21.intoArray(dx, o + L);
    a22.intoArray(dx, o + L2);
    a23.intoArray(dx, o + L3);
    o += qs;
    a30.intoArray(dx, o);
    a31.intoArray(dx, o + L);
    a32.intoArray(dx, o + L2);
    a33.intoArray(dx, o + L3);
    o += qs;
    a40.intoArray(dx, o);
    a41.intoArray(dx, o + L);
    a42.intoArray(dx, o + L2);
    a43.intoArray(dx, o + L3);
    o += qs;
    a50.intoArray(dx, o);
    a51.intoArray(dx, o + L);
    a52.intoArray(dx, o + L2);
    a53.intoArray(dx, o + L3);
  }

  /** 4 samples x {@code nvec} (1 or 2) vectors of columns; the same FMA chains as 4x3. */
  private static void inputGradient4xV(int nvec, int m, float[][] w, int j,
      float[] d, int dr, int ds, float[] dx, int q, int qs) {
    int d1 = dr + ds;
    int d2 = d1 + ds;
    int d3 = d2 + ds;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a10 = a00, a20 = a00, a30 = a00;
    if (nvec == 2) {
      FloatVector a01 = a00, a11 = a00, a21 = a00, a31 = a00;
      for (int i = 0; i < m; i++) {
        float[] wi = w[i];
        FloatVector v0 = FloatVector.fromArray(S, wi, j);
        FloatVector v1 = FloatVector.fromArray(S, wi, j + L);
        FloatVector u = FloatVector.broadcast(S, d[dr + i]);
        a00 = v0.fma(u, a00);
        a01 = v1.fma(u, a01);
        u = FloatVector.broadcast(S, d[d1 + i]);
        a10 = v0.fma(u, a10);
        a11 = v1.fma(u, a11);
        u = FloatVector.broadcast(S, d[d2 + i]);
        a20 = v0.fma(u, a20);
        a21 = v1.fma(u, a21);
        u = FloatVector.broadcast(S, d[d3 + i]);
        a30 = v0.fma(u, a30);
        a31 = v1.fma(u, a31);
      }
      a01.intoArray(dx, q + j + L);
      a11.intoArray(dx, q + qs + j + L);
      a21.intoArray(dx, q + 2 * qs + j + L);
      a31.intoArray(dx, q + 3 * qs + j + L);
    } else {
      for (int i = 0; i < m; i++) {
        FloatVector v0 = FloatVector.fromArray(S, w[i], j);
        a00 = v0.fma(FloatVector.broadcast(S, d[dr + i]), a00);
        a10 = v0.fma(FloatVector.broadcast(S, d[d1 + i]), a10);
        a20 = v0.fma(FloatVector.broadcast(S, d[d2 + i]), a20);
        a30 = v0.fma(FloatVector.broadcast(S, d[d3 + i]), a30);
      }
    }
    a00.intoArray(dx, q + j);
    a10.intoArray(dx, q + qs + j);
    a20.intoArray(dx, q + 2 * qs + j);
    a30.intoArray(dx, q + 3 * qs + j);
  }

  private static void inputGradient4x3(int m, float[][] w, int j,
      float[] d, int dr, int ds, float[] dx, int q, int qs) {
    int d1 = dr + ds;
    int d2 = d1 + ds;
    int d3 = d2 + ds;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
    for (int i = 0; i < m; i++) {
      float[] wi = w[i];
      FloatVector v0 = FloatVector.fromArray(S, wi, j);
      FloatVector v1 = FloatVector.fromArray(S, wi, j + L);
      FloatVector v2 = FloatVector.fromArray(S, wi, j + L2);
      FloatVector u = FloatVector.broadcast(S, d[dr + i]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      a02 = v2.fma(u, a02);
      u = FloatVector.broadcast(S, d[d1 + i]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      a12 = v2.fma(u, a12);
      u = FloatVector.broadcast(S, d[d2 + i]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      a22 = v2.fma(u, a22);
      u = FloatVector.broadcast(S, d[d3 + i]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      a32 = v2.fma(u, a32);
    }
    int o = q + j;
    a00.intoArray(dx, o);
    a01.intoArray(dx, o + L);
    a02.intoArray(dx, o + L2);
    o += qs;
    a10.intoArray(dx, o);
    a11.intoArray(dx, o + L);
    a12.intoArray(dx, o + L2);
    o += qs;
    a20.intoArray(dx, o);
    a21.intoArray(dx, o + L);
    a22.intoArray(dx, o + L2);
    o += qs;
    a30.intoArray(dx, o);
    a31.intoArray(dx, o + L);
    a32.intoArray(dx, o + L2);
  }

  // -------------------------------------------------------------------------- weight gradient

  @Override
  void weightGradientKernel(int batch, int m, int n,
      float[] d, int dOff, int dStride, float[] x, int xOff, int xStride,
      float[][] gw, float[] gb) {
    if (batch < 4) {
      weightGradientRows(batch, m, n, d, dOff, dStride, x, xOff, xStride, gw);
      if (gb != null) biasGradient(batch, m, d, dOff, dStride, gb);
      return;
    }
    int j = 0;
    int m4 = m - m % 4;
    if (L < P) {
      // 16 registers (AVX2): 6 rows x 2 vectors, 12 accumulators and 3 operands. The 4 x 3
      // block needs all 16 and ran at half the speed under -XX:UseAVX=2 (spills).
      int m6 = m - m % 6;
      for (; j + L2 <= n; j += L2) {
        for (int i = 0; i < m6; i += 6) {
          weightGradient6x2(batch, i, j, d, dOff, dStride, x, xOff, xStride, gw);
        }
        int i = m6;
        if (i + 4 <= m) {
          weightGradient4xV(2, batch, i, j, d, dOff, dStride, x, xOff, xStride, gw);
          i += 4;
        }
        for (; i < m; i++) {
          weightGradientV(batch, i, j, d, dOff, dStride, x, xOff, xStride, gw[i]);
          weightGradientV(batch, i, j + L, d, dOff, dStride, x, xOff, xStride, gw[i]);
        }
      }
    } else if (batch >= 64 && m >= 32 && n >= 4 * L3) {
      float[][] scratch = WG_SCRATCH.get();
      int panel = batch * L3;
      if (scratch[0].length < panel) scratch[0] = new float[panel];
      if (scratch[1].length < batch * m4) scratch[1] = new float[batch * m4];
      float[] xp = scratch[0];
      float[] dp = scratch[1];
      // 8-row blocks (24 accumulators of the 32 registers) reading D in place (its 8-float
      // runs of 64 samples stay in L1; packing them was 3-10% slower), then one packed 4-row
      // block
      int m8 = m - m % 8;
      packRowBlocks(batch, m8, m4, d, dOff, dStride, dp);
      for (; j + L3 <= n; j += L3) {
        packPanel(batch, j, x, xOff, xStride, xp);
        for (int i = 0; i < m8; i += 8) {
          weightGradient8x3(batch, i, j, d, dOff + i, dStride, xp, gw);
        }
        for (int i = m8, o = m8 * batch; i < m4; i += 4, o += 4 * batch) {
          weightGradient4x3(batch, i, j, dp, o, 4, xp, 0, L3, gw);
        }
        for (int i = m4; i < m; i++) {
          weightGradient1x3(batch, i, j, d, dOff, dStride, x, xOff, xStride, gw[i]);
        }
      }
    }
    for (; j + L3 <= n; j += L3) {
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        weightGradient4x3(batch, i, j, d, dOff + i, dStride, x, xOff + j, xStride, gw);
      }
      for (; i < m; i++) {
        weightGradient1x3(batch, i, j, d, dOff, dStride, x, xOff, xStride, gw[i]);
      }
    }
    // Column tails of one or two vectors: 4 rows per block (4 or 8 independent FMA chains; one
    // chain per row was FMA-latency bound, e.g. the last 16 columns of n = 256 or 784).
    for (; j + L2 <= n; j += L2) {
      for (int i = 0; i < m4; i += 4) {
        weightGradient4xV(2, batch, i, j, d, dOff, dStride, x, xOff, xStride, gw);
      }
      for (int i = m4; i < m; i++) {
        weightGradientV(batch, i, j, d, dOff, dStride, x, xOff, xStride, gw[i]);
        weightGradientV(batch, i, j + L, d, dOff, dStride, x, xOff, xStride, gw[i]);
      }
    }
    for (; j + L <= n; j += L) {
      for (int i = 0; i < m4; i += 4) {
        weightGradient4xV(1, batch, i, j, d, dOff, dStride, x, xOff, xStride, gw);
      }
      for (int i = m4; i < m; i++) {
        weightGradientV(batch, i, j, d, dOff, dStride, x, xOff, xStride, gw[i]);
      }
    }
    for (; j < n; j++) {
      for (int i = 0; i < m; i++) {
        float s = 0f;
        for (int b = 0, dp = dOff + i, xp = xOff + j; b < batch;
            b++, dp += dStride, xp += xStride) {
          s = Math.fma(x[xp], d[dp], s);
        }
        gw[i][j] += s;
      }
    }
    if (gb != null) biasGradient(batch, m, d, dOff, dStride, gb);
  }

  /**
   * Small batches: row by row, whole rows, the same per-element FMA chain over the batch. A
   * 4 x 3 register block would do only {@code batch} FMAs per accumulator between its loads and
   * stores of {@code GW}.
   */
  private static void weightGradientRows(int batch, int m, int n,
      float[] d, int dOff, int ds, float[] x, int xOff, int xs, float[][] gw) {
    int nv = n - n % L;
    if (batch == 1) { // fma(x, d, 0) == x * d rounded: the same chain, without the inner loop
      for (int i = 0; i < m; i++) {
        float[] g = gw[i];
        FloatVector u = FloatVector.broadcast(S, d[dOff + i]);
        for (int j = 0; j < nv; j += L) {
          FloatVector.fromArray(S, g, j).add(FloatVector.fromArray(S, x, xOff + j).mul(u))
              .intoArray(g, j);
        }
        for (int j = nv; j < n; j++) g[j] += Math.fma(x[xOff + j], d[dOff + i], 0f);
      }
      return;
    }
    for (int i = 0; i < m; i++) {
      float[] g = gw[i];
      for (int j = 0; j < nv; j += L) {
        FloatVector a = FloatVector.zero(S);
        for (int b = 0, dp = dOff + i, xp = xOff + j; b < batch; b++, dp += ds, xp += xs) {
          a = FloatVector.fromArray(S, x, xp).fma(FloatVector.broadcast(S, d[dp]), a);
        }
        FloatVector.fromArray(S, g, j).add(a).intoArray(g, j);
      }
      for (int j = nv; j < n; j++) {
        float s = 0f;
        for (int b = 0, dp = dOff + i, xp = xOff + j; b < batch; b++, dp += ds, xp += xs) {
          s = Math.fma(x[xp], d[dp], s);
        }
        g[j] += s;
      }
    }
  }

  /**
   * Rows {@code i .. i + 4} x columns {@code j .. j + 3L} of {@code GW}: sample {@code b}'s 4
   * values of {@code D} at {@code d[d0 + b * ds + k]}, its 3 vectors of {@code X} at
   * {@code x[x0 + b * xs]} (the operands in place, or packed: {@code ds = 4, xs = 3L}).
   */
  private static void weightGradient4x3(int batch, int i, int j,
      float[] d, int d0, int ds, float[] x, int x0, int xs, float[][] gw) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
    for (int b = 0, dp = d0, xp = x0; b < batch; b++, dp += ds, xp += xs) {
      FloatVector v0 = FloatVector.fromArray(S, x, xp);
      FloatVector v1 = FloatVector.fromArray(S, x, xp + L);
      FloatVector v2 = FloatVector.fromArray(S, x, xp + L2);
      FloatVector u = FloatVector.broadcast(S, d[dp]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      a02 = v2.fma(u, a02);
      u = FloatVector.broadcast(S, d[dp + 1]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      a12 = v2.fma(u, a12);
      u = FloatVector.broadcast(S, d[dp + 2]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      a22 = v2.fma(u, a22);
      u = FloatVector.broadcast(S, d[dp + 3]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      a32 = v2.fma(u, a32);
    }
    FloatVector.fromArray(S, gw[i], j).add(a00).intoArray(gw[i], j);
    FloatVector.fromArray(S, gw[i], j + L).add(a01).intoArray(gw[i], j + L);
    FloatVector.fromArray(S, gw[i], j + L2).add(a02).intoArray(gw[i], j + L2);
    FloatVector.fromArray(S, gw[i + 1], j).add(a10).intoArray(gw[i + 1], j);
    FloatVector.fromArray(S, gw[i + 1], j + L).add(a11).intoArray(gw[i + 1], j + L);
    FloatVector.fromArray(S, gw[i + 1], j + L2).add(a12).intoArray(gw[i + 1], j + L2);
    FloatVector.fromArray(S, gw[i + 2], j).add(a20).intoArray(gw[i + 2], j);
    FloatVector.fromArray(S, gw[i + 2], j + L).add(a21).intoArray(gw[i + 2], j + L);
    FloatVector.fromArray(S, gw[i + 2], j + L2).add(a22).intoArray(gw[i + 2], j + L2);
    FloatVector.fromArray(S, gw[i + 3], j).add(a30).intoArray(gw[i + 3], j);
    FloatVector.fromArray(S, gw[i + 3], j + L).add(a31).intoArray(gw[i + 3], j + L);
    FloatVector.fromArray(S, gw[i + 3], j + L2).add(a32).intoArray(gw[i + 3], j + L2);
  }

  private static final ThreadLocal<float[][]> WG_SCRATCH =
      ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

  /**
   * {@code D}'s rows {@code i < m4} in blocks of 4, contiguous per block:
   * {@code dp[i * batch + 4 b + k] = D[b, i + k]}.
   */
  private static void packRowBlocks(int batch, int i0, int m4, float[] d, int dOff, int ds,
      float[] dp) {
    for (int i = i0, o = i0 * batch; i < m4; i += 4) {
      for (int b = 0, r = dOff + i; b < batch; b++, r += ds, o += 4) {
        dp[o] = d[r];
        dp[o + 1] = d[r + 1];
        dp[o + 2] = d[r + 2];
        dp[o + 3] = d[r + 3];
      }
    }
  }

  /**
   * 8 rows x 3 vectors of {@code GW} at 512 bits (24 accumulators, 3 loads and 8 broadcasts per
   * 24 FMAs) from {@code D} (row {@code i} of sample {@code b} at {@code d[o + b * ds]}) and the
   * packed {@code X} panel: the same FMA chain per element as {@link #weightGradient4x3}.
   * Session 6: {@code 128x784@256} 0.74-0.97x, {@code 256x256@64} 0.90-0.99x the 4 x 3 block.
   */
  private static void weightGradient8x3(int batch, int i, int j, float[] d, int o, int ds,
      float[] xp, float[][] gw) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00, a20 = a00, a21 = a00;
    FloatVector a22 = a00, a30 = a00, a31 = a00, a32 = a00, a40 = a00, a41 = a00, a42 = a00;
    FloatVector a50 = a00, a51 = a00, a52 = a00, a60 = a00, a61 = a00, a62 = a00, a70 = a00;
    FloatVector a71 = a00, a72 = a00;
    for (int b = 0, q = o, r = 0; b < batch; b++, q += ds, r += L3) {
      FloatVector v0 = FloatVector.fromArray(S, xp, r);
      FloatVector v1 = FloatVector.fromArray(S, xp, r + L);
      FloatVector v2 = FloatVector.fromArray(S, xp, r + L2);
      FloatVector u = FloatVector.broadcast(S, d[q]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      a02 = v2.fma(u, a02);
      u = FloatVector.broadcast(S, d[q + 1]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      a12 = v2.fma(u, a12);
      u = FloatVector.broadcast(S, d[q + 2]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      a22 = v2.fma(u, a22);
      u = FloatVector.broadcast(S, d[q + 3]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      a32 = v2.fma(u, a32);
      u = FloatVector.broadcast(S, d[q + 4]);
      a40 = v0.fma(u, a40);
      a41 = v1.fma(u, a41);
      a42 = v2.fma(u, a42);
      u = FloatVector.broadcast(S, d[q + 5]);
      a50 = v0.fma(u, a50);
      a51 = v1.fma(u, a51);
      a52 = v2.fma(u, a52);
      u = FloatVector.broadcast(S, d[q + 6]);
      a60 = v0.fma(u, a60);
      a61 = v1.fma(u, a61);
      a62 = v2.fma(u, a62);
      u = FloatVector.broadcast(S, d[q + 7]);
      a70 = v0.fma(u, a70);
      a71 = v1.fma(u, a71);
      a72 = v2.fma(u, a72);
    }
    FloatVector.fromArray(S, gw[i], j).add(a00).intoArray(gw[i], j);
    FloatVector.fromArray(S, gw[i], j + L).add(a01).intoArray(gw[i], j + L);
    FloatVector.fromArray(S, gw[i], j + L2).add(a02).intoArray(gw[i], j + L2);
    FloatVector.fromArray(S, gw[i + 1], j).add(a10).intoArray(gw[i + 1], j);
    FloatVector.fromArray(S, gw[i + 1], j + L).add(a11).intoArray(gw[i + 1], j + L);
    FloatVector.fromArray(S, gw[i + 1], j + L2).add(a12).intoArray(gw[i + 1], j + L2);
    FloatVector.fromArray(S, gw[i + 2], j).add(a20).intoArray(gw[i + 2], j);
    FloatVector.fromArray(S, gw[i + 2], j + L).add(a21).intoArray(gw[i + 2], j + L);
    FloatVector.fromArray(S, gw[i + 2], j + L2).add(a22).intoArray(gw[i + 2], j + L2);
    FloatVector.fromArray(S, gw[i + 3], j).add(a30).intoArray(gw[i + 3], j);
    FloatVector.fromArray(S, gw[i + 3], j + L).add(a31).intoArray(gw[i + 3], j + L);
    FloatVector.fromArray(S, gw[i + 3], j + L2).add(a32).intoArray(gw[i + 3], j + L2);
    FloatVector.fromArray(S, gw[i + 4], j).add(a40).intoArray(gw[i + 4], j);
    FloatVector.fromArray(S, gw[i + 4], j + L).add(a41).intoArray(gw[i + 4], j + L);
    FloatVector.fromArray(S, gw[i + 4], j + L2).add(a42).intoArray(gw[i + 4], j + L2);
    FloatVector.fromArray(S, gw[i + 5], j).add(a50).intoArray(gw[i + 5], j);
    FloatVector.fromArray(S, gw[i + 5], j + L).add(a51).intoArray(gw[i + 5], j + L);
    FloatVector.fromArray(S, gw[i + 5], j + L2).add(a52).intoArray(gw[i + 5], j + L2);
    FloatVector.fromArray(S, gw[i + 6], j).add(a60).intoArray(gw[i + 6], j);
    FloatVector.fromArray(S, gw[i + 6], j + L).add(a61).intoArray(gw[i + 6], j + L);
    FloatVector.fromArray(S, gw[i + 6], j + L2).add(a62).intoArray(gw[i + 6], j + L2);
    FloatVector.fromArray(S, gw[i + 7], j).add(a70).intoArray(gw[i + 7], j);
    FloatVector.fromArray(S, gw[i + 7], j + L).add(a71).intoArray(gw[i + 7], j + L);
    FloatVector.fromArray(S, gw[i + 7], j + L2).add(a72).intoArray(gw[i + 7], j + L2);
  }

  /** Columns {@code j .. j + 3L} of {@code X}, contiguous: {@code xp[3L b + c] = X[b, j + c]}. */
  private static void packPanel(int batch, int j, float[] x, int xOff, int xs, float[] xp) {
    for (int b = 0, r = xOff + j, o = 0; b < batch; b++, r += xs, o += L3) {
      FloatVector.fromArray(S, x, r).intoArray(xp, o);
      FloatVector.fromArray(S, x, r + L).intoArray(xp, o + L);
      FloatVector.fromArray(S, x, r + L2).intoArray(xp, o + L2);
    }
  }

  private static void weightGradient6x2(int batch, int i, int j,
      float[] d, int dOff, int ds, float[] x, int xOff, int xs, float[][] gw) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
    FloatVector a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
    for (int b = 0, dp = dOff + i, xp = xOff + j; b < batch; b++, dp += ds, xp += xs) {
      FloatVector v0 = FloatVector.fromArray(S, x, xp);
      FloatVector v1 = FloatVector.fromArray(S, x, xp + L);
      FloatVector u = FloatVector.broadcast(S, d[dp]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      u = FloatVector.broadcast(S, d[dp + 1]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      u = FloatVector.broadcast(S, d[dp + 2]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      u = FloatVector.broadcast(S, d[dp + 3]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      u = FloatVector.broadcast(S, d[dp + 4]);
      a40 = v0.fma(u, a40);
      a41 = v1.fma(u, a41);
      u = FloatVector.broadcast(S, d[dp + 5]);
      a50 = v0.fma(u, a50);
      a51 = v1.fma(u, a51);
    }
    FloatVector.fromArray(S, gw[i], j).add(a00).intoArray(gw[i], j);
    FloatVector.fromArray(S, gw[i], j + L).add(a01).intoArray(gw[i], j + L);
    FloatVector.fromArray(S, gw[i + 1], j).add(a10).intoArray(gw[i + 1], j);
    FloatVector.fromArray(S, gw[i + 1], j + L).add(a11).intoArray(gw[i + 1], j + L);
    FloatVector.fromArray(S, gw[i + 2], j).add(a20).intoArray(gw[i + 2], j);
    FloatVector.fromArray(S, gw[i + 2], j + L).add(a21).intoArray(gw[i + 2], j + L);
    FloatVector.fromArray(S, gw[i + 3], j).add(a30).intoArray(gw[i + 3], j);
    FloatVector.fromArray(S, gw[i + 3], j + L).add(a31).intoArray(gw[i + 3], j + L);
    FloatVector.fromArray(S, gw[i + 4], j).add(a40).intoArray(gw[i + 4], j);
    FloatVector.fromArray(S, gw[i + 4], j + L).add(a41).intoArray(gw[i + 4], j + L);
    FloatVector.fromArray(S, gw[i + 5], j).add(a50).intoArray(gw[i + 5], j);
    FloatVector.fromArray(S, gw[i + 5], j + L).add(a51).intoArray(gw[i + 5], j + L);
  }

  /** One row, one vector of columns: a single FMA chain over the batch. */
  private static void weightGradientV(int batch, int i, int j,
      float[] d, int dOff, int ds, float[] x, int xOff, int xs, float[] g) {
    FloatVector a = FloatVector.zero(S);
    for (int b = 0, dp = dOff + i, xp = xOff + j; b < batch; b++, dp += ds, xp += xs) {
      a = FloatVector.fromArray(S, x, xp).fma(FloatVector.broadcast(S, d[dp]), a);
    }
    FloatVector.fromArray(S, g, j).add(a).intoArray(g, j);
  }

  /** 4 rows x {@code nvec} (1 or 2) vectors of columns; the same FMA chains as 4x3. */
  private static void weightGradient4xV(int nvec, int batch, int i, int j,
      float[] d, int dOff, int ds, float[] x, int xOff, int xs, float[][] gw) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a10 = a00, a20 = a00, a30 = a00;
    if (nvec == 2) {
      FloatVector a01 = a00, a11 = a00, a21 = a00, a31 = a00;
      for (int b = 0, dp = dOff + i, xp = xOff + j; b < batch; b++, dp += ds, xp += xs) {
        FloatVector v0 = FloatVector.fromArray(S, x, xp);
        FloatVector v1 = FloatVector.fromArray(S, x, xp + L);
        FloatVector u = FloatVector.broadcast(S, d[dp]);
        a00 = v0.fma(u, a00);
        a01 = v1.fma(u, a01);
        u = FloatVector.broadcast(S, d[dp + 1]);
        a10 = v0.fma(u, a10);
        a11 = v1.fma(u, a11);
        u = FloatVector.broadcast(S, d[dp + 2]);
        a20 = v0.fma(u, a20);
        a21 = v1.fma(u, a21);
        u = FloatVector.broadcast(S, d[dp + 3]);
        a30 = v0.fma(u, a30);
        a31 = v1.fma(u, a31);
      }
      FloatVector.fromArray(S, gw[i], j + L).add(a01).intoArray(gw[i], j + L);
      FloatVector.fromArray(S, gw[i + 1], j + L).add(a11).intoArray(gw[i + 1], j + L);
      FloatVector.fromArray(S, gw[i + 2], j + L).add(a21).intoArray(gw[i + 2], j + L);
      FloatVector.fromArray(S, gw[i + 3], j + L).add(a31).intoArray(gw[i + 3], j + L);
    } else {
      for (int b = 0, dp = dOff + i, xp = xOff + j; b < batch; b++, dp += ds, xp += xs) {
        FloatVector v0 = FloatVector.fromArray(S, x, xp);
        a00 = v0.fma(FloatVector.broadcast(S, d[dp]), a00);
        a10 = v0.fma(FloatVector.broadcast(S, d[dp + 1]), a10);
        a20 = v0.fma(FloatVector.broadcast(S, d[dp + 2]), a20);
        a30 = v0.fma(FloatVector.broadcast(S, d[dp + 3]), a30);
      }
    }
    FloatVector.fromArray(S, gw[i], j).add(a00).intoArray(gw[i], j);
    FloatVector.fromArray(S, gw[i + 1], j).add(a10).intoArray(gw[i + 1], j);
    FloatVector.fromArray(S, gw[i + 2], j).add(a20).intoArray(gw[i + 2], j);
    FloatVector.fromArray(S, gw[i + 3], j).add(a30).intoArray(gw[i + 3], j);
  }

  private static void weightGradient1x3(int batch, int i, int j,
      float[] d, int dOff, int ds, float[] x, int xOff, int xs, float[] g) {
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0, a2 = a0;
    for (int b = 0, dp = dOff + i, xp = xOff + j; b < batch; b++, dp += ds, xp += xs) {
      FloatVector u = FloatVector.broadcast(S, d[dp]);
      a0 = FloatVector.fromArray(S, x, xp).fma(u, a0);
      a1 = FloatVector.fromArray(S, x, xp + L).fma(u, a1);
      a2 = FloatVector.fromArray(S, x, xp + L2).fma(u, a2);
    }
    FloatVector.fromArray(S, g, j).add(a0).intoArray(g, j);
    FloatVector.fromArray(S, g, j + L).add(a1).intoArray(g, j + L);
    FloatVector.fromArray(S, g, j + L2).add(a2).intoArray(g, j + L2);
  }

  private static void biasGradient(int batch, int m, float[] d, int dOff, int ds, float[] gb) {
    int i = 0;
    for (; i + L <= m; i += L) {
      FloatVector a = FloatVector.zero(S);
      for (int b = 0, dp = dOff + i; b < batch; b++, dp += ds) {
        a = a.add(FloatVector.fromArray(S, d, dp));
      }
      FloatVector.fromArray(S, gb, i).add(a).intoArray(gb, i);
    }
    for (; i < m; i++) {
      float s = 0f;
      for (int b = 0, dp = dOff + i; b < batch; b++, dp += ds) s += d[dp];
      gb[i] += s;
    }
  }
}
