package dev.deltac.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GradientClippingTest {
  @Test
  void clipByValueClampsEachElement() {
    float[][] g = {{-2f, 0.3f}, {0.7f, Float.NaN}};
    GradientClipping.clipByValue(g, 0.5);
    assertArrayEquals(new float[] {-0.5f, 0.3f}, g[0]);
    assertEquals(0.5f, g[1][0]);
    assertTrue(Float.isNaN(g[1][1]));
  }

  @Test
  void globalNormSpansAllBlocks() {
    assertEquals(13.0, GradientClipping.globalNorm(new float[][] {{3f, 4f}, {12f}}), 1e-12);
  }

  @Test
  void clipByNormScalesDownOnlyWhenAboveMax() {
    float[][] g = {{3f}, {4f}};
    double norm = GradientClipping.clipByNorm(g, 1.0);
    assertEquals(5.0, norm, 1e-12);
    assertEquals(0.6, g[0][0], 1e-6);
    assertEquals(0.8, g[1][0], 1e-6);

    float[][] small = {{0.3f}, {0.4f}};
    GradientClipping.clipByNorm(small, 1.0);
    assertEquals(0.3f, small[0][0]);
    assertEquals(0.4f, small[1][0]);
  }

  @Test
  void clipByNormLeavesNonFiniteGradientsForTheCallerToSee() {
    float[][] g = {{Float.POSITIVE_INFINITY}, {1f}};
    assertEquals(Double.POSITIVE_INFINITY, GradientClipping.clipByNorm(g, 1.0));
    assertEquals(1f, g[1][0]);
    assertEquals(0, GradientClipping.firstNonFiniteBlock(g));
  }

  @Test
  void allFiniteLooksAtTheExponentBitsOnly() {
    float[] finite = {0f, -0f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 1e-40f, -3.5f};
    assertTrue(GradientClipping.allFinite(finite, 0, finite.length));
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.intBitsToFloat(0xffc00001)}) {
      for (int at = 0; at < 40; at += 13) {
        float[] a = new float[40];
        a[at] = bad;
        assertFalse(GradientClipping.allFinite(a, 0, a.length), bad + " at " + at);
        assertTrue(GradientClipping.allFinite(a, at + 1, a.length), "range after " + at);
        assertTrue(GradientClipping.allFinite(a, 0, at), "range before " + at);
      }
    }
    float[][] blocks = {new float[3], new float[5], new float[2]};
    blocks[2][1] = Float.NaN;
    blocks[1][4] = Float.NEGATIVE_INFINITY;
    assertEquals(1, GradientClipping.firstNonFiniteBlock(blocks));
  }
}
