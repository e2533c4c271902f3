package dev.deltac.compiler.batchnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.autodiff.FiniteDifferences;
import dev.deltac.compiler.interp.InterpretedModel;
import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.compiler.testing.Models;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * batch_norm's batch-coupled gradient: the optimized reverse-mode graph against five-point
 * finite differences of the whole batch's training-mode loss (float64 interpreter), for every
 * param and every input of every sample; and the inference side (running statistics).
 */
class BatchNormGradientTest {
  static final String VECTOR = """
      model Bn1 {
        input x[5]
        target y[3]
        h = dense(x, 4)
        n = batch_norm(h)
        a = tanh(n)
        z = dense(a, 3)
        output z
        loss mse(z, y)
      }""";

  static final String SEQUENCE = """
      model Bn2 {
        input x[3, 4]
        target y[2]
        param W[3, 3] = normal(0, 0.7)
        n = batch_norm(W @ x, momentum=0.2, eps=1e-3)
        m = batch_norm(sigmoid(n))
        z = dense(flatten(m), 2)
        output z
        loss softmax_cross_entropy(z, y)
      }""";

  static final String IMAGE = """
      model Bn3 {
        input img[2, 4, 4]
        target y[3]
        c = conv2d(img, 3, 3, padding=1)
        n = batch_norm(c)
        r = softplus(n)
        c2 = conv2d(r, 3, 3, padding=1)
        n2 = batch_norm(c2)
        s = tanh(n2 + r)
        g = mean(s, axis=1)
        z = dense(mean(g, axis=1), 3)
        output z
        loss softmax_cross_entropy(z, y)
      }""";

  static Stream<Arguments> models() {
    return Stream.of(Arguments.of("[C]", VECTOR), Arguments.of("[C, L]", SEQUENCE),
        Arguments.of("[C, H, W]", IMAGE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void coupledGradientMatchesFiniteDifferences(String name, String source) {
    Graph lowered = Models.lower(source);
    Graph backward = Optimizer.backward(lowered, true);
    int batch = 4;
    Map<String, double[]> params = Models.randomParams(lowered, name.hashCode(), 0.7);
    double[] xs = Models.random(name.hashCode() + 1L, batch * Models.inputSize(lowered), -1, 1);
    double[] ts = Models.random(name.hashCode() + 2L, batch * Models.targetSize(lowered), 0.1, 0.9);
    double err = FiniteDifferences.check(lowered, backward, params, xs, ts, batch);
    assertTrue(err < FiniteDifferences.TOLERANCE, "relative error " + err);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void oneSamplesGradientDependsOnTheOthers(String name, String source) {
    Graph lowered = Models.lower(source);
    Graph backward = Optimizer.backward(lowered, true);
    int batch = 3;
    int in = Models.inputSize(lowered);
    Map<String, double[]> params = Models.randomParams(lowered, 7, 0.7);
    double[] xs = Models.random(8, batch * in, -1, 1);
    double[] ts = Models.random(9, batch * Models.targetSize(lowered), 0.1, 0.9);
    Interpreter.Result a = new Interpreter(backward).run(params, xs, ts, batch);
    xs[2 * in] += 0.5; // only the last sample changes
    Interpreter.Result b = new Interpreter(backward).run(params, xs, ts, batch);
    assertNotEquals(a.inputGrads()[0][0], b.inputGrads()[0][0], "sample 0's input gradient");
  }

  @Test
  void predictAndLossUseTheRunningStatisticsWhichATrainingStepUpdates() {
    var c = compile(VECTOR);
    InterpretedModel m = new InterpretedModel(c.backwardWithInputs(), 8);
    m.initParams(3);
    var info = m.info();
    assertEquals("[n.running_mean[4], n.running_var[4]]", info.buffers().toString());
    assertEquals("[h.W[4, 5], h.b[4], n.gain[4], n.bias[4], z.W[3, 4], z.b[3]]", info.params().toString());
    assertArrayEquals(new double[] {0, 0, 0, 0}, m.buffers()[0]);
    assertArrayEquals(new double[] {1, 1, 1, 1}, m.buffers()[1]);
    int batch = 4;
    double[] xs = Models.random(1, batch * 5, -1, 1);
    double[] ts = Models.random(2, batch * 3, 0, 1);
    // Inference at the starting statistics (mean 0, variance 1) is x / sqrt(1 + eps): h itself.
    double lossBefore = m.loss(xs, 0, ts, 0, batch);
    double train = m.lossAndGradient(xs, 0, ts, 0, batch, false);
    assertNotEquals(lossBefore, train);
    // The running statistics moved 10% of the way to the batch's (variance unbiased).
    Map<String, double[]> p = m.paramValues();
    double[] w = p.get("h.W");
    double[] bias = p.get("h.b");
    for (int ch = 0; ch < 4; ch++) {
      double[] h = new double[batch];
      double mean = 0;
      for (int s = 0; s < batch; s++) {
        double v = bias[ch];
        for (int k = 0; k < 5; k++) v += w[ch * 5 + k] * xs[s * 5 + k];
        h[s] = v;
        mean += v / batch;
      }
      double ss = 0;
      for (double v : h) ss += (v - mean) * (v - mean);
      assertEquals(0.1 * mean, m.buffers()[0][ch], 1e-14);
      assertEquals(0.9 + 0.1 * ss / (batch - 1), m.buffers()[1][ch], 1e-14);
    }
    double lossAfter = m.loss(xs, 0, ts, 0, batch);
    assertNotEquals(lossBefore, lossAfter);
    // loss() does not update them.
    assertEquals(lossAfter, m.loss(xs, 0, ts, 0, batch));
  }

  static dev.deltac.compiler.CompiledModel compile(String source) {
    try {
      return dev.deltac.compiler.Deltac.compile("bn.nn", source).model();
    } catch (dev.deltac.compiler.CompileException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  @Test
  void aTrainingBatchNeedsMoreThanOneValuePerChannel() {
    var c = compile(VECTOR);
    InterpretedModel m = new InterpretedModel(c.backwardWithInputs(), 8);
    m.initParams(3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.lossAndGradient(new double[5], 0, new double[3], 0, 1, false));
    assertTrue(e.getMessage().contains("more than one value per channel"), e.getMessage());
  }
}
