package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The per-sample code of one graph: units computing the nodes a set of roots needs. */
final class GraphCode {
  final Graph graph;
  final GraphPlan plan;
  final Access access;
  private final NodeKernels kernels;

  GraphCode(Graph graph, ClassContext ctx, String prefix) {
    this(graph, ctx, prefix, java.util.Set.of(), Map.of());
  }

  /** See {@link GraphPlan#GraphPlan(Graph, ClassContext, String, java.util.Set, Map)}. */
  GraphCode(Graph graph, ClassContext ctx, String prefix, java.util.Set<Integer> separate,
      Map<Integer, String> reuse) {
    this(graph, ctx, prefix, separate, reuse, Map.of());
  }

  /** The code of a loop body whose leaves live in {@code leafFields} (see {@link LoopKernels}). */
  GraphCode(Graph graph, ClassContext ctx, String prefix, java.util.Set<Integer> separate,
      Map<Integer, String> reuse, Map<Integer, String> leafFields) {
    this.graph = graph;
    this.plan = new GraphPlan(graph, ctx, prefix, separate, reuse, leafFields);
    this.access = new Access(plan);
    this.kernels = new NodeKernels(access);
  }

  /** Units computing {@code roots}; with {@code gradients}, also accumulating every param gradient. */
  List<Units.Unit> units(List<Node> roots, boolean gradients) {
    return units(roots, gradients, null);
  }

  /**
   * Like {@link #units(List, boolean)}, with the nodes the roots in {@code first} need (when not
   * null) computed ahead of the others (see {@link GraphPlan#schedule(List, List)}), so that the
   * pass starts with the same units as the passes of those roots.
   */
  List<Units.Unit> units(List<Node> roots, boolean gradients, List<List<Node>> first) {
    return units(roots, gradients, first, false);
  }

  /**
   * As above; with {@code firstWrites}, the gradients of the {@link LinearKernels#soleOuter}
   * params are written, not added to (the first sample's pass).
   */
  List<Units.Unit> units(List<Node> roots, boolean gradients, List<List<Node>> first,
      boolean firstWrites) {
    List<Node> all = new ArrayList<>(roots);
    if (gradients) all.addAll(graph.paramGrads().values());
    List<Units.Unit> out = new ArrayList<>();
    List<Node> schedule = first == null ? plan.schedule(all) : plan.schedule(all, first);
    kernels.beginPass(schedule);
    for (Node n : schedule) {
      Code c = new Code();
      c.comment(describe(n));
      kernels.emit(n, c);
      out.add(Units.Unit.of(c));
    }
    if (!gradients) return out;
    Map<String, Node> paramNodes = new java.util.HashMap<>();
    for (Node p : graph.params()) paramNodes.put(p.attr().name(), p);
    for (Map.Entry<String, List<Node>> e : plan.gradTerms.entrySet()) {
      String p = e.getKey();
      for (Node t : e.getValue()) {
        if (plan.fusedTerms.contains(t.id())) continue;
        Code c = new Code();
        String where = SourceText.where(t.span());
        boolean writes = firstWrites && kernels.linear().soleOuter(p, paramNodes.get(p));
        c.comment((where == null ? "" : where + " ") + "gradient of " + p
            + (plan.directOuter.contains(t.id()) ? ": outer product" : "")
            + (writes ? ", written by the first sample" : ""));
        kernels.linear().accumulate(p, t, paramNodes.get(p), c, writes);
        out.add(Units.Unit.of(c));
      }
    }
    return out;
  }

  /**
   * Units computing the nodes {@code roots} need beyond those {@code done} needs, continuing the
   * pass of the last {@link #units} call (the input gradients after the training pass).
   */
  List<Units.Unit> moreUnits(List<Node> roots, List<Node> done) {
    java.util.Set<Integer> have = new java.util.HashSet<>();
    for (Node n : Graph.reachable(done)) have.add(n.id());
    List<Units.Unit> out = new ArrayList<>();
    for (Node n : plan.schedule(roots)) {
      if (!have.contains(n.id())) out.add(nodeUnit(n));
    }
    return out;
  }

  /** Starts a run of {@link #nodeUnit} calls for {@code nodes}, one after the other per sample. */
  void beginPass(List<Node> nodes) {
    kernels.beginPass(nodes);
  }

  /** The unit computing node n into its buffer. */
  Units.Unit nodeUnit(Node n) {
    Code c = new Code();
    c.comment(describe(n));
    kernels.emit(n, c);
    return Units.Unit.of(c);
  }

  /** The unit accumulating gradient term t of param p. */
  Units.Unit termUnit(String p, Node t) {
    Node paramNode = null;
    for (Node q : graph.params()) {
      if (q.attr().name().equals(p)) paramNode = q;
    }
    Code c = new Code();
    String where = SourceText.where(t.span());
    c.comment((where == null ? "" : where + " ") + "gradient of " + p
        + (plan.directOuter.contains(t.id()) ? ": outer product" : ""));
    kernels.linear().accumulate(p, t, paramNode, c);
    return Units.Unit.of(c);
  }

  LinearKernels linear() {
    return kernels.linear();
  }

  String describe(Node n) {
    StringBuilder sb = new StringBuilder();
    String where = SourceText.where(n.span());
    if (where != null) sb.append(where).append(' ');
    if (n.label() != null) sb.append(n.label()).append(" = ");
    sb.append(n.op().name().toLowerCase(Locale.ROOT));
    if (n.op() == Op.DELTA) sb.append('(').append(n.attr().name()).append(')');
    sb.append(' ').append(n.shape());
    GraphPlan.Fused f = plan.fused.get(n.id());
    if (f != null) sb.append(", sharing the sweep over W with the gradient of ").append(f.param());
    return sb.toString();
  }
}
