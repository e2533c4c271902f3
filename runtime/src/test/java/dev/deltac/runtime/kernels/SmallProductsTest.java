package dev.deltac.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SmallProductsTest {
  private static final int[][] SIZES = {
    {16, 8, 16}, {16, 16, 8}, {8, 16, 16}, {16, 16, 16}, {3, 5, 7}, {7, 3, 8}, {6, 4, 32}, {1, 1, 1},
    {9, 12, 8}, {16, 8, 4}, {5, 16, 24},
  };

  /** The vector path (when selected) gives the scalar chain's bits, and both the exact product. */
  @Test
  void everyLayoutMatchesTheScalarChainBitForBitAndTheExactProduct() {
    Random r = new Random(3);
    for (int[] s : SIZES) {
      int m = s[0], k = s[1], p = s[2];
      for (int layout = 0; layout < 4; layout++) {
        boolean ta = (layout & 1) != 0;
        boolean tb = (layout & 2) != 0;
        int count = 3;
        int aStride = m * k + 2;
        int bStride = k * p + 1;
        int oStride = m * p + 3;
        float[] a = random(r, 1 + count * aStride);
        float[] b = random(r, 2 + count * bStride);
        float[] out = new float[5 + count * oStride];
        SmallProducts.product(count, m, k, p, ta, tb, a, 1, aStride, b, 2, bStride, out, 5, oStride);
        for (int c = 0; c < count; c++) {
          float[] bt = new float[k * p];
          for (int q = 0; q < k; q++) {
            for (int j = 0; j < p; j++) bt[q * p + j] = b[2 + c * bStride + (tb ? j * k + q : q * p + j)];
          }
          float[] chain = new float[m * p];
          SmallProducts.scalarRows(0, m, k, p, ta, a, 1 + c * aStride, bt, 0, chain, 0);
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < p; j++) {
              double exact = 0;
              double mag = 0;
              for (int q = 0; q < k; q++) {
                double x = a[1 + c * aStride + (ta ? q * m + i : i * k + q)] * (double) bt[q * p + j];
                exact += x;
                mag += Math.abs(x);
              }
              float got = out[5 + c * oStride + i * p + j];
              String where = m + "x" + k + "x" + p + " ta=" + ta + " tb=" + tb + " c=" + c + " (" + i + ", " + j + ")";
              assertEquals(Float.floatToIntBits(chain[i * p + j]), Float.floatToIntBits(got), where);
              assertEquals(exact, got, 1e-6 * mag + 1e-30, where);
            }
          }
        }
      }
    }
  }

  @Test
  void writesNothingOutsideItsMatrices() {
    float[] out = new float[2 * 20 + 4];
    java.util.Arrays.fill(out, 7f);
    float[] a = random(new Random(1), 2 * 16);
    float[] b = random(new Random(2), 2 * 16);
    SmallProducts.product(2, 4, 4, 4, false, false, a, 0, 16, b, 0, 16, out, 2, 20);
    for (int i = 0; i < out.length; i++) {
      boolean inside = (i >= 2 && i < 18) || (i >= 22 && i < 38);
      if (!inside) assertEquals(7f, out[i], "index " + i);
    }
  }

  @Test
  void anArrayTooShortIsOneClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
        SmallProducts.product(2, 4, 4, 4, false, false, new float[31], 0, 16, new float[32], 0, 16,
            new float[32], 0, 16));
    assertTrue(e.getMessage().startsWith("a: 2 matrices of 16"), e.getMessage());
  }

  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
    return x;
  }
}
