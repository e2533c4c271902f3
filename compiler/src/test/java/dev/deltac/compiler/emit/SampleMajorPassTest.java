package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Model;
import dev.deltac.runtime.Precision;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SampleMajorPass}: the node-major training pass of tiny models gives the bits of the
 * per-sample path ({@code -Ddeltac.sampleMajor=false}) for the loss and every gradient element,
 * step after step, at batch sizes 1 to 7 and at offsets into the batch arrays.
 */
class SampleMajorPassTest {
  /** Two hidden layers, two inputs, a vector target and a loss of two terms: more shapes than XOR. */
  static final String SMALL = """
      model Small {
        input a[3]
        input b[2]
        target y[2]
        param W1[5, 3] = he
        param c1[5]
        param W2[2, 5] = he
        param V[2, 2]
        h = tanh(W1 @ a + c1)
        o = W2 @ h + V @ b
        output o
        loss mse(o, y) + 0.1 * sum(softplus(o))
      }
      """;

  private static Model compile(Graph g, String name, Precision p, boolean sampleMajor) {
    System.setProperty(SampleMajorPass.PROPERTY, String.valueOf(sampleMajor));
    try {
      String src = Harness.source(g, "gen", name, p);
      assertEquals(sampleMajor, src.contains("backwardSamples0("), name);
      return Harness.compile(g, name, p, 8);
    } finally {
      System.clearProperty(SampleMajorPass.PROPERTY);
    }
  }

  @Test
  void xorGivesTheBitsOfThePerSamplePath() {
    same(NnFiles.resource("models/xor.nn"), "Xor");
  }

  @Test
  void aSmallModelWithTwoInputsGivesTheBitsOfThePerSamplePath() {
    same(NnFiles.lower("small.nn", SMALL, "Small"), "Small");
  }

  private static void same(Graph g, String name) {
    for (Precision p : Precision.values()) {
      Model a = compile(g, name + "A" + p, p, true);
      Model b = compile(g, name + "B" + p, p, false);
      a.initParams(3);
      b.initParams(3);
      int in = a.info().inputSize();
      int tg = a.info().targetSize();
      Random r = new Random(9);
      int steps = 0;
      for (int batch = 1; batch <= 7; batch++) {
        for (int step = 0; step < 40; step++, steps++) {
          double[] xs = new double[2 + batch * in];
          double[] ts = new double[1 + batch * tg];
          for (int i = 0; i < xs.length; i++) xs[i] = r.nextGaussian() * 3;
          for (int i = 0; i < ts.length; i++) ts[i] = r.nextDouble();
          if (p == Precision.FLOAT32) {
            stepFloat((FloatModel) a, (FloatModel) b, xs, ts, batch, name);
          } else {
            stepDouble((DoubleModel) a, (DoubleModel) b, xs, ts, batch, name);
          }
        }
      }
      assertTrue(steps > 200);
    }
  }

  private static void stepFloat(FloatModel a, FloatModel b, double[] xd, double[] td, int batch, String what) {
    float[] xs = Harness.f(xd);
    float[] ts = Harness.f(td);
    float la = a.lossAndGradient(xs, 2, ts, 1, batch, false);
    float lb = b.lossAndGradient(xs, 2, ts, 1, batch, false);
    assertEquals(Float.floatToRawIntBits(lb), Float.floatToRawIntBits(la), what + " loss");
    boolean moved = false;
    for (int k = 0; k < a.grads().length; k++) {
      for (int i = 0; i < a.grads()[k].length; i++) {
        float ga = a.grads()[k][i];
        assertEquals(Float.floatToRawIntBits(b.grads()[k][i]), Float.floatToRawIntBits(ga),
            what + " gradient " + k + "[" + i + "] at batch " + batch);
        moved |= ga != 0;
        a.params()[k][i] -= 0.05f * ga;
        b.params()[k][i] -= 0.05f * b.grads()[k][i];
      }
    }
    assertTrue(moved);
  }

  private static void stepDouble(DoubleModel a, DoubleModel b, double[] xs, double[] ts, int batch, String what) {
    double la = a.lossAndGradient(xs, 2, ts, 1, batch, false);
    double lb = b.lossAndGradient(xs, 2, ts, 1, batch, false);
    assertEquals(Double.doubleToRawLongBits(lb), Double.doubleToRawLongBits(la), what + " loss");
    for (int k = 0; k < a.grads().length; k++) {
      for (int i = 0; i < a.grads()[k].length; i++) {
        assertEquals(Double.doubleToRawLongBits(b.grads()[k][i]), Double.doubleToRawLongBits(a.grads()[k][i]),
            what + " gradient " + k + "[" + i + "] at batch " + batch);
        a.params()[k][i] -= 0.05 * a.grads()[k][i];
        b.params()[k][i] -= 0.05 * b.grads()[k][i];
      }
    }
    assertFalse(Double.isNaN(la));
  }
}
