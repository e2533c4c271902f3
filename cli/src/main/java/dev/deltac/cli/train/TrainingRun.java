package dev.deltac.cli.train;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.runtime.Precision;
import dev.deltac.compiler.check.TrainSpec;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.data.Augmentation;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.kernels.DenseKernels;
import dev.deltac.runtime.data.Standardization;
import dev.deltac.runtime.io.CheckpointException;
import dev.deltac.runtime.optim.LrSchedule;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.train.Trainer;
import dev.deltac.runtime.train.TrainingException;
import dev.deltac.runtime.train.TrainingListener;
import dev.deltac.runtime.train.TrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** One training run of the command line: data, trainer, progress, and the files it writes. */
public final class TrainingRun {
  /** The resolved settings: the train block's values, overridden by flags, then defaults. */
  public record Settings(int epochs, int batch, String optimizer, Map<String, Object> optimizerArgs,
      double lr, long seed, int threads, double clipNorm, double clipValue, int patience,
      Double valSplit, String schedule, Map<String, Object> scheduleArgs) {

    /** The train block's settings; {@code t} is null for a model without a train block. */
    public static Settings from(TrainSpec t) {
      return of(CompiledModel.trainingDefaults(t));
    }

    /** The runtime's training defaults (a train block's, with defaults filled in), on all cores. */
    public static Settings of(dev.deltac.runtime.train.TrainingDefaults d) {
      return new Settings(d.epochs(), d.batchSize(), d.optimizer(), d.optimizerArgs(),
          d.learningRate(), d.seed(), Runtime.getRuntime().availableProcessors(), d.clipNorm(),
          d.clipValue(), 0, null, d.schedule(), d.scheduleArgs());
    }

    /** These settings as the runtime's training defaults, which make the optimizer and schedule. */
    public dev.deltac.runtime.train.TrainingDefaults defaults() {
      return new dev.deltac.runtime.train.TrainingDefaults(optimizer, optimizerArgs, lr, schedule,
          scheduleArgs, batch, epochs, seed, clipNorm, clipValue);
    }

    /** Applies the non-null flags; a different optimizer drops the block's optimizer arguments. */
    public Settings override(Integer epochs, Integer batch, String optimizer, Double lr, Long seed,
        Integer threads, Double clipNorm, Double clipValue, Integer patience, Double valSplit) {
      positive(epochs, "--epochs");
      positive(batch, "--batch");
      positive(threads, "--threads");
      if (lr != null && !(lr > 0)) throw new IllegalArgumentException("--lr must be positive, got " + lr);
      if (valSplit != null && !(valSplit >= 0 && valSplit < 1)) {
        throw new IllegalArgumentException("--val-split must be in [0, 1), got " + valSplit);
      }
      if (optimizer != null && !List.of("sgd", "adam", "adamw").contains(optimizer)) {
        throw new IllegalArgumentException("--optimizer must be sgd, adam or adamw, got " + optimizer);
      }
      boolean sameOptimizer = optimizer == null || optimizer.equals(this.optimizer);
      return new Settings(
          epochs != null ? epochs : this.epochs,
          batch != null ? batch : this.batch,
          optimizer != null ? optimizer : this.optimizer,
          sameOptimizer ? optimizerArgs : Map.of(),
          lr != null ? lr : this.lr,
          seed != null ? seed : this.seed,
          threads != null ? threads : this.threads,
          clipNorm != null ? clipNorm : this.clipNorm,
          clipValue != null ? clipValue : this.clipValue,
          patience != null ? patience : this.patience,
          valSplit != null ? valSplit : this.valSplit,
          schedule, scheduleArgs);
    }

    private static void positive(Integer v, String flag) {
      if (v != null && v <= 0) throw new IllegalArgumentException(flag + " must be positive, got " + v);
    }

    Optimizer newOptimizer() {
      return defaults().newOptimizer();
    }

    LrSchedule newSchedule(long stepsPerEpoch) {
      return defaults().newSchedule(stepsPerEpoch);
    }
  }

  /** Up to this many samples, each epoch also measures loss and accuracy on the training set. */
  static final int EVALUATE_TRAINING_UP_TO = 20_000;

  private final CompiledModel compiled;
  private final Settings s;
  private final Path dataPath;
  private final Path outDir;
  private final boolean progress;
  private final int checkpointEvery;
  private final boolean resume;
  private final boolean standardize;
  private ClusterBackend.Session cluster;

