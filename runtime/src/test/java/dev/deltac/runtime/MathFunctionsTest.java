package dev.deltac.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MathFunctionsTest {
  @Test
  void tanhfIsWithinAFewFloatUlpsOfMathTanh() {
    double maxAbs = 0;
    double maxRel = 0;
    for (float x = -30f; x < 30f; x = Math.nextUp(x) + Math.abs(x) * 1e-5f) {
      double t = Math.tanh(x);
      double e = Math.abs(MathFunctions.tanhf(x) - t);
      maxAbs = Math.max(maxAbs, e);
      if (Math.abs(x) > 1e-30) maxRel = Math.max(maxRel, e / Math.abs(t));
    }
    assertTrue(maxAbs < 4e-7, "max abs error " + maxAbs);
    assertTrue(maxRel < 4e-7, "max rel error " + maxRel);
  }

  @Test
  void tanhfEdgeCases() {
    assertTrue(Float.isNaN(MathFunctions.tanhf(Float.NaN)));
    assertEquals(1f, MathFunctions.tanhf(Float.POSITIVE_INFINITY));
    assertEquals(-1f, MathFunctions.tanhf(Float.NEGATIVE_INFINITY));
    assertEquals(1f, MathFunctions.tanhf(100f));
    assertEquals(0f, MathFunctions.tanhf(0f));
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(MathFunctions.tanhf(-0f)));
  }

  @Test
  void sigmoidfMatchesSigmoid() {
    for (float x = -120f; x < 120f; x = Math.nextUp(x) + Math.abs(x) * 1e-4f) {
      float want = (float) MathFunctions.sigmoid(x);
      float got = MathFunctions.sigmoidf(x);
      assertTrue(Math.abs(got - want) <= Math.ulp(want), x + ": " + got + " vs " + want);
    }
    assertEquals(0f, MathFunctions.sigmoidf(Float.NEGATIVE_INFINITY));
    assertEquals(1f, MathFunctions.sigmoidf(Float.POSITIVE_INFINITY));
    assertTrue(Float.isNaN(MathFunctions.sigmoidf(Float.NaN)));
  }

  @Test
  void log1pUnitMatchesLog1p() {
    for (double t = 1e-30; t <= 1.0; t *= 1.01) {
      double want = Math.log1p(t);
      assertEquals(want, MathFunctions.log1pUnit(t), 4e-9 * want, "t = " + t);
    }
    assertEquals(0.0, MathFunctions.log1pUnit(0.0));
    assertEquals(Math.log(2.0), MathFunctions.log1pUnit(1.0), 1e-15);
  }
}
