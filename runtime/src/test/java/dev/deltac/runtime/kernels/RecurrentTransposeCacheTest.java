package dev.deltac.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The float32 per-sample recurrent forward keeps the weights it transposed last and transposes
 * again only when they changed: a changed element of either matrix, or weights of another shape
 * with the same elements, must give the values computed from scratch.
 */
class RecurrentTransposeCacheTest {
  static float[][] matrix(SplittableRandom r, int rows, int cols) {
    float[][] m = new float[rows][cols];
    for (float[] row : m) for (int j = 0; j < cols; j++) row[j] = (float) (r.nextDouble() - 0.5);
    return m;
  }

  static float[] run(int cell, int t, int n, int h, float[][] wih, float[][] whh, float[] b, float[] xs) {
    float[] tape = new float[RecurrentKernels.tapeSize(cell, t, h)];
    RecurrentKernels.forward(cell, t, n, h, wih, whh, b, b, xs, 0, tape, 0);
    return tape;
  }

  /** The same computation on a fresh thread, whose scratch has never seen a weight. */
  static float[] fresh(int cell, int t, int n, int h, float[][] wih, float[][] whh, float[] b, float[] xs)
      throws InterruptedException {
    float[][] out = new float[1][];
    Thread th = new Thread(() -> out[0] = run(cell, t, n, h, wih, whh, b, xs));
    th.start();
    th.join();
    return out[0];
  }

  @Test
  void changedWeightsAreTransposedAgain() throws Exception {
    SplittableRandom r = new SplittableRandom(3);
    for (int cell : new int[] {RecurrentKernels.LSTM, RecurrentKernels.GRU, RecurrentKernels.RNN_TANH}) {
      int t = 5, n = 3, h = 4, g = RecurrentKernels.gates(cell, h);
      float[][] wih = matrix(r, g, n);
      float[][] whh = matrix(r, g, h);
      float[] b = new float[g];
      float[] xs = new float[t * n];
      for (int i = 0; i < xs.length; i++) xs[i] = (float) (r.nextDouble() - 0.5);
      float[] first = run(cell, t, n, h, wih, whh, b, xs);
      assertArrayEquals(fresh(cell, t, n, h, wih, whh, b, xs), first);
      assertArrayEquals(first, run(cell, t, n, h, wih, whh, b, xs), "same weights, same values");
      wih[g - 1][n - 1] += 0.25f;
      float[] afterIh = run(cell, t, n, h, wih, whh, b, xs);
      assertFalse(Arrays.equals(first, afterIh), "the changed input weight matters");
      assertArrayEquals(fresh(cell, t, n, h, wih, whh, b, xs), afterIh);
      whh[0][h - 1] -= 0.5f;
      float[] afterHh = run(cell, t, n, h, wih, whh, b, xs);
      assertFalse(Arrays.equals(afterIh, afterHh), "the changed recurrent weight matters");
      assertArrayEquals(fresh(cell, t, n, h, wih, whh, b, xs), afterHh);
    }
  }

  @Test
  void weightsOfAnotherShapeWithTheSameElementsAreTransposedAgain() throws Exception {
    // RNN with h = 4, n = 6 (W_ih [4, 6]) and then h = 6, n = 4 (W_ih [6, 4]): the same 24
    // numbers in row-major order, a different transpose.
    SplittableRandom r = new SplittableRandom(5);
    float[] flat = new float[24];
    for (int i = 0; i < flat.length; i++) flat[i] = (float) (r.nextDouble() - 0.5);
    float[][] a = new float[4][6];
    float[][] c = new float[6][4];
    for (int i = 0; i < 24; i++) {
      a[i / 6][i % 6] = flat[i];
      c[i / 4][i % 4] = flat[i];
    }
    float[] xs6 = new float[2 * 6];
    float[] xs4 = new float[2 * 4];
    Arrays.fill(xs6, 0.5f);
    Arrays.fill(xs4, 0.5f);
    run(RecurrentKernels.RNN_TANH, 2, 6, 4, a, matrix(r, 4, 4), new float[4], xs6);
    float[][] whh = matrix(r, 6, 6);
    float[] second = run(RecurrentKernels.RNN_TANH, 2, 4, 6, c, whh, new float[6], xs4);
    assertArrayEquals(fresh(RecurrentKernels.RNN_TANH, 2, 4, 6, c, whh, new float[6], xs4), second);
  }
}