  /**
   * @param checkpointEvery write the checkpoint every this many steps too (0: epoch ends only)
   * @param resume continue from the checkpoint in {@code outDir} instead of starting afresh
   * @param standardize standardize the float inputs with the training split's statistics
   *     ({@link Standardization}), saved in the checkpoints
   */
  public TrainingRun(CompiledModel compiled, Settings settings, Path dataPath, Path outDir,
      boolean progress, int checkpointEvery, boolean resume, boolean standardize) {
    this.compiled = compiled;
    this.s = settings;
    this.dataPath = dataPath;
    this.outDir = outDir;
    this.progress = progress;
    this.checkpointEvery = checkpointEvery;
    this.resume = resume;
    this.standardize = standardize;
  }

  /** Sets a model's params in place of its initializers (deltac train --init). */
  @FunctionalInterface
  public interface Initializer {
    void apply(FloatModel model) throws IOException;
  }

  private Path initFile;
  private Initializer initializer;

  /** Start from {@code file}'s tensors, set by {@code initializer}, instead of the declared initializers. */
  public void initializeFrom(Path file, Initializer initializer) {
    this.initFile = file;
    this.initializer = initializer;
  }

  private String augment;

  /**
   * Augments every training batch ({@code --augment flip,shift=2}, {@link Augmentation#parse});
   * null: none. Returns this run.
   */
  public TrainingRun augment(String spec) {
    this.augment = spec;
    return this;
  }

  /** Runs the steps on {@code cluster} instead of this JVM's threads; returns this run. */
  public TrainingRun cluster(ClusterBackend.Session cluster) {
    this.cluster = cluster;
    return this;
  }

  /** The settings outside the trainer that shape the result, compared when resuming. */
  private String extraSettings() {
    return "optimizer=" + s.optimizer() + ", lr=" + s.lr() + ", schedule=" + s.schedule()
        + new TreeMap<>(s.scheduleArgs()) + ", val_split=" + s.valSplit()
        + ", init_seed=" + s.seed() + (standardize ? ", standardize=true" : "");
  }

  /** Trains and writes the outputs; returns the exit code. */
  public int execute(PrintWriter out, PrintWriter err) throws IOException {
    long t0 = System.nanoTime();
    // The kernels warm up on the model's shapes on the second core while Janino compiles the
    // class and the data loads; stopped before the first step (it changes no value).
    KernelWarmup warmup = cluster != null || Boolean.getBoolean("deltac.noWarmup") ? null
        : KernelWarmup.start(compiled.javaSource(Precision.FLOAT32, CompiledModel.IN_MEMORY_PACKAGE), s.batch());
    try {
      return execute(out, err, t0, warmup);
    } finally {
      if (warmup != null) warmup.close();
    }
  }

