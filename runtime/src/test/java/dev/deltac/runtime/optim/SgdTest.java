package dev.deltac.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SgdTest {
  private static final double TOL = 1e-6;

  @Test
  void plainStepSubtractsLearningRateTimesGradient() {
    float[][] p = {{1f, -2f}, {3f}};
    float[][] g = {{0.5f, 0.25f}, {-1f}};
    Optimizer.sgd(0.1).step(p, g);
    assertEquals(0.95, p[0][0], TOL);
    assertEquals(-2.025, p[0][1], TOL);
    assertEquals(3.1, p[1][0], TOL);
  }

  @Test
  void momentumAccumulatesVelocity() {
    // b1 = 1 -> p = -0.1; b2 = 0.9 + 1 = 1.9 -> p = -0.29; b3 = 1.71 + 1 = 2.71 -> p = -0.561
    float[][] p = {{0f}};
    float[][] g = {{1f}};
    Sgd sgd = Optimizer.sgd(0.1, 0.9, false);
    double[] expected = {-0.1, -0.29, -0.561};
    for (double e : expected) {
      sgd.step(p, g);
      assertEquals(e, p[0][0], TOL);
    }
    assertEquals(3, sgd.steps());
  }

  @Test
  void nesterovLooksAhead() {
    // step 1: b = 1, update = g + mu b = 1.9 -> p = -0.19
    // step 2 (g = 2): b = 0.9 + 2 = 2.9, update = 2 + 0.9 * 2.9 = 4.61 -> p = -0.19 - 0.461
    float[][] p = {{0f}};
    Sgd sgd = Optimizer.sgd(0.1, 0.9, true);
    sgd.step(p, new float[][] {{1f}});
    assertEquals(-0.19, p[0][0], TOL);
    sgd.step(p, new float[][] {{2f}});
    assertEquals(-0.651, p[0][0], TOL);
  }

  @Test
  void weightDecayIsAddedToTheGradient() {
    // p = 1 - 0.5 * (0 + 0.1 * 1) = 0.95; then 0.95 - 0.5 * 0.095 = 0.9025
    float[][] p = {{1f}};
    Sgd sgd = Optimizer.sgd(0.5).withWeightDecay(0.1);
    sgd.step(p, new float[][] {{0f}});
    assertEquals(0.95, p[0][0], TOL);
    sgd.step(p, new float[][] {{0f}});
    assertEquals(0.9025, p[0][0], TOL);
  }

  @Test
  void learningRateCanChangeBetweenSteps() {
    float[][] p = {{0f}};
    Sgd sgd = Optimizer.sgd(1);
    sgd.setLearningRate(0.25);
    sgd.step(p, new float[][] {{2f}});
    assertEquals(-0.5, p[0][0], TOL);
  }

  @Test
  void rejectsNesterovWithoutMomentumAndMismatchedBlocks() {
    assertThrows(IllegalArgumentException.class, () -> Optimizer.sgd(0.1, 0, true));
    Sgd sgd = Optimizer.sgd(0.1, 0.9, false);
    assertThrows(IllegalArgumentException.class,
        () -> sgd.step(new float[][] {{1f}}, new float[][] {{1f}, {2f}}));
  }
}
