package dev.deltac.compiler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.train.TrainingDefaults;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code CompiledModel.trainingDefaults()}: the train block, with the command line's defaults. */
class TrainingDefaultsFromSourceTest {
  static final String HEAD = "model M {\n input x[2]\n target y[1]\n yhat = dense(x, 1, sigmoid)\n"
      + " output yhat\n loss bce(yhat, y)\n";

  @Test
  void everySettingOfTheBlock() throws Exception {
    TrainingDefaults d = Deltac.compile("m.nn", HEAD + " train {\n"
        + "  optimizer adamw(0.01, weight_decay = 0.05)\n  batch 4; epochs 200\n  clip_norm 1.0\n"
        + "  seed 7\n  lr_schedule cosine(min_lr = 0.001, warmup = 10)\n }\n}\n")
        .model().trainingDefaults();
    assertEquals("adamw", d.optimizer());
    assertEquals(0.01, d.learningRate());
    assertEquals(0.05, d.optimizerArgs().get("weight_decay"));
    assertEquals(4, d.batchSize());
    assertEquals(200, d.epochs());
    assertEquals(1.0, d.clipNorm());
    assertEquals(0, d.clipValue());
    assertEquals(7, d.seed());
    assertEquals("cosine", d.schedule());
    assertEquals(0.001, d.scheduleArgs().get("min_lr"));
    assertEquals(10.0, ((Number) d.scheduleArgs().get("warmup")).doubleValue());
  }

  @Test
  void noBlockGivesTheStandardDefaults() throws Exception {
    TrainingDefaults d = Deltac.compile("m.nn", HEAD + "}\n").model().trainingDefaults();
    assertEquals(TrainingDefaults.standard(), d);
    assertEquals(Map.of(), d.optimizerArgs());
  }

  @Test
  void generatedClassesCarryTheBlock() throws Exception {
    for (String block : new String[] {"", " train {\n  optimizer sgd(0.5, momentum = 0.9, "
        + "nesterov = true)\n  batch 4; epochs 20\n  clip_value 0.25\n  seed 11\n"
        + "  lr_schedule step(every = 5, gamma = 0.5)\n }\n"}) {
      dev.deltac.compiler.CompiledModel m = Deltac.compile("m.nn", HEAD + block + "}\n").model();
      for (dev.deltac.runtime.Model instance : new dev.deltac.runtime.Model[] {
          m.newModel(2), m.newDoubleModel(2)}) {
        Object fromClass = instance.getClass().getMethod("trainingDefaults").invoke(null);
        assertEquals(m.trainingDefaults(), fromClass, block);
      }
    }
    assertEquals("sgd", ((TrainingDefaults) Deltac.compile("m.nn", HEAD + " train {\n"
        + "  optimizer sgd(0.5)\n }\n}\n").model().newModel(1).getClass()
        .getMethod("trainingDefaults").invoke(null)).optimizer());
  }
}