  private int execute(PrintWriter out, PrintWriter err, long t0, KernelWarmup warmup) throws IOException {
    FloatModel model = compiled.newModel(Math.max(s.batch(), 16));
    double compileSeconds = (System.nanoTime() - t0) / 1e9;
    ModelInfo info = model.info();
    Augmentation augmentation = augment == null ? null : Augmentation.parse(augment, info);
    DataSource.Loaded data = DataSource.load(dataPath, info);
    Dataset train = data.train();
    Dataset val = data.heldOut();
    double split = s.valSplit() != null ? s.valSplit() : (train.count() >= 100 ? 0.1 : 0);
    if (val == null && split > 0) {
      Dataset.Split sp = train.split(split, s.seed());
      train = sp.train();
      val = sp.validation();
    }
    Standardization standardization = null;
    if (standardize) {
      standardization = Standardization.fit(info, train);
      train = standardization.apply(train);
      if (val != null) val = standardization.apply(val);
    }
    model.initParams(s.seed());
    if (initializer != null) initializer.apply(model);
    Path ckpt = outDir.resolve(info.name() + ".ckpt");
    if (resume && !Files.exists(ckpt)) {
      err.println("deltac train: --resume: no checkpoint " + ckpt + " to resume from");
      return 1;
    }
    Files.createDirectories(outDir);
    long stepsPerEpoch = (train.count() + s.batch() - 1) / s.batch();
    long[] firstStep = {-1};
    long[] samplesTrained = {0}; // by this process
    // -Ddeltac.timeline=N: print the mean wall time of every N steps to stderr after training
    // (a diagnostic of the JIT's warm-up; the times are kept in an array made here, not per step).
    int timelineEvery = Integer.getInteger("deltac.timeline", 0);
    long[] stepEnds = timelineEvery > 0 ? new long[(int) Math.min(1 << 20, stepsPerEpoch * s.epochs() + 1)] : null;
    int[] stepsSeen = {0};
    Progress bar = progress ? new Progress(info.name(), System.err) : null;
    Trainer.Builder b = trainer(model, stepsPerEpoch, augmentation)
        .epochs(s.epochs())
        .evaluateTraining(train.count() <= EVALUATE_TRAINING_UP_TO)
        .checkpoints(ckpt, checkpointEvery)
        .source(Path.of(compiled.file()).getFileName().toString(),
            Files.readAllBytes(Path.of(compiled.file())))
        .settings(extraSettings())
        .listener(new TrainingListener() {
          @Override
          public void onBatchEnd(long step, int samples, double loss) {
            if (firstStep[0] < 0) firstStep[0] = step;
            samplesTrained[0] += samples;
            if (stepEnds != null && stepsSeen[0] + 1 < stepEnds.length) stepEnds[++stepsSeen[0]] = System.nanoTime();
          }
        });
    if (bar != null) b.listener(bar);
    if (standardization != null) b.checkpointAttachments(standardization.attachments());
    if (cluster != null) b.gradientEngine(cluster.engine());
    if (val != null) b.validation(val);
    if (s.patience() > 0) b.earlyStopping(s.patience(), 0, true);
    TrainingResult result;
    if (warmup != null) warmup.close();
    // -Ddeltac.stepWarmup=true: the generated step and held-out passes first run on a throwaway
    // model until the JIT has compiled them (StepWarmup; no value changes). Off by default: it
    // moves the warm-up out of "trained in" but did not shorten the whole run.
    StepWarmup.Report warmed = warmup == null || !Boolean.getBoolean("deltac.stepWarmup") ? null
        : StepWarmup.run(() -> compiled.newModel(Math.max(s.batch(), 16)),
            m -> trainer(m, stepsPerEpoch, augmentation), s.batch(), s.seed(), train, val,
            stepsPerEpoch * s.epochs());
    DenseKernels.resetUsed();  // the summary names the kernels this run called
    long t1 = System.nanoTime();
    if (stepEnds != null) stepEnds[0] = t1;
    String checkpoints;
    try (Trainer trainer = b.build()) {
      result = resume ? trainer.resume(train, ckpt) : trainer.fit(train);
      checkpoints = trainer.checkpointStats();
    } catch (TrainingException e) {
      if (bar != null) bar.close();
      err.println("deltac train: " + info.name() + ": " + e.getMessage());
      return 1;
    } catch (CheckpointException e) {
      if (bar != null) bar.close();
      err.println("deltac train: " + e.getMessage());
      return 1;
    } catch (UncheckedIOException e) {
      if (bar != null) bar.close();
      err.println("deltac train: " + e.getMessage());
      return 1;
    }
    double trainSeconds = (System.nanoTime() - t1) / 1e9;
    if (stepEnds != null) Summary.timeline(err, stepEnds, stepsSeen[0], timelineEvery);
    Path png = outDir.resolve(info.name() + "-loss.png");
    LossChart.write(info.name() + " (" + Path.of(compiled.file()).getFileName() + ")",
        result.history(), png);
    long resumedAfter = !resume ? -1 : firstStep[0] < 0 ? result.steps() : firstStep[0] - 1;
    String summary = compiled.summary() + "\n"
        + (initFile == null ? "" : "initialized from " + initFile + "\n") + Summary.text(info, s, data, train, val, result,
        samplesTrained[0], resumedAfter, compileSeconds, warmed, trainSeconds, model, ckpt, checkpoints, png,
        standardization != null, augmentation);
    if (cluster != null) summary += "  spark       " + cluster.describe() + "\n";
    Files.writeString(outDir.resolve(info.name() + "-summary.txt"), summary, StandardCharsets.UTF_8);
    out.print(summary);
    out.flush();
    return 0;
  }

  /** A trainer of {@code m} with this run's optimizer, schedule, batch, seed, threads and clipping. */
  private Trainer.Builder trainer(FloatModel m, long stepsPerEpoch, Augmentation augmentation) {
    Trainer.Builder b = Trainer.builder(m)
        .optimizer(s.newOptimizer())
        .schedule(s.newSchedule(stepsPerEpoch))
        .batchSize(s.batch())
        .seed(s.seed())
        .threads(s.threads());
    if (augmentation != null) b.augmentation(augmentation);
    if (s.clipNorm() > 0) b.clipNorm(s.clipNorm());
    if (s.clipValue() > 0) b.clipValue(s.clipValue());
    return b;
  }

  static String fmt(String f, Object... args) {
    return String.format(Locale.ROOT, f, args);
  }
}
