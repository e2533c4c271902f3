package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.compiler.interp.InterpretedModel;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.check.GradientCheck;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Dropout: seeded masks while training, the same in generated code and in the interpreter,
 * fixed per seed and sample (so shards agree whatever thread runs them), identity in inference.
 */
class DropoutTest {
  private static final String MODEL = """
      model Drop {
        input x[6]
        target y[3]
        h = dense(x, 32, relu)
        d = dropout(h, 0.5)
        o = dense(d, 3)
        output o
        loss mse(o, y)
      }""";

  private static CompiledModel compiled() throws Exception {
    return Deltac.compile("drop.nn", MODEL).model();
  }

  private static double[] random(int n, long seed) {
    Random r = new Random(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = r.nextDouble() * 2 - 1;
    return v;
  }

  private static void copyParams(DoubleModel from, DoubleModel to) {
    for (int b = 0; b < from.params().length; b++) {
      System.arraycopy(from.params()[b], 0, to.params()[b], 0, from.params()[b].length);
    }
  }

  @Test
  void generatedMasksAndGradientsEqualTheInterpreters() throws Exception {
    CompiledModel m = compiled();
    DoubleModel gen = m.newDoubleModel(8);
    gen.initParams(3);
    InterpretedModel ref = new InterpretedModel(m.backwardWithInputs(), 8);
    copyParams(gen, ref);
    double[] xs = random(8 * 6, 1);
    double[] ts = random(8 * 3, 2);
    for (long seed : new long[] {1, 2, 99}) {
      gen.setDropoutSeed(seed);
      ref.setDropoutSeed(seed);
      // From offset 2 samples in: the sample index in the batch array picks the masks.
      double lg = gen.lossAndGradient(xs, 2 * 6, ts, 2 * 3, 5, true);
      double lr = ref.lossAndGradient(xs, 2 * 6, ts, 2 * 3, 5, true);
      assertEquals(lr, lg, 1e-12 * Math.abs(lr));
      for (int b = 0; b < gen.grads().length; b++) {
        for (int i = 0; i < gen.grads()[b].length; i++) {
          assertEquals(ref.grads()[b][i], gen.grads()[b][i], 1e-12, "block " + b + "[" + i + "]");
        }
      }
      for (int i = 0; i < 5 * 6; i++) {
        assertEquals(ref.inputGradients()[i], gen.inputGradients()[i], 1e-12);
      }
    }
  }

  /** float32 with a layer of 40 × 32 weights: the batched pass draws the same masks per sample. */
  @Test
  void batchedPassDrawsTheInterpretersMasks() throws Exception {
    CompiledModel m = Deltac.compile("drop.nn", MODEL.replace("x[6]", "x[40]")).model();
    assertTrue(m.javaSource(dev.deltac.runtime.Precision.FLOAT32, "gen").contains("backwardBatched("));
    dev.deltac.runtime.FloatModel gen = m.newModel(8);
    gen.initParams(3);
    InterpretedModel ref = new InterpretedModel(m.backwardWithInputs(), 8);
    for (int b = 0; b < gen.params().length; b++) {
      for (int i = 0; i < gen.params()[b].length; i++) ref.params()[b][i] = gen.params()[b][i];
    }
    double[] xs = random(8 * 40, 1);
    double[] ts = random(8 * 3, 2);
    float[] fx = new float[xs.length];
    float[] ft = new float[ts.length];
    for (int i = 0; i < xs.length; i++) xs[i] = fx[i] = (float) xs[i];
    for (int i = 0; i < ts.length; i++) ts[i] = ft[i] = (float) ts[i];
    for (long seed : new long[] {1, 2, 99}) {
      gen.setDropoutSeed(seed);
      ref.setDropoutSeed(seed);
      // From offset 2 samples in: the sample index in the batch array picks the masks.
      double lg = gen.lossAndGradient(fx, 2 * 40, ft, 2 * 3, 5, false);
      double lr = ref.lossAndGradient(xs, 2 * 40, ts, 2 * 3, 5, false);
      assertEquals(lr, lg, 1e-5 * Math.abs(lr));
      for (int b = 0; b < gen.grads().length; b++) {
        for (int i = 0; i < gen.grads()[b].length; i++) {
          assertEquals(ref.grads()[b][i], gen.grads()[b][i], 1e-5, "block " + b + "[" + i + "]");
        }
      }
    }
  }

  @Test
  void masksChangeWithTheSeedAndNotWithTheCallOrSplit() throws Exception {
    DoubleModel gen = compiled().newDoubleModel(8);
    gen.initParams(3);
    double[] xs = random(8 * 6, 1);
    double[] ts = random(8 * 3, 2);
    gen.setDropoutSeed(5);
    double a = gen.lossAndGradient(xs, 0, ts, 0, 8, false);
    double again = gen.lossAndGradient(xs, 0, ts, 0, 8, false);
    assertEquals(a, again, 0.0);
    // Two shards of 4, as the data-parallel trainer cuts them, give the same mean.
    double first = gen.lossAndGradient(xs, 0, ts, 0, 4, false);
    double second = gen.lossAndGradient(xs, 4 * 6, ts, 4 * 3, 4, false);
    assertEquals(a, (first + second) / 2, 1e-15);
    gen.setDropoutSeed(6);
    assertNotEquals(a, gen.lossAndGradient(xs, 0, ts, 0, 8, false));
  }

  @Test
  void inferenceNeverDrops() throws Exception {
    CompiledModel m = compiled();
    DoubleModel gen = m.newDoubleModel(8);
    gen.initParams(3);
    InterpretedModel ref = new InterpretedModel(m.backwardWithInputs(), 8);
    copyParams(gen, ref);
    double[] x = random(6, 4);
    double[] out = new double[3];
    double[] expected = new double[3];
    gen.setDropoutSeed(11);
    gen.predict(x, 0, out, 0);
    ref.predict(x, 0, expected, 0);
    for (int i = 0; i < 3; i++) assertEquals(expected[i], out[i], 1e-12);
    // The inference graph has no mask at all.
    assertTrue(m.forward().nodes().stream()
        .noneMatch(n -> n.op() == dev.deltac.compiler.ir.Op.DROPOUT_MASK));
  }

  @Test
  void aboutHalfTheUnitsAreDroppedAndTheRestScaledByTwo() {
    int dropped = 0;
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      double s = dev.deltac.runtime.Dropout.scale(42, i / 100, 0, i % 100, 0.5);
      assertTrue(s == 0.0 || s == 2.0, "scale " + s);
      if (s == 0.0) dropped++;
    }
    assertEquals(0.5, (double) dropped / n, 0.005);
  }

  @Test
  void gradientCheckPassesWithMasksFixedBySeed() throws Exception {
    DoubleModel gen = compiled().newDoubleModel(4);
    gen.initParams(3);
    gen.setDropoutSeed(8);
    GradientCheck.Report r = new GradientCheck()
        .run(gen, GradientCheck.randomBatch(gen.info(), 4, 1));
    assertTrue(r.passed(), r.toString());
  }
}
