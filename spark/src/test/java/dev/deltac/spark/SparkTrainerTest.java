package dev.deltac.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Rng;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.train.Trainer;
import dev.deltac.runtime.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * local[2]: the checkpoint after a few epochs on Spark is byte-identical to the one-JVM trainer's
 * (one thread), in both step modes, with dropout (masks depend on the sample's place in the
 * batch), a last batch shorter than the others, and several shards per task.
 */
@org.junit.jupiter.api.Order(1)
class SparkTrainerTest {
  static final String SOURCE = """
      model Drop {
        input  x[12]
        target y[3]
        h      = dense(x, 24, relu)
        hd     = dropout(h, 0.25)
        logits = dense(hd, 3)
        p      = softmax(logits)
        output p
        loss   softmax_cross_entropy(logits, y)
      }
      """;

  static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    jsc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("deltac-test")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1"));
    jsc.setLogLevel("WARN");
  }

  @AfterAll
  static void stop() {
    if (jsc != null) jsc.stop();
  }

  static Dataset data(int n) {
    Rng r = new Rng(7);
    float[][] xs = new float[n][12];
    float[][] ts = new float[n][3];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int j = 0; j < 12; j++) {
        xs[i][j] = (float) r.nextGaussian();
        s += xs[i][j] * (j % 3 - 1);
      }
      ts[i][s > 0.5 ? 0 : s < -0.5 ? 1 : 2] = 1;
    }
    return Dataset.of(xs, ts);
  }

  static Trainer.Builder settings(FloatModel m, Path ckpt) {
    return Trainer.builder(m).optimizer(Optimizer.adam(0.01)).batchSize(70).epochs(3).seed(5)
        .shardSize(16).checkpoints(ckpt, 4).waitForCheckpoints(true)
        .source("drop.nn", SOURCE.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  static FloatModel model() throws Exception {
    FloatModel m = Deltac.compile("drop.nn", SOURCE).model().newModel(70);
    m.initParams(3);
    return m;
  }

  @Test
  void collectAndBarrierMatchOneJvmByteForByte(@TempDir Path dir) throws Exception {
    Dataset d = data(300); // 5 batches of 70 and one of 20; 5 shards of 16 (last 6) per batch
    FloatModel one = model();
    Path ref = dir.resolve("one.ckpt");
    TrainingResult r1;
    try (Trainer t = settings(one, ref).threads(1).build()) {
      r1 = t.fit(d);
    }
    for (SparkGradient.Mode mode : SparkGradient.Mode.values()) {
      FloatModel m = model();
      Path ck = dir.resolve(mode + ".ckpt");
      SparkTrainer st = SparkTrainer.builder(jsc).source("drop.nn", SOURCE).tasks(2).mode(mode)
          .build();
      TrainingResult r = st.fit(settings(m, ck), SparkTrainer.parallelize(jsc, d, 3));
      assertEquals(r1.steps(), r.steps(), mode.toString());
      assertArrayEquals(Files.readAllBytes(ref), Files.readAllBytes(ck), mode + " checkpoint");
      for (int b = 0; b < one.params().length; b++) {
        assertArrayEquals(one.params()[b], m.params()[b], mode + " block " + b);
      }
      assertEquals(r1.history().get(2).trainLoss(), r.history().get(2).trainLoss(), 0.0);
    }
    // local[2] runs the tasks in this JVM: the source was compiled once for both runs
    assertEquals(1, ExecutorModels.COMPILATIONS.get());
    // the training moved the parameters (the test would pass on a no-op otherwise)
    FloatModel start = model();
    assertFalse(java.util.Arrays.equals(start.params()[0], one.params()[0]));
  }
}
