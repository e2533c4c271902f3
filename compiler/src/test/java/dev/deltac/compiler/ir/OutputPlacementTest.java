package dev.deltac.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import org.junit.jupiter.api.Test;

/**
 * {@code output} names final values wherever the statement stands, as the checker reads it: a
 * binding written after it, a state's value after its loop.
 */
class OutputPlacementTest {
  private static Graph lower(String source) {
    FrontendResult r = Frontend.parse("out.nn", source);
    assertTrue(r.ok(), () -> r.diagnostics().toString());
    return Lowering.lower(r.program().decls().get(0), r.check());
  }

  @Test
  void anOutputMayComeBeforeItsBinding() {
    Graph g = lower("""
        model Early {
          input x[3, 4]
          target y[3, 4]
          param a[3, 4]
          output p
          z = x * a
          p = softmax(z)
          loss softmax_cross_entropy(z, y)
        }""");
    assertEquals(Op.EXP, g.outputs().get("p").op(), "softmax along the last axis: exp(z - logsumexp)");
  }

  @Test
  void aStateNamedBeforeItsLoopIsOutputAfterIt() {
    String loop = """
          state h[2] = zeros
          for t in 0..3 {
            h = tanh(W @ h + xs[t])
          }
        """;
    String head = """
        model S {
          input xs[3, 2]
          target y[2]
          param W[2, 2]
        """;
    String tail = """
          loss mse(h, y)
        }""";
    Graph before = lower(head + "  output h\n" + loop + tail);
    Graph after = lower(head + loop + "  output h\n" + tail);
    assertEquals(Op.TANH, before.outputs().get("h").op());
    assertEquals(after.outputs().get("h").toString(), before.outputs().get("h").toString());
  }
}
