package dev.deltac.runtime.check;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.Params;
import dev.deltac.runtime.Rng;
import dev.deltac.runtime.testing.SoftmaxRegression64;
import org.junit.jupiter.api.Test;

class GradientCheckTest {
  private static final int N = 4;
  private static final int K = 3;
  private static final int BATCH = 5;

  private static double[] xs() {
    Rng r = new Rng(3);
    double[] xs = new double[BATCH * N];
    for (int i = 0; i < xs.length; i++) xs[i] = r.nextGaussian();
    return xs;
  }

  private static double[] ts() {
    double[] ts = new double[BATCH * K];
    for (int i = 0; i < BATCH; i++) ts[i * K + i % K] = 1;
    return ts;
  }

  private static SoftmaxRegression64 model(boolean bug) {
    SoftmaxRegression64 m = new SoftmaxRegression64(N, K, BATCH, bug);
    m.initParams(11);
    Rng r = new Rng(5);
    for (int i = 0; i < K; i++) m.params()[K][i] = 0.3 * r.nextGaussian(); // nonzero bias
    return m;
  }

  @Test
  void correctModelPasses() {
    SoftmaxRegression64 m = model(false);
    double[] before = Params.flatten(m.info(), m.params());
    GradientCheck.Report r = new GradientCheck().run(m, xs(), ts(), BATCH);
    assertTrue(r.passed(), r.toString());
    assertEquals(N * K + K, r.checked());
    assertTrue(r.maxError() < 1e-7);
    assertArrayEquals(before, Params.flatten(m.info(), m.params()), 0.0); // restored exactly
  }

  @Test
  void wrongGradientFailsAndNamesTheElement() {
    GradientCheck.Report r = new GradientCheck().run(model(true), xs(), ts(), BATCH);
    assertFalse(r.passed());
    GradientCheck.Entry worst = r.worst(1).get(0);
    assertEquals("W[2, 3]", worst.element());
    assertEquals(1e-3, worst.analytic() - worst.numeric(), 1e-8);
    assertEquals(1, r.failures().size());
    assertTrue(r.toString().startsWith("gradient check FAILED: 15 elements"), r.toString());
    assertTrue(r.toString().contains("W[2, 3]"));
  }

  @Test
  void samplingChecksAtMostNElementsPerTensor() {
    GradientCheck.Report r = new GradientCheck().sample(2, 1).run(model(false), xs(), ts(), BATCH);
    assertEquals(2 + 2, r.checked());
    assertTrue(r.passed());
  }

  @Test
  void randomBatchesAreReproducibleAndCheckTheModel() {
    SoftmaxRegression64 m = model(false);
    GradientCheck.Batch a = GradientCheck.randomBatch(m.info(), 3, 8);
    GradientCheck.Batch b = GradientCheck.randomBatch(m.info(), 3, 8);
    assertArrayEquals(a.inputs(), b.inputs(), 0.0);
    assertEquals(3 * N, a.inputs().length);
    assertEquals(3 * K, a.targets().length);
    for (double t : a.targets()) assertTrue(t > 0.05 && t < 0.95);
    assertTrue(new GradientCheck().run(m, a).passed());
    assertFalse(new GradientCheck().run(model(true), a).passed());
  }

  @Test
  void errorIsRelativeAboveTheFloorAndAbsoluteBelow() {
    assertEquals(0.01, GradientCheck.error(1.0, 0.99, 1e-3), 1e-12);
    assertEquals(0.01, GradientCheck.error(-100, -99, 1e-3), 1e-12);
    assertEquals(1e-6, GradientCheck.error(1e-12, 1e-9 + 1e-12, 1e-3), 1e-15);
    assertEquals(Double.POSITIVE_INFINITY, GradientCheck.error(Double.NaN, 1, 1e-3));
  }
}
