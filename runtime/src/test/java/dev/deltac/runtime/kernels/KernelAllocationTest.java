package dev.deltac.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Zero bytes allocated per kernel call after warm-up, with every path of both implementations
 * running in one JVM as in training (the packed forward, the dot products, the gradients, small
 * and single-sample shapes): a Vector API kernel that C2 compiles without intrinsifying some
 * operation boxes vectors, which shows up here as allocation.
 */
class KernelAllocationTest {
  @Test
  void noAllocationAfterWarmUp() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (DenseLayerKernels k : DenseKernelsTest.implementations()) {
      Shape big = new Shape(36, 64, 96); // forward packed for 32 samples, then 4 dot products
      Shape wide = new Shape(40, 16, 96); // packed W^T: 6-sample and 4-sample blocks below 512
      Shape small = new Shape(5, 10, 40);
      Shape one = new Shape(1, 24, 50);
      Shape panels = new Shape(68, 70, 37); // packed X^T: 6 x 4 on 64 samples at 512 bits
      Shape rows = new Shape(100, 70, 37); // packed W^T: a 64-row panel at 512 bits
      Shape grad = new Shape(72, 45, 200); // weight gradient: 8 x 3 blocks at 512 bits
      Runnable step = () -> {
        big.run(k);
        panels.run(k);
        rows.run(k);
        grad.run(k);
        wide.run(k);
        small.run(k);
        one.run(k);
      };
      // Rounds until one allocates nothing: C2 compiles these kernels slowly (seconds, on a
      // loaded machine) and their C1 code boxes vectors, but a kernel that allocates in its
      // final code shows up in every round.
      long least = Long.MAX_VALUE;
      for (int round = 0; round < 60 && least > 0; round++) {
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 300; i++) step.run();
        least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
      }
      assertEquals(0, least, k.name() + ": bytes allocated over 300 steps");
    }
  }

  /** Operands of one layer; {@link #run} does a forward and a backward. */
  private static final class Shape {
    final int batch;
    final int m;
    final int n;
    final float[][] w;
    final float[][] gw;
    final float[] bias;
    final float[] gb;
    final float[] x;
    final float[] y;
    final float[] d;
    final float[] dx;

    Shape(int batch, int m, int n) {
      this.batch = batch;
      this.m = m;
      this.n = n;
      SplittableRandom r = new SplittableRandom(batch * 31L + m * 7L + n);
      w = new float[m][n];
      gw = new float[m][n];
      for (float[] row : w) fill(r, row);
      bias = fill(r, new float[m]);
      gb = new float[m];
      x = fill(r, new float[batch * n]);
      y = new float[batch * m];
      d = fill(r, new float[batch * m]);
      dx = new float[batch * n];
    }

    void run(DenseLayerKernels k) {
      k.forward(batch, m, n, w, bias, x, 0, n, y, 0, m);
      k.backward(batch, m, n, w, d, 0, m, x, 0, n, gw, gb, dx, 0, n);
    }

    private static float[] fill(SplittableRandom r, float[] a) {
      for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 0.2 - 0.1);
      return a;
    }
  }
}
