package dev.deltac.runtime.train;

import dev.deltac.runtime.Rng;
import dev.deltac.runtime.Checks;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Params;
import dev.deltac.runtime.TensorInfo;
import dev.deltac.runtime.data.Batches;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.optim.GradientClipping;
import dev.deltac.runtime.optim.LrSchedule;
import dev.deltac.runtime.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;

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
 */
public final class Trainer implements AutoCloseable {
  private final FloatModel model;
  private final Optimizer optimizer;
  private final LrSchedule schedule;
  private final int batchSize;
  private final int epochs;
  private final long seed;
  private final boolean shuffle;
  private final double clipNorm;
  private final double clipValue;
  private final Dataset validation;
  private final int patience;
  private final double minDelta;
  private final boolean restoreBest;
  private final boolean evaluateTraining;
  private final List<TrainingListener> listeners;
  private final ParallelGradient engine;
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
    this.engine = new ParallelGradient(model, shard, b.threads);
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

  /** Trains on {@code train} and returns the history; the model's parameters are updated. */
  public TrainingResult fit(Dataset train) {
    checkShapes("training", train);
    if (validation != null) checkShapes("validation", validation);
    stopRequested = false;
    Batches batches = new Batches(train, batchSize, false);
    Dataset monitored = validation != null && validation.count() > 0 ? validation : null;
    boolean accuracy = Metrics.hasAccuracy(model.info(), monitored != null ? monitored : train);
    TrainingListener.TrainingPlan plan = new TrainingListener.TrainingPlan(epochs,
        batches.batchesPerEpoch(), train.count(), monitored == null ? 0 : monitored.count(),
        engine.threads(), accuracy && (monitored != null || evaluateTraining));
    for (TrainingListener l : listeners) l.onTrainingStart(plan);

    List<EpochMetrics> history = new ArrayList<>();
    float[][] best = restoreBest ? Params.copyOf(model.params()) : null;
    int bestEpoch = -1;
    double bestLoss = Double.POSITIVE_INFINITY;
    int wait = 0;
    boolean early = false;
    for (int epoch = 0; epoch < epochs; epoch++) {
      for (TrainingListener l : listeners) l.onEpochStart(epoch);
      long t0 = System.nanoTime();
      if (shuffle) batches.shuffle(seed, epoch);
      else batches.reset();
      double sum = 0;
      for (int n; (n = batches.next()) > 0; ) {
        double loss = step(batches, n);
        sum += n * loss;
        for (TrainingListener l : listeners) l.onBatchEnd(step, n, loss);
      }
      double trainSeconds = (System.nanoTime() - t0) / 1e9;
      EpochMetrics m = evaluate(epoch, sum / train.count(), train, monitored, t0, trainSeconds);
      history.add(m);
      double watched = m.monitoredLoss();
      if (watched < bestLoss - minDelta || bestEpoch < 0) {
        if (watched < bestLoss) bestLoss = watched;
        bestEpoch = epoch;
        wait = 0;
        if (best != null) Params.copy(model.params(), best);
      } else {
        wait++;
      }
      for (TrainingListener l : listeners) l.onEpochEnd(m);
      if (patience > 0 && wait >= patience || stopRequested) {
        early = epoch < epochs - 1;
        break;
      }
    }
    boolean restored = best != null && bestEpoch >= 0 && bestEpoch != history.size() - 1;
    if (restored) Params.copy(best, model.params());
    TrainingResult r = new TrainingResult(history, Math.max(bestEpoch, 0), bestLoss, early,
        restored, step);
    for (TrainingListener l : listeners) l.onTrainingEnd(r);
    return r;
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
    double trainAcc = evaluateTraining ? Metrics.accuracy(model, train) : Double.NaN;
    double valLoss = val == null ? Double.NaN : Metrics.loss(model, val);
    double valAcc = val == null ? Double.NaN : Metrics.accuracy(model, val);
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new EpochMetrics(epoch, trainLoss, trainAcc, valLoss, valAcc,
        optimizer.learningRate(), step, seconds, train.count() / Math.max(trainSeconds, 1e-9));
  }

  /** Ends the worker threads. */
  @Override
  public void close() {
    engine.close();
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

    public Trainer build() {
      return new Trainer(this);
    }
  }
}
