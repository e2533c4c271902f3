package dev.deltac.compiler.emit;

import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.RunningStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.Modifier;

/**
 * The training step of a batch-coupled model (batch_norm): the per-sample code cut into stages
 * at the batch statistics ({@link Op#BATCH_MEAN}). A node's stage is the number of statistics
 * on its longest path from the leaves; statistic group k holds the BATCH_MEAN nodes whose
 * operands are complete at the end of stage k. Stage k runs over the samples of the shard: it
 * restores the values of earlier stages its code reads (from batch-major stash arrays), runs the
 * stage's nodes and gradient terms, adds each group-k operand into the group's double sums (in
 * sample order), and stashes the values later stages read. Between stages the caller reduces
 * the sums of its shards in shard order ({@code setBatchSums}), which fills the statistics with
 * sum / batch: so the statistics are those of the whole batch whatever the shards, and the
 * same bits for any thread count. {@code lossAndGradient} runs it as one shard.
 *
 * <p>Generated methods (prefix {@code name}): {@code name0..K(xs, xOff, ts, tOff, n)} the
 * stages (the last returns the shard's loss sum), the sums arrays, and the stash arrays
 * ({@code maxBatch × size}, allocated once: the step allocates nothing).
 */
final class StagedPass {
  private final GraphCode g;
  private final ClassContext ctx;
  private final Num num;
  private final String name;
  private final boolean dropout;
  private final List<Node> inputGrads;
  /** Node id to stage. */
  private final Map<Integer, Integer> stage = new HashMap<>();
  /** Per group: its BATCH_MEAN nodes. */
  final List<List<Node>> groups = new ArrayList<>();
  /** Per group: the double sums field. */
  final List<String> sums = new ArrayList<>();
  private final int stages;

  /**
   * @param inputGrads the input-gradient nodes to store per sample after the last stage (in
   *     {@code INPUT_SIZE} layout), or empty
   */
  StagedPass(GraphCode g, String name, boolean dropout, List<Node> inputGrads) {
    this.g = g;
    this.ctx = g.plan.ctx;
    this.num = ctx.num;
    this.name = name;
    this.dropout = dropout;
    this.inputGrads = inputGrads;
    int max = 0;
    for (Node n : g.graph.nodes()) {
      int s = 0;
      for (Node in : n.inputs()) s = Math.max(s, stage.get(in.id()));
      if (n.op() == Op.BATCH_MEAN) s = stage.get(n.input(0).id()) + 1;
      stage.put(n.id(), s);
      max = Math.max(max, s);
    }
    this.stages = max + 1;
    for (int k = 0; k < max; k++) groups.add(new ArrayList<>());
    for (Node n : g.graph.nodes()) {
      if (n.op() == Op.BATCH_MEAN) groups.get(stage.get(n.id()) - 1).add(n);
    }
    for (int k = 0; k < groups.size(); k++) {
      int size = 0;
      for (Node m : groups.get(k)) size += m.size();
      sums.add(ctx.doubleArray(name + "Sums" + k, Math.max(1, size)));
    }
  }

  /** Statistic groups: reductions per step. */
  int groups() {
    return groups.size();
  }

  /** The stage methods' name: {@code name + k}. */
  String stageMethod(int k) {
    return name + "Stage" + k;
  }

