package dev.deltac.runtime.train;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Memory;
import dev.deltac.runtime.Params;
import dev.deltac.runtime.Rng;
import dev.deltac.runtime.TensorInfo;
import dev.deltac.runtime.data.Augmentation;
import dev.deltac.runtime.data.Batches;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.io.Checkpoint;
import dev.deltac.runtime.io.CheckpointException;
import dev.deltac.runtime.io.Fingerprint;
import dev.deltac.runtime.optim.GradientClipping;
import dev.deltac.runtime.optim.LrSchedule;
import dev.deltac.runtime.optim.OptimState;
import dev.deltac.runtime.optim.Optimizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Trains a {@link FloatModel}: epochs of shuffled minibatches, each step computing the batch
 * gradient data-parallel ({@link ParallelGradient}), checking it for NaN/Inf, clipping it,
 * setting the learning rate from the schedule and taking the optimizer step; after each epoch,
 * metrics on the validation set, listeners, and early stopping.
 *
 * <pre>
 *   try (Trainer t = Trainer.builder(model).optimizer(Optimizer.adam(1e-3)).batchSize(64)
 *       .epochs(20).validation(val).earlyStopping(3, 0, true).listener(progress).build()) {
 *     TrainingResult r = t.fit(train);
 *   }
 * </pre>
 * For a given seed the result is bit-identical whatever {@link Builder#threads(int)} is.
 *
 * <p>Checkpoints: with {@link Builder#checkpoints(Path, long)} the whole training state
 * ({@link TrainingState}: parameters, optimizer moments and step count, epoch and batch, the
 * early-stopping state, the history) is written atomically to one file at the end of every epoch
 * and every N steps; {@link #resume} continues a run from such a file, and the run then ends
 * with the same bits as one that was never interrupted.
 */
public final class Trainer implements AutoCloseable {
  private final FloatModel model;
  private final Optimizer optimizer;
  private final LrSchedule schedule;
  private final int batchSize;
  private final int epochs;
  private final long seed;
  private final boolean shuffle;
  private final Augmentation augmentation;
  private final double clipNorm;
  private final double clipValue;
  private final Dataset validation;
  private final int patience;
  private final double minDelta;
  private final boolean restoreBest;
  private final boolean evaluateTraining;
  private final List<TrainingListener> listeners;
  private final GradientEngine engine;
  private final Path checkpointFile;
  private final long checkpointEvery;
  private final Fingerprint fingerprint;
  private final String sourceName;
  private final String config;
  private final CheckpointWriter writer;
  private final boolean waitForCheckpoints;
  private final Map<String, double[]> attachments;
  private long skippedCheckpoints;
  private volatile boolean stopRequested;
  private long step;

  private Trainer(Builder b) {
    this.model = b.model;
    this.optimizer = Checks.checkNotNull(b.optimizer, "optimizer");
    this.schedule = b.schedule != null ? b.schedule : LrSchedule.constant(b.optimizer
        .learningRate());
    this.batchSize = b.batchSize;
    this.epochs = b.epochs;
    this.seed = b.seed;
    this.shuffle = b.shuffle;
    this.augmentation = b.augmentation;
    this.clipNorm = b.clipNorm;
    this.clipValue = b.clipValue;
    this.validation = b.validation;
    this.patience = b.patience;
    this.minDelta = b.minDelta;
    this.restoreBest = b.restoreBest;
    this.evaluateTraining = b.evaluateTraining;
    this.listeners = List.copyOf(b.listeners);
    int shard = b.shardSize > 0 ? Math.min(b.shardSize, batchSize)
        : Math.min(ParallelGradient.autoShardSize(batchSize), model.maxBatch());
    Checks.checkArgument(shard <= model.maxBatch(), "batch shards of %s samples do not fit the"
        + " model's maximum batch %s", shard, model.maxBatch());
    this.checkpointFile = b.checkpointFile;
    this.checkpointEvery = b.checkpointEvery;
    this.waitForCheckpoints = b.waitForCheckpoints;
    this.attachments = b.attachments;
    this.fingerprint = Fingerprint.of(model.info(), b.source);
    this.sourceName = b.sourceName != null ? b.sourceName : "the model's source";
    if (checkpointFile != null) {
      optimizer.state(); // fails now, not after an epoch, when the optimizer cannot be saved
    }
    this.config = "epochs=" + epochs + ", batch=" + batchSize + ", seed=" + seed + ", shuffle="
        + shuffle + ", shard=" + shard + ", clip_norm=" + clipNorm + ", clip_value=" + clipValue
        + ", patience=" + patience + ", min_delta=" + minDelta + ", restore_best=" + restoreBest
        + ", evaluate_training=" + evaluateTraining + ", validation=" + (validation != null)
        + ", schedule=" + (b.schedule == null ? "constant(" + optimizer.learningRate() + ")"
            : b.settings != null ? "given" : "unnamed")
        + (b.settings != null ? ", " + b.settings : "")
        + (augmentation != null ? ", augment=" + augmentation : "");
    checkMemory(shard);
    this.writer = checkpointFile == null ? null : new CheckpointWriter(checkpointFile);
    this.engine = b.engine != null ? b.engine.create(model, shard)
        : new ParallelGradient(model, shard, b.threads);
  }

  /**
   * Refuses, with the sizes, a run whose replicas, optimizer state and checkpoint buffers would
   * not fit in the heap that is left (the model itself is already allocated).
   */
  private void checkMemory(int shard) {
    int replicas = (batchSize + shard - 1) / shard;
    long[] model = Memory.arrays(this.model);
    long params = model[0];
    long replicaBytes = model[1];
    int slots = optimizer.stateArrays();
    // a checkpoint: the state's copy of the slots, the flat values (float64), flat slots and best
    // parameters, and the encoded bytes, twice while they are trimmed
    long flat = (long) this.model.info().paramCount() * 4;
    int best = restoreBest ? 1 : 0;
    long checkpoint = checkpointFile == null ? 0
        : flat * (4 + 4L * slots + 3L * best);
    long total = replicas * replicaBytes + slots * params + best * params + checkpoint;
    Memory.require(total, () -> "training model " + this.model.info().name() + " with batch "
        + batchSize + " needs about " + Memory.size(total) + " more: " + replicas + " replica"
        + (replicas == 1 ? "" : "s") + " (one per shard of " + shard + " samples) x "
        + Memory.size(replicaBytes) + " of gradients and work buffers for batches of up to "
        + this.model.maxBatch() + ", optimizer state " + Memory.size(slots * params)
        + (best > 0 ? ", the best epoch's parameters " + Memory.size(params) : "")
        + (checkpoint > 0 ? ", checkpoint buffers " + Memory.size(checkpoint) : ""));
  }

  public static Builder builder(FloatModel model) {
    return new Builder(model);
  }

  /** Ends training after the current epoch; safe to call from any thread or listener. */
  public void requestStop() {
    stopRequested = true;
  }

  /** Optimizer steps taken so far. */
  public long steps() {
    return step;
  }

  /**
   * Checkpoints written to disk so far, checkpoints skipped because the previous one was still
   * being written, and the seconds spent writing (on the writer's thread).
   */
  public String checkpointStats() {
    if (writer == null) return "no checkpoints";
    return writer.written() + " written, " + skippedCheckpoints + " skipped, "
        + String.format(java.util.Locale.ROOT, "%.3f s writing", writer.writeNanos() / 1e9);
  }

  /** Trains on {@code train} and returns the history; the model's parameters are updated. */
  public TrainingResult fit(Dataset train) {
    checkShapes("training", train);
    if (validation != null) checkShapes("validation", validation);
    long dataHash = checkpointFile != null ? TrainingState.hashData(train, validation) : 0;
    return run(train, null, dataHash);
  }

  /**
   * Continues the run saved in {@code checkpoint} (written by a trainer with the same settings on
   * the same model, source and data, else a {@link CheckpointException} says what differs): the
   * parameters, the optimizer and the trainer's position are restored and training goes on, with
   * the same result bit for bit as a run that was never stopped. A checkpoint of a run that had
   * finished restores its parameters and returns its result without training.
   */
  public TrainingResult resume(Dataset train, Path checkpoint) throws IOException {
    checkShapes("training", train);
    if (validation != null) checkShapes("validation", validation);
    Checkpoint c = Checkpoint.read(checkpoint);
    c.checkSameModel(checkpoint, model.info(), fingerprint, sourceName);
    TrainingState s = c.trainingState(checkpoint, model.info());
    String where = "checkpoint " + checkpoint;
    if (s == null) {
      throw new CheckpointException(where + " holds parameters only, no training state to"
          + " resume");
    }
    if (!s.config().equals(config)) {
      throw new CheckpointException(where + " was written by a run with other settings: "
          + differences(s.config(), config) + "; resume with the same settings");
    }
    long dataHash = TrainingState.hashData(train, validation);
    int valCount = validation == null ? 0 : validation.count();
    if (s.trainSamples() != train.count() || s.validationSamples() != valCount
        || s.dataHash() != dataHash) {
      throw new CheckpointException(where + " was written by a run on other data ("
          + s.trainSamples() + " training and " + s.validationSamples() + " validation samples,"
          + " hash " + Long.toHexString(s.dataHash()) + "); this run has " + train.count()
          + " and " + valCount + ", hash " + Long.toHexString(dataHash));
    }
    int perEpoch = new Batches(train, batchSize, false).batchesPerEpoch();
    if (s.epoch() > epochs || s.batch() >= Math.max(perEpoch, 1)
        || (s.epoch() == epochs && s.batch() > 0) || s.history().size() != s.epoch()
        || s.bestEpoch() >= s.epoch() || (s.best() != null) != restoreBest) {
      throw new CheckpointException(where + " is inconsistent: epoch " + s.epoch() + ", batch "
          + s.batch() + " of " + perEpoch + ", " + s.history().size() + " epochs of history, best"
          + " epoch " + s.bestEpoch() + " in a run of " + epochs + " epochs");
    }
    try {
      optimizer.restore(s.optimizer());
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(where + ": " + e.getMessage(), e);
    }
    c.loadParams(checkpoint, model);
    resumedBestBuffers = bestBuffers(c.attachment(BEST_BUFFERS));
    return run(train, s, dataHash);
  }

  /** The items of two settings strings ("k=v, k=v") that differ, as "k=v then, w now". */
  private static String differences(String saved, String now) {
    List<String> a = List.of(saved.split(", "));
    List<String> b = List.of(now.split(", "));
    List<String> out = new ArrayList<>();
    for (String x : a) {
      if (b.contains(x)) continue;
      String key = x.contains("=") ? x.substring(0, x.indexOf('=') + 1) : x;
      String other = "(none)";
      for (String y : b) {
        if (y.startsWith(key)) other = y.substring(key.length());
      }
      out.add(x + " then, " + other + " now");
    }
    for (String y : b) {
      String key = y.contains("=") ? y.substring(0, y.indexOf('=') + 1) : y;
      boolean seen = false;
      for (String x : a) seen |= x.startsWith(key);
      if (!seen) out.add(y + " now, (none) then");
    }
    return String.join("; ", out);
  }

  private TrainingResult run(Dataset train, TrainingState from, long dataHash) {
    if (writer == null) return train(train, from, dataHash);
    TrainingResult r;
    try {
      r = train(train, from, dataHash);
    } catch (RuntimeException | Error e) {
      try {
        writer.awaitIdle(); // the checkpoints queued before the failure are on disk
      } catch (RuntimeException w) {
        e.addSuppressed(w);
      }
      throw e;
    }
    writer.awaitIdle();
    return r;
  }

  private TrainingResult train(Dataset train, TrainingState from, long dataHash) {
    stopRequested = false;
    Batches batches = new Batches(train, batchSize, false);
    Dataset monitored = validation != null && validation.count() > 0 ? validation : null;
    boolean accuracy = Metrics.hasAccuracy(model.info(), monitored != null ? monitored : train);
    TrainingListener.TrainingPlan plan = new TrainingListener.TrainingPlan(epochs,
        batches.batchesPerEpoch(), train.count(), monitored == null ? 0 : monitored.count(),
        engine.threads(), accuracy && (monitored != null || evaluateTraining));
    for (TrainingListener l : listeners) l.onTrainingStart(plan);

    Run r = new Run(train, dataHash);
    if (from != null) {
      r.history.addAll(from.history());
      r.best = from.best();
      r.bestBuffers = from.best() != null ? resumedBestBuffers : null;
      r.bestEpoch = from.bestEpoch();
      r.bestLoss = from.bestLoss();
      r.patienceCount = from.patienceCount();
      step = from.step();
      if (from.finished()) {
        TrainingResult done = new TrainingResult(r.history, Math.max(r.bestEpoch, 0),
            r.bestLoss, from.stoppedEarly(), from.restoredBest(), step);
        for (TrainingListener l : listeners) l.onTrainingEnd(done);
        return done;
      }
    } else {
      step = 0;
      r.best = restoreBest ? Params.copyOf(model.params()) : null;
      r.bestBuffers = restoreBest ? Params.copyOf(model.buffers()) : null;
      r.save(0, 0, 0, false, false, false); // a run killed before its first checkpoint resumes
    }
    int firstEpoch = from == null ? 0 : from.epoch();
    boolean early = false;
    for (int epoch = firstEpoch; epoch < epochs; epoch++) {
      for (TrainingListener l : listeners) l.onEpochStart(epoch);
      long t0 = System.nanoTime();
      if (shuffle) batches.shuffle(seed, epoch);
      else batches.reset();
      double sum = 0;
      int done = 0;
      if (from != null && epoch == firstEpoch && from.batch() > 0) {
        batches.skip(from.batch());
        done = from.batch();
        sum = from.epochLossSum();
      }
      for (int n; (n = batches.next()) > 0; ) {
        double loss = step(batches, n);
        sum += n * loss;
        done++;
        for (TrainingListener l : listeners) l.onBatchEnd(step, n, loss);
        if (checkpointEvery > 0 && step % checkpointEvery == 0
            && done < batches.batchesPerEpoch()) {
          r.save(epoch, done, sum, false, false, false);
        }
      }
      double trainSeconds = (System.nanoTime() - t0) / 1e9;
      EpochMetrics m = evaluate(epoch, sum / train.count(), train, monitored, t0, trainSeconds);
      r.history.add(m);
      double watched = m.monitoredLoss();
      if (watched < r.bestLoss - minDelta || r.bestEpoch < 0) {
        if (watched < r.bestLoss) r.bestLoss = watched;
        r.bestEpoch = epoch;
        r.patienceCount = 0;
        if (r.best != null) Params.copy(model.params(), r.best);
        if (r.bestBuffers != null) Params.copy(model.buffers(), r.bestBuffers);
      } else {
        r.patienceCount++;
      }
      for (TrainingListener l : listeners) l.onEpochEnd(m);
      if (patience > 0 && r.patienceCount >= patience || stopRequested) {
        early = epoch < epochs - 1;
        break;
      }
      if (epoch < epochs - 1) r.save(epoch + 1, 0, 0, false, false, false);
    }
    boolean restored = r.best != null && r.bestEpoch >= 0
        && r.bestEpoch != r.history.size() - 1;
    if (restored) {
      Params.copy(r.best, model.params());
      if (r.bestBuffers != null) Params.copy(r.bestBuffers, model.buffers());
    }
    r.save(r.history.size(), 0, 0, true, early, restored);
    TrainingResult result = new TrainingResult(r.history, Math.max(r.bestEpoch, 0), r.bestLoss,
        early, restored, step);
    for (TrainingListener l : listeners) l.onTrainingEnd(result);
    return result;
  }

  /**
   * The checkpoint attachment holding the best epoch's buffers (batch_norm's running statistics)
   * when the best parameters are to be restored: they belong with those parameters.
   */
  static final String BEST_BUFFERS = "trainer.best_buffers";

  /** The best epoch's buffers of the checkpoint being resumed, or null. */
  private float[][] resumedBestBuffers;

  /** {@code flat} laid out as the model's buffers; null when absent or of another size. */
  private float[][] bestBuffers(double[] flat) {
    float[][] blocks = model.buffers();
    if (flat == null || flat.length != Params.size(blocks)) return null;
    float[][] out = Params.copyOf(blocks);
    int k = 0;
    for (float[] b : out) {
      for (int i = 0; i < b.length; i++) b[i] = (float) flat[k++];
    }
    return out;
  }

  /** The mutable state of one {@link #run}. */
  private final class Run {
    final Dataset train;
    final long dataHash;
    final List<EpochMetrics> history = new ArrayList<>();
    float[][] best;
    /** The best epoch's buffers, restored with {@link #best}; null when not restoring. */
    float[][] bestBuffers;
    int bestEpoch = -1;
    double bestLoss = Double.POSITIVE_INFINITY;
    int patienceCount;

    Run(Dataset train, long dataHash) {
      this.train = train;
      this.dataHash = dataHash;
    }

    /**
     * Writes the training state to the checkpoint file, if there is one. A checkpoint due while
     * the previous one is still being written is skipped (training does not wait for the disk),
     * unless the trainer waits for every checkpoint; the last one is always written.
     */
    void save(int epoch, int batch, double lossSum, boolean finished, boolean early,
        boolean restored) {
      if (checkpointFile == null) return;
      if (!finished && !waitForCheckpoints && writer.busy()) {
        skippedCheckpoints++;
        return;
      }
      OptimState o = optimizer.state();
      TrainingState s = new TrainingState(epoch, batch, step, lossSum, finished, early, restored,
          config, train.count(), validation == null ? 0 : validation.count(), dataHash,
          bestEpoch, bestLoss, patienceCount, best, history, o);
      try {
        Checkpoint c = Checkpoint.of(model, fingerprint, s).withAttachments(attachments);
        if (bestBuffers != null && bestBuffers.length > 0) {
          double[] flat = new double[(int) Params.size(bestBuffers)];
          int k = 0;
          for (float[] b : bestBuffers) {
            for (float v : b) flat[k++] = v;
          }
          c = c.withAttachments(Map.of(BEST_BUFFERS, flat));
        }
        writer.submit(c.toBytes());
        if (waitForCheckpoints) writer.awaitIdle();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write checkpoint " + checkpointFile + ": "
            + e.getMessage(), e);
      }
    }
  }

  private void checkShapes(String what, Dataset d) {
    Checks.checkArgument(d.inputSize() == model.info().inputSize()
        && d.targetSize() == model.info().targetSize(),
        "the %s data has %s inputs and %s targets per sample, but model %s takes %s and %s", what,
        d.inputSize(), d.targetSize(), model.info().name(), model.info().inputSize(),
        model.info().targetSize());
  }

  /** One optimizer step on the batch in the buffers; returns the batch's mean loss. */
  private double step(Batches batches, int n) {
    step++;
    double loss;
    try {
      if (augmentation != null) augmentation.apply(batches.inputs(), n, seed, step);
      engine.setDropoutSeed(Rng.derive(seed, step).nextLong());
      loss = engine.compute(batches.inputs(), batches.targets(), n);
    } catch (TrainingException e) {
      throw new TrainingException(step, e.getMessage().substring("step 0: ".length()),
          e.getCause());
    }
    float[][] grads = model.grads();
    failIfNonFinite(engine.firstNonFiniteGradientBlock(), grads, "gradient of %s is %s");
    if (!Double.isFinite(loss)) throw new TrainingException(step, "loss is " + loss);
    if (clipValue > 0) GradientClipping.clipByValue(grads, clipValue);
    if (clipNorm > 0) GradientClipping.clipByNorm(grads, clipNorm);
    optimizer.setLearningRate(schedule.at(optimizer.steps()));
    int badParams = engine.update(optimizer);
    if (badParams >= 0) {
      failIfNonFinite(badParams, model.params(), "parameter %s became %s after the optimizer step"
          + " (learning rate " + optimizer.learningRate() + ")");
    }
    return loss;
  }

  private void failIfNonFinite(int b, float[][] blocks, String format) {
    if (b < 0) return;
    TensorInfo t = Params.tensorOfBlock(model.info(), b);
    String kind = "NaN";
    for (float x : blocks[b]) {
      if (Float.isNaN(x)) break;
      if (Float.isInfinite(x)) {
        kind = x > 0 ? "Infinity" : "-Infinity";
        break;
      }
    }
    throw new TrainingException(step, String.format(format, t.name(), kind));
  }

  private EpochMetrics evaluate(int epoch, double trainLoss, Dataset train, Dataset val,
      long t0, double trainSeconds) {
    // on the engine's threads when it has them (same bits: chunk results combined in order)
    ParallelGradient pg = engine instanceof ParallelGradient p ? p : null;
    double trainAcc = evaluateTraining ? Metrics.accuracy(model, train, pg) : Double.NaN;
    double valLoss = val == null ? Double.NaN : Metrics.loss(model, val, pg);
    double valAcc = val == null ? Double.NaN : Metrics.accuracy(model, val, pg);
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new EpochMetrics(epoch, trainLoss, trainAcc, valLoss, valAcc,
        optimizer.learningRate(), step, seconds, train.count() / Math.max(trainSeconds, 1e-9));
  }

  /** Ends the worker threads (after the last checkpoint is on disk). */
  @Override
  public void close() {
    try {
      if (writer != null) writer.close();
    } finally {
      engine.close();
    }
  }

  /** Configuration of a {@link Trainer}; only the optimizer is required. */
  public static final class Builder {
    private final FloatModel model;
    private Optimizer optimizer;
    private LrSchedule schedule;
    private int batchSize = 32;
    private int epochs = 10;
    private long seed = 0;
    private boolean shuffle = true;
    private Augmentation augmentation;
    private double clipNorm;
    private double clipValue;
    private Dataset validation;
    private int patience;
    private double minDelta;
    private boolean restoreBest;
    private boolean evaluateTraining;
    private int threads = Runtime.getRuntime().availableProcessors();
    /** 0: {@link ParallelGradient#autoShardSize} of the batch size. */
    private int shardSize = 0;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private Path checkpointFile;
    private long checkpointEvery;
    private byte[] source;
    private String sourceName;
    private String settings;
    private boolean waitForCheckpoints;
    private Map<String, double[]> attachments = Map.of();
    private GradientEngine.Factory engine;

    private Builder(FloatModel model) {
      this.model = Checks.checkNotNull(model, "model");
    }

    /** The optimizer, required: {@code Optimizer.sgd(0.5)}, {@code Optimizer.adam(1e-3)}, ... */
    public Builder optimizer(Optimizer optimizer) {
      this.optimizer = optimizer;
      return this;
    }

    /** The learning rate per optimizer step; default: the optimizer's own rate, constant. */
    public Builder schedule(LrSchedule schedule) {
      this.schedule = schedule;
      return this;
    }

    /** Samples per optimizer step (default 32); the last batch of an epoch may be smaller. */
    public Builder batchSize(int n) {
      Checks.checkArgument(n > 0, "batch size must be > 0: %s", n);
      this.batchSize = n;
      return this;
    }

    /** Passes over the training set (default 10). */
    public Builder epochs(int n) {
      Checks.checkArgument(n >= 0, "epochs must be >= 0: %s", n);
      this.epochs = n;
      return this;
    }

    /** Seeds the per-epoch shuffle (default 0). Initialize the model separately. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Whether to shuffle every epoch (default true). */
    public Builder shuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /**
     * Randomly flips and shifts every training sample of every step (default: none); validation
     * data is never augmented. The draws depend on the seed and the step alone.
     */
    public Builder augmentation(Augmentation augmentation) {
      this.augmentation = augmentation;
      return this;
    }

    /** Clips the gradient's global L2 norm to {@code max} (0 = off). */
    public Builder clipNorm(double max) {
      Checks.checkArgument(max >= 0, "clip norm must be >= 0: %s", max);
      this.clipNorm = max;
      return this;
    }

    /** Clamps every gradient element into {@code [-limit, limit]} (0 = off). */
    public Builder clipValue(double limit) {
      Checks.checkArgument(limit >= 0, "clip value must be >= 0: %s", limit);
      this.clipValue = limit;
      return this;
    }

    /** A held-out set evaluated after every epoch. */
    public Builder validation(Dataset validation) {
      this.validation = validation;
      return this;
    }

    /**
     * Stops when the monitored loss (validation, else training) has not improved by more than
     * {@code minDelta} for {@code patience} epochs; with {@code restoreBest} the parameters are
     * reset to the best epoch's at the end.
     */
    public Builder earlyStopping(int patience, double minDelta, boolean restoreBest) {
      Checks.checkArgument(patience > 0, "patience must be > 0: %s", patience);
      this.patience = patience;
      this.minDelta = minDelta;
      this.restoreBest = restoreBest;
      return this;
    }

    /** Also measures accuracy on the training set after each epoch (default false). */
    public Builder evaluateTraining(boolean on) {
      this.evaluateTraining = on;
      return this;
    }

    /** Worker threads (default: the machine's cores). The result does not depend on it. */
    public Builder threads(int n) {
      Checks.checkArgument(n > 0, "threads must be > 0: %s", n);
      this.threads = n;
      return this;
    }

    /**
     * Samples per gradient shard (default: {@link ParallelGradient#autoShardSize} of the batch
     * size, at most the model's maximum batch). Changing it may change results in the last bits
     * (another summation order); the thread count never does.
     */
    public Builder shardSize(int n) {
      Checks.checkArgument(n > 0, "shard size must be > 0: %s", n);
      this.shardSize = n;
      return this;
    }

    /** Adds a listener, called at the start and end of training, epochs and batches. */
    public Builder listener(TrainingListener l) {
      listeners.add(Checks.checkNotNull(l, "listener"));
      return this;
    }

    /**
     * Writes the whole training state to {@code file}, atomically, at the end of every epoch and,
     * when {@code everySteps} &gt; 0, after every {@code everySteps} optimizer steps; the last
     * write, when training ends, holds the final parameters. {@link Trainer#resume} continues
     * from it. The optimizer must support {@link Optimizer#state()} (the built-in ones do).
     *
     * <p>The state is captured on the training thread and written by a background thread, so
     * training does not wait for the disk: a checkpoint due while the previous one is still
     * being written is skipped (epochs of a few milliseconds would otherwise spend their time
     * on checkpoints), see {@link #waitForCheckpoints}. {@code fit} and {@code resume} return,
     * or throw, only once the last checkpoint is on disk.
     */
    public Builder checkpoints(Path file, long everySteps) {
      Checks.checkArgument(everySteps >= 0, "checkpoint interval must be >= 0: %s", everySteps);
      this.checkpointFile = Checks.checkNotNull(file, "file");
      this.checkpointEvery = everySteps;
      return this;
    }

    /**
     * With {@code true}, every checkpoint due is written, and training waits until it is on disk
     * (default false: training goes on while the disk writes, and a checkpoint due while the
     * previous one is still being written is skipped). Tests use it to know which checkpoint
     * holds what.
     */
    public Builder waitForCheckpoints(boolean wait) {
      this.waitForCheckpoints = wait;
      return this;
    }

    /**
     * The {@code .nn} source the model was compiled from, and a name for it in messages: its
     * SHA-256 goes into the checkpoints' fingerprint, and {@link Trainer#resume} refuses a
     * checkpoint written from another version of the source.
     */
    public Builder source(String name, byte[] text) {
      this.sourceName = name;
      this.source = text.clone();
      return this;
    }

    /**
     * Settings outside the trainer that shape the result, above all the learning-rate schedule
     * ({@code "schedule=cosine(0.01, 1000, 0)"}), saved in checkpoints and compared on resume.
     */
    public Builder settings(String description) {
      this.settings = description;
      return this;
    }

    /**
     * Named arrays every checkpoint carries besides the training state
     * ({@link Checkpoint#withAttachments}), e.g. the input standardization
     * ({@link dev.deltac.runtime.data.Standardization#attachments()}).
     */
    public Builder checkpointAttachments(Map<String, double[]> attachments) {
      this.attachments = Map.copyOf(attachments);
      return this;
    }

    /**
     * What computes the batch gradients (default: {@link ParallelGradient} on
     * {@link #threads(int)} threads of this JVM); the {@code deltac-spark} module's engine runs
     * the shards on a Spark cluster with the same bits. The trainer closes the engine.
     */
    public Builder gradientEngine(GradientEngine.Factory factory) {
      this.engine = Checks.checkNotNull(factory, "factory");
      return this;
    }

    public Trainer build() {
      return new Trainer(this);
    }
  }
}
