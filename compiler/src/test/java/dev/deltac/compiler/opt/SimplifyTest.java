package dev.deltac.compiler.opt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.IrPrinter;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.testing.Models;
import org.junit.jupiter.api.Test;

/** Constant folding, algebraic identities, common subexpressions and dead code. */
class SimplifyTest {
  private static Graph simplified(String body) {
    return Simplify.run(Models.lower("model M {\n input x[3]\n target y[3]\n param W[3, 3]\n"
        + body + "\n}"));
  }

  private static long count(Graph g, Op op) {
    return g.nodes().stream().filter(n -> n.op() == op).count();
  }

  @Test
  void foldsConstantsAndRemovesIdentities() {
    Graph g = simplified("""
          z = (x * (2 - 1) + 0) * (3 * 4 - 12 + 1) - 0
          output z
          loss mse(z, y)""");
    assertSame(g.inputs().get(0), g.outputs().get("z"), IrPrinter.print(g));
    assertEquals(0, count(g, Op.ADD) + count(g, Op.SUB) + count(g, Op.MUL), IrPrinter.print(g));
  }

  /**
   * c1 * (c2 * x) folds into (c1 c2) * x only when a factor is a power of two (exact): with 3 and
   * 0.01, (x * 0.01) * 3 and x * 0.03 round differently, and a rolled loop, where 3 is its t,
   * computes the former.
   */
  @Test
  void foldsScalarFactorsOnlyWhenExact() {
    Graph exact = simplified("""
          z = (x * 0.01) * 4
          output z
          loss mse(z, y)""");
    assertEquals(1, count(exact, Op.MUL), IrPrinter.print(exact));
    Graph kept = simplified("""
          z = (x * 0.01) * 3
          output z
          loss mse(z, y)""");
    assertEquals(2, count(kept, Op.MUL), IrPrinter.print(kept));
    double x = 0.3;
    assertTrue((x * 0.01) * 3 != x * (0.01 * 3), "the example rounds differently when folded");
  }

  @Test
  void mergesCommonSubexpressionsAndFoldsTransposesIntoTheProduct() {
    Graph g = simplified("""
          a = tanh(W @ x)
          b = tanh(W @ x)
          c = W.T.T @ a + transpose(W) @ b
          output c
          loss mse(c, y)""");
    assertEquals(1, count(g, Op.TANH), IrPrinter.print(g));
    assertEquals(0, count(g, Op.TRANSPOSE), IrPrinter.print(g));
    // W @ x, W @ tanh(...) and W^T @ tanh(...) remain: the transpose lives in the product's flags.
    assertEquals(3, count(g, Op.MATMUL), IrPrinter.print(g));
    assertTrue(g.nodes().stream().anyMatch(n -> n.op() == Op.MATMUL && n.attr().intAt(0) == 1));
  }

  @Test
  void dropsWhatNoRootNeeds() {
    Graph g = simplified("""
          unused = exp(W @ x) * 3
          z = sigmoid(x)
          output z
          loss mse(z, y)""");
    assertEquals(0, count(g, Op.EXP), IrPrinter.print(g));
    assertEquals(0, count(g, Op.MATMUL), IrPrinter.print(g));
    // The param stays (it is a leaf of the model) even though nothing uses it.
    assertEquals(1, g.params().size());
  }

  @Test
  void powersOfTwoBecomeSquaresAndDoubleNegationsVanish() {
    Graph g = simplified("""
          z = -(-(x ^ 2))
          output z
          loss mse(z, y)""");
    Node z = g.outputs().get("z");
    assertEquals(Op.SQUARE, z.op(), IrPrinter.print(g));
    assertEquals(0, count(g, Op.NEG) + count(g, Op.POW));
  }

  @Test
  void reverseModeOfASumOfSquaresIsTwoX() {
    Graph g = Optimizer.backward(Models.lower("""
        function S(v[3]) {
          return sum(v ^ 2)
        }"""), true);
    Node grad = g.inputGrads().get("v");
    assertEquals("mul", grad.op().name().toLowerCase(), IrPrinter.print(g));
    assertEquals(3, g.nodes().size() - 2, IrPrinter.print(g));
  }
}
