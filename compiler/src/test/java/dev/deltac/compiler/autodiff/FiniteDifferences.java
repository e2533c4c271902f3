package dev.deltac.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.fail;

import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks reverse-mode gradients against a five-point central difference of the interpreted
 * loss, (8(f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h, whose truncation error is O(h^4):
 * accurate to about 1e-11 in float64 at h = 1e-3, well inside the 1e-7 bound.
 */
public final class FiniteDifferences {
  public static final double TOLERANCE = 1e-7;

  private FiniteDifferences() {}

  /**
   * Relative error with a floor of 1e-4, so that elements smaller than that are held to an
   * absolute error of 1e-11, about the float64 rounding noise of the stencil on an O(1) loss.
   */
  public static double relativeError(double a, double b) {
    double scale = Math.max(Math.max(Math.abs(a), Math.abs(b)), 1e-4);
    return Math.abs(a - b) / scale;
  }

  /** Worst relative error over every param and input element; fails above {@link #TOLERANCE}. */
  public static double check(Graph forward, Map<String, double[]> params, double[] xs, double[] ts,
      int batch) {
    Graph backward = ReverseMode.differentiate(forward);
    return check(forward, backward, params, xs, ts, batch);
  }

  public static double check(Graph forward, Graph backward, Map<String, double[]> params,
      double[] xs, double[] ts, int batch) {
    Interpreter f = new Interpreter(forward);
    Interpreter.Result r = new Interpreter(backward).run(params, xs, ts, batch);
    double worst = 0;
    String where = "";
    for (Map.Entry<String, double[]> e : params.entrySet()) {
      double[] p = e.getValue();
      double[] analytic = r.paramGrads().get(e.getKey());
      for (int i = 0; i < p.length; i++) {
        double numeric = numeric(p, i, () -> f.run(copy(params), xs, ts, batch).loss());
        double err = relativeError(analytic[i], numeric);
        if (err > worst) {
          worst = err;
          where = e.getKey() + "[" + i + "]: analytic " + analytic[i] + ", numeric " + numeric;
        }
      }
    }
    if (!backward.inputGrads().isEmpty()) {
      int inSize = xs.length / batch;
      // Integer inputs are indices: no gradient, and perturbing them is meaningless.
      boolean[] integer = new boolean[inSize];
      int o = 0;
      for (var x : forward.inputs()) {
        for (int k = 0; k < x.size(); k++) integer[o + k] = x.isInteger();
        o += x.size();
      }
      for (int i = 0; i < xs.length; i++) {
        if (integer[i % inSize]) {
          if (r.inputGrads()[i / inSize][i % inSize] != 0) fail("integer input[" + i + "] has a gradient");
          continue;
        }
        double numeric = numeric(xs, i, () -> f.run(params, xs, ts, batch).loss());
        double analytic = r.inputGrads()[i / inSize][i % inSize];
        double err = relativeError(analytic, numeric);
        if (err > worst) {
          worst = err;
          where = "input[" + i + "]: analytic " + analytic + ", numeric " + numeric;
        }
      }
    }
    if (worst > TOLERANCE) fail(forward.name() + ": relative error " + worst + " at " + where);
    return worst;
  }

  private static Map<String, double[]> copy(Map<String, double[]> m) {
    return new LinkedHashMap<>(m);
  }

  private static double numeric(double[] v, int i, java.util.function.DoubleSupplier loss) {
    double x = v[i];
    double h = 1e-3 * Math.max(1.0, Math.abs(x));
    v[i] = x + h;
    double p1 = loss.getAsDouble();
    v[i] = x - h;
    double m1 = loss.getAsDouble();
    v[i] = x + 2 * h;
    double p2 = loss.getAsDouble();
    v[i] = x - 2 * h;
    double m2 = loss.getAsDouble();
    v[i] = x;
    return (8 * (p1 - m1) - (p2 - m2)) / (12 * h);
  }
}
