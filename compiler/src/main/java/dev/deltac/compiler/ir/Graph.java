package dev.deltac.compiler.ir;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An IR graph for one model or function: its leaves (inputs, targets, params), its roots (named
 * outputs, the per-sample loss or function value, and after differentiation the gradients with
 * respect to every param and input), and every node reachable from the roots in topological
 * order. Immutable; passes return new graphs.
 */
public final class Graph {
  /** What the graph was lowered from. */
  public enum Kind { MODEL, FUNCTION }

  private final String name;
  private final Kind kind;
  private final List<Node> inputs;
  private final List<Node> targets;
  private final List<Node> params;
  private final List<ParamSpec> paramSpecs;
  private final Map<String, Node> outputs;
  private final Node loss;
  private final Map<String, Node> paramGrads;
  private final Map<String, Node> inputGrads;
  private final List<Node> nodes;

  public Graph(String name, Kind kind, List<Node> inputs, List<Node> targets, List<Node> params,
      List<ParamSpec> paramSpecs, Map<String, Node> outputs, Node loss,
      Map<String, Node> paramGrads, Map<String, Node> inputGrads) {
    this.name = Objects.requireNonNull(name, "name == null");
    this.kind = Objects.requireNonNull(kind, "kind == null");
    this.inputs = List.copyOf(inputs);
    this.targets = List.copyOf(targets);
    this.params = List.copyOf(params);
    this.paramSpecs = List.copyOf(paramSpecs);
    this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    this.loss = loss;
    this.paramGrads = Collections.unmodifiableMap(new LinkedHashMap<>(paramGrads));
    this.inputGrads = Collections.unmodifiableMap(new LinkedHashMap<>(inputGrads));
    if (params.size() != paramSpecs.size()) {
      throw new IllegalArgumentException("params and paramSpecs differ in length");
    }
    this.nodes = reachable(roots());
  }

  public String name() {
    return name;
  }

  public Kind kind() {
    return kind;
  }

  public List<Node> inputs() {
    return inputs;
  }

  public List<Node> targets() {
    return targets;
  }

  public List<Node> params() {
    return params;
  }

  public List<ParamSpec> paramSpecs() {
    return paramSpecs;
  }

  /** Named outputs, in declaration order. */
  public Map<String, Node> outputs() {
    return outputs;
  }

  /** The per-sample loss of a model, or the value of a function. */
  public Node loss() {
    return loss;
  }

  /** d(per-sample loss)/d(param) by param name; empty before differentiation. */
  public Map<String, Node> paramGrads() {
    return paramGrads;
  }

  /** d(per-sample loss)/d(input) by input name; empty before differentiation. */
  public Map<String, Node> inputGrads() {
    return inputGrads;
  }

  public boolean isDifferentiated() {
    return !paramGrads.isEmpty() || !inputGrads.isEmpty();
  }

  /** Whether a {@code for} loop of this graph was rolled (it holds a {@link Op#LOOP} node). */
  public boolean hasRolledLoop() {
    for (Node n : nodes) if (n.op() == Op.LOOP) return true;
    return false;
  }

  /** Every node reachable from a root or leaf list, in topological (id) order. */
  public List<Node> nodes() {
    return nodes;
  }

  /** Roots: leaves first (so unused ones survive), then outputs, loss and gradients. */
  public List<Node> roots() {
    List<Node> r = new ArrayList<>(inputs);
    r.addAll(targets);
    r.addAll(params);
    r.addAll(outputs.values());
    if (loss != null) r.add(loss);
    r.addAll(paramGrads.values());
    r.addAll(inputGrads.values());
    return r;
  }

  /** A copy with new roots (same leaves and specs). */
  public Graph withRoots(Map<String, Node> outputs, Node loss, Map<String, Node> paramGrads,
      Map<String, Node> inputGrads) {
    return new Graph(name, kind, inputs, targets, params, paramSpecs, outputs, loss, paramGrads,
        inputGrads);
  }

  /** The nodes needed to compute {@code roots}, in topological order. */
  public static List<Node> reachable(List<Node> roots) {
    Map<Integer, Node> seen = new HashMap<>();
    Deque<Node> stack = new ArrayDeque<>();
    for (Node r : roots) {
      if (r != null) stack.push(r);
    }
    while (!stack.isEmpty()) {
      Node n = stack.pop();
      if (seen.putIfAbsent(n.id(), n) != null) continue;
      for (Node in : n.inputs()) {
        if (!seen.containsKey(in.id())) stack.push(in);
      }
    }
    List<Node> out = new ArrayList<>(seen.values());
    out.sort(Comparator.comparingInt(Node::id));
    return out;
  }

  /** How many times each node (by id) is used as an operand within {@code nodes}. */
  public static Map<Integer, Integer> useCounts(List<Node> nodes) {
    Map<Integer, Integer> uses = new HashMap<>();
    for (Node n : nodes) {
      for (Node in : n.inputs()) uses.merge(in.id(), 1, Integer::sum);
    }
    return uses;
  }

  /** Ids of the nodes in {@code nodes}, as a set. */
  public static BitSet ids(List<Node> nodes) {
    BitSet b = new BitSet();
    for (Node n : nodes) b.set(n.id());
    return b;
  }
}
