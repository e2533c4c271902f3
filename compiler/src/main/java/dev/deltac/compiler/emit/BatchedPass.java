package dev.deltac.compiler.emit;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeSpec;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.Modifier;

/**
 * A whole-batch pass over one graph (float32 only): the large dense products run once per batch
 * through {@code dev.deltac.runtime.kernels.DenseKernels} on batch-major buffers, and everything
 * else runs sample by sample between them.
 *
 * <p>The schedule is cut into phases: a <em>batched op</em> ({@code W @ x} with a parameter
 * matrix of at least {@link #MIN_WEIGHTS} weights → {@code forward}; {@code Wᵀ δ} or
 * {@code DELTA(W, δ, h)} → {@code inputGradient} then the activation slope, plus
 * {@code weightGradient} for a fused {@code OUTER} term; a direct {@code OUTER(δ, h)}
 * weight-gradient term → {@code weightGradient}) or a <em>segment</em> of per-sample nodes run in a
 * loop over the samples with the usual per-sample code. A value crossing phases lives in a
 * batch-major buffer ({@code maxBatch × size}, allocated once): a segment copies the values it
 * needs from earlier phases into its per-sample buffers and saves the values later phases read.
 * The last segment holds the per-sample gradient terms, the loss sum and the outputs.
 */
final class BatchedPass {
  /**
   * Dense products with at least this many weights run batched. Measured (docs/PERFORMANCE.md):
   * the per-sample code wins at XOR size (8 weights) and TinyRnn's 16×16.
   */
  static final int MIN_WEIGHTS = Integer.getInteger("deltac.batchedMinWeights", 1024);
  /** Batches of at least this many samples take the batched pass (see docs/PERFORMANCE.md). */
  static final int MIN_BATCH = Integer.getInteger("deltac.batchedMinBatch", 2);
  /** More phases than this and the model keeps the per-sample path (driver method size). */
  static final int MAX_PHASES = 48;

  enum Mode { GRADIENT, LOSS, PREDICT }

  private static final String K = "dev.deltac.runtime.kernels.DenseKernels";

  private final GraphCode g;
  private final GraphPlan plan;
  private final ClassContext ctx;
  private final Access a;
  private final Mode mode;
  private final String name;
  private final boolean dropout;
  private final List<Node> roots;
  private final List<Object> phases = new ArrayList<>();
  private final Map<Integer, Integer> producer = new HashMap<>();
  private final Map<Integer, String> batchArrays;
  private final Map<String, Integer> inputOffset = new HashMap<>();

  /** A batched op: a node, or a weight-gradient term of a param. */
  private record Batched(Node node, String param, Node term) {}

  /**
   * A vector param's gradient term whose per-sample value {@code node} is a batch-major buffer:
   * summed over the batch in one flat loop (sample order per element, as the per-sample code).
   */
  private record BiasSum(String param, Node node) {}

  /**
   * Batched weight-gradient ops that also sum their δ over the batch into a bias gradient
   * ({@code weightGradient}'s {@code gb} argument), to the param name.
   */
  private final Map<Batched, String> biasOf = new java.util.IdentityHashMap<>();

  /**
   * An elementwise node computed over the batch-major buffers: its operands are values already
   * in batch buffers, vector params and uniform constants (bias + activation after a batched
   * product, for instance). {@code expr} is the value of element {@code i} in {@code form}'s
   * indexing; {@code operands} are the batch-buffered values it reads.
   */
  private record Rowwise(Node node, String expr, RowForm form, List<Node> operands) {}

  /**
   * How a {@link Rowwise} loop indexes. C2 (JDK 17) vectorizes a loop whose arrays are all
   * indexed {@code [i]} but not one that mixes {@code x[o + i]} with a param's {@code b[i]}:
   * measured on 64 × 256 {@code tanhf(x + b)}, 74 µs nested against 7.3 µs flat and 17–20 µs
   * with row copies.
   */
  private enum RowForm {
    /** No param operand: one loop over the whole batch, {@code x[i]}. */
    FLAT,
    /** Per sample, {@code x[o + i]} and {@code b[i]}: short rows or cheap ops only. */
    IN_PLACE,
    /**
     * Per sample, each operand's row copied into its per-sample buffer, computed there with
     * {@code [i]} indices and the result's row copied out.
     */
    ROW_COPY
  }

