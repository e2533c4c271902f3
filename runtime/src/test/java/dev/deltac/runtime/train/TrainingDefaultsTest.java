package dev.deltac.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.optim.Adam;
import dev.deltac.runtime.optim.LrSchedule;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.optim.Sgd;
import dev.deltac.runtime.testing.SoftmaxRegression;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingDefaultsTest {
  @Test
  void standardIsTheCommandLinesDefault() {
    TrainingDefaults d = TrainingDefaults.standard();
    assertEquals("adam", d.optimizer());
    assertEquals(1e-3, d.learningRate());
    assertEquals(32, d.batchSize());
    assertEquals(10, d.epochs());
    assertEquals(0, d.seed());
    assertEquals("constant", d.schedule());
    assertEquals(0, d.clipNorm());
    assertEquals(0, d.clipValue());
    assertTrue(d.newOptimizer() instanceof Adam);
  }

  @Test
  void blockValuesWinAndLrLeavesTheArguments() {
    TrainingDefaults d = TrainingDefaults.of("sgd", Map.of("lr", 0.5, "momentum", 0.9,
        "nesterov", true), 4, 5000, null, 0.25, 42L, "step", Map.of("every", 2.0, "gamma", 0.5));
    assertEquals(0.5, d.learningRate());
    assertEquals(Map.of("momentum", 0.9, "nesterov", true), d.optimizerArgs());
    assertEquals(4, d.batchSize());
    assertEquals(5000, d.epochs());
    assertEquals(42, d.seed());
    assertEquals(0.25, d.clipValue());
    Optimizer o = d.newOptimizer();
    assertTrue(o instanceof Sgd);
    assertEquals(0.5, o.learningRate());
    LrSchedule s = d.newSchedule(10); // every 2 epochs of 10 steps
    assertEquals(0.5, s.at(19));
    assertEquals(0.25, s.at(20));
  }

  @Test
  void overridesKeepTheRest() {
    TrainingDefaults d = TrainingDefaults.of("adamw", Map.of("lr", 0.01, "weight_decay", 0.05),
        8, 20, 1.0, null, 7L, "cosine", Map.of("min_lr", 0.001, "warmup", 10.0));
    TrainingDefaults e = d.withEpochs(40).withLearningRate(0.02).withBatchSize(16).withSeed(3);
    assertEquals(40, e.epochs());
    assertEquals(0.02, e.learningRate());
    assertEquals(16, e.batchSize());
    assertEquals(3, e.seed());
    assertEquals(d.optimizerArgs(), e.optimizerArgs());
    assertEquals(1.0, e.clipNorm());
    // cosine over 40 epochs of 5 steps after 10 warm-up steps: min_lr at step 210
    LrSchedule s = e.newSchedule(5);
    assertEquals(0.002, s.at(0), 1e-12);
    assertEquals(0.02, s.at(10), 1e-12);
    assertEquals(0.001, s.at(210), 1e-12);
    assertEquals(Map.of(), e.withOptimizer("sgd").optimizerArgs());
    assertEquals(d.optimizerArgs(), e.withOptimizer("adamw").optimizerArgs());
    assertEquals("adamw(lr=0.01, weight_decay=0.05), lr_schedule cosine(min_lr=0.001, warmup=10.0),"
        + " batch 8, 20 epochs, seed 7, clip_norm 1.0", d.toString());
    assertThrows(IllegalArgumentException.class, () -> d.withOptimizer("rmsprop"));
    assertThrows(IllegalArgumentException.class, () -> d.withEpochs(0));
  }

  @Test
  void builderTrainsWithTheSettingsAndMeasuresTrainingAccuracy() {
    TrainingDefaults d = TrainingDefaults.of("sgd", Map.of("lr", 0.5), 20, 8, null, null, 9L,
        null, null);
    SoftmaxRegression m = new SoftmaxRegression(TrainerTest.N, TrainerTest.K, 32);
    m.initParams(d.seed());
    var train = TrainerTest.blobs(400, 1, 0);
    try (Trainer t = d.builder(m, train).threads(1).build()) {
      TrainingResult r = t.fit(train);
      assertEquals(8, r.history().size());
      assertEquals(8 * 20, r.steps());
      assertTrue(r.last().trainAccuracy() > 0.9, "accuracy " + r.last().trainAccuracy());
      assertEquals(0.5, r.last().learningRate());
    }
  }
}
