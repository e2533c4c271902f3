package dev.deltac.runtime.train;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.optim.LrSchedule;
import dev.deltac.runtime.optim.Optimizer;
import java.util.List;
import java.util.Map;

/**
 * The training settings of a model's {@code train { ... }} block, with the defaults of
 * {@code deltac train} filled in for every setting the block leaves out: what the command line
 * trains with when no flag overrides them, as a value Java code can use, change and turn into a
 * {@link Trainer}.
 *
 * <pre>{@code
 * TrainingDefaults d = compiled.trainingDefaults().withEpochs(200);  // override before building
 * FloatModel model = compiled.newModel(d.batchSize());
 * model.initParams(d.seed());
 * try (Trainer t = d.builder(model, train).validation(val).build()) {  // or override here
 *   TrainingResult r = t.fit(train);
 * }
 * }</pre>
 *
 * <p>Settings that others are derived from (the learning rate, epochs and batch size shape the
 * schedule) are best changed here, with the {@code with...} methods; the rest can also be
 * changed on the returned {@link Trainer.Builder}.
 *
 * @param optimizer {@code "sgd"}, {@code "adam"} or {@code "adamw"} (default {@code adam})
 * @param optimizerArgs the optimizer's other arguments by their {@code .nn} names
 *     ({@code momentum}, {@code nesterov}, {@code beta1}, {@code beta2}, {@code eps},
 *     {@code weight_decay}); numbers as {@code Double}, flags as {@code Boolean}; missing ones
 *     take the optimizer's defaults
 * @param learningRate the optimizer's {@code lr} (default 0.001)
 * @param schedule {@code "constant"} (default), {@code "step"}, {@code "exponential"} or
 *     {@code "cosine"}
 * @param scheduleArgs the schedule's arguments by their {@code .nn} names ({@code every},
 *     {@code gamma}, {@code min_lr}, {@code warmup})
 * @param batchSize samples per optimizer step (default 32)
 * @param epochs passes over the training set (default 10)
 * @param seed seeds initialization ({@link FloatModel#initParams(long)}), shuffling and dropout
 *     (default 0)
 * @param clipNorm clip the gradient to this global L2 norm; 0 (the default) is off
 * @param clipValue clamp each gradient element into {@code [-clipValue, clipValue]}; 0 (the
 *     default) is off
 */
