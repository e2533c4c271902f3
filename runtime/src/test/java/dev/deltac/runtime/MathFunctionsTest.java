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

  @Test
  void branchFreeReluAndStepEqualTheConditionals() {
    java.util.List<Float> xs = new java.util.ArrayList<>(java.util.List.of(0f, -0f, 1f, -1f,
        Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7f800001),
        Float.intBitsToFloat(0xff800001), Float.intBitsToFloat(0xffffffff), 3.5e-41f, -2.5f));
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < 100_000; i++) xs.add(Float.intBitsToFloat(r.nextInt()));
    for (float x : xs) {
      int want = Float.floatToRawIntBits(x > 0 ? x : 0f);
      assertEquals(want, Float.floatToRawIntBits(MathFunctions.reluf(x)), "reluf " + x);
      assertEquals(Float.floatToRawIntBits(x > 0 ? 1f : 0f),
          Float.floatToRawIntBits(MathFunctions.stepf(x)), "stepf " + x + " bits " + Float.floatToRawIntBits(x));
      double d = x;
      assertEquals(Double.doubleToRawLongBits(d > 0 ? d : 0.0),
          Double.doubleToRawLongBits(MathFunctions.relu(d)), "relu " + d);
    }
  }
}
