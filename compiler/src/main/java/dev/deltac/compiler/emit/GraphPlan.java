package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How one graph becomes code: which nodes get a work buffer, which are inlined into their single
 * elementwise consumer, which are views of another node, how each parameter gradient is
 * accumulated (as a sum of terms), and which weight-gradient terms {@code outer(δ, h)} share the
 * sweep over W with a fused {@code DELTA(W, δ, h')}.
 */
final class GraphPlan {
  /** An inlined expression may grow to about this many nodes before a buffer is forced. */
  static final int INLINE_CAP = 12;

  final Graph graph;
  final ClassContext ctx;
  final Map<Integer, String> buffers = new HashMap<>();
  final Set<Integer> inlined = new HashSet<>();
  /** RESHAPE nodes that are views of their operand. */
  final Set<Integer> aliases = new HashSet<>();
  /** Nodes never computed as such: ADD trees of gradient roots and directly accumulated terms. */
  final Set<Integer> virtual = new HashSet<>();
  /** Param name to the terms whose sum is d(per-sample loss)/d(param). */
  final Map<String, List<Node>> gradTerms = new LinkedHashMap<>();
  /** OUTER terms accumulated straight into a gradient without a buffer. */
  final Set<Integer> directOuter = new HashSet<>();
  /**
   * Gradient terms {@code GATHER_GRAD(g, ids)} of a matrix param, used once: no [V, d] buffer;
   * {@link LinearKernels#accumulate} adds row i of g into gradient row ids[i] (sparse, so the
   * cost is the gathered rows, not the table).
   */
  final Set<Integer> directScatter = new HashSet<>();
  /**
   * Gradient terms {@code G^T X} of a matrix param, {@code G [rows, m]} and {@code X [rows, n]}
   * (a dense layer over the rows of a tensor): accumulated straight into the gradient rows, with
   * no buffer of their own.
   */
  final Set<Integer> directRows = new HashSet<>();
  /** DELTA or W^T δ node id to the param whose OUTER term its sweep also accumulates. */
  final Map<Integer, Fused> fused = new HashMap<>();
  final Set<Integer> fusedTerms = new HashSet<>();

  /**
   * LOOP_GRAD node id to (active capture j to the param whose gradient storage is that capture's
   * accumulator): the param's only gradient term is that part of the LOOP_GRAD, its accumulator
   * starts at zero, and nothing else reads the part, so the loop adds each step's contributions
   * straight into the gradient (in the unrolled loop's order) and the term is not accumulated
   * again (it is among {@link #fusedTerms}).
   */
  final Map<Integer, Map<Integer, String>> loopAccumulators = new HashMap<>();

  /** A weight-gradient term accumulated inside a DELTA sweep. */
  record Fused(String param, Node term) {}

  private final Map<Integer, List<Node>> consumers = new HashMap<>();
  private final Map<Integer, Integer> accumulationUses = new HashMap<>();
  private final Set<Integer> hardRoots = new HashSet<>();

  /**
   * Nodes only the input gradients need, computed in a step of their own after the training
   * pass (see {@link Sharing#inputGradientOnly}): they host no weight-gradient term.
   */
  private final Set<Integer> separate;

  /**
   * Leaves of a loop body (node id) to the fields holding their values for the current step
   * ({@link LoopKernels}); empty for a model's or function's own graph.
   */
  final Map<Integer, String> leafFields;

  GraphPlan(Graph graph, ClassContext ctx, String prefix) {
    this(graph, ctx, prefix, Set.of(), Map.of());
  }

  GraphPlan(Graph graph, ClassContext ctx, String prefix, Set<Integer> separate,
      Map<Integer, String> reuse) {
    this(graph, ctx, prefix, separate, reuse, Map.of());
  }

  /**
   * @param separate see {@link #separate}
   * @param reuse node id to the work buffer of the same value in another graph's plan, which this
   *     plan uses too (the forward values of the training graph live in the loss pass's buffers)
   */
  GraphPlan(Graph graph, ClassContext ctx, String prefix, Set<Integer> separate,
      Map<Integer, String> reuse, Map<Integer, String> leafFields) {
    this.leafFields = leafFields;
    this.graph = graph;
    this.ctx = ctx;
    this.separate = separate;
    for (Node n : graph.nodes()) {
      for (Node in : n.inputs()) consumers.computeIfAbsent(in.id(), k -> new ArrayList<>()).add(n);
    }
    for (Node o : graph.outputs().values()) hardRoots.add(o.id());
    if (graph.loss() != null) hardRoots.add(graph.loss().id());
    for (Node ig : graph.inputGrads().values()) hardRoots.add(ig.id());
    Map<Integer, Integer> rootUses = new HashMap<>();
    for (Node r : graph.paramGrads().values()) rootUses.merge(r.id(), 1, Integer::sum);
    for (Map.Entry<String, Node> e : graph.paramGrads().entrySet()) {
      List<Node> terms = new ArrayList<>();
      Node root = e.getValue();
      boolean own = rootUses.get(root.id()) == 1 && !hardRoots.contains(root.id());
      decompose(root, own, terms);
      gradTerms.put(e.getKey(), terms);
      for (Node t : terms) accumulationUses.merge(t.id(), 1, Integer::sum);
    }
    planOuterTerms();
    planInlining();
    for (Node n : graph.nodes()) {
      if (needsBuffer(n)) {
        String name = reuse.get(n.id());
        if (name == null) name = ctx.buffer(bufferName(n, prefix), n.size());
        buffers.put(n.id(), name);
      }
    }
  }

  /**
   * A work buffer's name: the user's name for the value ({@code h}, {@code d_h}, {@code h_t3}),
   * else the pass prefix and the node number; the class's allocator makes it unique.
   */
  private static String bufferName(Node n, String prefix) {
    return n.label() != null ? SourceText.identifier(n.label()) : prefix + n.id();
  }

  private void decompose(Node n, boolean own, List<Node> terms) {
    boolean split = own && n.op() == Op.ADD && n.input(0).shape().equals(n.shape())
        && n.input(1).shape().equals(n.shape()) && consumers(n).isEmpty();
    if (!split) {
      terms.add(n);
      return;
    }
    virtual.add(n.id());
    for (Node in : n.inputs()) {
      boolean inOwn = consumers.getOrDefault(in.id(), List.of()).size() == 1
          && !hardRoots.contains(in.id())
          && !graph.paramGrads().containsValue(in);
      if (inOwn && in.op() == Op.ADD) {
        decompose(in, true, terms);
      } else {
        terms.add(in);
      }
    }
  }

  /** Consumers of n that are computed (not virtual gradient sums). */
  List<Node> consumers(Node n) {
    List<Node> all = consumers.getOrDefault(n.id(), List.of());
    List<Node> real = new ArrayList<>();
    for (Node c : all) {
      if (!virtual.contains(c.id())) real.add(c);
    }
    return real;
  }

  private int accumulationUses(Node n) {
    return accumulationUses.getOrDefault(n.id(), 0);
  }

  private void planOuterTerms() {
    for (Map.Entry<String, List<Node>> e : gradTerms.entrySet()) {
      Node param = null;
      for (Node q : graph.params()) if (q.attr().name().equals(e.getKey())) param = q;
      for (Node t : e.getValue()) {
        if (t.op() == Op.GATHER_GRAD && param != null && ClassContext.isMatrixParam(param)
            && param.shape().rank() == 2 && consumers(t).isEmpty() && accumulationUses(t) == 1
            && !hardRoots.contains(t.id())) {
          directScatter.add(t.id());
          virtual.add(t.id());
        }
        if (t.op() == Op.MATMUL && t.attr().intAt(0) == 1 && t.attr().intAt(1) == 0 && param != null
            && ClassContext.isMatrixParam(param) && param.shape().rank() == 2 && t.shape().equals(param.shape())
            && t.input(0).shape().rank() == 2 && t.input(1).shape().rank() == 2
            && consumers(t).isEmpty() && accumulationUses(t) == 1 && !hardRoots.contains(t.id())) {
          directRows.add(t.id());
          virtual.add(t.id());
        }
        if (t.op() == Op.OUTER && consumers(t).isEmpty() && accumulationUses(t) == 1
            && !hardRoots.contains(t.id())) {
          directOuter.add(t.id());
          virtual.add(t.id());
        }
      }
    }
    planLoopAccumulators();
    for (Node d : graph.nodes()) {
      if (!sweepsRows(d) || virtual.contains(d.id()) || separate.contains(d.id())) continue;
      Node w = d.input(0);
      if (!ClassContext.isMatrixParam(w) || w.shape().rank() != 2) continue;
      String p = w.attr().name();
      for (Node t : gradTerms.getOrDefault(p, List.of())) {
        if (directOuter.contains(t.id()) && !fusedTerms.contains(t.id()) && t.input(0) == d.input(1)
            && t.shape().equals(w.shape()) && t.input(1).id() < d.id()) {
          fused.put(d.id(), new Fused(p, t));
          fusedTerms.add(t.id());
          break;
        }
      }
    }
  }

  private void planLoopAccumulators() {
    for (Map.Entry<String, List<Node>> e : gradTerms.entrySet()) {
      if (e.getValue().size() != 1) continue;
      Node t = e.getValue().get(0);
      Node u = t.op() == Op.RESHAPE ? t.input(0) : t;
      if (u.op() != Op.SLICE || u.input(0).op() != Op.LOOP_GRAD) continue;
      if (!consumers(t).isEmpty() || accumulationUses(t) != 1 || hardRoots.contains(t.id())) continue;
      if (u != t && (consumers(u).size() != 1 || hardRoots.contains(u.id()) || accumulationUses(u) != 0)) continue;
      Node loop = u.input(0);
      dev.deltac.compiler.ir.LoopBody body = loop.attr().body();
      int[] active = body.active();
      int off = body.rowSize();
      int j = -1;
      for (int k = 0; k < active.length; k++) {
        if (u.attr().intAt(0) == off && u.attr().intAt(1) == off + body.capture(active[k]).size()) j = k;
        off += body.capture(active[k]).size();
      }
      if (j < 0) continue;
      Node cap = loop.input(2 + active[j]);
      Node init = loop.input(2 + body.captures() + j);
      if (cap.op() != Op.PARAM || !cap.attr().name().equals(e.getKey()) || !init.isConst(0.0)) continue;
      int from = u.attr().intAt(0);
      int to = u.attr().intAt(1);
      boolean alone = true;
      for (Node c : consumers(loop)) {
        if (c == u) continue;
        if (c.op() != Op.SLICE || (c.attr().intAt(0) < to && c.attr().intAt(1) > from)) alone = false;
      }
      if (!alone || hardRoots.contains(loop.id())) continue;
      loopAccumulators.computeIfAbsent(loop.id(), k -> new HashMap<>()).put(j, e.getKey());
      fusedTerms.add(t.id());
      virtual.add(t.id());
      virtual.add(u.id());
    }
  }

  /**
   * True for the nodes that sweep W's rows with δ: {@code DELTA(W, δ, h)} and the transposed
   * product {@code W^T δ} (left unfused when several contributions to δ are summed first).
   */
  static boolean sweepsRows(Node d) {
    if (d.op() == Op.DELTA) return true;
    return d.op() == Op.MATMUL && d.attr().intAt(0) == 1 && d.input(0).shape().rank() == 2
        && d.input(1).shape().rank() == 1;
  }

  private static boolean elementwise(Node n) {
    return n.op().isElementwise() || n.op() == Op.BROADCAST;
  }

  private void planInlining() {
    Map<Integer, Integer> cost = new HashMap<>();
    for (Node n : graph.nodes()) {
      int c = 1;
      for (Node in : n.inputs()) {
        if (inlined.contains(in.id())) c += cost.get(in.id());
      }
      cost.put(n.id(), c);
      if (!elementwise(n) || hardRoots.contains(n.id()) || virtual.contains(n.id())) continue;
      List<Node> cons = consumers(n);
      int acc = accumulationUses(n);
      boolean single;
      if (cons.size() == 1 && acc == 0) {
        Node consumer = cons.get(0);
        single = elementwise(consumer) && consumer.size() == n.size()
            && countOperand(consumer, n) == 1;
      } else {
        single = cons.isEmpty() && acc == 1;
      }
      if (single && c <= INLINE_CAP) inlined.add(n.id());
    }
  }

  private static int countOperand(Node consumer, Node n) {
    int k = 0;
    for (Node in : consumer.inputs()) {
      if (in == n) k++;
    }
    return k;
  }

  private boolean needsBuffer(Node n) {
    switch (n.op()) {
      case PARAM: case CONST: case INPUT: case TARGET: case SEED: case RUNNING_STAT:
        return false;
      default:
        break;
    }
    if (inlined.contains(n.id()) || virtual.contains(n.id())) return false;
    if (n.op() == Op.RESHAPE && hasFlatArray(n.input(0))) {
      aliases.add(n.id());
      return false;
    }
    return true;
  }

  /** True when n's values are one flat array from index 0 (see {@link Access#arr}). */
  boolean hasFlatArray(Node n) {
    switch (n.op()) {
      case PARAM: return n.shape().rank() <= 1;
      case CONST: case INPUT: case TARGET: return true;
      default: break;
    }
    if (aliases.contains(n.id())) return hasFlatArray(n.input(0));
    return buffers.containsKey(n.id());
  }

  /** The nodes to compute, in order, to evaluate {@code roots}. */
  List<Node> schedule(List<Node> roots) {
    List<Node> out = new ArrayList<>();
    for (Node n : Graph.reachable(roots)) {
      if (buffers.containsKey(n.id())) out.add(n);
    }
    return out;
  }

  /**
   * {@link #schedule} with the nodes {@code first.get(0)} needs moved ahead of the others, then
   * those {@code first.get(1)} needs, and so on (each part in graph order; valid, as the nodes
   * some roots need never depend on a node they do not need).
   */
  List<Node> schedule(List<Node> roots, List<List<Node>> first) {
    Map<Integer, Integer> group = new HashMap<>();
    for (int k = first.size() - 1; k >= 0; k--) {
      for (Node n : Graph.reachable(first.get(k))) group.put(n.id(), k);
    }
    List<List<Node>> parts = new ArrayList<>();
    for (int k = 0; k <= first.size(); k++) parts.add(new ArrayList<>());
    for (Node n : schedule(roots)) parts.get(group.getOrDefault(n.id(), first.size())).add(n);
    List<Node> out = new ArrayList<>();
    for (List<Node> p : parts) out.addAll(p);
    return out;
  }
}
