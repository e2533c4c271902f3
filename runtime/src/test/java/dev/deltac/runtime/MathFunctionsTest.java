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
      float y = MathFunctions.reluf(x); // the step of a relu's output: its own, vectorizable form
      assertEquals(Float.floatToRawIntBits(MathFunctions.stepf(y)),
          Float.floatToRawIntBits(MathFunctions.stepOfReluf(y)), "stepOfReluf " + y);
      double d = x;
      assertEquals(Double.doubleToRawLongBits(d > 0 ? d : 0.0),
          Double.doubleToRawLongBits(MathFunctions.relu(d)), "relu " + d);
    }
  }

  @Test
  void stepAndLeakyReluEqualTheConditionals() {
    double[] xs = {0.0, -0.0, 1.5, -2.5, Double.MIN_VALUE, -Double.MIN_VALUE, Double.NaN,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    for (double x : xs) {
      assertEquals(Double.doubleToRawLongBits(x > 0 ? 1.0 : 0.0),
          Double.doubleToRawLongBits(MathFunctions.step(x)), "step " + x);
      assertEquals(Double.doubleToRawLongBits(x > 0 ? x : 0.01 * x),
          Double.doubleToRawLongBits(MathFunctions.leakyRelu(x, 0.01)), "leakyRelu " + x);
    }
    // float arguments: the double product is exact, so rounding it gives the float product
    java.util.Random r = new java.util.Random(5);
    for (int i = 0; i < 10_000; i++) {
      float x = (float) (r.nextGaussian() * 10);
      float alpha = (float) r.nextDouble();
      assertEquals(x > 0 ? x : alpha * x, (float) MathFunctions.leakyRelu(x, alpha));
    }
  }

  @Test
  void eluKeepsThePrecisionOfSmallNegativeInputs() {
    assertEquals(-1e-20, MathFunctions.elu(-1e-20, 1.0), 1e-36);
    assertEquals(-2.0, MathFunctions.elu(-1000, 2.0));
    assertEquals(3.0, MathFunctions.elu(3.0, 2.0));
    assertEquals(0.5 * Math.expm1(-0.75), MathFunctions.elu(-0.75, 0.5));
  }

  @Test
  void logSumExpIsShifted() {
    assertEquals(1000 + Math.log(2), MathFunctions.logSumExp(new double[] {1000, 1000}), 1e-12);
    assertEquals(-1000 + Math.log(3), MathFunctions.logSumExp(new double[] {-1000, -1000, -1000}), 1e-12);
    assertEquals(Double.NEGATIVE_INFINITY, MathFunctions.logSumExp(new double[0]));
    assertEquals(Double.NEGATIVE_INFINITY,
        MathFunctions.logSumExp(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}));
    assertEquals(Double.POSITIVE_INFINITY, MathFunctions.logSumExp(new double[] {1, Double.POSITIVE_INFINITY}));
    assertTrue(Double.isNaN(MathFunctions.logSumExp(new double[] {1, Double.NaN})));
    double[] v = {0.3, -1.2, 2.5};
    double naive = Math.log(Math.exp(0.3) + Math.exp(-1.2) + Math.exp(2.5));
    assertEquals(naive, MathFunctions.logSumExp(v), 1e-15);
  }

  @Test
  void bceWithLogitsIsTheLogisticLossWithoutOverflow() {
    for (double z = -30; z <= 30; z += 0.37) {
      for (double y : new double[] {0, 0.25, 1}) {
        // -log sigmoid(z) = softplus(-z), -log(1 - sigmoid(z)) = softplus(z)
        double want = y * MathFunctions.softplus(-z) + (1 - y) * MathFunctions.softplus(z);
        assertEquals(want, MathFunctions.bceWithLogits(z, y), 1e-13 * Math.max(1, Math.abs(want)),
            "z " + z + " y " + y);
        if (Math.abs(z) < 5) {
          double p = MathFunctions.sigmoid(z);
          double naive = -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
          assertEquals(naive, MathFunctions.bceWithLogits(z, y), 1e-12 * Math.max(1, Math.abs(naive)));
        }
      }
    }
    assertEquals(1000.0, MathFunctions.bceWithLogits(1000, 0));
    assertEquals(1000.0, MathFunctions.bceWithLogits(-1000, 1));
    assertEquals(Math.exp(-50), MathFunctions.bceWithLogits(50, 1), 1e-30);
  }

  @Test
  void huberIsQuadraticThenLinear() {
    assertEquals(0.5 * 0.25, MathFunctions.huber(-0.5, 1.0));
    assertEquals(0.5, MathFunctions.huber(1.0, 1.0));
    assertEquals(2.0 * (3.0 - 1.0), MathFunctions.huber(3.0, 2.0));
    assertEquals(MathFunctions.huber(2.0, 2.0), MathFunctions.huber(Math.nextUp(2.0), 2.0), 1e-12);
  }
}
