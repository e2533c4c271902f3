package dev.deltac.compiler.batchnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.io.Checkpoint;
import dev.deltac.runtime.io.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints of batch_norm models keep the running statistics, so predict gives the same. */
class BatchNormCheckpointTest {
  @TempDir Path dir;

  @Test
  void roundTripRestoresTheRunningStatistics() throws Exception {
    CompiledModel c = BatchNormGradientTest.compile(BatchNormGradientTest.IMAGE);
    FloatModel m = c.newModel(8);
    m.initParams(1);
    Random r = new Random(1);
    int batch = 8;
    float[] xs = BatchNormEmittedTest.f(BatchNormEmittedTest.random(r, batch * m.info().inputSize(), -1, 2));
    float[] ts = BatchNormEmittedTest.f(BatchNormEmittedTest.random(r, batch * m.info().targetSize(), 0, 1));
    for (int i = 0; i < 3; i++) m.lossAndGradient(xs, ts, batch);
    float[] out = new float[batch * m.info().outputSize()];
    m.predictBatch(xs, out, batch);
    Path p = dir.resolve("bn.ckpt");
    Checkpoint.write(p, m);
    Checkpoint read = Checkpoint.read(p);
    assertEquals(java.util.List.of("c.W", "c.b", "n.gain", "n.bias", "c2.W", "c2.b", "n2.gain", "n2.bias",
        "z.W", "z.b", "n.running_mean", "n.running_var", "n2.running_mean", "n2.running_var"), read.names());
    FloatModel fresh = c.newModel(8);
    fresh.initParams(99);
    Checkpoint.load(p, fresh);
    for (int k = 0; k < m.buffers().length; k++) assertArrayEquals(m.buffers()[k], fresh.buffers()[k]);
    assertTrue(m.buffers()[1][0] != 1f, "the variance moved from its start");
    float[] again = new float[out.length];
    fresh.predictBatch(xs, again, batch);
    assertArrayEquals(out, again);
    // The float64 interpreter (named as the model) loads the same file.
    var d = new dev.deltac.compiler.interp.InterpretedModel(c.backwardWithInputs(), 8);
    Checkpoint.load(p, d);
    assertEquals(m.buffers()[3][1], (float) d.buffers()[3][1]);
  }

  @Test
  void aCheckpointWithoutTheRunningStatisticsIsAClearError() throws Exception {
    // A model without batch_norm, same param names: its checkpoint lacks the statistics.
    CompiledModel plain = BatchNormGradientTest.compile("""
        model Bn1 {
          input x[5]
          target y[3]
          h = dense(x, 4)
          n = layer_norm(h)
          a = tanh(n)
          z = dense(a, 3)
          output z
          loss mse(z, y)
        }""");
    FloatModel pm = plain.newModel(2);
    pm.initParams(1);
    Path p = dir.resolve("plain.ckpt");
    Checkpoint.write(p, pm);
    FloatModel bn = BatchNormGradientTest.compile(BatchNormGradientTest.VECTOR).newModel(2);
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(p, bn));
    assertTrue(e.getMessage().contains("has no running statistic n.running_mean"), e.getMessage());
    assertTrue(Files.size(p) > 0);
  }

  /**
   * Early stopping that restores the best epoch's parameters restores that epoch's running
   * statistics with them, also across a resumed run.
   */
  @Test
  void restoringTheBestEpochRestoresItsRunningStatistics() throws Exception {
    CompiledModel c = BatchNormGradientTest.compile(BatchNormGradientTest.IMAGE);
    FloatModel m = c.newModel(8);
    m.initParams(1);
    Random r = new Random(2);
    int n = 32;
    int in = m.info().inputSize();
    int out = m.info().targetSize();
    var train = new dev.deltac.runtime.data.Dataset(
        BatchNormEmittedTest.f(BatchNormEmittedTest.random(r, n * in, -1, 2)),
        BatchNormEmittedTest.f(BatchNormEmittedTest.random(r, n * out, 0, 1)), n, in, out);
    // targets unrelated to the training set's: the validation loss soon stops improving
    var val = new dev.deltac.runtime.data.Dataset(
        BatchNormEmittedTest.f(BatchNormEmittedTest.random(r, n * in, -1, 2)),
        BatchNormEmittedTest.f(BatchNormEmittedTest.random(r, n * out, 0, 1)), n, in, out);
    java.util.List<float[][]> buffers = new java.util.ArrayList<>();
    java.util.List<float[][]> params = new java.util.ArrayList<>();
    dev.deltac.runtime.train.TrainingResult result;
    try (var t = dev.deltac.runtime.train.Trainer.builder(m)
        .optimizer(dev.deltac.runtime.optim.Optimizer.sgd(0.3)).batchSize(8).epochs(40).seed(3)
        .threads(1).validation(val).earlyStopping(2, 0, true)
        .checkpoints(dir.resolve("es.ckpt"), 0)
        .listener(new dev.deltac.runtime.train.TrainingListener() {
          @Override
          public void onEpochEnd(dev.deltac.runtime.train.EpochMetrics e) {
            buffers.add(dev.deltac.runtime.Params.copyOf(m.buffers()));
            params.add(dev.deltac.runtime.Params.copyOf(m.params()));
          }
        }).build()) {
      result = t.fit(train);
    }
    assertTrue(result.restoredBest(), "the best epoch must not be the last: " + result.history());
    int best = result.bestEpoch();
    assertTrue(best < buffers.size() - 1);
    for (int k = 0; k < m.params().length; k++) assertArrayEquals(params.get(best)[k], m.params()[k]);
    for (int k = 0; k < m.buffers().length; k++) {
      assertArrayEquals(buffers.get(best)[k], m.buffers()[k], "buffer " + k);
    }
    assertTrue(!java.util.Arrays.equals(buffers.get(buffers.size() - 1)[0], m.buffers()[0]),
        "the last epoch's statistics differ from the restored ones");
    // the checkpoint of the finished run holds the restored statistics too
    FloatModel fresh = c.newModel(8);
    Checkpoint.load(dir.resolve("es.ckpt"), fresh);
    for (int k = 0; k < m.buffers().length; k++) assertArrayEquals(m.buffers()[k], fresh.buffers()[k]);
  }
}
