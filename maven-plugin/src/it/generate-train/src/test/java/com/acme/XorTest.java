package com.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.train.Trainer;
import dev.deltac.runtime.train.TrainingResult;
import org.junit.jupiter.api.Test;

/** Trains the class generated from src/main/deltac/com/acme/xor.nn at build time. */
class XorTest {
  @Test
  void generatedModelLearnsXor() {
    Dataset data = Dataset.of(new float[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}},
        new float[][] {{0}, {1}, {1}, {0}});
    Xor model = new Xor(4);
    assertTrue(model instanceof FloatModel);
    model.initParams(42);
    TrainingResult r;
    try (Trainer t = Trainer.builder(model).optimizer(Optimizer.sgd(0.5)).batchSize(4)
        .epochs(5000).threads(1).build()) {
      r = t.fit(data);
    }
    assertTrue(r.last().trainLoss() < 0.05, "loss " + r.last().trainLoss());
    float[] out = new float[1];
    float[][] xs = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    float[] ys = {0, 1, 1, 0};
    for (int i = 0; i < 4; i++) {
      model.predict(xs[i], 0, out, 0);
      assertEquals(ys[i], out[0], 0.1, "xor of " + xs[i][0] + ", " + xs[i][1]);
    }
    System.out.println("IT-XOR-TRAINED loss=" + r.last().trainLoss());
  }
}
