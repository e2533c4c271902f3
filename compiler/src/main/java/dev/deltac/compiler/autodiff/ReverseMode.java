package dev.deltac.compiler.autodiff;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.GraphBuilder;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.Rewriter;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Symbolic reverse mode: walks the forward graph in reverse topological order, applies each
 * node's {@link VjpRule} to the sum of its cotangent contributions (fan-out summed in a fixed
 * order), and returns the graph with the gradient of the per-sample loss with respect to every
 * param and, when asked, every input as extra roots. Forward and reverse nodes share one
 * builder, so the reverse pass reuses forward values.
 */
public final class ReverseMode {
  private ReverseMode() {}

  /** Gradients with respect to every param and every input. */
  public static Graph differentiate(Graph forward) {
    return differentiate(forward, true);
  }

  public static Graph differentiate(Graph forward, boolean inputGradients) {
    return differentiate(forward, inputGradients, false);
  }

  /**
   * With {@code seeded}, the loss's cotangent is the {@link Op#SEED} leaf instead of the constant
   * 1: every gradient is then linear in it, and generated models bind it to 1/batch.
   */
  public static Graph differentiate(Graph forward, boolean inputGradients, boolean seeded) {
    if (forward.loss() == null) throw new IllegalArgumentException(forward.name() + " has no loss");
    GraphBuilder b = new GraphBuilder();
    Map<Integer, Node> copy = Rewriter.copyInto(b, forward);
    List<Node> nodes = new ArrayList<>();
    for (Node n : forward.nodes()) nodes.add(copy.get(n.id()));
    Node loss = copy.get(forward.loss().id());
    List<Node> params = map(forward.params(), copy);
    List<Node> inputs = map(forward.inputs(), copy);

    BitSet wanted = new BitSet();
    for (Node p : params) wanted.set(p.id());
    // Integer inputs are indices: not differentiable, their gradient slots stay zero.
    if (inputGradients) for (Node x : inputs) if (!x.isInteger()) wanted.set(x.id());
    BitSet active = activeNodes(nodes, wanted);

    Map<Integer, List<Node>> contributions = new HashMap<>();
    if (active.get(loss.id())) add(contributions, loss, seeded ? b.seed() : b.scalar(1));
    Map<Integer, Node> cotangent = new HashMap<>();
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      List<Node> terms = contributions.remove(n.id());
      if (terms == null) continue;
      // Nodes made for n's cotangent and its rule cite n's source line.
      dev.deltac.compiler.diag.SourceSpan outer = b.defaultSpan(n.span());
      Node g = b.sumAll(terms);
      if (n.label() != null) b.label(g, "d_" + n.label());
      cotangent.put(n.id(), g);
      if (n.op().kind == Op.Kind.LEAF) {
        b.defaultSpan(outer);
        continue;
      }
      VjpRule rule = Rules.get(n.op());
      if (rule == null) {
        throw new IllegalStateException("no derivative rule for " + n.op() + " (" + n + ")");
      }
      Node[] grads = rule.apply(b, n, g);
      b.defaultSpan(outer);
      if (grads.length != n.inputs().size()) {
        throw new IllegalStateException("rule for " + n.op() + " returned " + grads.length
            + " cotangents for " + n.inputs().size() + " operands");
      }
      for (int k = 0; k < grads.length; k++) {
        Node in = n.input(k);
        if (grads[k] == null || !active.get(in.id())) continue;
        if (!grads[k].shape().equals(in.shape())) {
          throw new IllegalStateException("rule for " + n.op() + " gave cotangent " + grads[k].shape()
              + " for operand " + in.shape());
        }
        add(contributions, in, grads[k]);
      }
    }

    Map<String, Node> paramGrads = new LinkedHashMap<>();
    for (Node p : params) paramGrads.put(p.attr().name(), orZero(b, cotangent.get(p.id()), p));
    Map<String, Node> inputGrads = new LinkedHashMap<>();
    if (inputGradients) {
      for (Node x : inputs) inputGrads.put(x.attr().name(), orZero(b, cotangent.get(x.id()), x));
    }
    return new Graph(forward.name(), forward.kind(), inputs, map(forward.targets(), copy), params,
        forward.paramSpecs(), mapValues(forward.outputs(), copy), loss, paramGrads, inputGrads);
  }

  /** Nodes that depend on a wanted leaf: only they carry cotangents. */
  private static BitSet activeNodes(List<Node> nodes, BitSet wanted) {
    BitSet active = (BitSet) wanted.clone();
    for (Node n : nodes) {
      if (Rules.isNonDifferentiable(n.op()) && n.op().kind != Op.Kind.LEAF) continue;
      for (Node in : n.inputs()) {
        if (active.get(in.id())) {
          active.set(n.id());
          break;
        }
      }
    }
    return active;
  }

  private static Node orZero(GraphBuilder b, Node g, Node like) {
    return g != null ? g : b.constant(like.shape(), 0.0);
  }

  private static void add(Map<Integer, List<Node>> contributions, Node n, Node g) {
    contributions.computeIfAbsent(n.id(), k -> new ArrayList<>()).add(g);
  }

  private static List<Node> map(List<Node> ns, Map<Integer, Node> copy) {
    List<Node> out = new ArrayList<>();
    for (Node n : ns) out.add(copy.get(n.id()));
    return out;
  }

  private static Map<String, Node> mapValues(Map<String, Node> m, Map<Integer, Node> copy) {
    Map<String, Node> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, copy.get(v.id())));
    return out;
  }
}
