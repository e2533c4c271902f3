package dev.deltac.runtime.train;

import dev.deltac.runtime.BatchCoupled;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.kernels.SharedPacking;
import dev.deltac.runtime.optim.ElementwiseOptimizer;
import dev.deltac.runtime.optim.GradientClipping;
import dev.deltac.runtime.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Data-parallel gradient of a minibatch and the optimizer step after it, bit-identical whatever
 * the thread count.
 *
 * <p>A batch of B samples is cut into {@code ceil(B / shardSize)} shards of {@code shardSize}
 * samples (the last may be shorter): the cut depends on B and the shard size only, never on the
 * threads. Shard i is computed by its own replica (sharing the parameters, with its own gradient
 * buffers), so each shard's mean-loss gradient is the same number whichever thread ran it. The
 * shard gradients are then summed into the main model's {@link FloatModel#grads()} in shard
 * order, each weighted by {@code n_i / B}, which makes the result the gradient of the batch's
 * mean loss. That sum runs in parallel too, over fixed chunks of the parameter blocks (each
 * element still sums the shards in shard order), and {@link #update} runs an
 * {@link ElementwiseOptimizer}'s step over the same chunks.
 *
 * <p>The calling thread works too (the pool has {@code threads - 1} workers): every thread takes
 * the next unclaimed shard or chunk until none is left. The workers are started once and reused
 * without allocating per step (between steps they spin briefly, then park); {@link #close()}
 * ends them.
 *
 * <p>{@link #autoShardSize} picks a shard size from the batch size alone, large enough for the
 * batched dense kernels of the generated code (docs/PERFORMANCE.md).
 */
public final class ParallelGradient implements GradientEngine {
  /** Parameter elements per chunk of the parallel reduction and optimizer step. */
  static final int CHUNK = 8192;
  /** A thread waiting for the other shards sleeps this long between checks, after spinning. */
  static final long WAIT_NANOS = 20_000;
  /** Below this many parameters the reduction and the optimizer step stay on the caller. */
  static final int PARALLEL_MIN_PARAMS = 32768;

  private final FloatModel model;
  private final int shardSize;
  private final int threads;
  private final List<FloatModel> replicas = new ArrayList<>();
  private final List<Shard> shards = new ArrayList<>();
  private final WorkerPool pool;
  private final Chunks chunks;
  private final int parallelMinParams;
  private final AtomicInteger next = new AtomicInteger();
  /** The fused step's reduce chunks are claimed from here (shards from {@link #next}). */
  private final AtomicInteger nextChunk = new AtomicInteger();
  /** Shards finished in the fused step; the reduction starts when all are. */
  private final AtomicInteger shardsDone = new AtomicInteger();
  private volatile boolean shardFailed;
  private final ShardJob shardJob = new ShardJob();
  private final ReduceJob reduceJob = new ReduceJob();
  private final UpdateJob updateJob = new UpdateJob();
  private final EvalJob evalJob = new EvalJob();
  private float[] xs;
  private float[] ts;
  private int shardCount;
  private int batch;
  private long dropoutSeed;
  private int firstNonFiniteGradient = -1;
  /** The batch-coupled protocol of the model (batch_norm), or null. */
  private final BatchCoupled coupled;
  /** The stage the shards run next (batch-coupled models). */
  private int stage;
  /** Per statistic group: the whole batch's sums, reduced over the shards in shard order. */
  private final List<double[]> batchSums = new ArrayList<>();
  /** Packed weights shared by the shards of one step (packed once, not once per shard). */
  private final SharedPacking packing = new SharedPacking();

  /**
   * @param model the main model: its {@link FloatModel#grads()} receive the reduced gradient
   * @param shardSize samples per shard, at most {@code model.maxBatch()}
   * @param threads threads that compute, the caller's included (1: everything on the caller)
   */
  public ParallelGradient(FloatModel model, int shardSize, int threads) {
    this(model, shardSize, threads, CHUNK, PARALLEL_MIN_PARAMS);
  }

  /** With the chunk size and the parallel threshold given (tests use small ones). */
  ParallelGradient(FloatModel model, int shardSize, int threads, int chunk, int parallelMinParams) {
    Checks.checkArgument(shardSize > 0, "shard size must be > 0: %s", shardSize);
    Checks.checkArgument(threads > 0, "threads must be > 0: %s", threads);
    Checks.checkArgument(shardSize <= model.maxBatch(),
        "shard size %s is larger than the model's maximum batch %s", shardSize, model.maxBatch());
    this.model = model;
    this.shardSize = shardSize;
    this.threads = threads;
    this.pool = new WorkerPool(threads - 1, "deltac-train");
    this.chunks = new Chunks(model.grads(), chunk);
    this.parallelMinParams = parallelMinParams;
    this.coupled = model.batchCoupled() && model instanceof BatchCoupled c ? c : null;
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

  @Override
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
   * the main model's gradients and returns the mean loss. Exceptions of the generated code
   * (bad arguments, say) come out as they were thrown, on whichever thread.
   */
  @Override
  public double compute(float[] xs, float[] ts, int batch) {
    Checks.checkArgument(batch > 0, "batch must be > 0: %s", batch);
    int count = shardCount(batch);
    while (replicas.size() < count) {
      replicas.add(model.replica());
      shards.add(new Shard(shards.size()));
    }
    this.xs = xs;
    this.ts = ts;
    this.batch = batch;
    this.shardCount = count;
    packing.invalidate(); // the parameters changed since the last step
    for (int i = 0; i < count; i++) {
      shards.get(i).n = Math.min(shardSize, batch - i * shardSize);
      replicas.get(i).setDropoutSeed(dropoutSeed);
    }
    try {
      if (coupled == null && count > 1 && reduceInParallel()) {
        // one dispatch: a thread out of shards waits for the others', then takes reduce chunks
        reduceJob.firstNonFinite.set(Integer.MAX_VALUE);
        nextChunk.set(0);
        shardsDone.set(0);
        shardFailed = false;
        shardJob.fused = true;
        try {
          runShards(count, 0);
        } finally {
          shardJob.fused = false;
        }
        int b = reduceJob.firstNonFinite.get();
        firstNonFiniteGradient = b == Integer.MAX_VALUE ? -1 : b;
      } else {
        if (coupled != null) {
          coupledStages(count);
        } else {
          runShards(count, 0);
        }
        firstNonFiniteGradient = runChunks(reduceJob);
      }
    } finally {
      this.xs = null;
      this.ts = null;
    }
    double loss = 0;
    for (int i = 0; i < count; i++) {
      Shard s = shards.get(i);
      loss += coupled != null ? s.loss : (double) s.n * s.loss;
    }
    return loss / batch;
  }

  /** Runs stage {@code k} of every shard, on every thread when there are several shards. */
  private void runShards(int count, int k) {
    stage = k;
    next.set(0);
    if (count == 1) {
      shardJob.run();
    } else {
      pool.run(shardJob);
    }
  }

  /**
   * The staged step of a batch-coupled model ({@link BatchCoupled}): per statistic group, every
   * shard's stage, then the shards' sums added up in shard order (whatever thread computed
   * them) and handed back to every replica; then the last stage, and the running statistics
   * updated once (replicas share them with the main model).
   */
  private void coupledStages(int count) {
    for (int i = 0; i < count; i++) ((BatchCoupled) replicas.get(i)).beginShard(batch);
    int groups = coupled.statisticGroups();
    for (int k = 0; k < groups; k++) {
      runShards(count, k);
      double[] first = ((BatchCoupled) replicas.get(0)).shardSums(k);
      while (batchSums.size() <= k) batchSums.add(new double[first.length]);
      double[] total = batchSums.get(k);
      System.arraycopy(first, 0, total, 0, total.length);
      for (int i = 1; i < count; i++) {
        double[] s = ((BatchCoupled) replicas.get(i)).shardSums(k);
        for (int j = 0; j < total.length; j++) total[j] += s[j];
      }
      for (int i = 0; i < count; i++) ((BatchCoupled) replicas.get(i)).setBatchSums(k, total, batch);
    }
    runShards(count, groups);
    ((BatchCoupled) replicas.get(0)).updateRunningStatistics(batch);
  }

  /**
   * The first gradient block of the last {@link #compute} holding a NaN or an infinity, or -1
   * (found during the reduction, so checking costs no extra pass).
   */
  @Override
  public int firstNonFiniteGradientBlock() {
    return firstNonFiniteGradient;
  }

  /**
   * One optimizer step on the main model's parameters from its gradients. An
   * {@link ElementwiseOptimizer} runs over the parameter chunks, on every thread for a large
   * enough model (each element's update is the same whichever thread makes it), checking each
   * chunk as it leaves it; any other optimizer runs its {@link Optimizer#step} on the caller.
   *
   * @return the first parameter block that holds a NaN or an infinity after the step, or -1
   */
  @Override
  public int update(Optimizer optimizer) {
    float[][] params = model.params();
    float[][] grads = model.grads();
    if (!(optimizer instanceof ElementwiseOptimizer e)) {
      optimizer.step(params, grads);
      return GradientClipping.firstNonFiniteBlock(params);
    }
    e.beginStep(params, grads);
    updateJob.optimizer = e;
    int bad;
    try {
      bad = runChunks(updateJob);
    } finally {
      updateJob.optimizer = null;
    }
    e.endStep();
    return bad;
  }

  /**
   * Runs {@code job} over every parameter chunk, on every thread when the model has at least
   * {@code parallelMinParams} parameters, else on the caller; returns the first block the job
   * left non-finite, or -1.
   */
  private int runChunks(ChunkJob job) {
    next.set(0);
    job.firstNonFinite.set(Integer.MAX_VALUE);
    if (reduceInParallel()) {
      pool.run(job);
    } else {
      job.run();
    }
    int b = job.firstNonFinite.get();
    return b == Integer.MAX_VALUE ? -1 : b;
  }

  /** Whether the reduction and the optimizer step run on every thread (a large enough model). */
  private boolean reduceInParallel() {
    return pool.workers() > 0 && chunks.elements() >= parallelMinParams;
  }

  /**
   * Adds shard {@code shard}'s mean-loss gradient {@code g} (elements {@code [from, to)} of one
   * block), weighted by {@code n / batch}, into the batch gradient {@code d}: shard 0 assigns, the
   * others add, in shard order. Every {@link GradientEngine} reduces with this, so where a shard
   * was computed never changes a bit.
   */
  public static void reduceShard(float[] d, float[] g, int shard, int n, int batch, int from,
      int to) {
    float w = (float) n / batch;
    if (shard == 0) {
      for (int j = from; j < to; j++) d[j] = w * g[j];
    } else {
      for (int j = from; j < to; j++) d[j] += w * g[j];
    }
  }

  /**
   * Adds {@code k} (1 to 4) consecutive shards' weighted gradients {@code w0 * g0, ..., w3 * g3}
   * to {@code d[from, to)} in one pass ({@code first}: the group starts at shard 0, whose term
   * assigns). Each element gets the sums {@link #reduceShard} would make one shard at a time, in
   * the same order, so the same bits, but {@code d} is read and written once per four shards
   * (MLP b256, 4 shards of 101 770 floats: 31 to 22 us per step).
   */
  static void reduceGroup(float[] d, boolean first, int k, float[] g0, float w0, float[] g1,
      float w1, float[] g2, float w2, float[] g3, float w3, int from, int to) {
    if (first) {
      switch (k) {
        case 1:
          for (int j = from; j < to; j++) d[j] = w0 * g0[j];
          break;
        case 2:
          for (int j = from; j < to; j++) d[j] = w0 * g0[j] + w1 * g1[j];
          break;
        case 3:
          for (int j = from; j < to; j++) d[j] = (w0 * g0[j] + w1 * g1[j]) + w2 * g2[j];
          break;
        default:
          for (int j = from; j < to; j++) {
            d[j] = ((w0 * g0[j] + w1 * g1[j]) + w2 * g2[j]) + w3 * g3[j];
          }
      }
      return;
    }
    switch (k) {
      case 1:
        for (int j = from; j < to; j++) d[j] += w0 * g0[j];
        break;
      case 2:
        for (int j = from; j < to; j++) d[j] = (d[j] + w0 * g0[j]) + w1 * g1[j];
        break;
      case 3:
        for (int j = from; j < to; j++) d[j] = ((d[j] + w0 * g0[j]) + w1 * g1[j]) + w2 * g2[j];
        break;
      default:
        for (int j = from; j < to; j++) {
          d[j] = (((d[j] + w0 * g0[j]) + w1 * g1[j]) + w2 * g2[j]) + w3 * g3[j];
        }
    }
  }

  /** The batch's mean loss from its shards' sizes and mean losses, summed in shard order. */
  public static double meanLoss(int[] n, float[] loss, int shards, int batch) {
    double sum = 0;
    for (int i = 0; i < shards; i++) sum += (double) n[i] * loss[i];
    return sum / batch;
  }

  /** One chunk of an evaluation pass, run with a model no other thread uses meanwhile. */
  interface ChunkTask {
    /** @param slot the model's slot, below {@link #threads()} plus the late re-entries */
    void run(FloatModel model, int chunk, int slot);
  }

  /**
   * Runs {@code task} for the chunks {@code 0 .. count} of an inference pass (validation loss
   * and accuracy) on every thread, each thread with its own replica (they share the
   * parameters, and inference reads them only). Which thread ran a chunk never changes its
   * result, so a caller that keeps one result per chunk and combines them in chunk order gets
   * the bits of the serial pass.
   */
  void forEachChunk(int count, ChunkTask task) {
    if (pool.workers() == 0 || count < 2) {
      for (int c = 0; c < count; c++) task.run(model, c, 0);
      return;
    }
    evalJob.task = task;
    evalJob.count = count;
    evalJob.slots.set(0);
    next.set(0);
    try {
      pool.run(evalJob);
    } finally {
      evalJob.task = null;
    }
  }

  /** The replica of evaluation slot {@code slot} (the shards' replicas, more when needed). */
  private FloatModel evalModel(int slot) {
    synchronized (replicas) {
      while (replicas.size() <= slot) {
        replicas.add(model.replica());
        shards.add(new Shard(shards.size()));
      }
      return replicas.get(slot);
    }
  }

  /** Seeds the dropout masks of the next {@link #compute} (see {@link FloatModel#setDropoutSeed}). */
  @Override
  public void setDropoutSeed(long seed) {
    this.dropoutSeed = seed;
  }

  @Override
  public void close() {
    pool.close();
  }

  /**
   * Computes unclaimed shards until none is left; when {@link #fused}, then waits until every
   * shard is done (their threads are inside this job) and reduces unclaimed chunks, so that the
   * reduction needs no second dispatch (a worker that had parked between the two phases used to
   * miss the short reduction).
   */
  private final class ShardJob implements WorkerPool.Job {
    boolean fused;

    @Override
    public void run() {
      int n = shardCount;
      if (n > 1) packing.enter();
      try {
        for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
          try {
            shards.get(i).compute();
          } catch (RuntimeException | Error e) {
            shardFailed = true;
            next.set(n);
            throw e;
          }
          shardsDone.incrementAndGet();
        }
      } finally {
        if (n > 1) SharedPacking.exit();
      }
      if (!fused) return;
      long deadline = System.nanoTime() + WorkerPool.SPIN_NANOS;
      while (shardsDone.get() < n) {
        if (shardFailed) return;
        if (System.nanoTime() < deadline) {
          Thread.onSpinWait();
        } else {
          // the other shard's thread is off its core (a loaded machine): sleep, neither spin
          // nor yield, which took CPU from that thread
          LockSupport.parkNanos(WAIT_NANOS);
        }
      }
      reduceJob.runFrom(nextChunk);
    }
  }

  /** Evaluation chunks: each participant takes a slot (a replica of its own), then chunks. */
  private final class EvalJob implements WorkerPool.Job {
    final AtomicInteger slots = new AtomicInteger();
    ChunkTask task;
    int count;

    @Override
    public void run() {
      int slot = slots.getAndIncrement();
      FloatModel m = null;
      for (int c = next.getAndIncrement(); c < count; c = next.getAndIncrement()) {
        try {
          if (m == null) m = evalModel(slot);
          task.run(m, c, slot);
        } catch (RuntimeException | Error e) {
          next.set(count);
          throw e;
        }
      }
    }
  }

  /** Work over unclaimed parameter chunks, each checked for NaN and infinity when done. */
  private abstract class ChunkJob implements WorkerPool.Job {
    final AtomicInteger firstNonFinite = new AtomicInteger();

    /** Does elements {@code [from, to)} of block {@code b}; returns the array to check there. */
    abstract float[] process(int b, int from, int to);

    @Override
    public void run() {
      runFrom(next);
    }

    /** Processes the chunks not yet claimed from {@code counter}. */
    void runFrom(AtomicInteger counter) {
      for (int c = counter.getAndIncrement(); c < chunks.count(); c = counter.getAndIncrement()) {
        int b = chunks.block(c);
        int from = chunks.from(c);
        int to = chunks.to(c);
        if (!GradientClipping.allFinite(process(b, from, to), from, to)) {
          firstNonFinite.accumulateAndGet(b, Math::min);
        }
      }
    }
  }

  /** Sums the shard gradients into the main model's, chunk by chunk, in shard order. */
  private final class ReduceJob extends ChunkJob {
    @Override
    float[] process(int b, int from, int to) {
      float[] d = model.grads()[b];
      for (int i = 0; i < shardCount; i += 4) {
        int k = Math.min(4, shardCount - i);
        int last = i + k - 1; // shards past it are passed again and ignored
        int i1 = Math.min(i + 1, last);
        int i2 = Math.min(i + 2, last);
        int i3 = Math.min(i + 3, last);
        reduceGroup(d, i == 0, k, grad(i, b), weight(i), grad(i1, b), weight(i1), grad(i2, b),
            weight(i2), grad(i3, b), weight(i3), from, to);
      }
      return d;
    }

    private float[] grad(int shard, int b) {
      return replicas.get(shard).grads()[b];
    }

    /** Shard {@code i}'s weight {@code n / batch} (a batch-coupled shard's gradient is seeded
     * with 1/batch already: its weight is 1). */
    private float weight(int i) {
      return (float) (coupled != null ? batch : shards.get(i).n) / batch;
    }
  }

  /** Runs an elementwise optimizer's update over the chunks. */
  private final class UpdateJob extends ChunkJob {
    ElementwiseOptimizer optimizer;

    @Override
    float[] process(int b, int from, int to) {
      optimizer.update(model.params(), model.grads(), b, from, to);
      return model.params()[b];
    }
  }

  /** One shard's work, reused every step. */
  private final class Shard {
    final int index;
    int n;
    double loss;

    Shard(int index) {
      this.index = index;
    }

    void compute() {
      FloatModel r = replicas.get(index);
      int off = index * shardSize;
      int in = model.info().inputSize();
      int tg = model.info().targetSize();
      if (coupled != null) {
        double s = ((BatchCoupled) r).runStage(stage, xs, off * in, ts, off * tg, n);
        if (stage == coupled.statisticGroups()) loss = (float) s;
        return;
      }
      loss = r.lossAndGradient(xs, off * in, ts, off * tg, n, false);
    }
  }
}
