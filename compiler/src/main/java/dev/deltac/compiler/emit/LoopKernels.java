package dev.deltac.compiler.emit;

import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.deltac.compiler.ir.LoopBody;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rolled loops ({@link Op#LOOP}, {@link Op#LOOP_GRAD}) in per-sample code: a Java loop over t
 * around one step of the body. The body is emitted once per class, as a graph of its own whose
 * leaves live in fields ({@link GraphPlan#leafFields}): the carried values at the step's start,
 * t, the captures (copied in once per sample; a param is read from the model's storage) and, for
 * a reverse body, the carried values' cotangents and the capture-gradient accumulators. Its
 * step is split into methods like any pass ({@link Units}), so the code does not grow with the
 * number of steps. The LOOP node's buffer holds the carried values at the start of every step
 * (and their final values); the reverse loop runs t downwards, recomputing each step's forward
 * values from them.
 */
final class LoopKernels {
  private LoopKernels() {}

  /** A body's emitted step: the fields of its leaves, the statements of one step, its access. */
  record BodyCode(Map<Integer, String> leafFields, List<Stmt> step, Access access) {}

  static BodyCode body(ClassContext ctx, LoopBody body) {
    BodyCode done = ctx.loopBodies.get(body);
    if (done != null) return done;
    Map<Integer, String> leafFields = new HashMap<>();
    for (Node leaf : body.leaves()) {
      if (leaf.op() == Op.PARAM || leaf.op() == Op.CONST) continue;
      leafFields.put(leaf.id(), ctx.buffer(SourceText.identifier(leaf.attr().name()), leaf.size()));
    }
    String prefix = body.reverse() ? "loopGrad" : "loop";
    GraphCode gc = new GraphCode(body.graph(), ctx, prefix, java.util.Set.of(), Map.of(), leafFields);
    List<Node> roots = new ArrayList<>(body.graph().outputs().values());
    List<Units.Unit> units = gc.units(roots, false);
    List<Stmt> calls = new ArrayList<>();
    List<MethodSpec> methods = Units.split(ctx, ctx.member(prefix + "Step") + "_", units, calls);
    ctx.loopMethods.addAll(methods);
    BodyCode code = new BodyCode(leafFields, calls, gc.access);
    ctx.loopBodies.put(body, code);
    return code;
  }

  /** Copies {@code size} elements: {@code to(e) = from(e)}. */
  /**
   * One step of a body, forward or reverse: the carried values of the row that starts at
   * {@code base} ({@code read} maps an index to the element read there) into the body's leaf
   * fields, t into its field, then the step's code.
   */
  private static void step(Code c, LoopBody body, BodyCode bc, Expr s, int from, Expr base,
      java.util.function.Function<Expr, Expr> read) {
    for (int i = 0; i < body.carried(); i++) {
      String f = bc.leafFields().get(body.carriedIn(i).id());
      int off = body.offset(i);
      copy(c, body.carriedIn(i).size(), e -> Expr.at(Expr.field(f), e), e -> read.apply(Expr.plus(Expr.plus(base, off), e)));
    }
    String tf = bc.leafFields().get(body.t().id());
    if (tf != null) c.assign(Expr.at(Expr.field(tf), 0), Expr.plus(s, from));
    for (Stmt st : bc.step()) c.add(st);
  }

  private static void copy(Code c, int size, java.util.function.Function<Expr, Expr> to,
      java.util.function.Function<Expr, Expr> from) {
    c.loop("e", size, size <= NodeKernels.UNROLL_ELEMENTS, e -> c.assign(to.apply(e), from.apply(e)));
  }

  /** Copies the non-param captures (operands from {@code first}) into the body's leaf fields. */
  private static void captures(Access a, Node n, LoopBody body, BodyCode bc, int first, Code c) {
    for (int k = 0; k < body.captures(); k++) {
      Node leaf = body.capture(k);
      String f = bc.leafFields().get(leaf.id());
      if (f == null) continue;
      Node v = n.input(first + k);
      copy(c, leaf.size(), e -> Expr.at(Expr.field(f), e), e -> a.at(v, e));
    }
  }

  /** Element e (row-major) of param p's gradient storage (a matrix is stored as rows). */
  private static Expr gradient(Access a, String p, Node param, Expr e) {
    Expr g = Expr.field(a.ctx.gradField.get(p));
    if (param.shape().rank() <= 1) return Expr.at(g, e);
    int row = ClassContext.rowSize(param);
    return Expr.at(Expr.at(g, Expr.over(e, row)), Expr.mod(e, row));
  }

  /** LOOP: rows of carried values into {@code o}. */
  static void forward(NodeKernels k, Access a, Node n, Expr o, Code c) {
    LoopBody body = n.attr().body();
    BodyCode bc = body(a.ctx, body);
    int from = n.attr().intAt(0);
    int steps = n.attr().intAt(1) - from;
    int row = body.rowSize();
    int carried = body.carried();
    for (int i = 0; i < carried; i++) {
      Node start = n.input(i);
      int off = body.offset(i);
      copy(c, start.size(), e -> Expr.at(o, Expr.plus(e, off)), e -> a.at(start, e));
    }
    captures(a, n, body, bc, carried, c);
    c.forRange("step", Expr.i(0), Expr.i(steps), s -> {
      Expr base = Expr.times(s, row);
      step(c, body, bc, s, from, base, e -> Expr.at(o, e));
      for (int i = 0; i < carried; i++) {
        Node out = body.carriedOut(i);
        int off = row + body.offset(i);
        copy(c, out.size(), e -> Expr.at(o, Expr.plus(Expr.plus(base, off), e)), e -> bc.access().at(out, e));
      }
    });
  }

  /** LOOP_GRAD: the carried starts' cotangents and the captures' gradients into {@code o}. */
  static void backward(NodeKernels k, Access a, Node n, Expr o, Code c) {
    LoopBody body = n.attr().body();
    BodyCode bc = body(a.ctx, body);
    int from = n.attr().intAt(0);
    int steps = n.attr().intAt(1) - from;
    int row = body.rowSize();
    int carried = body.carried();
    int[] active = body.active();
    Node rows = n.input(0);
    Node g = n.input(1);
    captures(a, n, body, bc, 2, c);
    for (int i = 0; i < carried; i++) {
      String f = bc.leafFields().get(body.cotangent(i).id());
      int off = steps * row + body.offset(i);
      copy(c, body.cotangent(i).size(), e -> Expr.at(Expr.field(f), e), e -> a.at(g, Expr.plus(e, off)));
    }
    // A param whose gradient is only this loop's: its accumulator starts from the gradient
    // storage (the sum over the earlier samples) and goes back there after the loop, so each
    // step's contributions add to it in the order of the unrolled code.
    Map<Integer, String> direct = a.plan.loopAccumulators.getOrDefault(n.id(), Map.of());
    for (int j = 0; j < active.length; j++) {
      String f = bc.leafFields().get(body.accumulator(j).id());
      Node init = n.input(2 + body.captures() + j);
      String p = direct.get(j);
      if (p != null) {
        Node param = body.capture(active[j]);
        copy(c, init.size(), e -> Expr.at(Expr.field(f), e), e -> gradient(a, p, param, e));
      } else {
        copy(c, init.size(), e -> Expr.at(Expr.field(f), e), e -> a.at(init, e));
      }
    }
    c.forRange("back", Expr.i(0), Expr.i(steps), r -> {
      Expr s = c.declare(TypeName.INT, "step", Expr.bin("-", Expr.i(steps - 1), r));
      Expr base = Expr.times(s, row);
      step(c, body, bc, s, from, base, e -> a.at(rows, e));
      // The results go to o first (a step's roots may read any leaf), then become the leaves.
      for (int i = 0; i < carried; i++) {
        Node d = body.carriedGrad(i);
        int off = body.offset(i);
        copy(c, d.size(), e -> Expr.at(o, Expr.plus(e, off)), e -> bc.access().at(d, e));
      }
      int off = row;
      for (int j = 0; j < active.length; j++) {
        Node gj = body.captureGrad(j);
        int at = off;
        copy(c, gj.size(), e -> Expr.at(o, Expr.plus(e, at)), e -> bc.access().at(gj, e));
        off += gj.size();
      }
      for (int i = 0; i < carried; i++) {
        String f = bc.leafFields().get(body.cotangent(i).id());
        int at = body.offset(i);
        copy(c, body.cotangent(i).size(), e -> Expr.at(Expr.field(f), e), e -> Expr.at(o, Expr.plus(e, at)));
      }
      off = row;
      for (int j = 0; j < active.length; j++) {
        String f = bc.leafFields().get(body.accumulator(j).id());
        int at = off;
        copy(c, body.accumulator(j).size(), e -> Expr.at(Expr.field(f), e), e -> Expr.at(o, Expr.plus(e, at)));
        off += body.accumulator(j).size();
      }
    });
    for (Map.Entry<Integer, String> d : direct.entrySet()) {
      String f = bc.leafFields().get(body.accumulator(d.getKey()).id());
      Node param = body.capture(active[d.getKey()]);
      copy(c, param.size(), e -> gradient(a, d.getValue(), param, e), e -> Expr.at(Expr.field(f), e));
    }
  }
}
