package dev.deltac.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The batched float32 LSTM ({@link RecurrentKernels#forwardBatch}, {@link
 * RecurrentKernels#backwardBatch}, run by {@link LstmSteps}): the vector implementation gives the
 * scalar one's bits, and both agree with the per-sample float32 kernels ({@link
 * RecurrentKernels#forward}, {@link RecurrentKernels#backward}, whose weight gradients summed over
 * the batch are compared with the batch sums the batched kernel writes to sample 0); steps
 * allocate nothing once warm. Shapes with odd batches and sizes that are not multiples of the
 * vector length exercise the scalar tails of the vector code.
 */
class LstmStepsTest {
  /** {batch, t, n, h}. */
  static final int[][] SHAPES = {
    {1, 1, 1, 1}, {2, 3, 3, 5}, {3, 4, 16, 16}, {5, 7, 17, 33}, {4, 2, 8, 8}, {32, 8, 16, 32},
    {7, 5, 20, 24}, {6, 3, 33, 48}, {8, 3, 5, 16}, {9, 2, 7, 40},
  };

  static List<LstmSteps> implementations() {
    List<LstmSteps> out = new ArrayList<>();
    out.add(LstmSteps.SCALAR);
    if (DenseKernels.vector().isPresent()) out.add(new VectorLstmSteps());
    return out;
  }

  @Test
  void vectorGivesTheScalarBitsAndBothMatchThePerSampleKernels() {
    List<LstmSteps> impls = implementations();
    assertTrue(impls.size() == 2 || !DenseKernels.get().name().startsWith("vector"),
        "the vector LSTM kernels did not load next to " + DenseKernels.get().name());
    for (int[] s : SHAPES) {
      Case c = new Case(s[0], s[1], s[2], s[3], 7L * s[0] + 13L * s[1] + s[2] + 31L * s[3]);
      float[][] reference = null;
      for (LstmSteps k : impls) {
        float[][] got = c.runBatched(k);
        // Without dxs: zeros there, every other value the same bits.
        c.run(k, false);
        for (int b = 0; b < c.batch; b++) {
          for (int i = 0; i < c.grad; i++) {
            float want = i < c.t * c.n ? 0f : got[1][b * c.grad + i];
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(c.outB[b * c.grad + i]),
                k.name() + " without dxs, sample " + b + " [" + i + "]");
          }
        }
        // Sums only: dxs and sample 0's slots the same bits, the other samples' weight slots untouched.
        c.runSumsOnly(k);
        for (int b = 0; b < c.batch; b++) {
          for (int i = 0; i < c.grad; i++) {
            boolean written = b == 0 || i < c.t * c.n;
            assertEquals(written ? Float.floatToRawIntBits(got[1][b * c.grad + i]) : Float.floatToRawIntBits(Float.NaN),
                Float.floatToRawIntBits(c.outB[b * c.grad + i]), k.name() + " sums only, sample " + b + " [" + i + "]");
          }
        }
        // Sums only and no dxs: sample 0's weight slots the same bits, every other slot untouched.
        c.runSumsOnly(k, false);
        for (int b = 0; b < c.batch; b++) {
          for (int i = 0; i < c.grad; i++) {
            boolean written = b == 0 && i >= c.t * c.n;
            assertEquals(written ? Float.floatToRawIntBits(got[1][b * c.grad + i]) : Float.floatToRawIntBits(Float.NaN),
                Float.floatToRawIntBits(c.outB[b * c.grad + i]), k.name() + " sums only without dxs, sample " + b + " [" + i + "]");
          }
        }
        if (reference == null) {
          reference = got;
          c.checkAgainstPerSample(got, k.name());
          continue;
        }
        for (int q = 0; q < got.length; q++) {
          for (int i = 0; i < got[q].length; i++) {
            assertEquals(Float.floatToRawIntBits(reference[q][i]), Float.floatToRawIntBits(got[q][i]),
                k.name() + " vs scalar, shape " + java.util.Arrays.toString(s) + ", array " + q + "[" + i + "]");
          }
        }
      }
    }
  }

  /**
   * The kernels' tanh and logistic function (MathFunctions.tanhf's rational function evaluated
   * with fused multiply-adds, the logistic one with its halvings folded in) against double
   * precision over every 4093rd float up to 30 and its negation: absolute error below 5e-7
   * (measured 2.9e-7 and 1.7e-7; tanhf itself 4.1e-7), |tanh| at most 1, the logistic function
   * in [0, 1], both odd or symmetric, and the clamps keep NaN.
   */
  @Test
  void gateFunctionsAreAccurateAndBounded() {
    double tanhErr = 0;
    double sigmoidErr = 0;
    for (int bits = 0; ; bits += 4093) {
      float x = Float.intBitsToFloat(bits);
      if (x > 30f) break;
      for (float y : new float[] {x, -x}) {
        float t = LstmSteps.tanh(y);
        float s = LstmSteps.sigmoid(y);
        tanhErr = Math.max(tanhErr, Math.abs(t - Math.tanh(y)));
        sigmoidErr = Math.max(sigmoidErr, Math.abs(s - 1 / (1 + Math.exp(-y))));
        assertTrue(Math.abs(t) <= 1f && s >= 0f && s <= 1f, "out of range at " + y + ": " + t + ", " + s);
      }
      assertEquals(Float.floatToRawIntBits(-LstmSteps.tanh(x)), Float.floatToRawIntBits(LstmSteps.tanh(-x)), "tanh odd at " + x);
      assertEquals(1f - LstmSteps.sigmoid(x), LstmSteps.sigmoid(-x), 1.2e-7f, "sigmoid symmetric at " + x);
    }
    assertTrue(tanhErr < 5e-7, "tanh error " + tanhErr);
    assertTrue(sigmoidErr < 5e-7, "sigmoid error " + sigmoidErr);
    assertTrue(Float.isNaN(LstmSteps.tanh(Float.NaN)) && Float.isNaN(LstmSteps.sigmoid(Float.NaN)), "NaN in, NaN out");
    assertEquals(1f, LstmSteps.tanh(Float.POSITIVE_INFINITY), 5e-7f);
    assertEquals(0f, LstmSteps.sigmoid(Float.NEGATIVE_INFINITY), 5e-7f);
  }

  @Test
  void batchedStepsAllocateNothingOnceWarm() {
    ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    Case big = new Case(32, 8, 16, 32, 1);
    Case odd = new Case(5, 3, 17, 33, 2);
    for (LstmSteps k : implementations()) {
      long least = Long.MAX_VALUE;
      for (int round = 0; round < 60 && least > 0; round++) {
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100; i++) {
          big.run(k);
          odd.run(k);
        }
        least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
      }
      assertEquals(0, least, k.name() + ": bytes allocated over 100 steps");
    }
  }

  /** Random weights, inputs and cotangents of one shape; outputs preallocated. */
  static final class Case {
    final int batch;
    final int t;
    final int n;
    final int h;
    final int g;
    final float[][] wih;
    final float[][] whh;
    final float[] bih;
    final float[] bhh;
    final float[] xs;
    final float[] gh;
    final int tape;
    final int grad;
    final float[] tapeB;
    final float[] outB;

    Case(int batch, int t, int n, int h, long seed) {
      SplittableRandom r = new SplittableRandom(seed);
      this.batch = batch;
      this.t = t;
      this.n = n;
      this.h = h;
      this.g = 4 * h;
      wih = matrix(r, g, n);
      whh = matrix(r, g, h);
      bih = vector(r, g);
      bhh = vector(r, g);
      xs = vector(r, batch * t * n);
      gh = vector(r, batch * t * h);
      tape = RecurrentKernels.tapeSize(RecurrentKernels.LSTM, t, h);
      grad = RecurrentKernels.gradientSize(RecurrentKernels.LSTM, t, n, h);
      tapeB = new float[batch * tape];
      outB = new float[batch * grad];
    }

    /** Tapes and packed gradients of the batch through the batched kernels (copies). */
    float[][] runBatched(LstmSteps k) {
      java.util.Arrays.fill(outB, Float.NaN); // every element must be written
      run(k);
      return new float[][] {tapeB.clone(), outB.clone()};
    }

    void run(LstmSteps k) {
      run(k, true);
    }

    void run(LstmSteps k, boolean dxs) {
      RecurrentKernels.lstmForwardBatch(k, batch, t, n, h, wih, whh, bih, bhh, xs, 0, t * n, tapeB, 0, tape);
      RecurrentKernels.lstmBackwardBatch(k, batch, t, n, h, wih, whh, xs, 0, t * n, tapeB, 0, tape, gh, 0,
          t * h, outB, 0, grad, dxs, false);
    }

    /** With the caller reading the weight sums from sample 0 only: outB filled with NaN first. */
    void runSumsOnly(LstmSteps k) {
      runSumsOnly(k, true);
    }

    void runSumsOnly(LstmSteps k, boolean dxs) {
      java.util.Arrays.fill(outB, Float.NaN);
      RecurrentKernels.lstmForwardBatch(k, batch, t, n, h, wih, whh, bih, bhh, xs, 0, t * n, tapeB, 0, tape);
      RecurrentKernels.lstmBackwardBatch(k, batch, t, n, h, wih, whh, xs, 0, t * n, tapeB, 0, tape, gh, 0,
          t * h, outB, 0, grad, dxs, true);
    }

    /**
     * Against the per-sample float32 kernels: tapes and dxs sample by sample, the weight and bias
     * gradients summed over the batch against sample 0's slot (the other samples' slots zero).
     */
    void checkAgainstPerSample(float[][] got, String name) {
      float[] tp = new float[tape];
      float[] out = new float[grad];
      double[] sum = new double[grad - t * n];
      double[] mag = new double[grad - t * n];
      for (int b = 0; b < batch; b++) {
        RecurrentKernels.forward(RecurrentKernels.LSTM, t, n, h, wih, whh, bih, bhh, xs, b * t * n, tp, 0);
        for (int i = 0; i < tape; i++) {
          assertClose(tp[i], got[0][b * tape + i], 1, name + " tape, sample " + b + " [" + i + "]");
        }
        RecurrentKernels.backward(RecurrentKernels.LSTM, t, n, h, wih, whh, xs, b * t * n, tp, 0, gh,
            b * t * h, out, 0);
        for (int i = 0; i < t * n; i++) {
          assertClose(out[i], got[1][b * grad + i], g, name + " dxs, sample " + b + " [" + i + "]");
        }
        for (int i = t * n; i < grad; i++) {
          sum[i - t * n] += out[i];
          mag[i - t * n] += Math.abs(out[i]);
          if (b > 0) assertEquals(0f, got[1][b * grad + i], name + " weight slot of sample " + b);
        }
      }
      for (int i = 0; i < sum.length; i++) {
        float v = got[1][t * n + i];
        double tol = 1e-5 * (mag[i] + 1) * Math.sqrt(batch * t);
        assertTrue(Math.abs(v - sum[i]) <= tol, name + " weight gradient [" + i + "]: " + v + " vs " + sum[i]);
      }
    }

    private static void assertClose(float want, float got, int terms, String what) {
      double tol = 2e-5 * Math.sqrt(terms) * (1 + Math.abs(want));
      assertTrue(Math.abs(want - got) <= tol, what + ": " + got + " vs " + want);
    }
  }

  static float[][] matrix(SplittableRandom r, int rows, int cols) {
    float[][] a = new float[rows][];
    for (int i = 0; i < rows; i++) a[i] = vector(r, cols);
    return a;
  }

  static float[] vector(SplittableRandom r, int size) {
    float[] a = new float[size];
    for (int q = 0; q < size; q++) a[q] = (float) (r.nextDouble() - 0.5);
    return a;
  }
}
