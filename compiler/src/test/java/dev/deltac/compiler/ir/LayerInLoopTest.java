package dev.deltac.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A layer written in a loop body is one layer applied at every step: one set of params. */
class LayerInLoopTest {
  @Test
  void aDenseLayerInALoopMakesItsParamsOnce() {
    FrontendResult r = Frontend.parse("cell.nn", """
        model Cell {
          input xs[5, 2]
          target y[2]
          state s[4] = zeros
          for t in 0..5 {
            s = dense(concat(s, xs[t]), 4, tanh)
          }
          o = dense(s, 2)
          output o
          loss mse(o, y)
        }
        """);
    assertTrue(r.ok(), () -> r.diagnostics().toString());
    Graph g = Lowering.lower(r.program().decls().get(0), r.check());
    List<String> names = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (n.op() == Op.PARAM) names.add(n.attr().name() + n.shape());
    }
    assertEquals(List.of("s.W[4, 6]", "s.b[4]", "o.W[2, 4]", "o.b[2]"), names);
  }
}
