package dev.deltac.benchmarks.kernels;

import dev.deltac.runtime.kernels.DenseKernels;
import dev.deltac.runtime.kernels.DenseLayerKernels;
import dev.deltac.runtime.kernels.MainVectorDenseKernels;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Before and after in the same minutes, for a shared, noisy machine: main's vector kernels
 * ({@link MainVectorDenseKernels}, frozen at session 6's start) against the current ones, in one
 * JVM (the same species, so no shape mixing), alternating in short slices; per shape and round
 * the best time per call of each, their ratio, and GFLOP/s. Run natively and under
 * {@code -XX:UseAVX=2} (AVX2 code, 16 registers):
 *
 * <pre>java --add-modules jdk.incubator.vector [-XX:UseAVX=2] -cp benchmarks/target/benchmarks.jar
 *     dev.deltac.benchmarks.kernels.WidthCompare [rounds] [sliceMillis] [kernel]</pre>
 *
 * {@code kernel} is {@code forward} (default), {@code inputGradient} or {@code weightGradient};
 * {@code -Dshapes=128x784@1,10x128@32} replaces the default shapes.
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
    double peak = peak(millis);
    System.out.printf(Locale.ROOT, "peak (12 FMA chains of %d-bit vectors in registers, best"
        + " of %d ms of 4096-iteration calls): %.1f GFLOP/s%n", PEAK_SPECIES.vectorBitSize(),
        rounds * millis, peak);
    System.out.println("| shape | main µs (best) | now µs (best) | now/main per round "
        + "| now GFLOP/s (best) | % of peak |");
    System.out.println("|---|---:|---:|---|---:|---:|");
    String[] shapes = System.getProperty("shapes", String.join(",", SHAPES)).split(",");
    for (String shape : shapes) {
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
      double gflops = c.flops / (bn * 1e3);
      System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %s | %.1f | %.0f%% |%n", shape, bm,
          bn, ratios, gflops, 100 * gflops / peak);
    }
  }

  /** The kernels' species (the preferred one): no second vector shape in this JVM. */
  private static final VectorSpecies<Float> PEAK_SPECIES = FloatVector.SPECIES_PREFERRED;

  /** GFLOP/s of 12 independent FMA chains, best call, as {@link PeakBenchmark} but per call. */
  private static double peak(int millis) {
    float[] a = new float[PEAK_SPECIES.length()];
    java.util.Arrays.fill(a, 1.0000001f);
    double flops = 12.0 * 2 * PEAK_SPECIES.length() * 4096;
    double best = Double.POSITIVE_INFINITY;
    float sink = 0f;
    long end = System.nanoTime() + 3000L * 1_000_000L;
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      sink += fma12(a);
      best = Math.min(best, (System.nanoTime() - t0) / 1e3);
    }
    if (sink == 42f) System.out.println();
    return flops / (best * 1e3);
  }

  private static float fma12(float[] a) {
    FloatVector u = FloatVector.fromArray(PEAK_SPECIES, a, 0);
    FloatVector v = u.mul(0.5f);
    FloatVector c0 = v;
    FloatVector c1 = v.add(1f);
    FloatVector c2 = v.add(2f);
    FloatVector c3 = v.add(3f);
    FloatVector c4 = v.add(4f);
    FloatVector c5 = v.add(5f);
    FloatVector c6 = v.add(6f);
    FloatVector c7 = v.add(7f);
    FloatVector c8 = v.add(8f);
    FloatVector c9 = v.add(9f);
    FloatVector c10 = v.add(10f);
    FloatVector c11 = v.add(11f);
    for (int k = 0; k < 4096; k++) {
      c0 = c0.fma(u, v);
      c1 = c1.fma(u, v);
      c2 = c2.fma(u, v);
      c3 = c3.fma(u, v);
      c4 = c4.fma(u, v);
      c5 = c5.fma(u, v);
      c6 = c6.fma(u, v);
      c7 = c7.fma(u, v);
      c8 = c8.fma(u, v);
      c9 = c9.fma(u, v);
      c10 = c10.fma(u, v);
      c11 = c11.fma(u, v);
    }
    FloatVector s = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8)
        .add(c9).add(c10).add(c11);
    s.intoArray(a, 0);
    return a[0];
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