  /** Nodes whose values are in batch buffers when the phase being built runs. */
  private final Set<Integer> available = new java.util.HashSet<>();

  private static final class Segment {
    final List<Node> nodes = new ArrayList<>();
    final List<Object[]> terms = new ArrayList<>();
    boolean last;
    final Set<Node> reads = new LinkedHashSet<>();
    boolean inputs;
    boolean targets;
  }

  /**
   * @param batchArrays shared per graph: node id to its batch-major buffer (several passes over
   *     the same graph reuse them)
   */
  BatchedPass(GraphCode g, Mode mode, String name, List<Node> roots, boolean dropout,
      Map<Integer, String> batchArrays) {
    this.g = g;
    this.plan = g.plan;
    this.ctx = plan.ctx;
    this.a = g.access;
    this.mode = mode;
    this.name = name;
    this.roots = roots;
    this.dropout = dropout && mode == Mode.GRADIENT;
    this.batchArrays = batchArrays;
    int off = 0;
    for (String in : ctx.inputField.keySet()) {
      inputOffset.put(in, off);
      off += ctx.leafSize.get("input:" + in);
    }
    if (!ctx.num.isFloat) return;
    boolean gradients = mode == Mode.GRADIENT;
    List<Node> all = new ArrayList<>(roots);
    if (gradients) all.addAll(g.graph.paramGrads().values());
    Segment cur = null;
    for (Node n : plan.schedule(all)) {
      Rowwise rw;
      if (batchable(n)) {
        phases.add(new Batched(n, null, null));
        available.add(n.id());
        cur = null;
      } else if (ctx.num.isFloat && (rw = rowwise(n)) != null) {
        phases.add(rw);
        available.add(n.id());
        cur = null;
      } else {
        if (cur == null) {
          cur = new Segment();
          phases.add(cur);
        }
        cur.nodes.add(n);
      }
    }
    Segment last = new Segment();
    last.last = true;
    if (gradients) {
      List<BiasSum> sums = new ArrayList<>();
      for (Map.Entry<String, List<Node>> e : plan.gradTerms.entrySet()) {
        Node b;
        for (Node t : e.getValue()) {
          if (plan.fusedTerms.contains(t.id())) continue;
          if (batchableTerm(e.getKey(), t)) phases.add(new Batched(null, e.getKey(), t));
          else if ((b = biasTerm(e.getKey(), t, e.getValue().size())) != null) sums.add(new BiasSum(e.getKey(), b));
          else last.terms.add(new Object[] {e.getKey(), t});
        }
      }
      for (BiasSum bs : sums) {
        Batched host = null;
        for (Object p : phases) {
          if (p instanceof Batched bt && !biasOf.containsKey(bt) && deltaOf(bt) == bs.node()) {
            host = bt;
            break;
          }
        }
        if (host != null) biasOf.put(host, bs.param());
        else phases.add(bs);
      }
    }
    phases.add(last);
  }

  /**
   * The batch-buffered node of a vector param's only gradient term, when its per-sample values
   * can be summed over the batch buffers; or null (the term stays in the last segment).
   */
  private Node biasTerm(String p, Node t, int terms) {
    if (terms != 1 || plan.directOuter.contains(t.id())) return null;
    Node w = null;
    for (Node q : g.graph.params()) {
      if (q.attr().name().equals(p)) w = q;
    }
    Node x = t;
    while (plan.aliases.contains(x.id())) x = x.input(0);
    if (w == null || w.shape().rank() != 1 || x.size() != w.size() || x.shape().rank() != 1) return null;
    if (!plan.buffers.containsKey(x.id()) || plan.virtual.contains(x.id())) return null;
    return x;
  }

