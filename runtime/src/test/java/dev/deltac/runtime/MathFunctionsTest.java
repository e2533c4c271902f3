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
}
