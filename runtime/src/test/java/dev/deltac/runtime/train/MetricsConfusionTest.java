package dev.deltac.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.testing.SoftmaxRegression;
import org.junit.jupiter.api.Test;

class MetricsConfusionTest {
  @Test
  void rowsAreTrueClassesAndTheDiagonalIsTheAccuracy() {
    SoftmaxRegression m = TrainerTest.model();
    Dataset data = TrainerTest.blobs(300, 3, 0);
    try (Trainer t = Trainer.builder(m).optimizer(Optimizer.sgd(0.2)).batchSize(30).epochs(2)
        .threads(1).build()) {
      t.fit(data);
    }
    int[][] c = Metrics.confusion(m, data);
    assertEquals(TrainerTest.K, c.length);
    int right = 0;
    int total = 0;
    int[] perClass = new int[TrainerTest.K];
    for (int i = 0; i < data.count(); i++) {
      for (int k = 0; k < TrainerTest.K; k++) {
        if (data.targets()[i * TrainerTest.K + k] == 1f) perClass[k]++;
      }
    }
    for (int t = 0; t < c.length; t++) {
      int row = 0;
      for (int p = 0; p < c.length; p++) {
        row += c[t][p];
        total += c[t][p];
      }
      assertEquals(perClass[t], row);
      right += c[t][t];
    }
    assertEquals(data.count(), total);
    assertEquals(Metrics.accuracy(m, data), (double) right / total);
  }

  /**
   * Predictions run in chunks of the model's maximum batch through predictBatch: a count that is
   * not a multiple of it gives the accuracy of a sample-at-a-time loop over predict.
   */
  @Test
  void chunkedPredictionsAgreeWithOneSampleAtATime() {
    SoftmaxRegression m = TrainerTest.model();
    Dataset data = TrainerTest.blobs(3 * m.maxBatch() + 7, 3, 1);
    try (Trainer t = Trainer.builder(m).optimizer(Optimizer.sgd(0.2)).batchSize(16).epochs(1)
        .threads(1).build()) {
      t.fit(data);
    }
    float[] out = new float[TrainerTest.K];
    int right = 0;
    int[] seen = new int[data.count()];
    for (int i = 0; i < data.count(); i++) {
      m.predict(data.inputs(), i * data.inputSize(), out, 0);
      if (Metrics.argmax(out, 0, TrainerTest.K) == Metrics.argmax(data.targets(), i * TrainerTest.K, TrainerTest.K)) right++;
    }
    long counted = Metrics.predictAll(m, data, null, (i, buf, at) -> {
      seen[i]++;
      m.predict(data.inputs(), i * data.inputSize(), out, 0);
      for (int k = 0; k < TrainerTest.K; k++) assertEquals(out[k], buf[at + k]);
      return 1;
    });
    assertEquals(data.count(), counted);
    for (int i = 0; i < seen.length; i++) assertEquals(1, seen[i]);
    assertTrue(right > data.count() / 2, "trained: " + right);
    assertEquals((double) right / data.count(), Metrics.accuracy(m, data));
    // on 2 and 3 threads: the chunks' results combined in chunk order, the serial bits
    for (int threads : new int[] {2, 3}) {
      try (ParallelGradient pg = new ParallelGradient(m, 4, threads)) {
        assertEquals(Metrics.accuracy(m, data), Metrics.accuracy(m, data, pg));
        assertEquals(Metrics.loss(m, data), Metrics.loss(m, data, pg));
      }
    }
  }

  @Test
  void noMatrixForRegressionTargets() {
    Dataset data = new Dataset(new float[TrainerTest.N], new float[] {0.5f, 0, 0}, 1,
        TrainerTest.N, TrainerTest.K);
    assertNull(Metrics.confusion(TrainerTest.model(), data));
  }
}
