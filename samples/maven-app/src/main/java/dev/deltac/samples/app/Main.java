package dev.deltac.samples.app;

import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.train.Trainer;
import dev.deltac.runtime.train.TrainingDefaults;
import dev.deltac.runtime.train.TrainingResult;

/**
 * Trains the {@code Xor} class that deltac-maven-plugin generated from
 * {@code src/main/deltac/dev/deltac/samples/app/xor.nn}, then predicts the four cases.
 */
public final class Main {
  private Main() {}

  /** The four XOR cases. */
  public static final Dataset DATA = Dataset.of(
      new float[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}},
      new float[][] {{0}, {1}, {1}, {0}});

  /** A trained model: seeded, so the result is the same on every run. */
  public static Xor train(long seed) {
    TrainingDefaults settings = Xor.trainingDefaults().withSeed(seed);  // xor.nn's train block
    Xor model = new Xor(settings.batchSize());
    model.initParams(settings.seed());
    try (Trainer trainer = settings.builder(model, DATA).threads(1).build()) {
      TrainingResult r = trainer.fit(DATA);
      System.out.printf("trained %d epochs, final loss %.5f%n", r.history().size(),
          r.last().trainLoss());
    }
    return model;
  }

  /** The model's output for one input pair. */
  public static float predict(Xor model, float a, float b) {
    float[] out = new float[Xor.OUTPUT_SIZE];
    model.predict(new float[] {a, b}, 0, out, 0);
    return out[0];
  }

  public static void main(String[] args) {
    Xor model = train(42);
    for (int a = 0; a <= 1; a++) {
      for (int b = 0; b <= 1; b++) {
        System.out.printf("%d xor %d -> %.3f%n", a, b, predict(model, a, b));
      }
    }
  }
}
