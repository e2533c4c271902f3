package dev.deltac.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.testing.SoftmaxRegression;
import dev.deltac.runtime.testing.SoftmaxRegression64;
import org.junit.jupiter.api.Test;

class InitializersTest {
  private static TensorInfo param(String init, double[] args, int... shape) {
    int blocks = shape.length >= 2 ? shape[0] : 1;
    return new TensorInfo("w", shape, 0, 0, blocks, init, args);
  }

  private static double[] draw(String init, double[] args, int... shape) {
    return Initializers.values(param(init, args, shape), new Rng(7));
  }

  @Test
  void rngIsAFixedSequence() {
    // SplitMix64 reference values for seed 0 (Steele, Lea, Flood 2014)
    Rng r = new Rng(0);
    assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
    assertEquals(0x6E789E6AA1B965F4L, r.nextLong());
    assertEquals(0x06C45D188009454FL, r.nextLong());
  }

  @Test
  void constantInitializers() {
    assertArrayEquals(new double[3], draw("zeros", null, 3));
    assertArrayEquals(new double[] {1, 1}, draw("ones", null, 2));
    assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5}, draw("const", new double[] {0.5}, 2, 2));
  }

  @Test
  void defaultsAreZerosForVectorsAndXavierForMatrices() {
    assertArrayEquals(new double[4], draw(null, null, 4));
    double[] w = draw(null, null, 20, 30);
    double lim = Math.sqrt(6.0 / 50);
    double max = 0;
    for (double v : w) max = Math.max(max, Math.abs(v));
    assertTrue(max <= lim && max > 0.9 * lim, "max " + max + " vs limit " + lim);
    assertArrayEquals(w, draw("xavier", null, 20, 30));
  }

  @Test
  void normalAndHeHaveTheRightMoments() {
    double[] v = draw("normal", new double[] {3, 0.5}, 200, 100);
    assertEquals(3.0, mean(v), 0.01);
    assertEquals(0.5, std(v), 0.01);
    double[] he = draw("he", null, 100, 200); // fan_in 200
    assertEquals(0.0, mean(he), 0.002);
    assertEquals(Math.sqrt(2.0 / 200), std(he), 0.002);
    double[] lecun = draw("lecun", null, 100, 50);
    assertEquals(Math.sqrt(1.0 / 50), std(lecun), 0.003);
  }

  @Test
  void aVectorHasFanInOneAndFanOutItsLength() {
    // [out, in...] with nothing after out: fan_in = 1, fan_out = n
    double[] he = draw("he", null, 20000);
    assertEquals(Math.sqrt(2.0), std(he), 0.03);
    double[] x = draw("xavier", null, 20000);
    double lim = Math.sqrt(6.0 / (1 + 20000));
    for (double v : x) assertTrue(Math.abs(v) <= lim);
  }

  @Test
  void uniformStaysInRange() {
    double[] v = draw("uniform", new double[] {-1, 3}, 10000);
    for (double x : v) assertTrue(x >= -1 && x < 3);
    assertEquals(1.0, mean(v), 0.05);
  }

  @Test
  void badInitializersAreRejectedWithTheParameterName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> draw("normal", new double[] {1}, 3));
    assertEquals("initializer normal of w[3] takes 2 arguments, got 1", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> draw("glorot", null, 3));
  }

  @Test
  void floatAndDoubleTwinsGetTheSameValues() {
    SoftmaxRegression f = new SoftmaxRegression(5, 3, 1);
    SoftmaxRegression64 d = new SoftmaxRegression64(5, 3, 1);
    f.initParams(42);
    d.initParams(42);
    for (int b = 0; b < 4; b++) {
      for (int i = 0; i < f.params()[b].length; i++) {
        assertEquals((float) d.params()[b][i], f.params()[b][i]);
      }
    }
    assertNotEquals(0.0, d.params()[1][2]);
    assertArrayEquals(new double[3], d.params()[3]); // b: zeros
  }

  @Test
  void sameSeedSameValuesOtherSeedOtherValues() {
    SoftmaxRegression a = new SoftmaxRegression(4, 2, 1);
    SoftmaxRegression b = new SoftmaxRegression(4, 2, 1);
    a.initParams(1);
    b.initParams(1);
    assertArrayEquals(a.params()[0], b.params()[0]);
    b.initParams(2);
    assertNotEquals(a.params()[0][0], b.params()[0][0]);
  }

  @Test
  void drawsAreRowMajorAcrossBlocks() {
    // W[2, 3] as 2 row blocks: the 6 draws fill row 0 then row 1
    SoftmaxRegression64 m = new SoftmaxRegression64(3, 2, 1);
    m.initParams(9);
    double[] expected = Initializers.values(m.info().params().get(0), new Rng(9));
    assertArrayEquals(expected,
        java.util.Arrays.copyOf(Params.flatten(m.info(), m.params()), 6), 0.0);
    assertEquals("W[1, 2]", Params.elementName(m.info().params().get(0), 5));
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) s += x;
    return s / v.length;
  }

  private static double std(double[] v) {
    double m = mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return Math.sqrt(s / v.length);
  }
}
