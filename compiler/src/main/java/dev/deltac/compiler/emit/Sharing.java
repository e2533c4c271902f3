package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the passes of a model class can share instead of emitting the same code twice: the
 * training graph with input gradients versus the one without, and the leading units two passes
 * over one graph have in common.
 */
final class Sharing {
  private Sharing() {}

  /**
   * The nodes of {@code withInputs} that only its input gradients need, when the rest of it is
   * the same computation as {@code paramsOnly}, node for node and in the same order (the two
   * differ only by node numbering); else null. Then one per-sample pass serves both, the input
   * gradients being an extra step after it.
   */
  static Set<Integer> inputGradientOnly(Graph paramsOnly, Graph withInputs) {
    if (withInputs.inputGrads().isEmpty() || !paramsOnly.inputGrads().isEmpty()) return null;
    if (!Objects.equals(paramsOnly.outputs().keySet(), withInputs.outputs().keySet())
        || !Objects.equals(paramsOnly.paramGrads().keySet(), withInputs.paramGrads().keySet())
        || (paramsOnly.loss() == null) != (withInputs.loss() == null)) {
      return null;
    }
    List<Node> mainRoots = roots(withInputs);
    Set<Integer> main = new HashSet<>();
    for (Node n : Graph.reachable(mainRoots)) main.add(n.id());
    Map<Object, Integer> classes = new HashMap<>();
    Map<Integer, Integer> a = canonical(paramsOnly.nodes(), classes);
    List<Node> withMain = new ArrayList<>();
    Set<Integer> extra = new HashSet<>();
    for (Node n : withInputs.nodes()) {
      if (main.contains(n.id())) withMain.add(n);
      else extra.add(n.id());
    }
    Map<Integer, Integer> b = canonical(withMain, classes);
    if (a == null || b == null) return null;
    if (paramsOnly.nodes().size() != withMain.size()) return null;
    for (int i = 0; i < withMain.size(); i++) {
      if (!a.get(paramsOnly.nodes().get(i).id()).equals(b.get(withMain.get(i).id()))) return null;
    }
    List<Node> ra = roots(paramsOnly);
    if (ra.size() != mainRoots.size()) return null;
    for (int i = 0; i < ra.size(); i++) {
      if (!a.get(ra.get(i).id()).equals(b.get(mainRoots.get(i).id()))) return null;
    }
    return extra;
  }

  /**
   * For each node of {@code b} computing the same thing as a node of {@code a} (same op,
   * attributes, shape and operands, recursively), that node: b's node id to a's node id.
   */
  static Map<Integer, Integer> sameNodes(Graph a, Graph b) {
    Map<Object, Integer> classes = new HashMap<>();
    Map<Integer, Integer> ca = canonical(a.nodes(), classes);
    Map<Integer, Integer> cb = canonical(b.nodes(), classes);
    Map<Integer, Integer> out = new HashMap<>();
    if (ca == null || cb == null) return out;
    Map<Integer, Integer> byClass = new HashMap<>();
    for (Node n : a.nodes()) byClass.putIfAbsent(ca.get(n.id()), n.id());
    for (Node n : b.nodes()) {
      Integer m = byClass.get(cb.get(n.id()));
      if (m != null) out.put(n.id(), m);
    }
    return out;
  }

  /** Outputs, loss and param gradients, in a fixed order. */
  private static List<Node> roots(Graph g) {
    List<Node> r = new ArrayList<>(g.outputs().values());
    if (g.loss() != null) r.add(g.loss());
    r.addAll(g.paramGrads().values());
    return r;
  }

  /**
   * A class number per node (by id): equal numbers for nodes computing the same thing (op,
   * attributes, shape, operands of equal classes); null unless the nodes come in topological
   * order.
   */
  private static Map<Integer, Integer> canonical(List<Node> nodes, Map<Object, Integer> classes) {
    Map<Integer, Integer> out = new HashMap<>();
    for (Node n : nodes) {
      List<Object> key = new ArrayList<>();
      key.add(n.op());
      key.add(n.attr());
      key.add(n.shape().toString());
      for (Node in : n.inputs()) {
        Integer c = out.get(in.id());
        if (c == null) return null;
        key.add(c);
      }
      Integer c = classes.get(key);
      if (c == null) {
        c = classes.size();
        classes.put(key, c);
      }
      out.put(n.id(), c);
    }
    return out;
  }

  /** How many leading units two unit lists have in common (equal statement trees). */
  static int commonPrefix(List<Units.Unit> a, List<Units.Unit> b) {
    int k = 0;
    while (k < a.size() && k < b.size() && a.get(k).code().equals(b.get(k).code())) k++;
    return k;
  }
}
