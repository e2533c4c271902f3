package dev.deltac.compiler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.ModelInfo;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The model summary: the same from the compiler and from a generated class's info(). */
class ModelSummaryTest {
  @Test
  void generatedInfoCarriesTheSummaryAndTheOperationCounts() throws Exception {
    for (String file : new String[] {"xor/xor.nn", "fashion-mnist/fashion_mlp.nn",
        "fashion-cnn/fashion_cnn.nn"}) {
      CompiledModel m = Deltac.compile(Path.of("../samples").resolve(file)).model();
      for (ModelInfo info : new ModelInfo[] {m.newModel(1).info(), m.newDoubleModel(1).info()}) {
        assertEquals(m.summary().replaceFirst("^model \\w+", "model " + info.name()),
            info.summary(), file);
        assertTrue(info.forwardFlops() > 0 && info.trainingFlops() > info.forwardFlops(), file);
      }
    }
    ModelInfo xor = Deltac.compile(Path.of("../samples/xor/xor.nn")).model().newModel(1).info();
    assertEquals("model Xor: 17 params (W1 [4, 2] 8, b1 [4] 4, W2 [1, 4] 4, b2 [1] 1); per sample"
        + " 37 FLOPs forward, 79 per training step", xor.summary());
  }
}