  /** The δ operand of a batched weight-gradient op (alias-resolved), or null. */
  private Node deltaOf(Batched b) {
    Node d;
    if (b.node() == null) {
      d = b.term().input(0);
    } else if (plan.fused.get(b.node().id()) != null) {
      d = b.node().input(1);
    } else {
      return null;
    }
    while (plan.aliases.contains(d.id())) d = d.input(0);
    return d;
  }

  /** True when the pass has at least one batched op and a driver of a sane size. */
  boolean applies() {
    if (!ctx.num.isFloat || phases.size() > MAX_PHASES) return false;
    for (Object p : phases) {
      if (p instanceof Batched) return true;
    }
    return false;
  }

  // ---- what runs batched

  private static boolean matrixOf(Node w, int m, int k) {
    return ClassContext.isMatrixParam(w) && w.shape().rank() == 2 && w.shape().dim(0) == m
        && w.shape().dim(1) == k && ClassContext.rowSize(w) == k;
  }

  private boolean batchable(Node n) {
    if (n.op() == Op.MATMUL) {
      Node w = n.input(0);
      Node v = n.input(1);
      if (w.shape().rank() != 2 || v.shape().rank() != 1) return false;
      int m = w.shape().dim(0);
      int k = w.shape().dim(1);
      if (!matrixOf(w, m, k) || m * k < MIN_WEIGHTS || v.isConst(0.0)) return false;
      return refOk(v) && fusedOk(n);
    }
    if (n.op() == Op.DELTA) {
      Node w = n.input(0);
      if (w.shape().rank() != 2) return false;
      int m = w.shape().dim(0);
      int k = w.shape().dim(1);
      if (!matrixOf(w, m, k) || m * k < MIN_WEIGHTS) return false;
      if (n.input(1).isConst(0.0)) return false;
      boolean identity = n.attr().name().equals("identity");
      return refOk(n.input(1)) && (identity || refOk(n.input(2))) && fusedOk(n);
    }
    return false;
  }

  private boolean fusedOk(Node n) {
    GraphPlan.Fused f = plan.fused.get(n.id());
    return f == null || refOk(f.term().input(1));
  }

  private boolean batchableTerm(String p, Node t) {
    if (!plan.directOuter.contains(t.id())) return false;
    Node l = t.input(0);
    Node r = t.input(1);
    if (l.shape().rank() != 1 || r.shape().rank() != 1) return false;
    int m = l.size();
    int k = r.size();
    Node w = null;
    for (Node q : g.graph.params()) {
      if (q.attr().name().equals(p)) w = q;
    }
    return w != null && matrixOf(w, m, k) && m * k >= MIN_WEIGHTS && refOk(l) && refOk(r);
  }

  private boolean refOk(Node v) {
    if (v.op() == Op.INPUT) return true;
    if (plan.aliases.contains(v.id())) return refOk(v.input(0));
    return plan.buffers.containsKey(v.id());
  }

  /** {array, offset expression, stride} of v's batch-major values. */
  private String[] ref(Node v) {
    if (v.op() == Op.INPUT) {
      String x = mode == Mode.PREDICT ? "samples" : "inputBatch";
      String off = mode == Mode.PREDICT ? "0" : "inputOff";
      return new String[] {x, off + " + " + inputOffset.get(v.attr().name()), "INPUT_SIZE"};
    }
    if (plan.aliases.contains(v.id())) return ref(v.input(0));
    return new String[] {batchArray(v), "0", Integer.toString(v.size())};
  }

  private String batchArray(Node v) {
    return batchArrays.computeIfAbsent(v.id(),
        id -> ctx.batchBuffer(plan.buffers.get(id) + "B", v.size()));
  }

  // ---- elementwise nodes over the batch buffers

  private static boolean pointwise(Node n) {
    return n.op().kind == Op.Kind.UNARY || n.op().kind == Op.Kind.BINARY;
  }

