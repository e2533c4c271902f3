package dev.deltac.runtime.train;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.FloatModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Data-parallel gradient of a minibatch, bit-identical whatever the thread count.
 *
 * <p>A batch of B samples is cut into {@code ceil(B / shardSize)} shards of {@code shardSize}
 * samples (the last may be shorter): the cut depends on B and the shard size only, never on the
 * threads. Shard i is computed by its own replica (sharing the parameters, with its own gradient
 * buffers), so each shard's mean-loss gradient is the same number whichever thread ran it. The
 * shard gradients are then summed into the main model's {@link FloatModel#grads()} in shard
 * order, each weighted by {@code n_i / B}, which makes the result the gradient of the batch's
 * mean loss. The calling thread computes shards too (the pool has {@code threads - 1} workers):
 * every thread takes the next unclaimed shard until none is left. The pool is created once and
 * reused; {@link #close()} ends it.
 *
 * <p>{@link #autoShardSize} picks a shard size from the batch size alone, large enough for the
 * batched dense kernels of the generated code (docs/PERFORMANCE.md).
 */
public final class ParallelGradient implements AutoCloseable {
  private final FloatModel model;
  private final int shardSize;
  private final int threads;
  private final List<FloatModel> replicas = new ArrayList<>();
  private final List<Shard> tasks = new ArrayList<>();
  private final ExecutorService pool;
  private float[] xs;
  private float[] ts;
  private long dropoutSeed;

  /**
   * @param model the main model: its {@link FloatModel#grads()} receive the reduced gradient
   * @param shardSize samples per shard, at most {@code model.maxBatch()}
   * @param threads worker threads (1 computes on the caller's thread)
   */
  public ParallelGradient(FloatModel model, int shardSize, int threads) {
    Checks.checkArgument(shardSize > 0, "shard size must be > 0: %s", shardSize);
    Checks.checkArgument(threads > 0, "threads must be > 0: %s", threads);
    Checks.checkArgument(shardSize <= model.maxBatch(),
        "shard size %s is larger than the model's maximum batch %s", shardSize, model.maxBatch());
    this.model = model;
    this.shardSize = shardSize;
    this.threads = threads;
    this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, daemonThreads());
    for (int i = 0; i < threads - 1; i++) drains.add(new Drain());
  }

  /** Samples per shard never go below this (the batched kernels want blocks of samples). */
  public static final int MIN_AUTO_SHARD = 32;
  /** Shard sizes are multiples of this. */
  public static final int SHARD_GRANULARITY = 16;

  /**
   * The shard size for batches of {@code batch} samples: about a quarter of the batch (so 2 or 4
   * threads balance), rounded up to {@link #SHARD_GRANULARITY}, at least {@link #MIN_AUTO_SHARD}
   * and at most the batch. It depends on the batch size only, never on the threads, so results
   * stay bit-identical whatever the thread count.
   */
  public static int autoShardSize(int batch) {
    Checks.checkArgument(batch > 0, "batch must be > 0: %s", batch);
    int quarter = (batch + 3) / 4;
    int rounded = (quarter + SHARD_GRANULARITY - 1) / SHARD_GRANULARITY * SHARD_GRANULARITY;
    return Math.min(batch, Math.max(MIN_AUTO_SHARD, rounded));
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "deltac-train-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  public int threads() {
    return threads;
  }

  public int shardSize() {
    return shardSize;
  }

  /** Shards a batch of {@code batch} samples is cut into. */
  public int shardCount(int batch) {
    return (batch + shardSize - 1) / shardSize;
  }

  /**
   * Computes the gradient of the mean loss of {@code batch} samples (packed from offset 0) into
   * the main model's gradients and returns the mean loss.
   *
   * @throws TrainingException (step 0) if a worker fails; the caller may rethrow with its step
   */
  public double compute(float[] xs, float[] ts, int batch) {
    Checks.checkArgument(batch > 0, "batch must be > 0: %s", batch);
    int shards = shardCount(batch);
    while (replicas.size() < shards) {
      replicas.add(model.replica());
      tasks.add(new Shard(tasks.size()));
    }
    this.xs = xs;
    this.ts = ts;
    for (int i = 0; i < shards; i++) {
      tasks.get(i).n = Math.min(shardSize, batch - i * shardSize);
      replicas.get(i).setDropoutSeed(dropoutSeed);
    }
    run(shards);
    return reduce(shards, batch);
  }

  private void run(int shards) {
    if (pool == null || shards == 1) {
      for (int i = 0; i < shards; i++) tasks.get(i).call();
      return;
    }
    shardCount = shards;
    next.set(0);
    int helpers = Math.min(drains.size(), shards - 1);
    List<Future<Void>> futures = new ArrayList<>(helpers);
    RuntimeException failure = null;
    try {
      for (int i = 0; i < helpers; i++) futures.add(pool.submit(drains.get(i)));
      try {
        drain();
      } catch (RuntimeException e) {
        failure = e;
        next.set(shards);
      }
      for (Future<Void> f : futures) f.get();
      if (failure != null) throw failure;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TrainingException(0, "interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) throw r;
      if (c instanceof Error err) throw err;
      throw new TrainingException(0, "gradient worker failed: " + c, c);
    }
  }

  private double reduce(int shards, int batch) {
    float[][] dst = model.grads();
    double loss = 0;
    for (int i = 0; i < shards; i++) {
      Shard s = tasks.get(i);
      loss += (double) s.n * s.loss;
      float w = (float) s.n / batch;
      float[][] src = replicas.get(i).grads();
      for (int b = 0; b < dst.length; b++) {
        float[] d = dst[b];
        float[] g = src[b];
        if (i == 0) {
          for (int j = 0; j < d.length; j++) d[j] = w * g[j];
        } else {
          for (int j = 0; j < d.length; j++) d[j] += w * g[j];
        }
      }
    }
    return loss / batch;
  }

  private final List<Drain> drains = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
  private volatile int shardCount;

  /** Computes unclaimed shards until none is left. */
  private void drain() {
    int n = shardCount;
    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) tasks.get(i).call();
  }

  private final class Drain implements Callable<Void> {
    @Override
    public Void call() {
      drain();
      return null;
    }
  }

  /** Seeds the dropout masks of the next {@link #compute} (see {@link FloatModel#setDropoutSeed}). */
  public void setDropoutSeed(long seed) {
    this.dropoutSeed = seed;
  }

  @Override
  public void close() {
    if (pool != null) pool.shutdownNow();
  }

  /** One shard's work, reused every step. */
  private final class Shard implements Callable<Void> {
    final int index;
    int n;
    float loss;

    Shard(int index) {
      this.index = index;
    }

    @Override
    public Void call() {
      FloatModel r = replicas.get(index);
      int off = index * shardSize;
      int in = model.info().inputSize();
      int tg = model.info().targetSize();
      loss = r.lossAndGradient(xs, off * in, ts, off * tg, n, false);
      return null;
    }
  }
}
