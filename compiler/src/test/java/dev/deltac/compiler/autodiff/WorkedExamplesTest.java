package dev.deltac.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.IrPrinter;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.compiler.testing.Models;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The worked examples of dsl.md and of the classic backprop tutorial, derived by hand. */
class WorkedExamplesTest {
  @Test
  void lnOfXPlusExpOfYOverXMatchesItsClosedForm() {
    Graph f = Models.lower(Models.resource("function_f.nn"));
    Graph g = Optimizer.backward(f, true);
    Interpreter.Result r = new Interpreter(g).run(Map.of(), new double[] {1, 2}, new double[0], 1);
    double e2 = Math.exp(2);
    assertEquals(Math.log(1 + e2), r.loss(), 1e-15);
    assertEquals((1 - 2 * e2) / (1 + e2), r.inputGrads()[0][0], 1e-15);
    assertEquals(e2 / (1 + e2), r.inputGrads()[0][1], 1e-15);
  }

  /**
   * XOR 2-4-1 at x = (1, 0), y = 1, with fixed weights. By hand: z1 = W1 x + b1 =
   * (0.6, 0.2, -0.4, 0.1); h = σ(z1); z2 = W2 h + b2; ŷ = σ(z2). With sigmoid + bce fused,
   * δ2 = ŷ − y (n = 1); δ1 = (W2^T δ2) ⊙ h ⊙ (1 − h); dW2 = δ2 h^T, db2 = δ2, dW1 = δ1 x^T,
   * db1 = δ1.
   */
  @Test
  void xorDeltasMatchTheHandDerivation() {
    Graph lowered = Models.lower(Models.resource("xor.nn"));
    Graph g = Optimizer.backward(lowered, false);
    double[] w1 = {0.5, -0.4, 0.3, 0.8, -0.6, 0.2, 0.1, -0.7};
    double[] b1 = {0.1, -0.1, 0.2, 0.0};
    double[] w2 = {0.7, -0.5, 0.4, 0.6};
    double[] b2 = {0.05};
    Interpreter.Result r = new Interpreter(g).run(
        Map.of("W1", w1, "b1", b1, "W2", w2, "b2", b2), new double[] {1, 0}, new double[] {1}, 1);

    double[] z1 = {0.6, 0.2, -0.4, 0.1};
    double[] h = new double[4];
    for (int i = 0; i < 4; i++) h[i] = 1 / (1 + Math.exp(-z1[i]));
    double z2 = 0.7 * h[0] - 0.5 * h[1] + 0.4 * h[2] + 0.6 * h[3] + 0.05;
    double yhat = 1 / (1 + Math.exp(-z2));
    double delta2 = yhat - 1;
    double[] delta1 = new double[4];
    for (int i = 0; i < 4; i++) delta1[i] = w2[i] * delta2 * h[i] * (1 - h[i]);

    assertEquals(-Math.log(yhat), r.loss(), 1e-14);
    assertEquals(yhat, r.outputs()[0][0], 1e-15);
    assertEquals(delta2, r.paramGrads().get("b2")[0], 1e-15);
    for (int i = 0; i < 4; i++) {
      assertEquals(delta1[i], r.paramGrads().get("b1")[i], 1e-15, "δ1[" + i + "]");
      assertEquals(delta2 * h[i], r.paramGrads().get("W2")[i], 1e-15, "dW2[" + i + "]");
      assertEquals(delta1[i], r.paramGrads().get("W1")[2 * i], 1e-15, "dW1[" + i + ", 0]");
      assertEquals(0.0, r.paramGrads().get("W1")[2 * i + 1], 0.0, "dW1[" + i + ", 1]");
    }
    // The fusions happened: the loss is on logits, and the hidden δ is one fused node.
    String dump = IrPrinter.print(g);
    assertTrue(dump.contains("bce_logits("), dump);
    assertTrue(dump.contains("delta<sigmoid>("), dump);
    assertTrue(g.nodes().stream().noneMatch(n -> n.op() == Op.BCE), dump);
  }

  @Test
  void softmaxCrossEntropyIsFiniteAndCorrectAtLogitsOfPlusMinus1000() {
    Graph lowered = Models.lower("""
        model S {
          input z[3]
          target y[3]
          p = softmax(z)
          output p
          loss cross_entropy(p, y)
        }""");
    Graph g = Optimizer.backward(lowered, true);
    Interpreter.Result r = new Interpreter(g).run(Map.of(), new double[] {1000, -1000, 0},
        new double[] {0, 1, 0}, 1);
    // -log softmax(z)[1] = lse(z) - z[1] = 1000 + 1000 (to 1e-300).
    assertEquals(2000.0, r.loss(), 1e-9);
    double[] dz = r.inputGrads()[0];
    assertEquals(1.0, dz[0], 1e-15);
    assertEquals(-1.0, dz[1], 1e-15);
    assertEquals(0.0, dz[2], 1e-15);
    Interpreter.Result r2 = new Interpreter(g).run(Map.of(), new double[] {-1000, 1000, 0},
        new double[] {0, 1, 0}, 1);
    assertEquals(0.0, r2.loss(), 1e-12);
    assertEquals(0.0, r2.inputGrads()[0][1], 1e-15);
  }

  @Test
  void sigmoidThenBceIsFiniteAndCorrectAtLogitsOfPlusMinus50() {
    Graph lowered = Models.lower("""
        model B {
          input z[2]
          target y[2]
          p = sigmoid(z)
          output p
          loss bce(p, y)
        }""");
    Graph g = Optimizer.backward(lowered, true);
    Interpreter.Result r = new Interpreter(g).run(Map.of(), new double[] {50, -50},
        new double[] {0, 1}, 1);
    // Each term is -log σ(-50) = 50 + log(1 + e^-50); mean over the two elements.
    double term = 50 + Math.log1p(Math.exp(-50));
    assertEquals(term, r.loss(), 1e-12);
    double s = 1 / (1 + Math.exp(-50));
    assertEquals((s - 0) / 2, r.inputGrads()[0][0], 1e-15);
    assertEquals((1 - s - 1) / 2, r.inputGrads()[0][1], 1e-15);
    assertTrue(Double.isFinite(r.loss()));
  }
}
