package dev.deltac.spark;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.train.GradientEngine;
import dev.deltac.runtime.train.Trainer;
import dev.deltac.runtime.train.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;

/**
 * Data-parallel training of a compiled model on a Spark cluster, with the same bits as one JVM.
 *
 * <pre>
 *   FloatModel model = Deltac.compile(Path.of("mlp.nn")).model().newModel(64);
 *   model.initParams(1);
 *   SparkTrainer spark = SparkTrainer.builder(jsc).source("mlp.nn", text).build();
 *   Trainer.Builder b = Trainer.builder(model).optimizer(Optimizer.adam(1e-3)).batchSize(64)
 *       .epochs(5).seed(1);
 *   TrainingResult r = spark.fit(b, samples);   // a JavaRDD&lt;Sample&gt;
 * </pre>
 *
 * The driver runs the {@link Trainer} (shuffling, optimizer, learning-rate schedule,
 * checkpoints, validation, early stopping); every step's shards run on the executors, which
 * compile the model's source once per JVM. The samples are collected to the driver in the
 * RDD's order (the checkpoint's data hash and the seeded shuffle need them all there); each step
 * sends a task only the samples of its shards. See docs/SPARK.md.
 */
public final class SparkTrainer {
  private final JavaSparkContext jsc;
  private final String fileName;
  private final String source;
  private final int tasks;
  private final SparkGradient.Mode mode;
  private final long timeoutMillis;
  private SparkGradient last;

  private SparkTrainer(Builder b) {
    this.jsc = Checks.checkNotNull(b.jsc, "spark context");
    this.fileName = Checks.checkNotNull(b.fileName, "source");
    this.source = b.source;
    this.tasks = b.tasks > 0 ? b.tasks : jsc.defaultParallelism();
    this.mode = b.mode;
    this.timeoutMillis = b.timeoutMillis;
  }

  public static Builder builder(JavaSparkContext jsc) {
    return new Builder(jsc);
  }

  /** Spark tasks per step. */
  public int tasks() {
    return tasks;
  }

  public SparkGradient.Mode mode() {
    return mode;
  }

  /**
   * The engine to give {@link Trainer.Builder#gradientEngine}: the trainer's model must be
   * compiled from this trainer's source.
   */
  public GradientEngine.Factory engine() {
    return (model, shard) -> {
      last = new SparkGradient(jsc, model, ModelSpec.of(fileName, source, model, shard), tasks,
          mode, timeoutMillis);
      return last;
    };
  }

  /** The step statistics of the last engine made (steps, mean ms per step). */
  public String stats() {
    return last == null ? "no steps" : last.stats();
  }

  /** Trains with {@code b}'s settings on the samples of {@code rdd}, in the RDD's order. */
  public TrainingResult fit(Trainer.Builder b, JavaRDD<Sample> rdd) {
    Dataset data = collect(rdd);
    try (Trainer t = b.gradientEngine(engine()).build()) {
      return t.fit(data);
    }
  }

  /** The samples of {@code rdd}, in its order, packed as a runtime {@link Dataset}. */
  public static Dataset collect(JavaRDD<Sample> rdd) {
    List<Sample> all = rdd.collect();
    float[][] xs = new float[all.size()][];
    float[][] ts = new float[all.size()][];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = all.get(i).input();
      ts[i] = all.get(i).target();
    }
    return Dataset.of(xs, ts);
  }

  /**
   * The rows of a Spark SQL dataset with two array-of-float columns (or array-of-double, taken
   * as float), in its order, as a runtime {@link Dataset}.
   */
  public static Dataset collect(org.apache.spark.sql.Dataset<Row> rows, String inputColumn,
      String targetColumn) {
    return collect(rows.select(inputColumn, targetColumn).toJavaRDD()
        .map(r -> new Sample(floats(r.getList(0)), floats(r.getList(1)))));
  }

  private static float[] floats(List<Object> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) out[i] = ((Number) values.get(i)).floatValue();
    return out;
  }

  /** A runtime dataset as an RDD of {@code partitions} partitions, in order. */
  public static JavaRDD<Sample> parallelize(JavaSparkContext jsc, Dataset d, int partitions) {
    List<Sample> list = new ArrayList<>(d.count());
    int in = d.inputSize();
    int tg = d.targetSize();
    for (int i = 0; i < d.count(); i++) {
      float[] x = new float[in];
      float[] t = new float[tg];
      System.arraycopy(d.inputs(), i * in, x, 0, in);
      System.arraycopy(d.targets(), i * tg, t, 0, tg);
      list.add(new Sample(x, t));
    }
    return jsc.parallelize(list, partitions);
  }

  /** Configuration; {@link #source} is required. */
  public static final class Builder {
    private final JavaSparkContext jsc;
    private String fileName;
    private String source;
    private int tasks;
    private SparkGradient.Mode mode = SparkGradient.Mode.BARRIER;
    private long timeoutMillis = 60_000;

    private Builder(JavaSparkContext jsc) {
      this.jsc = jsc;
    }

    /** The {@code .nn} source text the model was compiled from, and its file name. */
    public Builder source(String fileName, String text) {
      this.fileName = fileName;
      this.source = text;
      return this;
    }

    /** Spark tasks per step (default: the context's default parallelism). */
    public Builder tasks(int n) {
      Checks.checkArgument(n > 0, "tasks must be > 0: %s", n);
      this.tasks = n;
      return this;
    }

    /** How steps reach the executors (default {@link SparkGradient.Mode#BARRIER}). */
    public Builder mode(SparkGradient.Mode mode) {
      this.mode = Checks.checkNotNull(mode, "mode");
      return this;
    }

    /** How long a step waits for the barrier stage's tasks to (re)connect (default 60 s). */
    public Builder timeoutMillis(long ms) {
      this.timeoutMillis = ms;
      return this;
    }

    public SparkTrainer build() {
      return new SparkTrainer(this);
    }
  }
}
