package dev.deltac.benchmarks.models;

import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.kernels.DenseKernels;
import dev.deltac.runtime.train.ParallelGradient;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * The wall time of every step and the CPU time of every block of steps, for the plain step
 * ({@code lossAndGradient} of the whole batch, then the optimizer), the sharded step of
 * {@link ParallelGradient} on one thread and on two, alternating in blocks in one JVM; printed as
 * percentiles and their ratios. On a shared machine the fastest steps of each mode are the ones
 * that ran while the cores were free (a two-thread step needs both), so the low percentiles
 * approximate a quiet machine where a whole-run average cannot; the CPU rows show what the
 * sharding and the second thread cost (spinning included).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *   dev.deltac.benchmarks.models.StepPercentiles [mlp_b256 | model.nn] [blocks] [steps per block]</pre>
 *
 * A {@code .nn} file runs at batch 64 with Adam, a workload of {@link Workloads} at its batch
 * with SGD; shards of {@link ParallelGradient#autoShardSize}.
 */
public final class StepPercentiles {
  private static final double[] QUANTILES = {0.0, 0.01, 0.05, 0.10, 0.25, 0.5};
  private static final String[] MODES = {"plain", "1 thread", "2 threads"};

  private StepPercentiles() {}

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "mlp_b256";
    int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int per = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    ShardCostReport.Setup setup = new ShardCostReport.Setup(what, 1e-6);
    FloatModel[] models = setup.models;
    int batch = setup.batch;
    int shard = ParallelGradient.autoShardSize(batch);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long[][] wall = new long[3][blocks * per];
    double[][] cpu = new double[3][blocks];
    try (ParallelGradient one = new ParallelGradient(models[1], shard, 1);
        ParallelGradient two = new ParallelGradient(models[2], shard, 2)) {
      long worker = -1;
      for (int b = -Math.max(4, blocks / 5); b < blocks; b++) { // the first blocks warm up
        for (int k = 0; k < 3; k++) {
          if (k == 2 && worker < 0) worker = ShardCostReport.workerId();
          long c0 = mx.getCurrentThreadCpuTime();
          long wc0 = k == 2 && worker > 0 ? mx.getThreadCpuTime(worker) : 0;
          for (int s = 0; s < per; s++) {
            long t0 = System.nanoTime();
            setup.step(k, one, two);
            if (b >= 0) wall[k][b * per + s] = System.nanoTime() - t0;
          }
          long c = mx.getCurrentThreadCpuTime() - c0;
          if (k == 2 && worker > 0) c += mx.getThreadCpuTime(worker) - wc0;
          if (b >= 0) cpu[k][b] = c / 1e3 / per;
        }
      }
    }
    System.out.printf("%s, batch %d, shards of %d, %s, %d steps per mode, load average %.1f%n",
        what, batch, shard, DenseKernels.get().name(), blocks * per,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    double[][] w = new double[3][];
    double[][] c = new double[3][];
    for (int k = 0; k < 3; k++) {
      double[] us = new double[wall[k].length];
      for (int i = 0; i < us.length; i++) us[i] = wall[k][i] / 1e3;
      w[k] = quantiles(us);
      c[k] = quantiles(cpu[k]);
    }
    System.out.print("  percentile        ");
    for (double q : QUANTILES) System.out.printf("%9s", "p" + (int) Math.round(q * 100));
    System.out.println();
    System.out.println("  wall per step, us:");
    for (int k = 0; k < 3; k++) row(MODES[k], w[k], "%9.1f");
    row("plain / 2 threads", ratio(w[0], w[2]), "%9.2f");
    row("1 thr / 2 threads", ratio(w[1], w[2]), "%9.2f");
    System.out.println("  CPU per step (blocks of " + per + "; 2 threads: both, spinning included),"
        + " us:");
    for (int k = 0; k < 3; k++) row(MODES[k], c[k], "%9.1f");
    row("1 thread / plain", ratio(c[1], c[0]), "%9.3f");
    row("2 threads / plain", ratio(c[2], c[0]), "%9.3f");
  }

  private static double[] quantiles(double[] values) {
    double[] x = values.clone();
    Arrays.sort(x);
    double[] q = new double[QUANTILES.length];
    for (int i = 0; i < q.length; i++) q[i] = x[(int) (QUANTILES[i] * (x.length - 1))];
    return q;
  }

  private static double[] ratio(double[] a, double[] b) {
    double[] q = new double[a.length];
    for (int i = 0; i < q.length; i++) q[i] = a[i] / b[i];
    return q;
  }

  private static void row(String label, double[] values, String format) {
    System.out.printf("  %-18s", label);
    for (double v : values) System.out.printf(format, v);
    System.out.println();
  }
}
