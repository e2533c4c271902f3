package dev.deltac.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Conv2dKernels} against the definition (direct loops in float64) on awkward geometries:
 * one and several channels, windows 1, 2, 3 and 5, padding 0 to 2, output sizes that are and are
 * not multiples of the 16-column padding, inputs and outputs at offsets inside larger arrays;
 * and zero bytes per call after the first (the per-thread scratch).
 */
class Conv2dKernelsTest {
  /** {c, h, w, f, k, p}. */
  static final int[][] GEOMETRIES = {
    {1, 28, 28, 32, 3, 1}, {32, 14, 14, 32, 3, 1}, {3, 7, 9, 5, 3, 0}, {2, 8, 8, 4, 5, 2},
    {4, 6, 5, 3, 1, 0}, {5, 9, 7, 6, 2, 1}, {1, 4, 4, 1, 3, 2}, {8, 12, 12, 16, 3, 1},
  };

  @Test
  void matchesTheDefinition() {
    for (int[] gm : GEOMETRIES) {
      int c = gm[0], h = gm[1], w = gm[2], f = gm[3], k = gm[4], p = gm[5];
      int oh = h + 2 * p - k + 1;
      int ow = w + 2 * p - k + 1;
      SplittableRandom r = new SplittableRandom(c * 131 + h * 17 + k);
      int off = 7;
      float[] x = vector(r, off + c * h * w);
      float[] g = vector(r, off + f * oh * ow);
      float[][] kernel = new float[f][];
      for (int i = 0; i < f; i++) kernel[i] = vector(r, c * k * k);
      String what = java.util.Arrays.toString(gm);

      float[] y = new float[off + f * oh * ow];
      Conv2dKernels.forward(c, h, w, f, k, p, x, off, kernel, y, off);
      float[] dw = new float[off + f * c * k * k];
      Conv2dKernels.kernelGradient(c, h, w, f, k, p, x, off, g, off, dw, off);
      float[] dx = new float[off + c * h * w];
      Conv2dKernels.inputGradient(c, h, w, f, k, p, kernel, g, off, dx, off);

      double[] ey = new double[f * oh * ow];
      double[] edw = new double[f * c * k * k];
      double[] edx = new double[c * h * w];
      double[] my = new double[ey.length];
      double[] mdw = new double[edw.length];
      double[] mdx = new double[edx.length];
      for (int fi = 0; fi < f; fi++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            int o = (fi * oh + i) * ow + j;
            for (int ch = 0; ch < c; ch++) {
              for (int u = 0; u < k; u++) {
                for (int v = 0; v < k; v++) {
                  int yy = i + u - p;
                  int xx = j + v - p;
                  if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                  int xi = (ch * h + yy) * w + xx;
                  int wi = (ch * k + u) * k + v;
                  double xv = x[off + xi];
                  double wv = kernel[fi][wi];
                  double gv = g[off + o];
                  ey[o] += wv * xv;
                  my[o] += Math.abs(wv * xv);
                  edw[fi * c * k * k + wi] += gv * xv;
                  mdw[fi * c * k * k + wi] += Math.abs(gv * xv);
                  edx[xi] += wv * gv;
                  mdx[xi] += Math.abs(wv * gv);
                }
              }
            }
          }
        }
      }
      close(what + " forward", ey, my, y, off);
      close(what + " kernelGradient", edw, mdw, dw, off);
      close(what + " inputGradient", edx, mdx, dx, off);
      for (int q = 0; q < off; q++) {
        assertEquals(0f, y[q], what + ": forward wrote before its offset");
        assertEquals(0f, dw[q], what + ": kernelGradient wrote before its offset");
        assertEquals(0f, dx[q], what + ": inputGradient wrote before its offset");
      }
    }
  }

  @Test
  void rejectsABadGeometry() {
    float[] a = new float[100];
    float[][] kernel = {new float[9]};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Conv2dKernels.forward(1, 2, 2, 1, 3, 0, a, 0, kernel, a, 0));
    assertEquals("bad convolution geometry: c=1, h=2, w=2, f=1, k=3, p=0", e.getMessage());
  }

  @Test
  void noAllocationAfterTheFirstCall() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int c = 4, h = 10, w = 10, f = 8, k = 3, p = 1;
    SplittableRandom r = new SplittableRandom(5);
    float[] x = vector(r, c * h * w);
    float[] g = vector(r, f * h * w);
    float[][] kernel = new float[f][];
    for (int i = 0; i < f; i++) kernel[i] = vector(r, c * k * k);
    float[] y = new float[f * h * w];
    float[] dw = new float[f * c * k * k];
    float[] dx = new float[c * h * w];
    Runnable step = () -> {
      Conv2dKernels.forward(c, h, w, f, k, p, x, 0, kernel, y, 0);
      Conv2dKernels.kernelGradient(c, h, w, f, k, p, x, 0, g, 0, dw, 0);
      Conv2dKernels.inputGradient(c, h, w, f, k, p, kernel, g, 0, dx, 0);
    };
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 40 && least > 0; round++) {
      long before = mx.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < 200; i++) step.run();
      least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
    }
    assertEquals(0, least, "bytes allocated over 200 convolution steps");
  }

  /** Within float32 rounding of a sum: 1e-5 of the sum of the terms' magnitudes. */
  private static void close(String what, double[] expected, double[] magnitude, float[] actual,
      int off) {
    for (int q = 0; q < expected.length; q++) {
      double tol = 1e-5 * magnitude[q] + 1e-30;
      assertEquals(expected[q], actual[off + q], tol, what + " at " + q);
    }
  }

  private static float[] vector(SplittableRandom r, int size) {
    float[] a = new float[size];
    for (int q = 0; q < size; q++) a[q] = (float) (r.nextDouble() * 2 - 1);
    return a;
  }
}
