package dev.deltac.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A frozen copy of main's {@code VectorDenseKernels} (commit 16986ff, before issue 16's
 * width-independent forward), kept only to measure before and after in the same minutes:
 * {@code DenseKernelBenchmark -p impl=main}. Not used by the runtime.
 *
 * <p>Kernels on the Vector API ({@code jdk.incubator.vector}), float vectors and FMA,
 * register-blocked so that each loaded vector feeds several independent accumulators. One
 * species for every kernel: 512 bits ({@code L = 16} lanes) where the hardware prefers them,
 * else 256 ({@code L = 8}); {@code -Ddeltac.vector.bits=256} forces 256.
 *
 * <ul>
 *   <li>Forward, small batches: dot products along {@code n}. Micro-kernel 4 samples x 3 weight
 *       rows (12 vector accumulators, 7 loads per 12 FMAs); each accumulator is stored and its
 *       lanes summed once at the end in a fixed pairwise order, then the scalar column tail is
 *       added. Lane {@code l} of an accumulator sums the terms {@code j = l, l + L, ...}: the
 *       summation order, and so the bits, depend on {@code L}.
 *   <li>Forward, large batches ({@link #packedPays}): broadcast products on a packed
 *       {@code W^T} (vectors along the outputs), one pass per lane class, reproducing the dot
 *       products' order exactly (see {@code forwardPacked}).
 *   <li>Input gradient: 4 samples x 3 vectors of {@code DX}; per weight row, 3 vector loads and
 *       4 broadcasts of {@code D} feed 12 FMAs. Column panels outermost, so the
 *       {@code m x 3L} panel of {@code W} is reused from L1 by every sample block. The last
 *       {@code batch % 4} samples stream whole rows instead (no latency-bound 1-sample block).
 *   <li>Weight gradient: 4 rows x 3 vectors of {@code GW}, summed over the batch in registers and
 *       added to {@code GW} once. Column panels outermost, so the {@code batch x 3L} panel of
 *       {@code X} is reused by every row block.
 * </ul>
 *
 * <p>Every gradient element is a sequential FMA chain over its sum index (in the lanes, and in
 * the scalar tails through {@link Math#fma}), so its result depends neither on the block shape
 * that computed it nor on {@code L}. Loaded reflectively by {@link DenseKernels}: this class is
 * the only one that links against the incubator module.
 *
 * <p>JDK 17 caveats that shaped the code (each measured): no vector is passed to a helper that
 * C2 might not inline (it would be boxed); no two vector shapes run in one JVM (type-profile
 * pollution inside the Vector API made C2 box vectors); no lane rearranges or blends in the
 * kernels (their stores were not intrinsified in the kernels' context, allocating).
 */
public final class MainVectorDenseKernels extends DenseLayerKernels {
  /** System property: {@code 256} forces 256-bit vectors where 512 would be chosen. */
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

  public MainVectorDenseKernels() {}

  private static VectorSpecies<Float> species(String bits) {
    if (!"256".equals(bits) && FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512) {
      return FloatVector.SPECIES_512;
    }
    return FloatVector.SPECIES_256;
  }

  /** True when the platform runs 256-bit float vectors in hardware rather than emulating them. */
  static boolean hardwareSupported() {
    return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
  }

  @Override
  public String name() {
    return "main-vector-" + S.vectorBitSize();
  }

  /**
   * Sum of the {@code L} floats at {@code t[o]} (a stored accumulator) in a fixed pairwise
   * order: {@code ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))} for 8 lanes; for 16, that
   * tree of the lower half plus the tree of the upper half. The kernels store accumulators and
   * sum them here rather than extracting lanes: no vector crosses a method boundary (a vector
   * passed to a method C2 does not inline is boxed), and 16 scalar loads are cheaper than 16
   * lane extractions.
   */
  private static float lanes(float[] t, int o) {
    float s = ((t[o] + t[o + 1]) + (t[o + 2] + t[o + 3]))
        + ((t[o + 4] + t[o + 5]) + (t[o + 6] + t[o + 7]));
    if (L == 8) return s;
    return s + (((t[o + 8] + t[o + 9]) + (t[o + 10] + t[o + 11]))
        + ((t[o + 12] + t[o + 13]) + (t[o + 14] + t[o + 15])));
  }

  private static float bias(float[] bias, int i) {
    return bias == null ? 0f : bias[i];
  }

  // ---------------------------------------------------------------------------------- forward

  @Override
  void forwardKernel(int batch, int m, int n, float[][] w, float[] bias,
      float[] x, int xOff, int xStride, float[] y, int yOff, int yStride) {
    int nv = n - n % L;
    int b4 = batch - batch % 4;
    float[] t = PACKED.get()[1]; // 12 stored accumulators for the lane sums
    int i = 0;
    if (packedPays(b4, n) && nv > 0) {
      i = m - m % TP;
      if (i > 0) forwardPacked(b4, i, n, nv, w, bias, x, xOff, xStride, y, yOff, yStride);
    }
    for (; i + 3 <= m; i += 3) {
      for (int b = 0; b < b4; b += 4) {
        forward4x3(n, nv, w, bias, i, x, xOff + b * xStride, xStride, y, yOff + b * yStride,
            yStride, t);
      }
    }
    for (; i < m; i++) {
      for (int b = 0; b < b4; b += 4) {
        forward4x1(n, nv, w[i], bias(bias, i), x, xOff + b * xStride, xStride, y,
            yOff + b * yStride + i, yStride, t);
      }
    }
    // The last batch % 4 samples, one at a time: 8 rows per pass, so that 8 independent FMA
    // chains hide the FMA latency (a 1-sample x 3-row block was latency bound). Every element
    // is still one accumulator over j in order, then the fixed lane sum and the tail: the same
    // bits as in the 4-sample blocks.
    for (int b = b4; b < batch; b++) {
      int p = xOff + b * xStride;
      int yo = yOff + b * yStride;
      int r = 0;
      for (; r + 8 <= m; r += 8) forward1x8(n, nv, w, bias, r, x, p, y, yo, t);
      for (; r < m; r++) y[yo + r] = bias(bias, r) + dot(n, nv, w[r], x, p, t);
    }
  }

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
    for (int j = 0; j < nv; j += L) {
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
    a01.intoArray(t, 1 * L);
    a02.intoArray(t, 2 * L);
    a10.intoArray(t, 3 * L);
    a11.intoArray(t, 4 * L);
    a12.intoArray(t, 5 * L);
    a20.intoArray(t, 6 * L);
    a21.intoArray(t, 7 * L);
    a22.intoArray(t, 8 * L);
    a30.intoArray(t, 9 * L);
    a31.intoArray(t, 10 * L);
    a32.intoArray(t, 11 * L);
    float b0 = bias(bias, i);
    float b1 = bias(bias, i + 1);
    float b2 = bias(bias, i + 2);
    int q = yo + i;
    y[q] = b0 + tail(lanes(t, 0), n, nv, w0, x, p0);
    y[q + 1] = b1 + tail(lanes(t, 1 * L), n, nv, w1, x, p0);
    y[q + 2] = b2 + tail(lanes(t, 2 * L), n, nv, w2, x, p0);
    q += ys;
    y[q] = b0 + tail(lanes(t, 3 * L), n, nv, w0, x, p1);
    y[q + 1] = b1 + tail(lanes(t, 4 * L), n, nv, w1, x, p1);
    y[q + 2] = b2 + tail(lanes(t, 5 * L), n, nv, w2, x, p1);
    q += ys;
    y[q] = b0 + tail(lanes(t, 6 * L), n, nv, w0, x, p2);
    y[q + 1] = b1 + tail(lanes(t, 7 * L), n, nv, w1, x, p2);
    y[q + 2] = b2 + tail(lanes(t, 8 * L), n, nv, w2, x, p2);
    q += ys;
    y[q] = b0 + tail(lanes(t, 9 * L), n, nv, w0, x, p3);
    y[q + 1] = b1 + tail(lanes(t, 10 * L), n, nv, w1, x, p3);
    y[q + 2] = b2 + tail(lanes(t, 11 * L), n, nv, w2, x, p3);
  }

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
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (int j = 0; j < nv; j += L) {
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
    a1.intoArray(t, 1 * L);
    a2.intoArray(t, 2 * L);
    a3.intoArray(t, 3 * L);
    a4.intoArray(t, 4 * L);
    a5.intoArray(t, 5 * L);
    a6.intoArray(t, 6 * L);
    a7.intoArray(t, 7 * L);
    int q = yo + i;
    y[q] = bias(bias, i) + tail(lanes(t, 0), n, nv, w0, x, p);
    y[q + 1] = bias(bias, i + 1) + tail(lanes(t, 1 * L), n, nv, w1, x, p);
    y[q + 2] = bias(bias, i + 2) + tail(lanes(t, 2 * L), n, nv, w2, x, p);
    y[q + 3] = bias(bias, i + 3) + tail(lanes(t, 3 * L), n, nv, w3, x, p);
    y[q + 4] = bias(bias, i + 4) + tail(lanes(t, 4 * L), n, nv, w4, x, p);
    y[q + 5] = bias(bias, i + 5) + tail(lanes(t, 5 * L), n, nv, w5, x, p);
    y[q + 6] = bias(bias, i + 6) + tail(lanes(t, 6 * L), n, nv, w6, x, p);
    y[q + 7] = bias(bias, i + 7) + tail(lanes(t, 7 * L), n, nv, w7, x, p);
  }

  /** One weight row against 4 samples; writes {@code y[q + k * ys]} for k < 4. */
  private static void forward4x1(int n, int nv, float[] w0, float bias0,
      float[] x, int xo, int xs, float[] y, int q, int ys, float[] t) {
    int p0 = xo;
    int p1 = xo + xs;
    int p2 = p1 + xs;
    int p3 = p2 + xs;
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0, a2 = a0, a3 = a0;
    for (int j = 0; j < nv; j += L) {
      FloatVector v = FloatVector.fromArray(S, w0, j);
      a0 = v.fma(FloatVector.fromArray(S, x, p0 + j), a0);
      a1 = v.fma(FloatVector.fromArray(S, x, p1 + j), a1);
      a2 = v.fma(FloatVector.fromArray(S, x, p2 + j), a2);
      a3 = v.fma(FloatVector.fromArray(S, x, p3 + j), a3);
    }
    a0.intoArray(t, 0);
    a1.intoArray(t, 1 * L);
    a2.intoArray(t, 2 * L);
    a3.intoArray(t, 3 * L);
    y[q] = bias0 + tail(lanes(t, 0), n, nv, w0, x, p0);
    y[q + ys] = bias0 + tail(lanes(t, 1 * L), n, nv, w0, x, p1);
    y[q + 2 * ys] = bias0 + tail(lanes(t, 2 * L), n, nv, w0, x, p2);
    y[q + 3 * ys] = bias0 + tail(lanes(t, 3 * L), n, nv, w0, x, p3);
  }

  private static float dot(int n, int nv, float[] w0, float[] x, int p, float[] t) {
    FloatVector a = FloatVector.zero(S);
    for (int j = 0; j < nv; j += L) {
      a = FloatVector.fromArray(S, w0, j).fma(FloatVector.fromArray(S, x, p + j), a);
    }
    a.intoArray(t, 0);
    return tail(lanes(t, 0), n, nv, w0, x, p);
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
   * sample shrinks relative to the packing as {@code n} grows. Measured crossovers: between 32
   * and 64 samples at {@code n = 256}, between 64 and 128 at {@code n = 784}.
   */
  static boolean packedPays(int batch, int n) {
    return batch >= 32 && 7 * batch >= n;
  }
  /** Output columns per packed panel: two vectors. */
  private static final int TP = 2 * L;

  /** Per-thread scratch: [0] one packed panel of {@code W^T}, [1] the lane-class partials. */
  private static final ThreadLocal<float[][]> PACKED =
      ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[L * 8 * L]});

  /**
   * The forward of the 4-sample blocks ({@code batch % 4 == 0}) for rows {@code i < mp}
   * ({@code mp % TP == 0}) as broadcast products on a packed {@code W^T}: vectors run along
   * the outputs {@code i}, so no lane sums are needed. The result has the same bits as the dot
   * product kernels: those sum, in lane {@code l} of an accumulator, the terms
   * {@code j = l, l + L, ...} below {@code nv} in order; then add the {@code L} lanes in a fixed
   * tree, then the tail columns by FMA, then the bias. Here every lane class {@code l} is one
   * pass of FMA chains over the same terms in the same order, and the {@code L} partial results
   * of an element are added in the same tree, followed by the same tail and bias. The price is
   * a store and a load per partial: at {@code n = 256} and {@code L = 16} the chains are only
   * 16 FMAs long.
   *
   * <p>Each panel of {@code TP} rows of {@code W} is packed as {@code n} rows of {@code TP}
   * floats, class-major ({@code j = Lk + l} at float {@code l * classStride + k * TP},
   * {@code k < nv / L}), then the tail columns; every sample block then streams it.
   */
  private static void forwardPacked(int batch, int mp, int n, int nv, float[][] w, float[] bias,
      float[] x, int xOff, int xs, float[] y, int yOff, int ys) {
    float[][] scratch = PACKED.get();
    int k8 = nv / L;
    int cs = classStride(k8);
    int size = L * cs + (n - nv) * TP;
    if (scratch[0].length < size) scratch[0] = new float[size];
    float[] wt = scratch[0];
    float[] part = scratch[1];
    for (int i = 0; i < mp; i += TP) {
      pack(n, nv, k8, cs, w, i, wt);
      for (int b = 0; b < batch; b += 4) {
        int xo = xOff + b * xs;
        for (int l = 0; l < L; l += 2) {
          forwardClassPair4x2(k8, l * cs, (l + 1) * cs, l, wt, x, xo, xs, part);
        }
        int yo = yOff + b * ys + i;
        for (int slot = 0; slot < 8; slot++) {
          finish(slot, n, nv, L * cs, wt, part, bias, i, x, xo + (slot >> 1) * xs,
              y, yo + (slot >> 1) * ys);
        }
      }
    }
  }

  /**
   * Floats between the packed rows of consecutive lane classes: {@code k8} rows of {@code TP}
   * plus one cache line, so that the classes' rows are not 4 KiB apart (at {@code n = 256},
   * {@code L = 8} they were: L1 set conflicts made the packing twice as slow).
   */
  private static int classStride(int k8) {
    return k8 * TP + 16;
  }

  /**
   * Packs rows {@code i .. i + TP} of {@code W} transposed, in the class-major row order, eight
   * rows at a time.
   */
  private static void pack(int n, int nv, int k8, int kt, float[][] w, int i, float[] wt) {
    for (int c = 0; c < TP; c += 8) {
      pack8(k8, kt, w[i + c], w[i + c + 1], w[i + c + 2], w[i + c + 3], w[i + c + 4],
          w[i + c + 5], w[i + c + 6], w[i + c + 7], wt, c);
    }
    for (int j = nv, q = L * kt; j < n; j++) {
      for (int c = 0; c < TP; c++, q++) wt[q] = w[i + c][j];
    }
  }

  /**
   * Eight rows of {@code W}: for each {@code L} columns {@code Lk .. Lk + L - 1}, loads from 8
   * row segments and one run of 8 contiguous stores per lane class. About 0.43 ns per element
   * on the benchmark machine. Transposes in vector registers (lane rotations and blends) were
   * tried: 8 x 8 at 256 bits took half the time alone but allocated inside the kernels; 16 x 16
   * at 512 bits took 0.40 ns and allocated too.
   */
  private static void pack8(int k8, int kt, float[] r0, float[] r1, float[] r2, float[] r3,
      float[] r4, float[] r5, float[] r6, float[] r7, float[] wt, int q0) {
    for (int k = 0, s = 0, q = q0; k < k8; k++, s += L, q += TP) {
      for (int l = 0; l < L; l++) {
        int o = q + l * kt;
        int t = s + l;
        wt[o] = r0[t];
        wt[o + 1] = r1[t];
        wt[o + 2] = r2[t];
        wt[o + 3] = r3[t];
        wt[o + 4] = r4[t];
        wt[o + 5] = r5[t];
        wt[o + 6] = r6[t];
        wt[o + 7] = r7[t];
      }
    }
  }

  /**
   * Lane classes {@code l} and {@code l + 1} for 4 samples x 2 vectors of outputs: 16 FMA chains
   * over the terms {@code j = Lk + l} and {@code Lk + l + 1}, and the first level of the
   * lane-sum tree (class {@code l} plus class {@code l + 1}) in registers; the 8 sums are stored
   * to {@code part} at {@code ((l / 2) * 8 + slot) * L}, slot = 2 * sample + vector.
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
    for (int k = 0, r = r0, q = r1, j = l; k < k8; k++, r += TP, q += TP, j += L) {
      FloatVector v0 = FloatVector.fromArray(S, wt, r);
      FloatVector v1 = FloatVector.fromArray(S, wt, r + L);
      FloatVector w0 = FloatVector.fromArray(S, wt, q);
      FloatVector w1 = FloatVector.fromArray(S, wt, q + L);
      FloatVector u = FloatVector.broadcast(S, x[xo + j]);
      a00 = v0.fma(u, a00);
      a01 = v1.fma(u, a01);
      u = FloatVector.broadcast(S, x[xo + j + 1]);
      c00 = w0.fma(u, c00);
      c01 = w1.fma(u, c01);
      u = FloatVector.broadcast(S, x[p1 + j]);
      a10 = v0.fma(u, a10);
      a11 = v1.fma(u, a11);
      u = FloatVector.broadcast(S, x[p1 + j + 1]);
      c10 = w0.fma(u, c10);
      c11 = w1.fma(u, c11);
      u = FloatVector.broadcast(S, x[p2 + j]);
      a20 = v0.fma(u, a20);
      a21 = v1.fma(u, a21);
      u = FloatVector.broadcast(S, x[p2 + j + 1]);
      c20 = w0.fma(u, c20);
      c21 = w1.fma(u, c21);
      u = FloatVector.broadcast(S, x[p3 + j]);
      a30 = v0.fma(u, a30);
      a31 = v1.fma(u, a31);
      u = FloatVector.broadcast(S, x[p3 + j + 1]);
      c30 = w0.fma(u, c30);
      c31 = w1.fma(u, c31);
    }
    int o = (l >> 1) * 8 * L;
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
   * Lane class {@code l} for 4 samples x 2 vectors of outputs: 8 FMA chains over the terms
   * {@code j = Lk + l}, stored to {@code part} at {@code ((l * 8) + slot) * L}, slot = 2 *
   * sample + vector.
   */
  private static void forwardClass4x2(int k8, int r0, int l, float[] wt, float[] x, int xo,
      int xs, float[] part) {
    int p1 = xo + xs;
    int p2 = p1 + xs;
    int p3 = p2 + xs;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    for (int k = 0, r = r0, j = l; k < k8; k++, r += TP, j += L) {
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
    int o = l * 8 * L;
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
   * One vector of outputs ({@code slot}: sample {@code slot / 2}, vector {@code slot % 2}): the
   * {@code L} lane-class partials added in the lane-sum tree (see {@link #lanes}), the tail
   * columns by FMA, then the bias.
   */
  private static void finish(int slot, int n, int nv, int tailRow, float[] wt, float[] part,
      float[] bias, int i, float[] x, int p, float[] y, int q) {
    int o = slot * L;
    int c = 8 * L;
    // the pair sums q_m = p_2m + p_2m+1 are stored: the lane-sum tree is tree8(q) for 16
    // lanes, ((q0 + q1) + (q2 + q3)) for 8
    FloatVector s;
    if (L == 16) {
      s = tree8(part, o, c);
    } else {
      s = FloatVector.fromArray(S, part, o).add(FloatVector.fromArray(S, part, o + c))
          .add(FloatVector.fromArray(S, part, o + 2 * c).add(FloatVector.fromArray(S, part,
              o + 3 * c)));
    }
    int v = (slot & 1) * L;
    for (int j = nv, r = tailRow + v; j < n; j++, r += TP) {
      s = FloatVector.fromArray(S, wt, r).fma(FloatVector.broadcast(S, x[p + j]), s);
    }
    FloatVector b = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, i + v);
    b.add(s).intoArray(y, q + v);
  }

  /** {@code ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))}, {@code pk} at {@code o + k c}. */
  private static FloatVector tree8(float[] part, int o, int c) {
    FloatVector p0 = FloatVector.fromArray(S, part, o);
    FloatVector p1 = FloatVector.fromArray(S, part, o + c);
    FloatVector p2 = FloatVector.fromArray(S, part, o + 2 * c);
    FloatVector p3 = FloatVector.fromArray(S, part, o + 3 * c);
    FloatVector p4 = FloatVector.fromArray(S, part, o + 4 * c);
    FloatVector p5 = FloatVector.fromArray(S, part, o + 5 * c);
    FloatVector p6 = FloatVector.fromArray(S, part, o + 6 * c);
    FloatVector p7 = FloatVector.fromArray(S, part, o + 7 * c);
    return p0.add(p1).add(p2.add(p3)).add(p4.add(p5).add(p6.add(p7)));
  }

  // --------------------------------------------------------------------------- input gradient

  @Override
  void inputGradientKernel(int batch, int m, int n, float[][] w,
      float[] d, int dOff, int dStride, float[] dx, int dxOff, int dxStride) {
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
    for (; j + L3 <= n; j += L3) {
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        weightGradient4x3(batch, i, j, d, dOff, dStride, x, xOff, xStride, gw);
      }
      for (; i < m; i++) {
        weightGradient1x3(batch, i, j, d, dOff, dStride, x, xOff, xStride, gw[i]);
      }
    }
    // Column tails of one or two vectors: 4 rows per block (4 or 8 independent FMA chains; one
    // chain per row was FMA-latency bound, e.g. the last 16 columns of n = 256 or 784).
    int m4 = m - m % 4;
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

  private static void weightGradient4x3(int batch, int i, int j,
      float[] d, int dOff, int ds, float[] x, int xOff, int xs, float[][] gw) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
    for (int b = 0, dp = dOff + i, xp = xOff + j; b < batch; b++, dp += ds, xp += xs) {
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
    addInto(gw[i], j, a00, a01, a02);
    addInto(gw[i + 1], j, a10, a11, a12);
    addInto(gw[i + 2], j, a20, a21, a22);
    addInto(gw[i + 3], j, a30, a31, a32);
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
    addInto(g, j, a0, a1, a2);
  }

  private static void addInto(float[] g, int j, FloatVector a0, FloatVector a1,
      FloatVector a2) {
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
