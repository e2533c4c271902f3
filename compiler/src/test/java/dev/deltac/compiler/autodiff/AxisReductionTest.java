package dev.deltac.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.DoubleFunction;
import org.junit.jupiter.api.Test;

/** Values and gradients of reductions along axes at points finite differences cannot check. */
class AxisReductionTest {
  private static DoubleFunction function(String source) throws Exception {
    return Deltac.compile("f.nn", source).functions().get(0).newDoubleFunction();
  }

  @Test
  void amaxSplitsTheGradientEvenlyAmongTiesAsPyTorch() throws Exception {
    // torch.amax(x, dim=1) of [[1, 3, 3], [2, 0, 2]], weights (1, 2): the gradient of each row's
    // maximum is shared by its tied elements.
    DoubleFunction f = function("""
        function A(x[2, 3]) {
          m = amax(x, axis=1)
          return m[0] + 2 * m[1]
        }""");
    double[] g = new double[6];
    double v = f.gradient(new double[] {1, 3, 3, 2, 0, 2}, g);
    assertEquals(3 + 2 * 2, v);
    assertArrayEquals(new double[] {0, 0.5, 0.5, 1, 0, 1}, g, 1e-15);
    DoubleFunction all = function("""
        function B(x[2, 2]) {
          return amax(x)
        }""");
    double[] ga = new double[4];
    assertEquals(5, all.gradient(new double[] {5, 1, 5, 5}, ga));
    assertArrayEquals(new double[] {1.0 / 3, 0, 1.0 / 3, 1.0 / 3}, ga, 1e-15);
  }

  @Test
  void elementwiseMaxAndMinSplitATieAndClampPassesItsBoundsAsPyTorch() throws Exception {
    // torch.maximum / torch.minimum give half the gradient to each operand where they are equal;
    // torch.clamp passes the whole gradient at x == lo and x == hi.
    DoubleFunction f = function("""
        function M(a[3], b[3], w[3]) {
          return sum(max(a, b) * w) + 8 * sum(min(a, b) * w)
        }""");
    double[] g = new double[9];
    assertEquals((2 + 6 + 12) + 8 * (1 + 4 + 12), f.gradient(new double[] {1, 3, 3, 2, 2, 3, 1, 2, 4}, g));
    // a = (1, 3, 3), b = (2, 2, 3), w = (1, 2, 4): max takes b, a, a|b; min takes a, b, a|b.
    assertArrayEquals(new double[] {8, 2, 2 + 16, 1, 16, 2 + 16}, java.util.Arrays.copyOf(g, 6), 1e-15);
    DoubleFunction c = function("""
        function C(x[4], w[4]) {
          return sum(clamp(x, -1, 1) * w)
        }""");
    double[] gc = new double[8];
    assertEquals(-1 + 2 * 1 + 0 + 8, c.gradient(new double[] {-1, 1, 0, 3, 1, 2, 4, 8}, gc));
    assertArrayEquals(new double[] {1, 2, 4, 0}, java.util.Arrays.copyOf(gc, 4), 1e-15);
  }

  @Test
  void softmaxCrossEntropyOfRowsWithFloatTargetsNormalizesEachRow() throws Exception {
    // softmax_cross_entropy(z, y) = cross_entropy(softmax(z), y), the softmax along the last axis:
    // -Σ_t Σ_c y[t, c] log_softmax(z[t])[c]; its gradient per row is softmax(z[t]) Σ_c y[t, c] - y[t].
    DoubleFunction f = function("""
        function L(z[2, 3], y[2, 3]) {
          return softmax_cross_entropy(z, y)
        }""");
    double[] z = {0.5, -1, 2, 3, 0, -0.25};
    double[] y = {0.2, 0.3, 0.5, 1, 0, 0.5};
    double[] in = new double[12];
    System.arraycopy(z, 0, in, 0, 6);
    System.arraycopy(y, 0, in, 6, 6);
    double[] g = new double[12];
    double value = f.gradient(in, g);
    double expected = 0;
    double[] dz = new double[6];
    for (int t = 0; t < 2; t++) {
      double lse = 0;
      for (int c = 0; c < 3; c++) lse += Math.exp(z[3 * t + c]);
      lse = Math.log(lse);
      double ySum = 0;
      for (int c = 0; c < 3; c++) ySum += y[3 * t + c];
      for (int c = 0; c < 3; c++) {
        expected -= y[3 * t + c] * (z[3 * t + c] - lse);
        dz[3 * t + c] = Math.exp(z[3 * t + c] - lse) * ySum - y[3 * t + c];
      }
    }
    assertEquals(expected, value, 1e-14);
    assertArrayEquals(dz, java.util.Arrays.copyOf(g, 6), 1e-14);
  }

  @Test
  void negativeAxesCountFromTheEnd() throws Exception {
    DoubleFunction f = function("""
        function S(x[2, 3]) {
          a = sum(x, axis=-1)
          b = sum(x, axis=1)
          c = mean(x, axis=-2)
          d = mean(x, axis=0)
          return a[0] - b[0] + 10 * a[1] + c[2] - d[2] + 100 * c[1]
        }""");
    double[] g = new double[6];
    double v = f.gradient(new double[] {1, 2, 3, 4, 5, 6}, g);
    assertEquals(10 * 15 + 100 * 3.5, v, 1e-12);
    assertArrayEquals(new double[] {0, 50, 0, 10, 10 + 50, 10}, g, 1e-12);
  }

  @Test
  void softmaxAlongAnAxisNormalizesThatAxis() throws Exception {
    // softmax over the rows (axis 0) of [[0, 1], [ln 3, 1]]: column 0 is (1/4, 3/4).
    DoubleFunction f = function("""
        function P(x[2, 2]) {
          p = softmax(x, axis=0)
          q = log_softmax(x)
          return p[1][0] + 10 * p[1][1] + 100 * exp(q[0][1]) + logsumexp(x, axis=0)[1]
        }""");
    double v = f.value(new double[] {0, 1, Math.log(3), 1});
    double lse01 = 1 + Math.log(2);
    double q01 = Math.exp(1 - Math.log(Math.exp(0) + Math.exp(1)));
    assertEquals(0.75 + 10 * 0.5 + 100 * q01 + lse01, v, 1e-12);
  }
}
