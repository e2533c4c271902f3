package dev.deltac.spark;

import dev.deltac.cli.train.DataSource;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The numbers of docs/SPARK.md: seconds per epoch of the Fashion-MNIST MLP on the shipped subset
 * (one JVM with 1 and 2 threads; Spark with both step modes), and the synchronous step's
 * overhead. Not a test: run it by hand,
 * {@code java -cp ... dev.deltac.spark.SparkBench MASTER BATCH EPOCHS [MODEL.nn [DATA]]}.
 */
public final class SparkBench {
  static Dataset tinyData(int n) {
    dev.deltac.runtime.Rng r = new dev.deltac.runtime.Rng(3);
    float[][] xs = new float[n][4];
    float[][] ts = new float[n][1];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 4; j++) xs[i][j] = (float) r.nextGaussian();
      ts[i][0] = xs[i][0] - 2 * xs[i][3];
    }
    return Dataset.of(xs, ts);
  }

  public static void main(String[] args) throws Exception {
    String master = args.length > 0 ? args[0] : "local[2]";
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    Path file = Path.of(args.length > 3 ? args[3] : "samples/fashion-mnist/fashion_mlp.nn");
    Path dataDir = Path.of(args.length > 4 ? args[4] : "samples/fashion-mnist/subset");
    boolean tiny = file.toString().equals("tiny");
    // "tiny": a 4-input linear model on 4096 random samples, whose step costs almost nothing to
    // compute, so its Spark step time is the synchronous step's overhead
    String source = tiny ? "model Tiny {\n input x[4]\n target y[1]\n p = dense(x, 1)\n"
        + " output p\n loss mse(p, y)\n}\n" : Files.readString(file);
    CompiledModel cm = Deltac.compile(tiny ? "tiny.nn" : file.getFileName().toString(), source)
        .model();
    FloatModel probe = cm.newModel(batch);
    Dataset train = tiny ? tinyData(4096) : DataSource.load(dataDir, probe.info()).train();
    System.out.printf(Locale.ROOT, "%s, %d samples, batch %d, %d params, master %s%n",
        probe.info().name(), train.count(), batch, probe.info().paramCount(), master);
    for (int round = 0; round < Integer.getInteger("bench.rounds", 2); round++) {
      for (int threads : Boolean.getBoolean("bench.sparkOnly") ? new int[0] : new int[] {1, 2}) {
        FloatModel m = cm.newModel(batch);
        m.initParams(1);
        long t0 = System.nanoTime();
        try (Trainer t = Trainer.builder(m).optimizer(Optimizer.adam(1e-3)).batchSize(batch)
            .epochs(epochs).seed(1).threads(threads).build()) {
          t.fit(train);
          double s = (System.nanoTime() - t0) / 1e9;
          System.out.printf(Locale.ROOT, "one JVM, %d thread(s), round %d: %.2f s/epoch,"
              + " %.2f ms/step%n", threads, round, s / epochs, s * 1e3 / t.steps());
        }
      }
    }
    SparkConf conf = new SparkConf().setMaster(master).setAppName("deltac-bench")
        .set("spark.ui.enabled", "false");
    if (System.getProperty("bench.driverHost") != null) {
      conf.set("spark.driver.host", System.getProperty("bench.driverHost"))
          .set("spark.driver.bindAddress", System.getProperty("bench.driverHost"));
    }
    if (System.getProperty("bench.executorFlags") != null) {
      conf.set("spark.executor.extraJavaOptions", System.getProperty("bench.executorFlags"))
          .set("spark.executor.memory", "512m");
    }
    if (System.getProperty("bench.jars") != null) {
      conf.set("spark.jars", System.getProperty("bench.jars"));
    }
    try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
      jsc.setLogLevel("WARN");
      if (!master.startsWith("local")) {
        SparkBackend.awaitSlots(jsc, master, Integer.getInteger("bench.tasks", 2), 300_000);
      }
      int tasks = Integer.getInteger("bench.tasks", 2);
      for (int round = 0; round < Integer.getInteger("bench.rounds", 2); round++) {
        for (SparkGradient.Mode mode : SparkGradient.Mode.values()) {
          if (System.getProperty("bench.mode") != null
              && !mode.name().equalsIgnoreCase(System.getProperty("bench.mode"))) {
            continue;
          }
          FloatModel m = cm.newModel(batch);
          m.initParams(1);
          SparkTrainer st = SparkTrainer.builder(jsc).source(file.getFileName().toString(),
              source).tasks(tasks).mode(mode).build();
          long t0 = System.nanoTime();
          try (Trainer t = Trainer.builder(m).optimizer(Optimizer.adam(1e-3)).batchSize(batch)
              .epochs(epochs).seed(1).gradientEngine(st.engine()).build()) {
            t.fit(train);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "spark %s, %s, round %d: %.2f s/epoch, %.2f ms/step"
                + " (engine: %s)%n", master, mode, round, s / epochs, s * 1e3 / t.steps(),
                st.stats());
          }
        }
      }
    }
  }
}