  void emit(TypeSpec.Builder type) {
    Graph graph = g.graph;
    List<Node> roots = new ArrayList<>();
    if (graph.loss() != null) roots.add(graph.loss());
    roots.addAll(inputGrads);
    roots.addAll(graph.paramGrads().values());
    List<Node> schedule = g.plan.schedule(roots);
    Map<String, Node> paramNodes = new HashMap<>();
    for (Node p : graph.params()) paramNodes.put(p.attr().name(), p);
    // Units per stage: the nodes, then the gradient terms computed in it.
    List<List<Units.Unit>> units = new ArrayList<>();
    List<List<Node>> nodes = new ArrayList<>();
    for (int k = 0; k < stages; k++) {
      units.add(new ArrayList<>());
      nodes.add(new ArrayList<>());
    }
    for (Node n : schedule) {
      if (n.op() != Op.BATCH_MEAN) nodes.get(stage.get(n.id())).add(n);
    }
    for (int k = 0; k < stages; k++) {
      g.beginPass(nodes.get(k));
      for (Node n : nodes.get(k)) units.get(k).add(g.nodeUnit(n));
    }
    for (Map.Entry<String, List<Node>> e : g.plan.gradTerms.entrySet()) {
      for (Node t : e.getValue()) {
        if (g.plan.fusedTerms.contains(t.id())) continue;
        units.get(stage.get(t.id())).add(g.termUnit(e.getKey(), t));
      }
    }
    // Which buffers each stage reads, and so which ones are stashed between stages.
    Map<String, Integer> owner = new LinkedHashMap<>();
    Map<String, Integer> sizes = new HashMap<>();
    for (Node n : schedule) {
      String b = g.plan.buffers.get(n.id());
      if (b != null && n.op() != Op.BATCH_MEAN) {
        owner.put(b, stage.get(n.id()));
        sizes.put(b, n.size());
      }
    }
    Local sumL = Local.of("sum");
    List<List<String>> restores = new ArrayList<>();
    Map<String, String> stash = new LinkedHashMap<>();
    List<List<Stmt>> tails = new ArrayList<>();
    for (int k = 0; k < stages; k++) {
      // The code that reads values at the end of a sample: sums of the group, or the loss and
      // the input gradients after the last stage.
      Code tail = new Code();
      if (k < groups.size()) {
        int off = 0;
        for (Node m : groups.get(k)) {
          Node a = m.input(0);
          int base = off;
          String sumField = sums.get(k);
          tail.loop("i", m.size(), m.size() <= NodeKernels.UNROLL_ELEMENTS, i ->
              tail.accumulate(Expr.at(Expr.field(sumField), Expr.plus(i, base)), g.access.at(a, i)));
          off += m.size();
        }
      }
      tails.add(tail.stmts());
    }
    for (int k = 0; k < stages; k++) {
      List<Stmt> all = new ArrayList<>();
      for (Units.Unit u : units.get(k)) all.addAll(u.code());
      all.addAll(tails.get(k));
      if (k == stages - 1) all.addAll(lastTail(Expr.i(0), Expr.v(sumL)));
      List<String> read = new ArrayList<>();
      for (Map.Entry<String, Integer> e : owner.entrySet()) {
        if (e.getValue() >= k) continue;
        boolean used = false;
        for (Stmt s : all) {
          if (Trees.mentions(s, Set.of(e.getKey()))) {
            used = true;
            break;
          }
        }
        if (used) {
          read.add(e.getKey());
          stash.computeIfAbsent(e.getKey(), b -> ctx.batchBuffer(b + "Stash", sizes.get(b)));
        }
      }
      restores.add(read);
    }
    for (int k = 0; k < stages; k++) {
      final int kk = k;
      List<Stmt> calls = new ArrayList<>();
      for (MethodSpec m : Units.split(ctx, name + "Part" + k + "_", units.get(k), calls)) type.addMethod(m);
      Local xs = Local.of("inputBatch");
      Local xOff = Local.of("inputOff");
      Local ts = Local.of("targetBatch");
      Local tOff = Local.of("targetOff");
      Local n = Local.of("n");
      Code c = new Code();
      boolean last = k == stages - 1;
      Expr sum = last ? c.declare(TypeName.DOUBLE, "sum", Expr.i(0)) : null;
      if (k < groups.size()) {
        c.eval(Expr.call(JavaTypes.ARRAYS, "fill", Expr.field(sums.get(k)), Expr.i(0)));
      }
      Expr firstSample = !dropout ? null : c.declare(TypeName.INT, "firstSample", Expr.cond(
          Expr.bin("==", Expr.field("INPUT_SIZE"), Expr.i(0)), Expr.i(0),
          Expr.div(Expr.v(xOff), Expr.field("INPUT_SIZE"))));
      c.forRange("s", Expr.i(0), Expr.v(n), s -> {
        if (dropout) c.assign(Expr.field(ClassContext.SAMPLE_INDEX), Expr.add(firstSample, s));
        c.eval(Expr.self("loadInputs", Expr.v(xs), Expr.plus(Expr.v(xOff), Expr.mul(s, Expr.field("INPUT_SIZE")))));
        c.eval(Expr.self("loadTargets", Expr.v(ts), Expr.plus(Expr.v(tOff), Expr.mul(s, Expr.field("TARGET_SIZE")))));
        for (String b : restores.get(kk)) {
          int size = sizes.get(b);
          c.eval(Expr.call(JavaTypes.SYSTEM, "arraycopy", Expr.field(stash.get(b)), Expr.mul(s, Expr.i(size)),
              Expr.field(b), Expr.i(0), Expr.i(size)));
        }
        for (Stmt st : calls) c.add(st);
        for (Stmt st : tails.get(kk)) c.add(st);
        if (last) {
          for (Stmt st : lastTail(s, sum)) c.add(st);
        }
        // Values later stages read, from this stage.
        for (Map.Entry<String, String> e : stash.entrySet()) {
          if (owner.get(e.getKey()) != kk) continue;
          int size = sizes.get(e.getKey());
          c.eval(Expr.call(JavaTypes.SYSTEM, "arraycopy", Expr.field(e.getKey()), Expr.i(0),
              Expr.field(e.getValue()), Expr.mul(s, Expr.i(size)), Expr.i(size)));
        }
      });
      Render.Scope sc = Render.Scope.method(ctx.names);
      if (last) {
        // The sum of the shard's per-sample losses, and the input gradients stored per sample.
        c.add(new Stmt.Return(sum));
      }
      MethodSpec.Builder m = MethodSpec.methodBuilder(stageMethod(k)).addModifiers(Modifier.PRIVATE)
          .returns(last ? TypeName.DOUBLE : TypeName.VOID)
          .addParameter(num.array(), sc.declare(xs)).addParameter(int.class, sc.declare(xOff))
          .addParameter(num.array(), sc.declare(ts)).addParameter(int.class, sc.declare(tOff))
          .addParameter(int.class, sc.declare(n));
      type.addMethod(m.addCode(Render.stmts(c.stmts(), sc)).build());
    }
  }

