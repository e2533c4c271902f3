package dev.deltac.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Gradients 0.5, -1, 0.25 on p = 1 with lr 0.1, betas (0.9, 0.999), eps 1e-8.
 * Step 1: m = 0.05, v = 0.00025, m^ = 0.5, v^ = 0.25, p = 1 - 0.1 * 0.5 / 0.5 = 0.9.
 * Step 2: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975,
 *         m^ = -0.055 / 0.19, v^ = 0.00124975 / 0.001999, p = 0.9 + 0.0366104 = 0.9366104.
 */
class AdamTest {
  private static final double TOL = 2e-6;
  private static final float[] GRADS = {0.5f, -1f, 0.25f};

  private static double[] run(Optimizer opt) {
    float[][] p = {{1f}};
    double[] out = new double[GRADS.length];
    for (int t = 0; t < GRADS.length; t++) {
      opt.step(p, new float[][] {{GRADS[t]}});
      out[t] = p[0][0];
    }
    return out;
  }

  @Test
  void adamMatchesHandComputedSteps() {
    double[] p = run(Optimizer.adam(0.1));
    assertEquals(0.9, p[0], TOL);
    assertEquals(0.9366104, p[1], TOL);
    assertEquals(0.9502794, p[2], TOL);
  }

  @Test
  void adamwDecaysWeightsBeforeTheAdamUpdate() {
    // step 1: p = 1 * (1 - 0.1 * 0.1) = 0.99, then - 0.1 -> 0.89
    // step 2: p = 0.89 * 0.99 = 0.8811, then + 0.0366104 -> 0.9177104
    double[] p = run(Optimizer.adamw(0.1, 0.9, 0.999, 1e-8, 0.1));
    assertEquals(0.89, p[0], TOL);
    assertEquals(0.9177104, p[1], TOL);
    assertEquals(0.9222023, p[2], TOL);
  }

  @Test
  void adamWithWeightDecayAddsL2ToTheGradient() {
    // step 2: g = -1 + 0.1 * 0.9 = -0.91, m = 0.9 * 0.06 - 0.091 = -0.037 (g1 = 0.6), ...
    double[] p = run(new Adam(0.1, 0.9, 0.999, 1e-8, 0.1, false));
    assertEquals(0.9, p[0], TOL);
    assertEquals(0.9252635, p[1], TOL);
    assertEquals(0.9247306, p[2], TOL);
  }

  @Test
  void stateIsPerElement() {
    float[][] p = {{1f, 1f}, {1f}};
    Adam adam = Optimizer.adam(0.1);
    adam.step(p, new float[][] {{0.5f, -2f}, {0f}});
    assertEquals(0.9, p[0][0], TOL);
    assertEquals(1.1, p[0][1], TOL);
    assertEquals(1.0, p[1][0], TOL); // zero gradient: m = 0, no move
    assertEquals(1, adam.steps());
  }
}
