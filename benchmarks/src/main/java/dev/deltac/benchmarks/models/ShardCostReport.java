package dev.deltac.benchmarks.models;

import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.train.ParallelGradient;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * What data parallelism costs, in CPU time, which a loaded machine does not distort as it does
 * wall time: per training step, the plain step ({@code lossAndGradient} of the whole batch and
 * the optimizer), the sharded step of {@link ParallelGradient} on one thread (its overhead is
 * what keeps two threads from paying), and the sharded step on two threads (all threads' CPU,
 * and the caller's and the worker's share). Fastest of the rounds after two warm-up rounds,
 * the three alternating in one JVM; wall times are printed too, for a quiet machine.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *   dev.deltac.benchmarks.models.ShardCostReport [mlp_b256 | model.nn] [rounds] [steps] [shard]</pre>
 *
 * A {@code .nn} file runs at batch 64 with Adam (the fashion-cnn sample), a workload of
 * {@link Workloads} at its batch with SGD; shard 0 means {@link ParallelGradient#autoShardSize}.
 */
public final class ShardCostReport {
  private ShardCostReport() {}

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "mlp_b256";
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 150;
    int shard = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    Setup setup = new Setup(what, 1e-4);
    FloatModel[] models = setup.models;
    int batch = setup.batch;
    if (shard == 0) shard = ParallelGradient.autoShardSize(batch);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    try (ParallelGradient one = new ParallelGradient(models[1], shard, 1);
        ParallelGradient two = new ParallelGradient(models[2], shard, 2)) {
      double[] cpu = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
      double[] wall = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
      long worker = -1;
      long callerSum = 0;
      long workerSum = 0;
      long measured = 0;
      for (int round = 0; round < rounds + 2; round++) {
        for (int k = 0; k < 3; k++) {
          long caller0 = mx.getCurrentThreadCpuTime();
          long worker0 = worker > 0 ? mx.getThreadCpuTime(worker) : 0;
          long w0 = System.nanoTime();
          for (int s = 0; s < steps; s++) setup.step(k, one, two);
          long w = System.nanoTime() - w0;
          long c = mx.getCurrentThreadCpuTime() - caller0;
          if (k == 2) {
            if (worker < 0) {
              worker = workerId();
              continue; // the worker's CPU is counted from the next round on
            }
            long wc = mx.getThreadCpuTime(worker) - worker0;
            if (round >= 2) {
              callerSum += c;
              workerSum += wc;
              measured += steps;
            }
            c += wc;
          }
          if (round < 2) continue;
          cpu[k] = Math.min(cpu[k], c / 1e3 / steps);
          wall[k] = Math.min(wall[k], w / 1e3 / steps);
        }
      }
      System.out.printf("%s, batch %d, shards of %d, %s, load average %.1f%n", what, batch, shard,
          dev.deltac.runtime.kernels.DenseKernels.get().name(),
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      System.out.printf("CPU per step: plain %.0f us; sharded, 1 thread %.0f us (%.2fx plain);"
          + " sharded, 2 threads %.0f us (%.2fx plain)%n", cpu[0], cpu[1], cpu[1] / cpu[0],
          cpu[2], cpu[2] / cpu[0]);
      System.out.printf("2 threads, mean CPU per step: caller %.0f us, worker %.0f us"
          + " (spinning included)%n", callerSum / 1e3 / measured, workerSum / 1e3 / measured);
      System.out.printf("wall per step (fastest round): plain %.0f us, 1 thread %.0f us,"
          + " 2 threads %.0f us: 1 thread / 2 threads %.2fx%n", wall[0], wall[1], wall[2],
          wall[1] / wall[2]);
    }
  }

  /**
   * Three copies of a model (plain, one thread, two threads) with their optimizers, and one
   * batch of random inputs and one-hot targets: a {@code .nn} file at batch 64 with Adam, a
   * workload of {@link Workloads} at its batch with SGD.
   */
  static final class Setup {
    final FloatModel[] models = new FloatModel[3];
    final Optimizer[] opts = new Optimizer[3];
    final int batch;
    final float[] xs;
    final float[] ts;

    Setup(String what, double sgdRate) throws Exception {
      boolean file = what.endsWith(".nn");
      String src = file ? Files.readString(Path.of(what)) : Workloads.get(what).source();
      String name = file ? Path.of(what).getFileName().toString()
          : Workloads.get(what).name() + ".nn";
      batch = file ? 64 : Workloads.get(what).batch();
      for (int i = 0; i < 3; i++) {
        models[i] = Deltac.compile(name, src).model().newModel(batch);
        models[i].initParams(7);
        opts[i] = file ? Optimizer.adam(1e-4) : Optimizer.sgd(sgdRate);
      }
      int out = models[0].info().targetSize();
      xs = new float[batch * models[0].info().inputSize()];
      ts = new float[batch * out];
      Random r = new Random(3);
      for (int i = 0; i < xs.length; i++) xs[i] = r.nextFloat();
      for (int b = 0; b < batch; b++) ts[b * out + r.nextInt(out)] = 1f;
    }

    /** One training step of mode {@code k}: 0 plain, 1 on {@code one}, 2 on {@code two}. */
    void step(int k, ParallelGradient one, ParallelGradient two) {
      if (k == 0) {
        models[0].lossAndGradient(xs, 0, ts, 0, batch, false);
        opts[0].step(models[0].params(), models[0].grads());
      } else {
        ParallelGradient e = k == 1 ? one : two;
        e.compute(xs, ts, batch);
        e.update(opts[k]);
      }
    }
  }

  /** The id of the two-thread engine's worker (the only {@code deltac-train} thread). */
  static long workerId() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("deltac-train")) return t.getId();
    }
    throw new IllegalStateException("no worker thread");
  }
}
