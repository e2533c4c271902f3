package dev.deltac.compiler.autodiff;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.ir.Attr;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.LoopBody;
import dev.deltac.compiler.types.Shape;
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
    Map<Integer, Node> cotangent = walk(b, nodes, active, contributions);

    Map<String, Node> paramGrads = new LinkedHashMap<>();
    for (Node p : params) paramGrads.put(p.attr().name(), orZero(b, cotangent.get(p.id()), p));
    Map<String, Node> inputGrads = new LinkedHashMap<>();
    if (inputGradients) {
      for (Node x : inputs) inputGrads.put(x.attr().name(), orZero(b, cotangent.get(x.id()), x));
    }
    return new Graph(forward.name(), forward.kind(), inputs, map(forward.targets(), copy), params,
        forward.paramSpecs(), mapValues(forward.outputs(), copy), loss, paramGrads, inputGrads);
  }

  /**
   * The reverse walk: every active node in reverse topological order sums its contributions in
   * the order they were added, applies its rule and adds its operands' contributions. Returns
   * the cotangent of every node that received one.
   */
  private static Map<Integer, Node> walk(GraphBuilder b, List<Node> nodes, BitSet active,
      Map<Integer, List<Node>> contributions) {
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
      if (n.op() == Op.LOOP) {
        loop(b, n, g, active, contributions);
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
    return cotangent;
  }

  /**
   * The rule of a rolled loop: one LOOP_GRAD node runs the reverse body for t from to-1 down to
   * from. The gradient of each active capture continues the sum of the contributions it has
   * received so far (those of nodes after the loop), which is an operand of the LOOP_GRAD node,
   * and the contributions of nodes before the loop add to its result: the additions happen in
   * the order of the unrolled loop's, so rolling changes no bit of a gradient.
   */
  private static void loop(GraphBuilder b, Node n, Node g, BitSet active,
      Map<Integer, List<Node>> contributions) {
    LoopBody body = n.attr().body();
    int c = body.carried();
    int k = body.captures();
    List<Integer> act = new ArrayList<>();
    for (int j = 0; j < k; j++) if (active.get(n.input(c + j).id())) act.add(j);
    int[] actives = act.stream().mapToInt(Integer::intValue).toArray();
    LoopBody reverse = reverseBody(body, actives);
    List<Node> ops = new ArrayList<>();
    ops.add(n);
    ops.add(g);
    for (int j = 0; j < k; j++) ops.add(n.input(c + j));
    for (int j : actives) {
      Node cap = n.input(c + j);
      List<Node> before = contributions.remove(cap.id());
      // -0.0 is the identity of IEEE addition (-0 + x is x for every x, signed zeros included).
      ops.add(before == null ? b.constant(cap.shape(), -0.0) : b.sumAll(before));
    }
    Node packed = b.make(Op.LOOP_GRAD, Attr.loop(reverse, n.attr().intAt(0), n.attr().intAt(1)),
        SourceSpan.NONE, ops);
    for (int i = 0; i < c; i++) {
      Node start = n.input(i);
      if (!active.get(start.id())) continue;
      add(contributions, start, part(b, packed, body.offset(i), start.shape()));
    }
    int off = body.rowSize();
    for (int j : actives) {
      Node cap = n.input(c + j);
      add(contributions, cap, part(b, packed, off, cap.shape()));
      off += cap.size();
    }
  }

  private static Node part(GraphBuilder b, Node packed, int off, Shape shape) {
    Node p = b.make(Op.SLICE, Attr.ints(off, off + shape.size()), SourceSpan.NONE, packed);
    return b.reshape(p, shape);
  }

  /**
   * The reverse of a loop body: its forward nodes (recomputed each step from the carried values
   * at the step's start), then the cotangents of the carried values at its start and the
   * accumulated gradients of the active captures. The carried values' cotangents at the end of
   * the step are their first contributions and each accumulator is its capture's first, as in
   * the unrolled graph, where the next step's (and later nodes') contributions come first.
   */
  public static LoopBody reverseBody(LoopBody body, int[] actives) {
    GraphBuilder b = new GraphBuilder();
    Graph fwd = body.graph();
    Map<Integer, Node> copy = Rewriter.copyInto(b, fwd);
    List<Node> nodes = new ArrayList<>();
    for (Node n : fwd.nodes()) nodes.add(copy.get(n.id()));
    List<Node> leaves = new ArrayList<>(map(fwd.inputs(), copy));
    int c = body.carried();
    List<Node> cts = new ArrayList<>();
    for (int i = 0; i < c; i++) {
      Node ct = b.input("loop.ct" + i, body.carriedIn(i).shape(), SourceSpan.NONE);
      cts.add(ct);
      leaves.add(ct);
    }
    List<Node> accs = new ArrayList<>();
    for (int j = 0; j < actives.length; j++) {
      Node acc = b.input("loop.acc" + j, body.capture(actives[j]).shape(), SourceSpan.NONE);
      accs.add(acc);
      leaves.add(acc);
    }
    BitSet wanted = new BitSet();
    for (int i = 0; i < c; i++) wanted.set(copy.get(body.carriedIn(i).id()).id());
    for (int j : actives) wanted.set(copy.get(body.capture(j).id()).id());
    BitSet active = activeNodes(nodes, wanted);
    Map<Integer, List<Node>> contributions = new HashMap<>();
    for (int j = 0; j < actives.length; j++) add(contributions, copy.get(body.capture(actives[j]).id()), accs.get(j));
    for (int i = 0; i < c; i++) {
      Node out = copy.get(body.carriedOut(i).id());
      if (active.get(out.id())) add(contributions, out, cts.get(i));
    }
    Map<Integer, Node> cotangent = walk(b, nodes, active, contributions);
    Map<String, Node> outputs = new LinkedHashMap<>();
    for (int i = 0; i < c; i++) {
      Node in = copy.get(body.carriedIn(i).id());
      outputs.put("d" + i, orZero(b, cotangent.get(in.id()), in));
    }
    for (int j = 0; j < actives.length; j++) {
      Node cap = copy.get(body.capture(actives[j]).id());
      outputs.put("g" + j, cotangent.get(cap.id()));
    }
    Graph g = new Graph(fwd.name(), Graph.Kind.FUNCTION, leaves, List.of(), List.of(), List.of(),
        outputs, null, Map.of(), Map.of());
    return new LoopBody(g, c, body.captures(), true, actives);
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
