package dev.deltac.compiler.batchnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.interp.InterpretedModel;
import dev.deltac.compiler.testing.SgdSteps;
import dev.deltac.runtime.BatchCoupled;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.train.ParallelGradient;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The staged training step of generated batch_norm models: float64 against the interpreter
 * (every gradient, input gradient, running statistic and prediction), float32 close to it,
 * data-parallel steps bit-identical for 1, 2 and 3 threads, and no allocation per step.
 */
class BatchNormEmittedTest {
  static Stream<Arguments> models() {
    return Stream.of(Arguments.of("[C]", BatchNormGradientTest.VECTOR),
        Arguments.of("[C, L]", BatchNormGradientTest.SEQUENCE),
        Arguments.of("[C, H, W]", BatchNormGradientTest.IMAGE));
  }

  static double[] random(Random r, int n, double lo, double hi) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * r.nextDouble();
    return v;
  }

  static float[] f(double[] v) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
    return out;
  }

  static void near(String what, double[] expected, double[] actual, double tol) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(expected[i] - actual[i]) / Math.max(1e-3, Math.abs(expected[i]));
      if (err > tol) fail(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
    }
  }

  static double[] flat(double[][] blocks) {
    int n = 0;
    for (double[] b : blocks) n += b.length;
    double[] out = new double[n];
    int o = 0;
    for (double[] b : blocks) {
      System.arraycopy(b, 0, out, o, b.length);
      o += b.length;
    }
    return out;
  }

  static double[] flat(float[][] blocks) {
    int n = 0;
    for (float[] b : blocks) n += b.length;
    double[] out = new double[n];
    int o = 0;
    for (float[] b : blocks) {
      for (float v : b) out[o++] = v;
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void generatedMatchesTheInterpreter(String name, String source) {
    CompiledModel c = BatchNormGradientTest.compile(source);
    InterpretedModel ref = new InterpretedModel(c.backwardWithInputs(), 8);
    DoubleModel d = c.newDoubleModel(8);
    FloatModel fl = c.newModel(8);
    ref.initParams(5);
    d.initParams(5);
    fl.initParams(5);
    Random r = new Random(name.hashCode());
    int batch = 5;
    int in = ref.info().inputSize();
    int tg = ref.info().targetSize();
    for (int step = 0; step < 3; step++) {
      double[] xs = random(r, batch * in, -1, 1.5);
      double[] ts = random(r, batch * tg, 0, 1);
      boolean inputs = step == 1;
      double lr = ref.lossAndGradient(xs, 0, ts, 0, batch, inputs);
      double ld = d.lossAndGradient(xs, 0, ts, 0, batch, inputs);
      double lf = fl.lossAndGradient(f(xs), 0, f(ts), 0, batch, inputs);
      assertEquals(lr, ld, 1e-12 * Math.abs(lr), "loss");
      assertEquals(lr, lf, 1e-4 * Math.abs(lr), "float32 loss");
      near("grads", flat(ref.grads()), flat(d.grads()), 1e-10);
      near("float32 grads", flat(ref.grads()), flat(fl.grads()), 2e-3);
      near("running statistics", flat(ref.buffers()), flat(d.buffers()), 1e-12);
      near("float32 running statistics", flat(ref.buffers()), flat(fl.buffers()), 1e-5);
      if (inputs) {
        near("input grads", java.util.Arrays.copyOf(ref.inputGradients(), batch * in),
            java.util.Arrays.copyOf(d.inputGradients(), batch * in), 1e-10);
      }
      double[] po = new double[batch * ref.info().outputSize()];
      double[] pd = new double[po.length];
      ref.predictBatch(xs, po, batch);
      d.predictBatch(xs, pd, batch);
      near("predict (running statistics)", po, pd, 1e-12);
      assertEquals(ref.loss(xs, 0, ts, 0, batch), d.loss(xs, 0, ts, 0, batch), 1e-12);
      // Gradient step on every copy, so the next step runs at new params.
      for (int b = 0; b < ref.params().length; b++) {
        for (int j = 0; j < ref.params()[b].length; j++) {
          ref.params()[b][j] -= 0.3 * ref.grads()[b][j];
          d.params()[b][j] = ref.params()[b][j];
          fl.params()[b][j] = (float) ref.params()[b][j];
        }
      }
    }
    assertTrue(fl instanceof BatchCoupled && fl.batchCoupled());
  }

  /** Params and running statistics after steps through ParallelGradient with this many threads. */
  static float[] train(CompiledModel c, int threads) {
    FloatModel m = c.newModel(16);
    m.initParams(11);
    int batch = 10;
    Random r = new Random(3);
    int in = m.info().inputSize();
    int tg = m.info().targetSize();
    try (ParallelGradient pg = new ParallelGradient(m, 4, threads)) {
      for (int step = 0; step < 4; step++) {
        float[] xs = f(random(r, batch * in, -1, 1.5));
        float[] ts = f(random(r, batch * tg, 0, 1));
        pg.compute(xs, ts, batch);
        SgdSteps.sgd(m, 0.2f);
      }
    }
    double[] p = flat(m.params());
    double[] s = flat(m.buffers());
    float[] out = new float[p.length + s.length];
    for (int i = 0; i < p.length; i++) out[i] = (float) p[i];
    for (int i = 0; i < s.length; i++) out[p.length + i] = (float) s[i];
    return out;
  }

  @Test
  void dataParallelStepsAreBitIdenticalForOneTwoAndThreeThreads() {
    CompiledModel c = BatchNormGradientTest.compile(BatchNormGradientTest.IMAGE);
    float[] one = train(c, 1);
    assertArrayEquals(one, train(c, 2));
    assertArrayEquals(one, train(c, 3));
  }

  @Test
  void shardedStatisticsAreThoseOfTheWholeBatch() {
    CompiledModel c = BatchNormGradientTest.compile(BatchNormGradientTest.IMAGE);
    FloatModel whole = c.newModel(16);
    FloatModel sharded = c.newModel(16);
    whole.initParams(2);
    sharded.initParams(2);
    Random r = new Random(4);
    int batch = 10;
    float[] xs = f(random(r, batch * whole.info().inputSize(), -1, 1.5));
    float[] ts = f(random(r, batch * whole.info().targetSize(), 0, 1));
    double lw = whole.lossAndGradient(xs, ts, batch);
    double ls;
    try (ParallelGradient pg = new ParallelGradient(sharded, 3, 2)) {
      ls = pg.compute(xs, ts, batch);
    }
    assertEquals(lw, ls, 1e-5 * Math.abs(lw));
    near("gradients, 4 shards against one", flat(whole.grads()), flat(sharded.grads()), 1e-4);
    near("running statistics", flat(whole.buffers()), flat(sharded.buffers()), 1e-5);
  }

  @Test
  void theStagedStepAllocatesNothing() {
    CompiledModel c = BatchNormGradientTest.compile(BatchNormGradientTest.IMAGE);
    FloatModel m = c.newModel(8);
    m.initParams(1);
    int batch = 6;
    Random r = new Random(5);
    float[] xs = f(random(r, batch * m.info().inputSize(), -1, 1));
    float[] ts = f(random(r, batch * m.info().targetSize(), 0, 1));
    float[] out = new float[m.info().outputSize()];
    Runnable step = () -> {
      m.lossAndGradient(xs, 0, ts, 0, batch, false);
      m.lossAndGradient(xs, 0, ts, 0, batch, true);
      m.loss(xs, 0, ts, 0, batch);
      m.predict(xs, 0, out, 0);
    };
    for (int i = 0; i < 2000; i++) step.run();
    assertEquals(0, dev.deltac.compiler.testing.Allocations.leastPerRound(step, 500, 60),
        "bytes allocated over 500 steps");
  }
}
