package dev.deltac.spark;

import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.optim.GradientClipping;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.train.GradientEngine;
import dev.deltac.runtime.train.ParallelGradient;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * A {@link GradientEngine} whose shards run on Spark executors. The batch is cut into the shards
 * of {@link ParallelGradient#shardCount} (a function of the batch and shard sizes only); each of
 * the {@code tasks} Spark tasks of a step computes a contiguous run of them and sends back one
 * gradient per shard; the driver sums them in shard order with
 * {@link ParallelGradient#reduceShard} and takes the optimizer step with a one-thread
 * {@link ParallelGradient}, so the bits are those of one JVM whatever the executors.
 *
 * <p>Two ways to run a step ({@link Mode}): a Spark job per step ({@code COLLECT}: the
 * parameters are broadcast, the shard data go with the tasks, the results are collected), or one
 * long barrier-mode stage whose tasks stay alive and exchange each step with the driver over a
 * socket ({@code BARRIER}). docs/SPARK.md compares them.
 */
public final class SparkGradient implements GradientEngine {
  /** How a step reaches the executors. */
  public enum Mode {
    /** One Spark job per step (broadcast, map, collect). */
    COLLECT,
    /** One barrier stage for the whole run; steps go over sockets to its live tasks. */
    BARRIER
  }

  private final JavaSparkContext jsc;
  private final FloatModel model;
  private final ModelSpec spec;
  private final int tasks;
  private final ParallelGradient local;
  private final BarrierSession barrier;
  private long dropoutSeed;
  private int firstNonFinite = -1;
  private int[] sizes = new int[0];
  private float[] losses = new float[0];
  private long steps;
  private long stepNanos;

  SparkGradient(JavaSparkContext jsc, FloatModel model, ModelSpec spec, int tasks, Mode mode,
      long connectTimeoutMillis) {
    this.jsc = jsc;
    this.model = model;
    this.spec = spec;
    this.tasks = tasks;
    this.local = new ParallelGradient(model, spec.shardSize(), 1);
    this.barrier = mode == Mode.BARRIER
        ? new BarrierSession(jsc, spec, tasks, connectTimeoutMillis) : null;
  }

  @Override
  public int threads() {
    return tasks;
  }

  @Override
  public void setDropoutSeed(long seed) {
    this.dropoutSeed = seed;
  }

  /** Steps computed and their mean wall time in milliseconds (driver side, whole step). */
  public String stats() {
    return steps + " steps, " + String.format(java.util.Locale.ROOT, "%.2f ms/step",
        steps == 0 ? 0 : stepNanos / 1e6 / steps);
  }

  @Override
  public double compute(float[] xs, float[] ts, int batch) {
    long t0 = System.nanoTime();
    int count = local.shardCount(batch);
    int parts = Math.min(tasks, count);
    List<ShardWork> work = new ArrayList<>(parts);
    int in = spec.inputSize();
    int tg = spec.targetSize();
    for (int t = 0; t < parts; t++) {
      int first = (int) ((long) t * count / parts);
      int last = (int) ((long) (t + 1) * count / parts);
      work.add(ShardWork.cut(xs, ts, batch, spec.shardSize(), first, last, in, tg));
    }
    List<ShardWork.Result[]> results = barrier != null
        ? barrier.step(work, model.params(), dropoutSeed)
        : collect(work);
    if (sizes.length < count) {
      sizes = new int[count];
      losses = new float[count];
    }
    ShardWork.Result[] byShard = new ShardWork.Result[count];
    for (ShardWork.Result[] rs : results) {
      for (ShardWork.Result r : rs) byShard[r.shard()] = r;
    }
    float[][] grads = model.grads();
    for (int i = 0; i < count; i++) {
      ShardWork.Result r = byShard[i];
      if (r == null) throw new IllegalStateException("shard " + i + " of " + count + " missing");
      sizes[i] = r.n();
      losses[i] = r.loss();
      for (int b = 0; b < grads.length; b++) {
        ParallelGradient.reduceShard(grads[b], r.grads()[b], i, r.n(), batch, 0, grads[b].length);
      }
    }
    firstNonFinite = GradientClipping.firstNonFiniteBlock(grads);
    steps++;
    stepNanos += System.nanoTime() - t0;
    return ParallelGradient.meanLoss(sizes, losses, count, batch);
  }

  private List<ShardWork.Result[]> collect(List<ShardWork> work) {
    Broadcast<float[][]> params = jsc.broadcast(model.params());
    try {
      ModelSpec s = spec;
      long seed = dropoutSeed;
      return jsc.parallelize(work, work.size())
          .map(w -> w.compute(s, params.value(), seed))
          .collect();
    } finally {
      params.destroy(false);
    }
  }

  @Override
  public int firstNonFiniteGradientBlock() {
    return firstNonFinite;
  }

  @Override
  public int update(Optimizer optimizer) {
    return local.update(optimizer);
  }

  @Override
  public void close() {
    try {
      if (barrier != null) barrier.close();
    } finally {
      local.close();
    }
  }
}
