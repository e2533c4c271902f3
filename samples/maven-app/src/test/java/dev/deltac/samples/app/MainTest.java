package dev.deltac.samples.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MainTest {
  @Test
  void generatedXorLearnsXor() {
    Xor model = Main.train(42);
    for (int a = 0; a <= 1; a++) {
      for (int b = 0; b <= 1; b++) {
        assertEquals(a ^ b, Main.predict(model, a, b), 0.1, a + " xor " + b);
      }
    }
  }

  @Test
  void generatedClassHasTheModelsShapes() {
    assertEquals(2, Xor.INPUT_SIZE);
    assertEquals(1, Xor.OUTPUT_SIZE);
    assertEquals(4 * 2 + 4 + 4 + 1, Xor.PARAM_COUNT);
  }

  @Test
  void generatedClassCarriesTheTrainBlock() {
    assertEquals("sgd", Xor.trainingDefaults().optimizer());
    assertEquals(0.5, Xor.trainingDefaults().learningRate());
    assertEquals(4, Xor.trainingDefaults().batchSize());
    assertEquals(5000, Xor.trainingDefaults().epochs());
  }
}