public record TrainingDefaults(String optimizer, Map<String, Object> optimizerArgs,
    double learningRate, String schedule, Map<String, Object> scheduleArgs, int batchSize,
    int epochs, long seed, double clipNorm, double clipValue) {

  /** The optimizers a {@code train} block can name. */
  public static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamw");

  /** The schedules a {@code train} block can name. */
  public static final List<String> SCHEDULES = List.of("constant", "step", "exponential", "cosine");

  /**
   * Up to this many training samples, {@link #builder(FloatModel, Dataset)} also measures loss
   * and accuracy on the training set after each epoch, as {@code deltac train} does.
   */
  public static final int EVALUATE_TRAINING_UP_TO = 20_000;

  /** Checks the values and copies the maps (sorted by key). */
  public TrainingDefaults {
    Checks.checkArgument(OPTIMIZERS.contains(optimizer),
        "optimizer must be sgd, adam or adamw, got %s", optimizer);
    Checks.checkArgument(SCHEDULES.contains(schedule),
        "schedule must be constant, step, exponential or cosine, got %s", schedule);
    Checks.checkArgument(learningRate > 0, "learning rate must be positive, got %s", learningRate);
    Checks.checkArgument(batchSize > 0, "batch size must be positive, got %s", batchSize);
    Checks.checkArgument(epochs > 0, "epochs must be positive, got %s", epochs);
    Checks.checkArgument(clipNorm >= 0, "clip norm must be >= 0, got %s", clipNorm);
    Checks.checkArgument(clipValue >= 0, "clip value must be >= 0, got %s", clipValue);
    optimizerArgs = sorted(optimizerArgs);
    scheduleArgs = sorted(scheduleArgs);
  }

  /**
   * The settings of a model without a {@code train} block: Adam with learning rate 0.001, a
   * constant schedule, batch 32, 10 epochs, seed 0, no clipping.
   */
  public static TrainingDefaults standard() {
    return of(null, null, null, null, null, null, null, null, null);
  }

  /**
   * The settings of a {@code train} block whose missing settings are null: each null takes the
   * default of {@link #standard()}. The learning rate is {@code optimizerArgs.get("lr")}, taken
   * out of the map.
   */
  public static TrainingDefaults of(String optimizer, Map<String, Object> optimizerArgs,
      Integer batchSize, Integer epochs, Double clipNorm, Double clipValue, Long seed,
      String schedule, Map<String, Object> scheduleArgs) {
    Map<String, Object> args = new java.util.TreeMap<>(optimizerArgs != null ? optimizerArgs
        : Map.of());
    Object lr = args.remove("lr");
    return new TrainingDefaults(
        optimizer != null ? optimizer : "adam",
        args,
        lr instanceof Number n ? n.doubleValue() : 1e-3,
        schedule != null ? schedule : "constant",
        scheduleArgs,
        batchSize != null ? batchSize : 32,
        epochs != null ? epochs : 10,
        seed != null ? seed : 0,
        clipNorm != null ? clipNorm : 0,
        clipValue != null ? clipValue : 0);
  }

  /**
   * Another optimizer, with its default arguments: the block's optimizer arguments (momentum,
   * betas, weight decay) are dropped unless it is the same optimizer. The learning rate stays.
   */
  public TrainingDefaults withOptimizer(String name) {
    Map<String, Object> args = name.equals(optimizer) ? optimizerArgs : Map.of();
    return new TrainingDefaults(name, args, learningRate, schedule, scheduleArgs, batchSize,
        epochs, seed, clipNorm, clipValue);
  }

  /** Another learning rate (the schedule starts from it). */
  public TrainingDefaults withLearningRate(double lr) {
    return new TrainingDefaults(optimizer, optimizerArgs, lr, schedule, scheduleArgs, batchSize,
        epochs, seed, clipNorm, clipValue);
  }

  /** Another schedule, {@code "constant"}, {@code "step"}, {@code "exponential"} or {@code "cosine"}. */
  public TrainingDefaults withSchedule(String name, Map<String, Object> args) {
    return new TrainingDefaults(optimizer, optimizerArgs, learningRate, name, args, batchSize,
        epochs, seed, clipNorm, clipValue);
  }

  /** Another batch size. */
  public TrainingDefaults withBatchSize(int n) {
    return new TrainingDefaults(optimizer, optimizerArgs, learningRate, schedule, scheduleArgs, n,
        epochs, seed, clipNorm, clipValue);
  }

  /** Another number of epochs (a cosine schedule then spans them). */
  public TrainingDefaults withEpochs(int n) {
    return new TrainingDefaults(optimizer, optimizerArgs, learningRate, schedule, scheduleArgs,
        batchSize, n, seed, clipNorm, clipValue);
  }

  /** Another seed. */
  public TrainingDefaults withSeed(long s) {
    return new TrainingDefaults(optimizer, optimizerArgs, learningRate, schedule, scheduleArgs,
        batchSize, epochs, s, clipNorm, clipValue);
  }

  /** Another gradient clipping: by global norm, by value (0 turns either off). */
  public TrainingDefaults withClipping(double norm, double value) {
    return new TrainingDefaults(optimizer, optimizerArgs, learningRate, schedule, scheduleArgs,
        batchSize, epochs, seed, norm, value);
  }

  /** A new optimizer with these settings (optimizers hold state: one per training run). */
  public Optimizer newOptimizer() {
    switch (optimizer) {
      case "sgd":
        return Optimizer.sgd(learningRate, arg("momentum", 0),
            Boolean.TRUE.equals(optimizerArgs.get("nesterov")));
      case "adamw":
        return Optimizer.adamw(learningRate, arg("beta1", 0.9), arg("beta2", 0.999),
            arg("eps", 1e-8), arg("weight_decay", 0.01));
      default:
        return Optimizer.adam(learningRate, arg("beta1", 0.9), arg("beta2", 0.999),
            arg("eps", 1e-8));
    }
  }

  /**
   * The learning-rate schedule, counted in optimizer steps: {@code step} and {@code exponential}
   * change the rate every {@code every} epochs (1 for exponential) of {@code stepsPerEpoch}
   * steps, {@code cosine} anneals over all {@code epochs * stepsPerEpoch} steps, {@code warmup}
   * counts steps.
   */
  public LrSchedule newSchedule(long stepsPerEpoch) {
    Checks.checkArgument(stepsPerEpoch > 0, "steps per epoch must be positive, got %s",
        stepsPerEpoch);
    double warm = schedArg("warmup", 0);
    LrSchedule s;
    switch (schedule) {
      case "step":
        s = LrSchedule.step(learningRate, (long) schedArg("every", 1) * stepsPerEpoch,
            schedArg("gamma", 0.1));
        break;
      case "exponential":
        s = LrSchedule.step(learningRate, stepsPerEpoch, schedArg("gamma", 1));
        break;
      case "cosine":
        s = LrSchedule.cosine(learningRate, (long) epochs * stepsPerEpoch, schedArg("min_lr", 0));
        break;
      default:
        s = LrSchedule.constant(learningRate);
    }
    return warm > 0 ? LrSchedule.warmup((long) warm, s) : s;
  }

  /** Optimizer steps per epoch over {@code samples} training samples: the last batch may be short. */
  public long stepsPerEpoch(int samples) {
    return Math.max(1, ((long) samples + batchSize - 1) / batchSize);
  }

  /**
   * Sets on {@code b} the optimizer, schedule (sized for {@code trainingSamples} samples per
   * epoch), batch size, epochs, shuffling seed and clipping; returns {@code b}, whose settings
   * can still be changed.
   */
  public Trainer.Builder applyTo(Trainer.Builder b, int trainingSamples) {
    b.optimizer(newOptimizer())
        .schedule(newSchedule(stepsPerEpoch(trainingSamples)))
        .batchSize(batchSize)
        .epochs(epochs)
        .seed(seed)
        .clipNorm(clipNorm)
        .clipValue(clipValue);
    return b;
  }

  /**
   * A trainer builder for {@code model} with these settings, sized for {@code train} (the data
   * that will be passed to {@link Trainer#fit}); as {@code deltac train} does, it also measures
   * loss and accuracy on the training set after each epoch when {@code train} has at most
   * {@link #EVALUATE_TRAINING_UP_TO} samples, so {@link EpochMetrics#trainAccuracy()} is a
   * number. Add a validation set, early stopping, listeners or threads on the builder.
   */
  public Trainer.Builder builder(FloatModel model, Dataset train) {
    return applyTo(Trainer.builder(model), train.count())
        .evaluateTraining(train.count() <= EVALUATE_TRAINING_UP_TO);
  }

  /**
   * The settings in the {@code .nn} notation, for logs:
   * {@code sgd(lr=0.5, momentum=0.0, nesterov=false), batch 4, 5000 epochs, seed 42}.
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(optimizer).append("(lr=").append(learningRate);
    optimizerArgs.forEach((k, v) -> sb.append(", ").append(k).append('=').append(v));
    sb.append(")");
    if (!schedule.equals("constant") || !scheduleArgs.isEmpty()) {
      sb.append(", lr_schedule ").append(schedule).append('(');
      String sep = "";
      for (Map.Entry<String, Object> e : scheduleArgs.entrySet()) {
        sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
        sep = ", ";
      }
      sb.append(')');
    }
    sb.append(", batch ").append(batchSize).append(", ").append(epochs).append(" epochs, seed ")
        .append(seed);
    if (clipNorm > 0) sb.append(", clip_norm ").append(clipNorm);
    if (clipValue > 0) sb.append(", clip_value ").append(clipValue);
    return sb.toString();
  }

  private static Map<String, Object> sorted(Map<String, Object> m) {
    return m == null || m.isEmpty() ? Map.of()
        : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(m));
  }

  private double arg(String key, double dflt) {
    return optimizerArgs.get(key) instanceof Number n ? n.doubleValue() : dflt;
  }

  private double schedArg(String key, double dflt) {
    return scheduleArgs.get(key) instanceof Number n ? n.doubleValue() : dflt;
  }
}
