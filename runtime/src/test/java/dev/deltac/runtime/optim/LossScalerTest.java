package dev.deltac.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LossScalerTest {
  @Test
  void unscaleDividesFiniteGradients() {
    LossScaler s = LossScaler.fixed(8);
    assertEquals(24.0, s.scaleLoss(3));
    float[][] g = {{16f, -4f}};
    assertTrue(s.unscale(g));
    assertEquals(2f, g[0][0]);
    assertEquals(-0.5f, g[0][1]);
  }

  @Test
  void dynamicScaleHalvesOnOverflowAndSkips() {
    LossScaler s = LossScaler.dynamic(1024, 3);
    float[][] g = {{1f, Float.POSITIVE_INFINITY}};
    assertFalse(s.unscale(g));
    assertEquals(512, s.scale());
    assertEquals(1f, g[0][0]); // left alone: the step is skipped
    assertFalse(s.unscale(new float[][] {{Float.NaN}}));
    assertEquals(256, s.scale());
    assertEquals(2, s.skippedSteps());
  }

  @Test
  void dynamicScaleGrowsAfterNGoodSteps() {
    LossScaler s = LossScaler.dynamic(4, 3);
    s.update(true);
    s.update(true);
    assertEquals(4, s.scale());
    s.update(true);
    assertEquals(8, s.scale());
    s.update(true);
    s.update(true);
    s.update(false); // resets the count and halves
    assertEquals(4, s.scale());
    s.update(true);
    s.update(true);
    assertEquals(4, s.scale());
    s.update(true);
    assertEquals(8, s.scale());
  }

  @Test
  void fixedScaleNeverMoves() {
    LossScaler s = LossScaler.fixed(128);
    s.update(false);
    for (int i = 0; i < 5000; i++) s.update(true);
    assertEquals(128, s.scale());
    assertEquals(1, s.skippedSteps());
  }
}