  /**
   * After the last stage, per sample {@code s}: the loss into {@code sum} and the input gradients
   * into the model's input-gradient array.
   */
  private List<Stmt> lastTail(Expr s, Expr sum) {
    Code c = new Code();
    Node loss = g.graph.loss();
    if (loss != null) c.accumulate(sum, g.access.at(loss, 0));
    if (!inputGrads.isEmpty()) {
      ClassParts.storeInto(g.access, inputGrads, Expr.field(ClassContext.INPUT_GRADIENTS),
          Expr.mul(s, Expr.field("INPUT_SIZE")), null, c);
    }
    return c.stmts();
  }

  /**
   * {@code setBatchSums<name>(k, sums, batch)}: fills group k's statistics with {@code sums / batch}
   * (the sums of the whole batch, reduced over the shards in shard order).
   */
  void emitSetSums(TypeSpec.Builder type, String method) {
    Local k = Local.of("k");
    Local total = Local.of("sums");
    Local batch = Local.of("batch");
    Code c = new Code();
    for (int j = 0; j < groups.size(); j++) {
      c.openIf(Expr.bin("==", Expr.v(k), Expr.i(j)));
      int off = 0;
      for (Node m : groups.get(j)) {
        String b = g.plan.buffers.get(m.id());
        int base = off;
        c.loop("i", m.size(), m.size() <= NodeKernels.UNROLL_ELEMENTS, i ->
            c.assign(Expr.at(Expr.field(b), i), num.cast(Expr.div(Expr.at(Expr.v(total), Expr.plus(i, base)), Expr.v(batch)))));
        off += m.size();
      }
      c.close();
    }
    Render.Scope sc = Render.Scope.method(ctx.names);
    type.addMethod(MethodSpec.methodBuilder(method).addModifiers(Modifier.PUBLIC)
        .addParameter(int.class, sc.declare(k)).addParameter(double[].class, sc.declare(total))
        .addParameter(int.class, sc.declare(batch)).addCode(Render.stmts(c.stmts(), sc)).build());
  }

  /** The running-statistic updates from this pass's named statistics. */
  void updateRunning(Code c, Expr batch) {
    for (List<Node> group : groups) {
      for (Node m : group) {
        if (!RunningStats.isStatistic(m)) continue;
        String field = ctx.statField.get(m.attr().name());
        if (field == null) continue;
        c.eval(Expr.call(JavaTypes.RUNNING_STATISTICS, "update", Expr.field(field),
            Expr.field(g.plan.buffers.get(m.id())), Num.dlit(m.attr().doubleAt(0)),
            new Expr.Lit(m.attr().intAt(1) == 1 ? "true" : "false", false), Expr.mul(batch, Expr.i(m.attr().intAt(0)))));
      }
    }
  }
}
