package dev.deltac.compiler.ir;

import dev.deltac.compiler.diag.DiagnosticKind;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.diag.SourceSpan;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Warnings for valid models that are likely mistakes, found on the lowered graph (before any
 * fusion): an activation fed into a loss that applies it again (W801), a param the loss does not
 * depend on (W802), an input nothing uses (W803).
 */
public final class Lints {
  private Lints() {}

  public static void check(Graph g, Diagnostics diags) {
    if (g.kind() != Graph.Kind.MODEL) return;
    Node loss = g.loss();
    if (loss != null) {
      BitSet inLoss = Graph.ids(Graph.reachable(List.of(loss)));
      for (Node n : g.nodes()) {
        if (!inLoss.get(n.id()) || n.inputs().isEmpty()) continue;
        Op first = n.input(0).op();
        if (n.op() == Op.SOFTMAX_CE && (first == Op.SOFTMAX || first == Op.LOG_SOFTMAX)) {
          diags.error(DiagnosticKind.DOUBLE_ACTIVATION, n.span(), "`softmax_cross_entropy` applies"
              + " the softmax itself and its input is already a " + (first == Op.SOFTMAX ? "softmax"
              : "log_softmax") + ": pass the logits, or use `cross_entropy` on probabilities");
        } else if (n.op() == Op.BCE_LOGITS && first == Op.SIGMOID) {
          diags.error(DiagnosticKind.DOUBLE_ACTIVATION, n.span(), "`bce_with_logits` applies the"
              + " sigmoid itself and its input is already a sigmoid: pass the logits, or use `bce`"
              + " on probabilities");
        }
      }
      for (ParamSpec p : g.paramSpecs()) {
        Node node = param(g, p.name());
        if (node != null && !inLoss.get(node.id())) {
          diags.error(DiagnosticKind.PARAM_NOT_IN_LOSS, p.span(), p.name());
        }
      }
    }
    List<Node> roots = new ArrayList<>(g.outputs().values());
    if (loss != null) roots.add(loss);
    BitSet used = Graph.ids(Graph.reachable(roots));
    for (Node in : g.inputs()) {
      if (!used.get(in.id())) diags.error(DiagnosticKind.UNUSED_INPUT, span(in), in.attr().name());
    }
  }

  private static Node param(Graph g, String name) {
    for (Node n : g.params()) {
      if (n.attr().name().equals(name)) return n;
    }
    return null;
  }

  private static SourceSpan span(Node n) {
    return n.span() == null ? SourceSpan.NONE : n.span();
  }
}
