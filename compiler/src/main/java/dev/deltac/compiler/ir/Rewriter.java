package dev.deltac.compiler.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies a graph into a fresh {@link GraphBuilder}, node by node in topological order, letting
 * a pass replace any node. Copying re-interns every node, so common subexpressions merge and
 * nodes no root needs disappear: every pass gets CSE and DCE for free.
 */
public final class Rewriter {
  /** Decides what an old node becomes, given its already rewritten operands. */
  @FunctionalInterface
  public interface Hook {
    /** Returns the replacement, or null to copy {@code old} over {@code operands} unchanged. */
    Node rewrite(GraphBuilder b, Node old, List<Node> operands);
  }

  private final GraphBuilder builder;
  private final Map<Integer, Node> map = new HashMap<>();

  private Rewriter(GraphBuilder builder) {
    this.builder = builder;
  }

  /** Rewrites {@code g} with {@code hook} and returns the new graph. */
  public static Graph rewrite(Graph g, Hook hook) {
    Rewriter r = new Rewriter(new GraphBuilder());
    r.copy(g.nodes(), hook);
    return r.result(g);
  }

  /** Copies {@code g} into {@code b} and returns the old-id to new-node map. */
  public static Map<Integer, Node> copyInto(GraphBuilder b, Graph g) {
    Rewriter r = new Rewriter(b);
    r.copy(g.nodes(), (bb, old, ops) -> null);
    return r.map;
  }

  private void copy(List<Node> nodes, Hook hook) {
    for (Node n : nodes) {
      List<Node> ops = new ArrayList<>(n.inputs().size());
      for (Node in : n.inputs()) ops.add(map.get(in.id()));
      Node out = hook.rewrite(builder, n, ops);
      // A replacement computes the same value: it keeps the user's name for it.
      if (out == null) out = builder.remake(n, ops);
      else builder.label(out, n.label());
      if (!out.shape().equals(n.shape())) {
        throw new IllegalStateException("rewrite changed the shape of " + n + " to " + out.shape());
      }
      map.put(n.id(), out);
    }
  }

  private Graph result(Graph g) {
    return new Graph(g.name(), g.kind(), mapList(g.inputs()), mapList(g.targets()),
        mapList(g.params()), g.paramSpecs(), mapMap(g.outputs()), mapNode(g.loss()),
        mapMap(g.paramGrads()), mapMap(g.inputGrads()));
  }

  private Node mapNode(Node n) {
    return n == null ? null : map.get(n.id());
  }

  private List<Node> mapList(List<Node> ns) {
    List<Node> out = new ArrayList<>();
    for (Node n : ns) out.add(mapNode(n));
    return out;
  }

  private Map<String, Node> mapMap(Map<String, Node> m) {
    Map<String, Node> out = new LinkedHashMap<>();
    for (Map.Entry<String, Node> e : m.entrySet()) out.put(e.getKey(), mapNode(e.getValue()));
    return out;
  }
}
