package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.check.GradientCheck;
import org.junit.jupiter.api.Test;

/**
 * The gradient check tells a relu kink inside the finite-difference step (skipped) from a wrong
 * gradient (failed).
 */
class KinkGradientCheckTest {
  private static DoubleModel model() throws Exception {
    DoubleModel m = Deltac.compile("k.nn", """
        model K {
          input x[2]
          target y[2]
          param W[2, 2]
          h = relu(W @ x)
          output h
          loss mse(h, y)
        }""").model().newDoubleModel(1);
    // Row 0's pre-activation is 3e-5 at x = (1, 1): inside the 1e-4 step, a kink the
    // differences straddle. Row 1's is far from zero.
    m.params()[0][0] = 0.5;
    m.params()[0][1] = -0.49997;
    m.params()[1][0] = 0.8;
    m.params()[1][1] = 0.3;
    return m;
  }

  @Test
  void elementsAtAKinkAreSkippedNotFailed() throws Exception {
    DoubleModel m = model();
    GradientCheck.Report r = new GradientCheck()
        .run(m, new double[] {1, 1}, new double[] {0.4, 0.2}, 1);
    assertTrue(r.passed(), r.toString());
    assertEquals(2, r.skipped().size(), r.toString());
    assertEquals(2, r.checked(), r.toString());
    assertTrue(r.skipped().get(0).element().startsWith("W[0, "), r.toString());
  }

  @Test
  void aWrongGradientAtASmoothPointStillFails() throws Exception {
    DoubleModel m = model();
    DoubleModel wrong = new Wrong(m);
    GradientCheck.Report r = new GradientCheck()
        .run(wrong, new double[] {1, 1}, new double[] {0.4, 0.2}, 1);
    assertFalse(r.passed(), r.toString());
    assertTrue(r.failures().stream().anyMatch(e -> e.element().equals("W[1, 0]")), r.toString());
  }

  /** Delegates, but reports a gradient 1% too large for W[1, 0]. */
  private static final class Wrong implements DoubleModel {
    private final DoubleModel m;

    Wrong(DoubleModel m) {
      this.m = m;
    }

    @Override public dev.deltac.runtime.ModelInfo info() { return m.info(); }
    @Override public int maxBatch() { return m.maxBatch(); }
    @Override public void initParams(long seed) { m.initParams(seed); }
    @Override public DoubleModel replica() { return m.replica(); }
    @Override public double[][] params() { return m.params(); }
    @Override public double[][] grads() { return m.grads(); }
    @Override public void predict(double[] x, int o, double[] out, int oo) { m.predict(x, o, out, oo); }
    @Override public void predictBatch(double[] xs, double[] outs, int b) { m.predictBatch(xs, outs, b); }
    @Override public double loss(double[] xs, int xo, double[] ts, int to, int b) { return m.loss(xs, xo, ts, to, b); }
    @Override public double[] inputGradients() { return m.inputGradients(); }

    @Override
    public double lossAndGradient(double[] xs, int xo, double[] ts, int to, int b, boolean in) {
      double l = m.lossAndGradient(xs, xo, ts, to, b, in);
      m.grads()[1][0] *= 1.01;
      return l;
    }
  }
}
