package dev.deltac.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.cli.Main;
import dev.deltac.cli.train.DataSource;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.train.Trainer;
import dev.deltac.runtime.train.TrainingListener;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster on localhost (a Master and two Workers, separate JVMs from the
 * Maven-resolved Spark jars): `deltac train --master spark://...` on the Fashion-MNIST MLP and
 * its shipped subset gives the checkpoint of `deltac train --threads 1` byte for byte; and with
 * an executor killed by SIGKILL in the middle of training, Spark retries, training finishes, and
 * the checkpoint is still the same.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
  static final Path MODEL = Path.of("../samples/fashion-mnist/fashion_mlp.nn");
  static final Path DATA = Path.of("../samples/fashion-mnist/subset");
  static final String APP_JAR = "target/deltac-spark-0.1.0-SNAPSHOT-app.jar";

  @TempDir
  static Path dir;
  static StandaloneCluster cluster;
  /** One application for both tests, so executors start once (the command line reuses it). */
  static JavaSparkContext jsc;

  @BeforeAll
  static void start() throws Exception {
    cluster = new StandaloneCluster(dir, 2);
    try {
      SparkConf conf = new SparkConf().setMaster(cluster.url()).setAppName("deltac-it")
          .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
          .set("spark.driver.bindAddress", "127.0.0.1").set("spark.executor.memory", "512m")
          .set("spark.jars", Path.of(APP_JAR).toAbsolutePath().toString())
          .set("spark.executor.extraJavaOptions", "--add-modules jdk.incubator.vector");
      jsc = new JavaSparkContext(conf);
      jsc.setLogLevel("ERROR");
      assertEquals(2, SparkBackend.awaitSlots(jsc, cluster.url(), 2, 180_000));
    } catch (Exception | Error e) {
      stop();
      throw e;
    }
  }

  @AfterAll
  static void stop() {
    try {
      if (jsc != null) jsc.stop();
    } finally {
      if (cluster != null) cluster.close();
    }
  }

  static String[] train(Path out, String... more) {
    String[] base = {"train", MODEL.toString(), "--data", DATA.toString(), "--epochs", "1",
        "--no-progress", "-o", out.toString()};
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void cliOnTwoWorkersMatchesOneJvm() throws Exception {
    Path one = dir.resolve("one");
    Path spark = dir.resolve("spark");
    assertEquals(0, Main.run(train(one, "--threads", "1")));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    long t0 = System.nanoTime();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err),
        train(spark, "--master", cluster.url()));
    System.err.printf("command line on the cluster: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    assertEquals(0, code, err.toString());
    assertTrue(out.toString().contains(cluster.url() + ", 2 tasks per step (barrier)"),
        out.toString());
    assertArrayEquals(Files.readAllBytes(one.resolve("FashionMlp.ckpt")),
        Files.readAllBytes(spark.resolve("FashionMlp.ckpt")));
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void executorKilledMidTrainingStillGivesTheSameBits() throws Exception {
    String source = Files.readString(MODEL);
    CompiledModel cm = Deltac.compile("fashion_mlp.nn", source).model();
    Dataset train = DataSource.load(DATA, cm.newModel(64).info()).train();
    Path ref = dir.resolve("ref.ckpt");
    FloatModel a = cm.newModel(64);
    a.initParams(1);
    try (Trainer t = settings(a, ref, source).threads(1).build()) {
      t.fit(train);
    }
    AtomicBoolean killed = new AtomicBoolean();
    AtomicLong killedAt = new AtomicLong();
    Path ck = dir.resolve("killed.ckpt");
    {
      FloatModel b = cm.newModel(64);
      b.initParams(1);
      SparkTrainer st = SparkTrainer.builder(jsc).source("fashion_mlp.nn", source).tasks(2)
          .timeoutMillis(120_000).build();
      Trainer.Builder tb = settings(b, ck, source).listener(new TrainingListener() {
        @Override
        public void onBatchEnd(long step, int samples, double loss) {
          System.err.printf("%tT step %d loss %.4f%n", System.currentTimeMillis(), step, loss);
          if (step == 10 && killed.compareAndSet(false, true)) {
            ProcessHandle e = cluster.anyExecutor().orElseThrow();
            killedAt.set(e.pid());
            assertTrue(e.destroyForcibly()); // SIGKILL
          }
        }
      });
      long t0 = System.nanoTime();
      try (Trainer t = tb.gradientEngine(st.engine()).build()) {
        t.fit(train);
        System.err.printf("%tT trained%n", System.currentTimeMillis());
      }
      System.err.printf("%tT closed; %.1f s in all%n", System.currentTimeMillis(),
          (System.nanoTime() - t0) / 1e9);
      assertTrue(killed.get());
      assertTrue(cluster.executors().stream().noneMatch(h -> h.pid() == killedAt.get()));
    }
    assertArrayEquals(Files.readAllBytes(ref), Files.readAllBytes(ck));
  }

  static Trainer.Builder settings(FloatModel m, Path ckpt, String source) {
    return Trainer.builder(m).optimizer(Optimizer.adam(1e-3)).batchSize(64).epochs(1).seed(1)
        .checkpoints(ckpt, 0).source("fashion_mlp.nn", source.getBytes(
            java.nio.charset.StandardCharsets.UTF_8));
  }
}
