package dev.deltac.benchmarks.kernels;

import dev.deltac.runtime.kernels.DenseKernels;
import dev.deltac.runtime.kernels.DenseLayerKernels;
import dev.deltac.runtime.kernels.MainVectorDenseKernels;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Before and after in the same minutes, for a shared, noisy machine: main's vector kernels
 * ({@link MainVectorDenseKernels}, frozen at issue 16's start) against the current ones, in one
 * JVM (the same species, so no shape mixing), alternating in short slices; per shape and round
 * the best time per call of each, their ratio, and GFLOP/s. Run natively and under
 * {@code -XX:UseAVX=2} (AVX2 code, 16 registers):
 *
 * <pre>java --add-modules jdk.incubator.vector [-XX:UseAVX=2] -cp benchmarks/target/benchmarks.jar
 *     dev.deltac.benchmarks.kernels.WidthCompare [rounds] [sliceMillis] [kernel]</pre>
 *
 * {@code kernel} is {@code forward} (default), {@code inputGradient} or {@code weightGradient}.
 */
public final class WidthCompare {
  private WidthCompare() {}

  static final String[] SHAPES = {"128x784@1", "128x784@32", "128x784@256", "10x128@32",
      "10x128@256", "256x256@64", "256x256@63"};

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int millis = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    String kernel = args.length > 2 ? args[2] : "forward";
    DenseLayerKernels now = DenseKernels.vector().orElseThrow();
    DenseLayerKernels main = new MainVectorDenseKernels();
    System.out.printf(Locale.ROOT, "%s: %s (now) vs %s (main), %d rounds of %d ms slices%n",
        kernel, now.name(), main.name(), rounds, millis);
    System.out.println("| shape | main µs (best) | now µs (best) | now/main per round "
        + "| now GFLOP/s (best) |");
    System.out.println("|---|---:|---:|---|---:|");
    for (String shape : SHAPES) {
      Case c = new Case(shape);
      // warm-up: both, long enough for C2
      c.time(main, kernel, 1500);
      c.time(now, kernel, 1500);
      double[] tm = new double[rounds];
      double[] tn = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        if (r % 2 == 0) {
          tm[r] = c.time(main, kernel, millis);
          tn[r] = c.time(now, kernel, millis);
        } else {
          tn[r] = c.time(now, kernel, millis);
          tm[r] = c.time(main, kernel, millis);
        }
      }
      StringBuilder ratios = new StringBuilder();
      for (int r = 0; r < rounds; r++) {
        ratios.append(String.format(Locale.ROOT, "%s%.2f", r == 0 ? "" : " ", tn[r] / tm[r]));
      }
      double bm = Arrays.stream(tm).min().getAsDouble();
      double bn = Arrays.stream(tn).min().getAsDouble();
      System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %s | %.1f |%n", shape, bm, bn,
          ratios, c.flops / (bn * 1e3));
    }
  }

  private static final class Case {
    final int batch;
    final int m;
    final int n;
    final double flops;
    final float[][] w;
    final float[] bias;
    final float[][] gw;
    final float[] gb;
    final float[] x;
    final float[] y;
    final float[] d;
    final float[] dx;

    Case(String shape) {
      int at = shape.indexOf('@');
      int times = shape.indexOf('x');
      m = Integer.parseInt(shape.substring(0, times));
      n = Integer.parseInt(shape.substring(times + 1, at));
      batch = Integer.parseInt(shape.substring(at + 1));
      flops = 2.0 * batch * m * n;
      SplittableRandom r = new SplittableRandom(42);
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

    private static float[] fill(SplittableRandom r, float[] a) {
      for (int k = 0; k < a.length; k++) a[k] = (float) (r.nextDouble() * 2 - 1);
      return a;
    }

    /** Best µs per call over batches of calls within {@code millis}. */
    double time(DenseLayerKernels k, String kernel, int millis) {
      long end = System.nanoTime() + millis * 1_000_000L;
      int calls = Math.max(1, (int) (2e6 / flops * 50)); // about 50 µs of work per batch
      double best = Double.POSITIVE_INFINITY;
      do {
        long t0 = System.nanoTime();
        for (int q = 0; q < calls; q++) run(k, kernel);
        long t1 = System.nanoTime();
        best = Math.min(best, (t1 - t0) / 1e3 / calls);
      } while (System.nanoTime() < end);
      return best;
    }

    void run(DenseLayerKernels k, String kernel) {
      switch (kernel) {
        case "forward":
          k.forward(batch, m, n, w, bias, x, 0, n, y, 0, m);
          break;
        case "inputGradient":
          k.inputGradient(batch, m, n, w, d, 0, m, dx, 0, n);
          break;
        default:
          k.weightGradient(batch, m, n, d, 0, m, x, 0, n, gw, gb);
      }
    }
  }
}