  /** The batch-buffered operands and whether a vector param is read, of the last {@link #rowExpr}. */
  private final Set<Node> rowOperands = new LinkedHashSet<>();
  private boolean rowParams;
  /** Whether the last {@link #rowExpr} calls a function costlier than a few adds. */
  private boolean rowCostly;

  /** Elementwise ops of a few instructions each. */
  private static final Set<Op> CHEAP = java.util.EnumSet.of(Op.NEG, Op.ABS, Op.RELU, Op.LEAKY_RELU,
      Op.SQUARE, Op.SIGN, Op.STEP, Op.ADD, Op.SUB, Op.MUL, Op.MAX, Op.MIN);

  /**
   * Rows shorter than this, or of cheap ops only, are computed in place, {@code [o + i]}: the
   * copies would cost more (relu + bias over 256 × 128: 14 µs in place, 18.6 µs with copies).
   */
  static final int MIN_ROW_COPY = 64;

  /** n as a {@link Rowwise} phase, or null when its operands are not all over the batch. */
  private Rowwise rowwise(Node n) {
    if (!pointwise(n) || !plan.buffers.containsKey(n.id()) || plan.virtual.contains(n.id())) return null;
    String expr = rowExpr(n, x -> batchArray(x) + "[o + i]");
    if (expr == null) return null;
    RowForm form = !rowParams ? RowForm.FLAT
        : n.size() < MIN_ROW_COPY || !rowCostly ? RowForm.IN_PLACE : RowForm.ROW_COPY;
    if (form == RowForm.FLAT) expr = rowExpr(n, x -> batchArray(x) + "[i]");
    if (form == RowForm.ROW_COPY) expr = rowExpr(n, x -> plan.buffers.get(x.id()) + "[i]");
    return new Rowwise(n, expr, form, List.copyOf(rowOperands));
  }

  /** The value of n's element {@code i}, each batch-buffered operand written by {@code operand}. */
  private String rowExpr(Node n, java.util.function.Function<Node, String> operand) {
    rowOperands.clear();
    rowParams = false;
    rowCostly = false;
    return rowExpr(n, n.size(), true, operand);
  }

  private String rowExpr(Node x, int size, boolean top, java.util.function.Function<Node, String> operand) {
    if (!top) {
      while (plan.aliases.contains(x.id())) x = x.input(0);
      if (available.contains(x.id()) && x.size() == size && plan.buffers.containsKey(x.id())) {
        rowOperands.add(x);
        return operand.apply(x);
      }
      if (x.op() == Op.PARAM && x.shape().rank() <= 1 && x.size() == size) {
        rowParams = true;
        return ctx.paramField.get(x.attr().name()) + "[i]";
      }
      if ((x.op() == Op.CONST || x.op() == Op.SEED) && x.size() == 1) return a.atS(x, Ix.c(0));
      if (!plan.inlined.contains(x.id()) || !pointwise(x) || x.size() != size) return null;
    }
    if (!CHEAP.contains(x.op())) rowCostly = true;
    String[] in = new String[x.inputs().size()];
    for (int k = 0; k < in.length; k++) {
      in[k] = rowExpr(x.input(k), size, false, operand);
      if (in[k] == null) return null;
    }
    return x.op().kind == Op.Kind.UNARY ? a.unaryS(x, in[0]) : a.binaryS(x.op(), in[0], in[1]);
  }

