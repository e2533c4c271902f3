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
