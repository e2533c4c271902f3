package dev.deltac.benchmarks.models;

import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import java.lang.management.ManagementFactory;

/**
 * The generated training step (as {@link ModelBenchmark}) timed best-of, for a loaded machine
 * where JMH's means measure the other tenants: per workload a warm-up ({@code -Dwarm=ms},
 * default 4000; under load C2 needs 10 s or more for the Vector API kernels, and a side that
 * still allocates megabytes per step has not been compiled yet), then batches of about 2 ms of
 * steps; prints the fastest batch's µs per step, the 25th percentile, the median and the bytes
 * allocated per step. Compare with {@code TORCH_BENCH_STAT=min benchmarks/torch_bench.py}.
 *
 * <pre>java [-XX:UseAVX=2] -Dwarm=10000 --add-modules jdk.incubator.vector
 *     -cp benchmarks/target/benchmarks.jar dev.deltac.benchmarks.models.StepBest
 *     3000 mlp_b32 ...</pre>
 */
public final class StepBest {
  private StepBest() {}

  public static void main(String[] a) throws Exception {
    int millis = Integer.parseInt(a[0]);
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    StringBuilder out = new StringBuilder();
    for (int k = 1; k < a.length; k++) {
      Workloads.Workload w = Workloads.get(a[k]);
      int batch = w.batch();
      FloatModel model = Deltac.compile(w.name() + ".nn", w.source()).model().newModel(batch);
      model.initParams(7);
      float[] xs = new float[batch * model.info().inputSize()];
      float[] ts = new float[batch * model.info().targetSize()];
      Workloads.fill(w.name(), xs, ts, model.info().targetSize(), 11);
      long end = System.nanoTime() + Long.getLong("warm", 4000L) * 1_000_000L;
      float sink = 0;
      while (System.nanoTime() < end) sink += ModelBenchmark.sgdStep(model, xs, ts, batch, 1e-3f);
      // calibrate calls per batch ~ 2 ms
      long t0 = System.nanoTime();
      int c = 0;
      while (System.nanoTime() - t0 < 2_000_000L) {
        sink += ModelBenchmark.sgdStep(model, xs, ts, batch, 1e-3f);
        c++;
      }
      java.util.ArrayList<Double> ts2 = new java.util.ArrayList<>();
      long alloc0 = mx.getCurrentThreadAllocatedBytes();
      long steps = 0;
      end = System.nanoTime() + millis * 1_000_000L;
      while (System.nanoTime() < end) {
        long s = System.nanoTime();
        for (int q = 0; q < c; q++) sink += ModelBenchmark.sgdStep(model, xs, ts, batch, 1e-3f);
        ts2.add((System.nanoTime() - s) / 1e3 / c);
        steps += c;
      }
      long alloc = mx.getCurrentThreadAllocatedBytes() - alloc0;
      java.util.Collections.sort(ts2);
      out.append(String.format(java.util.Locale.ROOT,
          "%s best %.1f us, p25 %.1f, median %.1f, %.1f B/step%n", a[k], ts2.get(0),
          ts2.get(ts2.size() / 4), ts2.get(ts2.size() / 2), (double) alloc / steps));
      if (sink == 42) System.out.println();
    }
    System.out.print(out);
  }
}