  private String rowwiseCode(Rowwise r) {
    Code c = new Code();
    Node n = r.node();
    int size = n.size();
    c.comment(g.describe(n) + ", over the batch buffers");
    switch (r.form()) {
      case FLAT:
        c.openRaw("for (int i = 0, e = batch * " + size + "; i < e; i++)");
        c.line(batchArray(n) + "[i] = " + r.expr() + ";");
        c.close();
        break;
      case IN_PLACE:
        c.openRaw("for (int s = 0; s < batch; s++)");
        c.line("int o = s * " + size + ";");
        c.openRaw("for (int i = 0; i < " + size + "; i++)");
        c.line(batchArray(n) + "[o + i] = " + r.expr() + ";");
        c.close();
        c.close();
        break;
      case ROW_COPY:
        String out = plan.buffers.get(n.id());
        c.openRaw("for (int s = 0; s < batch; s++)");
        c.line("int o = s * " + size + ";");
        for (Node x : r.operands()) {
          c.line("System.arraycopy(" + batchArray(x) + ", o, " + plan.buffers.get(x.id()) + ", 0, " + size + ");");
        }
        c.openRaw("for (int i = 0; i < " + size + "; i++)");
        c.line(out + "[i] = " + r.expr() + ";");
        c.close();
        c.line("System.arraycopy(" + out + ", 0, " + batchArray(n) + ", o, " + size + ");");
        c.close();
        break;
    }
    return c.toString();
  }

  // ---- what each phase reads

  private void resolve(Node x, Segment s) {
    if (plan.buffers.containsKey(x.id())) {
      s.reads.add(x);
      return;
    }
    if (x.op() == Op.INPUT) {
      s.inputs = true;
      return;
    }
    if (x.op() == Op.TARGET) {
      s.targets = true;
      return;
    }
    if (plan.aliases.contains(x.id()) || plan.inlined.contains(x.id()) || plan.virtual.contains(x.id())) {
      for (Node in : x.inputs()) resolve(in, s);
    }
  }

  private Set<Node> batchedReads(Batched b) {
    Set<Node> out = new LinkedHashSet<>();
    List<Node> operands = new ArrayList<>();
    if (b.node != null) {
      operands.add(b.node.input(1));
      if (b.node.op() == Op.DELTA && !b.node.attr().name().equals("identity")) operands.add(b.node.input(2));
      GraphPlan.Fused f = plan.fused.get(b.node.id());
      if (f != null) operands.add(f.term().input(1));
    } else {
      operands.add(b.term.input(0));
      operands.add(b.term.input(1));
    }
    for (Node v : operands) {
      Node x = v;
      while (plan.aliases.contains(x.id())) x = x.input(0);
      if (plan.buffers.containsKey(x.id())) out.add(x);
    }
    return out;
  }

  // ---- emission

