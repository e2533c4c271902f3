package dev.deltac.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.opt.FlopCount;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.compiler.testing.Models;
import org.junit.jupiter.api.Test;

/** The optimized backward pass of a dense MLP costs at most 2.2 times its forward pass. */
class FlopCountTest {
  @Test
  void denseMlpBackwardIsAtMostTwoPointTwoTimesForward() {
    Graph lowered = Models.lower("""
        model Deep {
          input x[256]
          target y[10]
          a = dense(x, 256, tanh)
          b = dense(a, 256, tanh)
          c = dense(b, 256, tanh)
          d = dense(c, 256, tanh)
          o = dense(d, 10)
          output o
          loss softmax_cross_entropy(o, y)
        }""");
    Graph training = Optimizer.backward(lowered, false);
    long fwd = FlopCount.forward(training);
    long bwd = FlopCount.backward(training);
    double ratio = (double) bwd / fwd;
    assertTrue(ratio <= 2.2, "backward/forward = " + ratio + " (" + bwd + " / " + fwd + ")");
    // Not trivially small either: the weight gradients alone cost about one forward pass.
    assertTrue(ratio >= 1.0, "backward/forward = " + ratio);

    Graph withInputs = Optimizer.backward(lowered, true);
    double ratioInputs = (double) FlopCount.backward(withInputs) / FlopCount.forward(withInputs);
    assertTrue(ratioInputs <= 2.2, "with input gradients: " + ratioInputs);
  }
}
