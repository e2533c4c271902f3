package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.compiler.testing.SgdSteps;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.train.ParallelGradient;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The words transformer (samples/words) through the whole-batch pass: its dense products over
 * {@code [16, n]} run as one product of {@code batch · 16} rows, its attention products through
 * {@code SmallProducts}; the gradient agrees with the float64 per-sample code, and steps through
 * {@link ParallelGradient} give the same bits for 1, 2 and 3 threads.
 */
class WordsBatchedTest {
  static final Path WORDS = Path.of("../samples/words/words.nn");

  static CompiledModel compile() throws Exception {
    return Deltac.compile(WORDS).model();
  }

  @Test
  void theTensorProductsRunOverTheWholeBatch() throws Exception {
    String src = compile().javaSource(Precision.FLOAT32, "w");
    assertTrue(src.contains("double backwardBatched("), "no whole-batch training pass");
    assertTrue(src.contains("DenseKernels.forward(batch * 16, 32, 32, q_W"), "q's product is not batched");
    assertTrue(src.contains("DenseKernels.inputGradient(batch * 16, 27, 32, logits_W"), "logits' input gradient");
    assertTrue(src.contains("DenseKernels.weightGradient(batch * 16, 64, 32"), "m1's weight gradient");
    assertTrue(src.contains("SmallProducts.product(4, 16, 8, 16, false, false, qh"), "attention scores");
  }

  @Test
  void theBatchedGradientAgreesWithTheFloat64PerSampleCode() throws Exception {
    CompiledModel c = compile();
    int batch = 8;
    FloatModel f = c.newModel(batch);
    DoubleModel d = c.newDoubleModel(batch);
    f.initParams(5);
    for (int b = 0; b < f.params().length; b++) {
      for (int j = 0; j < f.params()[b].length; j++) d.params()[b][j] = f.params()[b][j];
    }
    Random r = new Random(9);
    float[] xs = new float[batch * f.info().inputSize()];
    float[] ts = new float[batch * f.info().targetSize()];
    for (int i = 0; i < xs.length; i++) xs[i] = r.nextInt(27);
    for (int i = 0; i < ts.length; i++) ts[i] = r.nextInt(27);
    double[] xd = new double[xs.length];
    double[] td = new double[ts.length];
    for (int i = 0; i < xs.length; i++) xd[i] = xs[i];
    for (int i = 0; i < ts.length; i++) td[i] = ts[i];
    double lf = f.lossAndGradient(xs, ts, batch);
    double ld = d.lossAndGradient(xd, td, batch);
    assertEquals(ld, lf, 2e-6 * Math.abs(ld));
    double worst = 0;
    for (int b = 0; b < f.grads().length; b++) {
      double scale = 1e-3;
      for (double g : d.grads()[b]) scale = Math.max(scale, Math.abs(g));
      for (int j = 0; j < f.grads()[b].length; j++) {
        worst = Math.max(worst, Math.abs(f.grads()[b][j] - d.grads()[b][j]) / scale);
      }
    }
    assertTrue(worst < 1e-4, "largest gradient difference relative to its block: " + worst);
  }

  @Test
  void stepsAreBitIdenticalForOneTwoAndThreeThreads() throws Exception {
    CompiledModel c = compile();
    float[] one = train(c, 1);
    assertArrayEquals(one, train(c, 2));
    assertArrayEquals(one, train(c, 3));
  }

  @Test
  void theBatchedStepAllocatesNothingOnceWarm() throws Exception {
    FloatModel m = compile().newModel(32);
    m.initParams(2);
    int batch = 32;
    Random r = new Random(6);
    float[] xs = new float[batch * m.info().inputSize()];
    float[] ts = new float[batch * m.info().targetSize()];
    for (int i = 0; i < xs.length; i++) xs[i] = r.nextInt(27);
    for (int i = 0; i < ts.length; i++) ts[i] = r.nextInt(27);
    float[] outs = new float[batch * m.info().outputSize()];
    Runnable step = () -> {
      m.lossAndGradient(xs, ts, batch);
      m.loss(xs, 0, ts, 0, batch);
      m.predictBatch(xs, outs, batch);
    };
    for (int i = 0; i < 300; i++) step.run();
    assertEquals(0, dev.deltac.compiler.testing.Allocations.leastPerRound(step, 20, 60),
        "bytes allocated by 20 warm steps");
  }

  private static float[] train(CompiledModel c, int threads) {
    FloatModel m = c.newModel(32);
    m.initParams(11);
    int batch = 32;
    Random r = new Random(3);
    float[] xs = new float[batch * m.info().inputSize()];
    float[] ts = new float[batch * m.info().targetSize()];
    try (ParallelGradient pg = new ParallelGradient(m, 8, threads)) {
      for (int step = 0; step < 3; step++) {
        for (int i = 0; i < xs.length; i++) xs[i] = r.nextInt(27);
        for (int i = 0; i < ts.length; i++) ts[i] = r.nextInt(27);
        pg.compute(xs, ts, batch);
        SgdSteps.sgd(m, 0.1f);
      }
    }
    return SgdSteps.flatParams(m);
  }
}