  /**
   * Adds the segment methods and the driver {@code name(...)} (returns the sum of the per-sample
   * losses, or 0 for predictions) to {@code type}.
   */
  void emit(TypeSpec.Builder type) {
    List<Set<Node>> reads = new ArrayList<>();
    for (int i = 0; i < phases.size(); i++) {
      Object p = phases.get(i);
      if (p instanceof Segment s) {
        for (Node n : s.nodes) producer.put(n.id(), i);
        for (Node n : s.nodes) {
          for (Node in : n.inputs()) resolve(in, s);
          GraphPlan.Fused f = plan.fused.get(n.id());
          if (f != null) resolve(f.term().input(1), s);
        }
        for (Object[] t : s.terms) resolve((Node) t[1], s);
        if (s.last) {
          for (Node r : roots) resolve(r, s);
        }
        s.reads.removeIf(x -> producer.getOrDefault(x.id(), -1) == phases.indexOf(s)
            && s.nodes.contains(x));
        reads.add(s.reads);
      } else if (p instanceof Rowwise r) {
        producer.put(r.node().id(), i);
        reads.add(Set.of());
      } else if (p instanceof BiasSum bs) {
        reads.add(Set.of(bs.node()));
      } else {
        Batched b = (Batched) p;
        if (b.node != null) producer.put(b.node.id(), i);
        reads.add(batchedReads(b));
      }
    }
    // Values a segment must save for later phases.
    Map<Integer, Set<Node>> saves = new HashMap<>();
    for (int j = 0; j < phases.size(); j++) {
      for (Node x : reads.get(j)) {
        Integer pi = producer.get(x.id());
        if (pi == null || pi == j) continue;
        if (phases.get(pi) instanceof Segment) saves.computeIfAbsent(pi, k -> new LinkedHashSet<>()).add(x);
      }
    }

    String t = ctx.num.t;
    MethodSpec.Builder m = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE)
        .returns(double.class);
    if (mode == Mode.PREDICT) {
      m.addParameter(ctx.num.array(), "samples").addParameter(ctx.num.array(), "outs");
    } else {
      m.addParameter(ctx.num.array(), "inputBatch").addParameter(int.class, "inputOff")
          .addParameter(ctx.num.array(), "targetBatch").addParameter(int.class, "targetOff");
    }
    m.addParameter(int.class, "batch");
    m.addStatement("double sum = 0");
    if (dropout) m.addStatement("int firstSample = INPUT_SIZE == 0 ? 0 : inputOff / INPUT_SIZE");
    for (int i = 0; i < phases.size(); i++) {
      Object p = phases.get(i);
      if (p instanceof Batched b) {
        m.addCode("$L", batchedCode(b));
        continue;
      }
      if (p instanceof Rowwise r) {
        m.addCode("$L", rowwiseCode(r));
        continue;
      }
      if (p instanceof BiasSum bs) {
        m.addCode("$L", biasSumCode(bs));
        continue;
      }
      Segment s = (Segment) p;
      List<Units.Unit> units = new ArrayList<>();
      g.beginPass(s.nodes);
      for (Node n : s.nodes) units.add(g.nodeUnit(n));
      for (Object[] term : s.terms) units.add(g.termUnit((String) term[0], (Node) term[1]));
      Node loss = g.graph.loss();
      if (s.last && units.isEmpty() && mode != Mode.PREDICT && loss != null && !s.inputs && !s.targets
          && s.reads.size() == 1 && s.reads.contains(loss) && producer.getOrDefault(loss.id(), i) != i) {
        // only the loss sum is left: read it from its batch buffer
        m.beginControlFlow("for (int s = 0; s < batch; s++)");
        m.addStatement("sum += $N[s * $L]", batchArray(loss), loss.size());
        m.endControlFlow();
        continue;
      }
      CodeBlock.Builder calls = CodeBlock.builder();
      if (!units.isEmpty()) {
        for (MethodSpec sm : Units.split(ctx, name + "P" + i + "_", units, calls)) type.addMethod(sm);
      }
      m.beginControlFlow("for (int s = 0; s < batch; s++)");
      if (dropout) m.addStatement("sampleIndex = firstSample + s");
      if (s.inputs) {
        m.addStatement(mode == Mode.PREDICT ? "loadInputs(samples, s * INPUT_SIZE)"
            : "loadInputs(inputBatch, inputOff + s * INPUT_SIZE)");
      }
      if (s.targets && mode != Mode.PREDICT) m.addStatement("loadTargets(targetBatch, targetOff + s * TARGET_SIZE)");
      for (Node x : s.reads) {
        if (producer.getOrDefault(x.id(), i) == i) continue;
        m.addStatement("System.arraycopy($N, s * $L, $N, 0, $L)", batchArray(x), x.size(),
            plan.buffers.get(x.id()), x.size());
      }
      m.addCode(calls.build());
      for (Node x : saves.getOrDefault(i, Set.of())) {
        m.addStatement("System.arraycopy($N, 0, $N, s * $L, $L)", plan.buffers.get(x.id()), batchArray(x),
            x.size(), x.size());
      }
      if (s.last) {
        if (mode == Mode.PREDICT) {
          m.addCode("$L", ClassParts.store(a, roots, "outs", "s * OUTPUT_SIZE", null));
        } else if (g.graph.loss() != null) {
          m.addStatement("sum += $L", a.atS(g.graph.loss(), Ix.c(0)));
        }
      }
      m.endControlFlow();
    }
    m.addStatement("return sum");
    type.addMethod(m.build());
    if (t.isEmpty()) throw new IllegalStateException();
  }

  private String biasSumCode(BiasSum bs) {
    Code c = new Code();
    Node x = bs.node();
    int size = x.size();
    c.comment("gradient of " + bs.param() + ": sum over the batch");
    String gb = ctx.gradField.get(bs.param());
    String src = batchArray(x);
    c.openRaw("for (int s = 0; s < batch; s++)");
    c.line("int o = s * " + size + ";");
    c.openRaw("for (int i = 0; i < " + size + "; i++)");
    c.line(gb + "[i] += " + src + "[o + i];");
    c.close();
    c.close();
    return c.toString();
  }

  /** The {@code gb} argument of a batched weight-gradient op: a bias gradient or null. */
  private String gbArg(Batched b) {
    String p = biasOf.get(b);
    return p == null ? "null" : ctx.gradField.get(p);
  }

  private String batchedCode(Batched b) {
    Code c = new Code();
    if (b.node == null) {
      Node l = b.term.input(0);
      Node r = b.term.input(1);
      String where = SourceText.where(b.term.span());
      c.comment((where == null ? "" : where + " ") + "gradient of " + b.param + ": outer products over the batch"
          + (biasOf.containsKey(b) ? ", and of " + biasOf.get(b) : ""));
      String[] d = ref(l);
      String[] x = ref(r);
      c.line(K + ".weightGradient(batch, " + l.size() + ", " + r.size() + ", " + d[0] + ", " + d[1] + ", "
          + d[2] + ", " + x[0] + ", " + x[1] + ", " + x[2] + ", " + ctx.gradField.get(b.param) + ", " + gbArg(b) + ");");
      return c.toString();
    }
    Node n = b.node;
    c.comment(g.describe(n) + (biasOf.containsKey(b) ? " and of " + biasOf.get(b) : "") + ", over the batch");
    Node w = n.input(0);
    int m = w.shape().dim(0);
    int k = w.shape().dim(1);
    String wf = ctx.paramField.get(w.attr().name());
    String[] v = ref(n.input(1));
    String out = batchArray(n);
    boolean forward = n.op() == Op.MATMUL && n.attr().intAt(0) == 0;
    if (forward) {
      c.line(K + ".forward(batch, " + m + ", " + k + ", " + wf + ", null, " + v[0] + ", " + v[1] + ", "
          + v[2] + ", " + out + ", 0, " + m + ");");
      return c.toString();
    }
    GraphPlan.Fused f = plan.fused.get(n.id());
    if (f != null) {
      String[] hp = ref(f.term().input(1));
      c.line(K + ".weightGradient(batch, " + m + ", " + k + ", " + v[0] + ", " + v[1] + ", " + v[2] + ", "
          + hp[0] + ", " + hp[1] + ", " + hp[2] + ", " + ctx.gradField.get(f.param()) + ", " + gbArg(b) + ");");
    }
    c.line(K + ".inputGradient(batch, " + m + ", " + k + ", " + wf + ", " + v[0] + ", " + v[1] + ", "
        + v[2] + ", " + out + ", 0, " + k + ");");
    if (n.op() == Op.DELTA && !n.attr().name().equals("identity")) {
      String[] h = ref(n.input(2));
      String act = n.attr().name();
      if (h[1].equals("0") && h[2].equals(Integer.toString(k))) {
        // both batch-major with the same stride: one flat loop
        c.openRaw("for (int i = 0, e = batch * " + k + "; i < e; i++)");
        c.line(out + "[i] *= " + g.linear().slopeS(act, h[0] + "[i]") + ";");
        c.close();
        return c.toString();
      }
      c.openRaw("for (int s = 0; s < batch; s++)");
      c.line("int off = s * " + k + ";");
      c.line("int idx = " + h[1] + " + s * " + h[2] + ";");
      c.openRaw("for (int j = 0; j < " + k + "; j++)");
      c.line(out + "[off + j] *= " + g.linear().slopeS(act, h[0] + "[idx + j]") + ";");
      c.close();
      c.close();
    }
    return c.toString();
  }
}
