package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.autodiff.ReverseMode;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.load.ModelLoader;
import dev.deltac.compiler.opt.LossFusion;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.compiler.opt.Simplify;
import dev.deltac.runtime.DoubleModel;
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
    String src;
    System.setProperty(SampleMajorPass.PROPERTY, "false");
    try {
      src = Harness.source(g, "gen", "Xor", Precision.FLOAT32);
    } finally {
      System.clearProperty(SampleMajorPass.PROPERTY);
    }
    assertEquals(1, count(src, "private void backwardFirst0()"));
    assertEquals(1, count(src, "private void backwardCommon0()"));
    // the hidden layer's sigmoid (4 elements) once, and predict's output sigmoid (training
    // computes that one with the loss, sharing e^-|z|)
    assertEquals(5, count(src, "= sigmoid("));
  }

  @Test
  void tinyModelsTrainNodeMajor() {
    Graph g = NnFiles.resource("models/xor.nn");
    String src = Harness.source(g, "gen", "Xor", Precision.FLOAT32);
    // the node-major pass replaces the first-sample variant; the per-sample code remains for the
    // steps with input gradients, predict and loss
    assertEquals(0, count(src, "private void backwardFirst0()"));
    assertEquals(1, count(src, "private double backwardSamples0("));
    assertEquals(1, count(src, "sum = backwardSamples0(inputBatch, inputOff, targetBatch, targetOff, batch);"));
    // per-sample forward (4) + predict's output (1) + the node-major loop's hidden layer (4)
    assertEquals(9, count(src, "= sigmoid("));
  }

  @Test
  void differentGraphsKeepTheirOwnPass() {
    Graph g = NnFiles.resource("models/xor.nn");
    // Without DeltaFusion the graph with input gradients is not the other one plus nodes.
    Graph unfused = Simplify.run(ReverseMode.differentiate(Simplify.run(LossFusion.run(g)), true, true));
    Graph forward = Optimizer.forward(g);
    Graph backward = Optimizer.backward(g, false);
    assertNull(Sharing.inputGradientOnly(backward, unfused));
    String src = JavaEmitter.emitModel(forward, backward, unfused,
        new EmitOptions("gen", "XorUnfused", Precision.FLOAT64, "xor.nn"));
    assertTrue(src.contains("private void backwardWithInputs0()"));
    DoubleModel a = (DoubleModel) ModelLoader.newModel("gen.XorUnfused", src, 4);
    DoubleModel b = (DoubleModel) Harness.compile(g, "XorShared", Precision.FLOAT64, 4);
    a.initParams(5);
    b.initParams(5);
    double[] xs = {0, 1, 1, 0, 1, 1, 0.5, -0.5};
    double[] ys = {1, 1, 0, 0.5};
    assertEquals(b.lossAndGradient(xs, 0, ys, 0, 4, true), a.lossAndGradient(xs, 0, ys, 0, 4, true), 1e-12);
    for (int k = 0; k < a.grads().length; k++) {
      for (int i = 0; i < a.grads()[k].length; i++) assertEquals(b.grads()[k][i], a.grads()[k][i], 1e-12);
    }
    for (int i = 0; i < 8; i++) assertEquals(b.inputGradients()[i], a.inputGradients()[i], 1e-12);
  }
}
