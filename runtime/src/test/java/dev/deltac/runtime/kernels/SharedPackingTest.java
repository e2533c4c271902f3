package dev.deltac.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * The forward through a {@link SharedPacking} cache (the shards of one data-parallel step) gives
 * the bits of the private packing, whichever thread packed which panel, repacks after
 * {@link SharedPacking#invalidate()}, and allocates nothing once warm.
 */
class SharedPackingTest {
  /** batch, m, n: tails in m and n, shards below the private packing's threshold. */
  private static final int[][] SHAPES = {
      {16, 64, 784}, {64, 128, 784}, {36, 70, 100}, {32, 96, 256}, {20, 33, 17}};

  @Test
  void twoThreadsSharingThePackingGiveThePrivateBits() throws Exception {
    for (DenseLayerKernels k : DenseKernelsTest.implementations()) {
      for (int[] s : SHAPES) {
        int batch = s[0];
        int m = s[1];
        int n = s[2];
        SplittableRandom r = new SplittableRandom(batch * 31L + m * 7L + n);
        float[][] w = new float[m][n];
        for (float[] row : w) fill(r, row);
        float[] bias = fill(r, new float[m]);
        float[] x = fill(r, new float[2 * batch * n]);
        float[] want = new float[2 * batch * m];
        k.forward(2 * batch, m, n, w, bias, x, 0, n, want, 0, m); // one private call
        SharedPacking cache = new SharedPacking();
        for (int step = 0; step < 3; step++) {
          if (step == 2) { // new weights: the cache must not serve the old panels
            for (float[] row : w) fill(r, row);
            k.forward(2 * batch, m, n, w, bias, x, 0, n, want, 0, m);
          }
          cache.invalidate();
          float[] got = new float[2 * batch * m];
          CyclicBarrier start = new CyclicBarrier(2);
          Thread other = new Thread(() -> shard(k, cache, start, batch, m, n, w, bias, x, got, 1));
          other.start();
          shard(k, cache, start, batch, m, n, w, bias, x, got, 0);
          other.join();
          assertArrayEquals(want, got, k.name() + " " + batch + "x" + m + "x" + n + " step " + step);
        }
      }
    }
  }

  /** Shard {@code i} of two (samples {@code i * batch ..}) through the cache. */
  private static void shard(DenseLayerKernels k, SharedPacking cache, CyclicBarrier start,
      int batch, int m, int n, float[][] w, float[] bias, float[] x, float[] y, int i) {
    cache.enter();
    try {
      start.await();
      k.forward(batch, m, n, w, bias, x, i * batch * n, n, y, i * batch * m, m);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      SharedPacking.exit();
    }
  }

  /**
   * A convolution's kernel gradient multiplies by the sample's patch rows, which change with
   * every sample inside one step: inside a cache it must give the private bits for every sample,
   * not reuse the first sample's packed patches (it did, session 6: two threads trained
   * fashion-cnn's second convolution on stale patches).
   */
  @Test
  void kernelGradientsInsideTheCacheUseEachSamplesPatches() {
    int c = 6;
    int h = 14;
    int f = 32;
    int k = 3;
    SplittableRandom r = new SplittableRandom(11);
    float[] x = fill(r, new float[3 * c * h * h]);
    float[] g = fill(r, new float[3 * f * h * h]);
    int ckk = c * k * k;
    float[] want = new float[3 * f * ckk];
    for (int b = 0; b < 3; b++) {
      Conv2dKernels.kernelGradient(c, h, h, f, k, 1, x, b * c * h * h, g, b * f * h * h, want,
          b * f * ckk);
    }
    SharedPacking cache = new SharedPacking();
    cache.invalidate();
    cache.enter();
    float[] got = new float[3 * f * ckk];
    try {
      for (int b = 0; b < 3; b++) {
        Conv2dKernels.kernelGradient(c, h, h, f, k, 1, x, b * c * h * h, g, b * f * h * h, got,
            b * f * ckk);
      }
      assertEquals(cache, SharedPacking.current(), "the cache is entered again afterwards");
    } finally {
      SharedPacking.exit();
    }
    assertArrayEquals(want, got);
  }

  @Test
  void sharedStepsAllocateNothing() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int batch = 16;
    int m = 64;
    int n = 96;
    SplittableRandom r = new SplittableRandom(5);
    float[][] w = new float[m][n];
    for (float[] row : w) fill(r, row);
    float[] x = fill(r, new float[4 * batch * n]);
    float[] y = new float[4 * batch * m];
    SharedPacking cache = new SharedPacking();
    for (DenseLayerKernels k : DenseKernelsTest.implementations()) {
      long least = Long.MAX_VALUE;
      for (int round = 0; round < 60 && least > 0; round++) {
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 300; i++) {
          cache.invalidate();
          cache.enter();
          for (int s = 0; s < 4; s++) {
            k.forward(batch, m, n, w, null, x, s * batch * n, n, y, s * batch * m, m);
          }
          SharedPacking.exit();
        }
        least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
      }
      assertEquals(0, least, k.name() + ": bytes allocated over 300 shared steps");
    }
  }

  private static float[] fill(SplittableRandom r, float[] a) {
    for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 0.2 - 0.1);
    return a;
  }
}
