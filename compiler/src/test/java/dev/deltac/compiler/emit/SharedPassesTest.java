package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.runtime.Precision;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The passes of a model class share code instead of repeating the forward computation: one
 * training pass serves steps with and without input gradients, and predict, loss and training
 * start with the same methods (see {@link Sharing}).
 */
class SharedPassesTest {
  private static int count(String text, String what) {
    int n = 0;
    for (int k = text.indexOf(what); k >= 0; k = text.indexOf(what, k + 1)) n++;
    return n;
  }

  @Test
  void inputGradientGraphOnlyAddsNodes() {
    Graph g = NnFiles.resource("models/tiny_rnn.nn");
    Graph withInputs = Optimizer.backward(g, true);
    Set<Integer> extra = Sharing.inputGradientOnly(Optimizer.backward(g, false), withInputs);
    assertNotNull(extra);
    assertFalse(extra.isEmpty());
    // Not the same computation: the loss graph has no gradients.
    assertNull(Sharing.inputGradientOnly(Optimizer.forward(g), withInputs));
  }

  @Test
  void recurrentForwardIsEmittedOnce() {
    Graph g = NnFiles.resource("models/tiny_rnn.nn");
    String src = Harness.source(g, "gen", "TinyRnn", Precision.FLOAT32);
    // 8 steps of tanh over 16 units: each element once, for predict, loss and training alike.
    assertEquals(8 * 16, count(src, "tanhf("));
    assertFalse(src.contains("backwardWithInputs"));
    assertTrue(src.contains("private void inputGradients0()"));
    // predict, loss, and the two branches of lossAndGradient
    assertEquals(4, count(src, "forwardCommon0();"));
  }

  @Test
  void firstSampleVariantSharesItsForwardPart() {
    Graph g = NnFiles.resource("models/xor.nn");
    String src = Harness.source(g, "gen", "Xor", Precision.FLOAT32);
    assertEquals(1, count(src, "private void backwardFirst0()"));
    assertEquals(1, count(src, "private void backwardCommon0()"));
    // the hidden layer's sigmoid (4 elements) once, and predict's output sigmoid (training
    // computes that one with the loss, sharing e^-|z|)
    assertEquals(5, count(src, "= sigmoid("));
  }
}
