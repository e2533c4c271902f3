package dev.deltac.compiler.emit;

import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
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
 * weight-gradient term → {@code weightGradient}; a dense layer over a per-sample {@code [T, n]}
 * value, {@code X Wᵀ} / {@code D W} / its {@code Gᵀ X} term, → one call over {@code batch · T}
 * rows, see {@link #rowsProduct}) or a <em>segment</em> of per-sample nodes run in a
 * loop over the samples with the usual per-sample code. A value crossing phases lives in a
 * batch-major buffer ({@code maxBatch × size}, allocated once): a segment copies the values it
 * needs from earlier phases into its per-sample buffers and saves the values later phases read.
 * The last segment holds the per-sample gradient terms, the loss sum and the outputs.
 *
 * <p>The driver is built on the code model ({@link Code}, {@link Expr}) and rendered in a scope of
 * its own: its parameters and locals are {@link Local}s, named after the class's fields, so no
 * user name can collide with them.
 */
final class BatchedPass {
  /**
   * Dense products with at least this many weights run batched. Measured (docs/PERFORMANCE.md):
   * the per-sample code wins at XOR size (8 weights) and TinyRnn's 16×16.
   */
  static final int MIN_WEIGHTS = Integer.getInteger("deltac.batchedMinWeights", 1024);
  /** Batches of at least this many samples take the batched pass (see docs/PERFORMANCE.md). */
  static final int MIN_BATCH = Integer.getInteger("deltac.batchedMinBatch", 2);
  /**
   * More phases than this and the model keeps the per-sample path (driver method size; the words
   * transformer's training pass has 51 phases and a 3.8 KB driver).
   */
  static final int MAX_PHASES = Integer.getInteger("deltac.batchedMaxPhases", 64);

  enum Mode { GRADIENT, LOSS, PREDICT }

  // ---- the plan

  /** One step of the driver, in order: a batched op, a row-wise map, a bias sum or a segment. */
  private sealed interface Phase permits Batched, Rowwise, BiasSum, RecurrentSum, Segment {}

  /** A batched op: a node, or a weight-gradient term of a param. */
  private sealed interface Batched extends Phase permits BatchedNode, BatchedTerm {}

  /**
   * A node computed over the batch: {@code W @ x} → {@code forward}; {@code Wᵀ δ} or
   * {@code DELTA(W, δ, h)} → {@code inputGradient} (then the slope, and {@code weightGradient}
   * for a fused term).
   */
  private record BatchedNode(Node node) implements Batched {}

  /** A direct {@code OUTER(δ, h)} gradient term of {@code param} → {@code weightGradient}. */
  private record BatchedTerm(String param, Node term) implements Batched {}

  /**
   * A vector param's gradient term whose per-sample value {@code node} is a batch-major buffer:
   * summed over the batch in one flat loop (sample order per element, as the per-sample code).
   */
  private record BiasSum(String param, Node node) implements Phase {}

  /**
   * A batched LSTM's weight or bias gradient, the only gradient term of {@code param}: a slice of
   * {@code grad}'s packed gradients at {@code offset}, where {@code RecurrentKernels.backwardBatch}
   * writes the batch sum to sample 0's slot. Added to the gradient from there, instead of copying
   * every sample's packed gradient (zeros after sample 0) through a segment and summing.
   */
  private record RecurrentSum(String param, Node grad, int offset) implements Phase {}

  /**
   * An elementwise node computed over the batch-major buffers: its operands are values already
   * in batch buffers, vector params and uniform constants (bias + activation after a batched
   * product, for instance). {@code operands} are the batch-buffered values it reads. Its value is
   * built by {@link #rowExpr} again when the phase is emitted, over the loop's locals in {@code
   * form}'s indexing: the operands precede the node in the schedule, so the walk finds the same
   * ones ({@link #rowValue} checks).
   */
  private record Rowwise(Node node, RowForm form, List<Node> operands) implements Phase {}

  /** A gradient term accumulated per sample in the last segment. */
  private record Term(String param, Node node) {}

  /** Per-sample nodes run in one loop over the samples. */
  private static final class Segment implements Phase {
    final List<Node> nodes = new ArrayList<>();
    final List<Term> terms = new ArrayList<>();
    boolean last;
    final Set<Node> reads = new LinkedHashSet<>();
    boolean inputs;
    boolean targets;
  }

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

  /** Where v's values are for the whole batch: {@code array[offset + s * stride ...]} for sample s. */
  private record Ref(Expr array, Expr offset, Expr stride) {}

  private final GraphCode g;
  private final GraphPlan plan;
  private final ClassContext ctx;
  private final Access a;
  private final Mode mode;
  private final String name;
  private final boolean dropout;
  private final List<Node> roots;
  private final List<Phase> phases = new ArrayList<>();
  private final Map<Integer, Integer> producer = new HashMap<>();
  private final Map<Integer, String> batchArrays;
  private final Map<String, Integer> inputOffset = new HashMap<>();

  /**
   * Batched weight-gradient ops that also sum their δ over the batch into a bias gradient
   * ({@code weightGradient}'s {@code gb} argument), to the param name.
   */
  private final Map<Batched, String> biasOf = new IdentityHashMap<>();

  /** Nodes whose values are in batch buffers when the phase being built runs. */
  private final Set<Integer> available = new java.util.HashSet<>();

  // The driver's parameters: samples, outs, batch (predictions) or inputBatch, inputOff,
  // targetBatch, targetOff, batch (loss and gradients).
  private final Local samples = Local.of("samples");
  private final Local outs = Local.of("outs");
  private final Local inputBatch = Local.of("inputBatch");
  private final Local inputOff = Local.of("inputOff");
  private final Local targetBatch = Local.of("targetBatch");
  private final Local targetOff = Local.of("targetOff");
  private final Local batch = Local.of("batch");

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
    // Bias gradients of dense layers over [T, n], sum_to(δ [T, m]) → [m]: summed over all
    // batch · T rows of δ's batch buffer (by the weight-gradient call reading δ, or a flat loop),
    // not per sample.
    Set<Integer> rowSums = new java.util.HashSet<>();
    if (gradients) {
      for (Map.Entry<String, List<Node>> e : plan.gradTerms.entrySet()) {
        if (e.getValue().size() == 1 && rowBias(e.getKey(), e.getValue().get(0)) != null) {
          rowSums.add(resolved(e.getValue().get(0)).id());
        }
      }
    }
    // LSTM weight-gradient slices read from sample 0's slot (RecurrentSum): not per sample.
    Map<Integer, RecurrentSum> lstmSums = new HashMap<>();
    Set<Integer> lstmSkip = new java.util.HashSet<>();
    if (gradients) {
      for (Map.Entry<String, List<Node>> e : plan.gradTerms.entrySet()) {
        if (e.getValue().size() != 1) continue;
        Node t = e.getValue().get(0);
        RecurrentSum rs = lstmSum(e.getKey(), t);
        if (rs == null) continue;
        lstmSums.put(t.id(), rs);
        for (Node x = t; ; x = x.input(0)) {
          lstmSkip.add(x.id());
          if (!plan.aliases.contains(x.id())) break;
        }
      }
    }
    for (Node n : plan.schedule(all)) {
      Rowwise rw;
      if (rowSums.contains(n.id()) || lstmSkip.contains(n.id())) continue;
      if (batchable(n)) {
        phases.add(new BatchedNode(n));
        available.add(n.id());
        cur = null;
      } else if ((rw = rowwise(n)) != null) {
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
        String p = e.getKey();
        Node b;
        for (Node t : e.getValue()) {
          if (plan.fusedTerms.contains(t.id())) continue;
          if (lstmSums.containsKey(t.id())) phases.add(lstmSums.get(t.id()));
          else if (batchableTerm(p, t)) phases.add(new BatchedTerm(p, t));
          else if ((b = biasTerm(p, t, e.getValue().size())) != null) sums.add(new BiasSum(p, b));
          else last.terms.add(new Term(p, t));
        }
      }
      for (BiasSum bs : sums) {
        Batched host = null;
        for (Phase p : phases) {
          if (p instanceof Batched bt && !biasOf.containsKey(bt) && deltaOf(bt) == bs.node()
              && deltaWidth(bt) == paramSize(bs.param())) {
            host = bt;
            break;
          }
        }
        if (host != null) biasOf.put(host, bs.param());
        else phases.add(bs);
      }
    }
    phases.add(last);
    if (gradients) {
      for (Phase ph : phases) {
        String p = ph instanceof BatchedTerm bt ? bt.param()
            : ph instanceof BatchedNode bn && plan.fused.get(bn.node().id()) != null
                ? plan.fused.get(bn.node().id()).param() : null;
        if (p != null && plan.gradTerms.getOrDefault(p, List.of()).size() > 1) sharedBatched = true;
      }
    }
  }

  /**
   * A param with several gradient terms (an unrolled loop's steps, a weight used twice) has one
   * of them summed over the batch by a batched op. Over the batch that sums each term over the
   * samples first (Σ_terms Σ_s), where the per-sample path and a rolled loop add a sample's terms
   * in turn (Σ_s Σ_terms); float32 rounds the two differently. Such a pass does not apply, so
   * that rolled and unrolled loops give the same bits (dsl.md, "Loops at any length").
   */
  private boolean sharedBatched;

  /**
   * The {@link RecurrentSum} of param p's only gradient term t, when t is (an alias of) a slice
   * of the weight and bias part of a batched float32 LSTM's packed gradients that nothing else
   * reads; else null.
   */
  private RecurrentSum lstmSum(String p, Node t) {
    Node x = resolved(t);
    if (x.op() != Op.SLICE || x.input(0).op() != Op.RECURRENT_GRAD) return null;
    Node n = x.input(0);
    if (dev.deltac.runtime.kernels.RecurrentKernels.cell(n.attr().name())
        != dev.deltac.runtime.kernels.RecurrentKernels.LSTM || !batchable(n)) {
      return null;
    }
    int start = x.attr().intAt(0);
    if (start < n.input(0).size() || x.size() != paramSize(p)) return null;
    // Nothing but the alias chain from t down to the slice reads any of them.
    Set<Node> chain = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (Node y = t; ; y = y.input(0)) {
      chain.add(y);
      if (y == x) break;
    }
    for (Node y : chain) {
      if (g.graph.outputs().containsValue(y) || g.graph.loss() == y) return null;
      for (Node m : plan.consumers(y)) {
        if (!chain.contains(m)) return null;
      }
    }
    for (Map.Entry<String, Node> e : g.graph.paramGrads().entrySet()) {
      if (resolved(e.getValue()) == x && !e.getKey().equals(p)) return null;
    }
    return new RecurrentSum(p, n, start);
  }

  /**
   * The batch-buffered node of a vector param's only gradient term, when its per-sample values
   * can be summed over the batch buffers; or null (the term stays in the last segment).
   */
  private Node biasTerm(String p, Node t, int terms) {
    if (terms != 1 || plan.directOuter.contains(t.id())) return null;
    Node rows = rowBias(p, t);
    if (rows != null) return rows;
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

  /**
   * For a vector param whose gradient term is {@code sum_to(δ [T, m]) → [m]} (a dense layer's
   * bias over the rows of a tensor) and used nowhere else: δ, alias-resolved, in a batch buffer of
   * its own; else null.
   */
  private Node rowBias(String p, Node t) {
    if (plan.directOuter.contains(t.id()) || plan.directRows.contains(t.id())) return null;
    Node w = null;
    for (Node q : g.graph.params()) {
      if (q.attr().name().equals(p)) w = q;
    }
    Node x = resolved(t);
    if (w == null || w.shape().rank() != 1 || x.op() != Op.SUM_TO || !x.shape().equals(w.shape())) return null;
    Node d = x.input(0);
    if (d.shape().rank() != 2 || d.shape().dim(1) != w.size()) return null;
    if (!plan.consumers(x).isEmpty() || g.graph.outputs().containsValue(x) || g.graph.loss() == x) return null;
    for (Map.Entry<String, Node> e : g.graph.paramGrads().entrySet()) {
      if (e.getValue() == x && !e.getKey().equals(p)) return null;
    }
    // δ's buffer may be a value δ is a reshape of (same row-major order): rows of m all the same
    return rowRefOk(d) ? resolved(d) : null;
  }

  /** The size of param p. */
  private int paramSize(String p) {
    for (Node q : g.graph.params()) {
      if (q.attr().name().equals(p)) return q.size();
    }
    throw new IllegalStateException("no param " + p);
  }

  /** The per-row width of a batched weight-gradient op's δ (its {@code gb} length), or -1. */
  private int deltaWidth(Batched b) {
    if (b instanceof BatchedTerm t) {
      Node l = t.term().input(0);
      return plan.directRows.contains(t.term().id()) ? l.shape().dim(1) : l.size();
    }
    if (b instanceof BatchedNode bn && plan.fused.get(bn.node().id()) != null) return bn.node().input(1).size();
    return -1;
  }

  /** The δ operand of a batched weight-gradient op (alias-resolved), or null. */
  private Node deltaOf(Batched b) {
    Node d;
    if (b instanceof BatchedTerm t) {
      d = t.term().input(0);
    } else if (b instanceof BatchedNode bn && plan.fused.get(bn.node().id()) != null) {
      d = bn.node().input(1);
    } else {
      return null;
    }
    while (plan.aliases.contains(d.id())) d = d.input(0);
    return d;
  }

  /** True when the pass has at least one batched op and a driver of a sane size. */
  boolean applies() {
    if (!ctx.num.isFloat || phases.size() > MAX_PHASES || sharedBatched) return false;
    for (Phase p : phases) {
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
    if (n.op() == Op.RECURRENT) {
      return ClassContext.isMatrixParam(n.input(1)) && ClassContext.isMatrixParam(n.input(2))
          && vectorParam(n.input(3)) && vectorParam(n.input(4)) && refOk(n.input(0));
    }
    if (n.op() == Op.RECURRENT_GRAD) {
      return ClassContext.isMatrixParam(n.input(1)) && ClassContext.isMatrixParam(n.input(2))
          && refOk(n.input(0)) && refOk(n.input(3)) && refOk(n.input(4));
    }
    if (rowsProduct(n)) return true;
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

  /**
   * A product of a per-sample row-major value {@code [T, k]} with a matrix param, as a dense layer
   * over {@code [..., n]} lowers: {@code X W^T} (forward) or {@code D W} (its input gradient).
   * Over the batch the samples' rows are contiguous in the batch buffers, so the whole batch is
   * one product of {@code batch · T} rows.
   */
  private boolean rowsProduct(Node n) {
    if (n.op() != Op.MATMUL || n.attr().intAt(0) != 0) return false;
    Node l = n.input(0);
    Node r = n.input(1);
    if (l.shape().rank() != 2 || r.shape().rank() != 2 || !ClassContext.isMatrixParam(r)
        || ClassContext.rowSize(r) != r.shape().dim(1) || l.op() == Op.PARAM) {
      return false;
    }
    boolean tb = n.attr().intAt(1) != 0;
    int rows = l.shape().dim(0);
    int k = l.shape().dim(1);
    int p = tb ? r.shape().dim(0) : r.shape().dim(1);
    if ((tb ? r.shape().dim(1) : r.shape().dim(0)) != k || rows * k * p < MIN_WEIGHTS) return false;
    return rowRefOk(l) && plan.buffers.containsKey(n.id()) && !plan.virtual.contains(n.id());
  }

  /** v is in a batch-major buffer of its own (not the inputs' batch array). */
  private boolean rowRefOk(Node v) {
    while (plan.aliases.contains(v.id())) v = v.input(0);
    return v.op() != Op.INPUT && !v.isConst(0.0) && plan.buffers.containsKey(v.id())
        && !plan.virtual.contains(v.id());
  }

  /** A {@code G^T X} weight-gradient term over the rows of a tensor, for the whole batch. */
  private boolean rowsTerm(Node w, Node t) {
    if (!plan.directRows.contains(t.id()) || w == null) return false;
    Node gl = t.input(0);
    Node x = t.input(1);
    int rows = gl.shape().dim(0);
    int m = gl.shape().dim(1);
    int n = x.shape().dim(1);
    return matrixOf(w, m, n) && rows * m * n >= MIN_WEIGHTS && rowRefOk(gl) && rowRefOk(x);
  }

  private static boolean vectorParam(Node v) {
    return v.op() == Op.PARAM && v.shape().rank() == 1;
  }

  private boolean fusedOk(Node n) {
    GraphPlan.Fused f = plan.fused.get(n.id());
    return f == null || refOk(f.term().input(1));
  }

  private boolean batchableTerm(String p, Node t) {
    if (plan.directRows.contains(t.id())) {
      Node w = null;
      for (Node q : g.graph.params()) {
        if (q.attr().name().equals(p)) w = q;
      }
      return rowsTerm(w, t);
    }
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

  /** v's batch-major values. */
  private Ref ref(Node v) {
    if (v.op() == Op.INPUT) {
      Expr x = Expr.v(mode == Mode.PREDICT ? samples : inputBatch);
      Expr off = mode == Mode.PREDICT ? Expr.i(0) : Expr.v(inputOff);
      return new Ref(x, Expr.add(off, Expr.i(inputOffset.get(v.attr().name()))), Expr.field("INPUT_SIZE"));
    }
    if (plan.aliases.contains(v.id())) return ref(v.input(0));
    return new Ref(Expr.field(batchArray(v)), Expr.i(0), Expr.i(v.size()));
  }

  /** The field of v's batch-major buffer, allocated on first use. */
  private String batchArray(Node v) {
    return batchArrays.computeIfAbsent(v.id(),
        id -> ctx.batchBuffer(plan.buffers.get(id) + "B", v.size()));
  }

  // ---- elementwise nodes over the batch buffers

  private static boolean pointwise(Node n) {
    return n.op().kind == Op.Kind.UNARY || n.op().kind == Op.Kind.BINARY;
  }

  /** What a {@link #rowExpr} walk found besides the value. */
  private static final class RowScan {
    /** The batch-buffered operands, in the order the value reads them. */
    final Set<Node> operands = new LinkedHashSet<>();
    /** Whether a vector param is read. */
    boolean params;
    /** Whether an op costlier than a few adds is applied. */
    boolean costly;
  }

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
    // A trial walk in the in-place indexing over stand-in indices, never rendered; it allocates
    // the operands' batch buffers in the order they are read.
    Expr o = Expr.v(Local.of("o"));
    Expr i = Expr.v(Local.of("i"));
    RowScan scan = new RowScan();
    if (rowExpr(n, i, x -> Expr.at(Expr.field(batchArray(x)), Expr.add(o, i)), scan) == null) return null;
    // A value of constants only (the loss's seed, lossScale times a mean's 1/n) stays in its
    // segment: as a phase of its own it would split the segment in two, and the samples' values
    // that both halves read would go out to batch buffers and back (LSTM T = 128: 3 of the 7
    // copies of 16 KB per sample around the mse).
    if (scan.operands.isEmpty()) return null;
    RowForm form = !scan.params ? RowForm.FLAT
        : n.size() < MIN_ROW_COPY || !scan.costly ? RowForm.IN_PLACE : RowForm.ROW_COPY;
    return new Rowwise(n, form, List.copyOf(scan.operands));
  }

  /**
   * The value of n's element {@code i}, each batch-buffered operand read by {@code operand} and a
   * vector param as {@code p[i]}; null when n is not computable over the batch buffers.
   */
  private Expr rowExpr(Node n, Expr i, Function<Node, Expr> operand, RowScan scan) {
    return rowExpr(n, n.size(), true, i, operand, scan);
  }

  private Expr rowExpr(Node x, int size, boolean top, Expr i, Function<Node, Expr> operand, RowScan scan) {
    if (!top) {
      while (plan.aliases.contains(x.id())) x = x.input(0);
      if (available.contains(x.id()) && x.size() == size && plan.buffers.containsKey(x.id())) {
        scan.operands.add(x);
        return operand.apply(x);
      }
      if (x.op() == Op.PARAM && x.shape().rank() <= 1 && x.size() == size) {
        scan.params = true;
        return Expr.at(Expr.field(ctx.paramField.get(x.attr().name())), i);
      }
      if ((x.op() == Op.CONST || x.op() == Op.SEED) && x.size() == 1) return a.at(x, 0);
      if (!plan.inlined.contains(x.id()) || !pointwise(x) || x.size() != size) return null;
    }
    if (!CHEAP.contains(x.op())) scan.costly = true;
    Expr[] in = new Expr[x.inputs().size()];
    for (int k = 0; k < in.length; k++) {
      in[k] = rowExpr(x.input(k), size, false, i, operand, scan);
      if (in[k] == null) return null;
    }
    return x.op().kind == Op.Kind.UNARY ? a.unary(x, in[0]) : a.binary(x.op(), in[0], in[1]);
  }

  /** r's value at {@code i} with its operands read by {@code operand}, as planned. */
  private Expr rowValue(Rowwise r, Expr i, Function<Node, Expr> operand) {
    RowScan scan = new RowScan();
    Expr e = rowExpr(r.node(), i, operand, scan);
    if (e == null || !List.copyOf(scan.operands).equals(r.operands())) {
      throw new IllegalStateException("row-wise value changed since planning: " + r.node());
    }
    return e;
  }

  private void rowwiseCode(Rowwise r, Code c) {
    Node n = r.node();
    int size = n.size();
    c.comment(g.describe(n) + ", over the batch buffers");
    Expr out = Expr.field(batchArray(n));
    switch (r.form()) {
      case FLAT -> flatLoop(size, c, i -> c.assign(Expr.at(out, i),
          rowValue(r, i, x -> Expr.at(Expr.field(batchArray(x)), i))));
      case IN_PLACE -> c.forRange("s", Expr.i(0), Expr.v(batch), s -> {
        Expr o = c.declare(TypeName.INT, "o", Expr.mul(s, Expr.i(size)));
        c.forRange("i", Expr.i(0), Expr.i(size), i -> c.assign(Expr.at(out, Expr.add(o, i)),
            rowValue(r, i, x -> Expr.at(Expr.field(batchArray(x)), Expr.add(o, i)))));
      });
      case ROW_COPY -> {
        Expr row = Expr.field(plan.buffers.get(n.id()));
        c.forRange("s", Expr.i(0), Expr.v(batch), s -> {
          Expr o = c.declare(TypeName.INT, "o", Expr.mul(s, Expr.i(size)));
          for (Node x : r.operands()) {
            c.eval(arraycopy(Expr.field(batchArray(x)), o, Expr.field(plan.buffers.get(x.id())), Expr.i(0), size));
          }
          c.forRange("i", Expr.i(0), Expr.i(size), i -> c.assign(Expr.at(row, i),
              rowValue(r, i, x -> Expr.at(Expr.field(plan.buffers.get(x.id())), i))));
          c.eval(arraycopy(row, Expr.i(0), out, o, size));
        });
      }
    }
  }

  /**
   * {@code for (int i = 0, e = batch * size; i < e; i++) body}, over every element of a batch
   * buffer of rows of {@code size}: the bound computed once, in a block of its own.
   */
  private void flatLoop(int size, Code c, java.util.function.Consumer<Expr> body) {
    c.open();
    Expr e = c.declare(TypeName.INT, "e", Expr.mul(Expr.v(batch), Expr.i(size)));
    c.forRange("i", Expr.i(0), e, body);
    c.close();
  }

  private static Expr arraycopy(Expr src, Expr srcPos, Expr dst, Expr dstPos, int length) {
    return Expr.call(JavaTypes.SYSTEM, "arraycopy", src, srcPos, dst, dstPos, Expr.i(length));
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
    if (b instanceof BatchedNode bn && (bn.node().op() == Op.RECURRENT || bn.node().op() == Op.RECURRENT_GRAD)) {
      Node n = bn.node();
      operands.add(n.input(0));
      if (n.op() == Op.RECURRENT_GRAD) {
        operands.add(n.input(3));
        operands.add(n.input(4));
      }
    } else if (b instanceof BatchedNode bn && rowsProduct(bn.node())) {
      operands.add(bn.node().input(0));
    } else if (b instanceof BatchedNode bn) {
      Node n = bn.node();
      operands.add(n.input(1));
      if (n.op() == Op.DELTA && !n.attr().name().equals("identity")) operands.add(n.input(2));
      GraphPlan.Fused f = plan.fused.get(n.id());
      if (f != null) operands.add(f.term().input(1));
    } else if (b instanceof BatchedTerm t) {
      operands.add(t.term().input(0));
      operands.add(t.term().input(1));
    }
    for (Node v : operands) {
      Node x = v;
      while (plan.aliases.contains(x.id())) x = x.input(0);
      if (plan.buffers.containsKey(x.id())) out.add(x);
    }
    return out;
  }

  /** Records in {@link #producer} what phase i computes; returns the buffered values it reads. */
  private Set<Node> reads(int i, Phase p) {
    if (p instanceof Segment s) {
      for (Node n : s.nodes) producer.put(n.id(), i);
      for (Node n : s.nodes) {
        for (Node in : n.inputs()) resolve(in, s);
        GraphPlan.Fused f = plan.fused.get(n.id());
        if (f != null) resolve(f.term().input(1), s);
      }
      for (Term t : s.terms) resolve(t.node(), s);
      if (s.last) {
        for (Node r : roots) resolve(r, s);
      }
      s.reads.removeIf(x -> producer.getOrDefault(x.id(), -1) == i && s.nodes.contains(x));
      return s.reads;
    }
    if (p instanceof Rowwise r) {
      producer.put(r.node().id(), i);
      return Set.of();
    }
    if (p instanceof BiasSum bs) return Set.of(bs.node());
    if (p instanceof RecurrentSum rs) return Set.of(rs.grad());
    if (p instanceof BatchedNode b) {
      producer.put(b.node().id(), i);
      return batchedReads(b);
    }
    if (p instanceof BatchedTerm b) return batchedReads(b);
    throw new IllegalStateException("unknown phase " + p);
  }

  // ---- emission

  /**
   * Adds the segment methods and the driver {@code name(...)} (returns the sum of the per-sample
   * losses, or 0 for predictions) to {@code type}.
   */
  void emit(TypeSpec.Builder type) {
    List<Set<Node>> reads = new ArrayList<>();
    for (int i = 0; i < phases.size(); i++) reads.add(reads(i, phases.get(i)));
    // Values a segment must save for later phases.
    Map<Integer, Set<Node>> saves = new HashMap<>();
    for (int j = 0; j < phases.size(); j++) {
      for (Node x : reads.get(j)) {
        Integer pi = producer.get(x.id());
        if (pi == null || pi == j) continue;
        if (phases.get(pi) instanceof Segment) saves.computeIfAbsent(pi, k -> new LinkedHashSet<>()).add(x);
        if (!(phases.get(j) instanceof Segment)) batchRead.add(x.id());
      }
    }
    for (Set<Node> saved : saves.values()) saved.removeIf(this::kept);

    Code c = new Code();
    Expr sum = c.declare(TypeName.DOUBLE, "sum", Expr.i(0));
    Expr inputSize = Expr.field("INPUT_SIZE");
    // Dropout masks are drawn per sample index in the batch array (see Model.setDropoutSeed).
    Expr firstSample = !dropout ? null : c.declare(TypeName.INT, "firstSample", Expr.cond(
        Expr.bin("==", inputSize, Expr.i(0)), Expr.i(0), Expr.div(Expr.v(inputOff), inputSize)));
    for (int i = 0; i < phases.size(); i++) {
      Phase p = phases.get(i);
      if (p instanceof BatchedNode b) {
        batchedNodeCode(b, c);
      } else if (p instanceof BatchedTerm b) {
        batchedTermCode(b, c);
      } else if (p instanceof Rowwise r) {
        rowwiseCode(r, c);
      } else if (p instanceof BiasSum bs) {
        biasSumCode(bs, c);
      } else if (p instanceof RecurrentSum rs) {
        recurrentSumCode(rs, c);
      } else if (p instanceof Segment s) {
        segmentCode(s, i, saves.getOrDefault(i, Set.of()), sum, firstSample, type, c);
      } else {
        throw new IllegalStateException("unknown phase " + p);
      }
    }
    c.add(new Stmt.Return(sum));

    Render.Scope sc = Render.Scope.method(ctx.names);
    MethodSpec.Builder m = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE)
        .returns(double.class);
    if (mode == Mode.PREDICT) {
      m.addParameter(ctx.num.array(), sc.declare(samples)).addParameter(ctx.num.array(), sc.declare(outs));
    } else {
      m.addParameter(ctx.num.array(), sc.declare(inputBatch)).addParameter(int.class, sc.declare(inputOff))
          .addParameter(ctx.num.array(), sc.declare(targetBatch)).addParameter(int.class, sc.declare(targetOff));
    }
    m.addParameter(int.class, sc.declare(batch));
    type.addMethod(m.addCode(Render.stmts(c.stmts(), sc)).build());
  }

  /** Values read by a batched, row-wise or sum phase from their batch buffer. */
  private final Set<Integer> batchRead = new java.util.HashSet<>();
  private final Map<Integer, Boolean> invariant = new HashMap<>();

  /**
   * Whether x, made by a segment, stays in its per-sample buffer for the segments that read it
   * later instead of going through a batch buffer: its value is the same for every sample (it
   * reads params and constants only, such as a layer norm's gain broadcast to [16, 32]), so the
   * buffer holds it after the producing segment's last sample, and no batch-wide phase reads it.
   */
  private boolean kept(Node x) {
    Integer pi = producer.get(x.id());
    return !dropout && pi != null && phases.get(pi) instanceof Segment && !batchRead.contains(x.id())
        && plan.buffers.containsKey(x.id()) && !plan.aliases.contains(x.id()) && sampleInvariant(x);
  }

  private boolean sampleInvariant(Node n) {
    Boolean known = invariant.get(n.id());
    if (known != null) return known;
    boolean v = switch (n.op()) {
      case PARAM, CONST -> true;
      case INPUT, TARGET, SEED, RUNNING_STAT -> false;
      default -> {
        boolean all = !n.inputs().isEmpty();
        for (Node in : n.inputs()) all &= sampleInvariant(in);
        yield all;
      }
    };
    invariant.put(n.id(), v);
    return v;
  }

  /**
   * Segment i: its nodes and terms as per-sample methods, called in a loop over the samples
   * between the loads of the values it reads and the saves of those later phases read.
   */
  private void segmentCode(Segment s, int i, Set<Node> saves, Expr sum, Expr firstSample,
      TypeSpec.Builder type, Code c) {
    List<Units.Unit> units = new ArrayList<>();
    g.beginPass(s.nodes);
    Map<Node, Node> direct = directSlices(s, i);
    for (Node n : s.nodes) {
      if (!direct.containsKey(n)) units.add(g.nodeUnit(n));
    }
    for (Term t : s.terms) units.add(g.termUnit(t.param(), t.node()));
    Node loss = g.graph.loss();
    if (s.last && units.isEmpty() && mode != Mode.PREDICT && loss != null && !s.inputs && !s.targets
        && s.reads.size() == 1 && s.reads.contains(loss) && producer.getOrDefault(loss.id(), i) != i) {
      // only the loss sum is left: read it from its batch buffer
      Expr losses = Expr.field(batchArray(loss));
      c.forRange("s", Expr.i(0), Expr.v(batch),
          sv -> c.accumulate(sum, Expr.at(losses, Expr.mul(sv, Expr.i(loss.size())))));
      return;
    }
    List<Stmt> calls = new ArrayList<>();
    if (!units.isEmpty()) {
      for (MethodSpec sm : Units.split(ctx, name + "P" + i + "_", units, new ArrayList<>())) {
        // A body another pass already emitted (the loss and predict passes share their forward
        // segments): call that method, so the held-out passes run code the JIT has compiled.
        String same = ctx.segmentMethods.putIfAbsent(sm.code().toString(), sm.name());
        if (same == null) type.addMethod(sm);
        calls.add(new Stmt.Eval(Expr.self(same == null ? sm.name() : same)));
      }
    }
    c.forRange("s", Expr.i(0), Expr.v(batch), sv -> {
      if (dropout) c.assign(Expr.field(ClassContext.SAMPLE_INDEX), Expr.add(firstSample, sv));
      if (s.inputs) {
        Expr at = Expr.mul(sv, Expr.field("INPUT_SIZE"));
        c.eval(mode == Mode.PREDICT ? Expr.self("loadInputs", Expr.v(samples), at)
            : Expr.self("loadInputs", Expr.v(inputBatch), Expr.add(Expr.v(inputOff), at)));
      }
      if (s.targets && mode != Mode.PREDICT) {
        c.eval(Expr.self("loadTargets", Expr.v(targetBatch),
            Expr.add(Expr.v(targetOff), Expr.mul(sv, Expr.field("TARGET_SIZE")))));
      }
      for (Node x : s.reads) {
        if (producer.getOrDefault(x.id(), i) == i || direct.containsValue(x) || kept(x)) continue;
        c.eval(arraycopy(Expr.field(batchArray(x)), Expr.mul(sv, Expr.i(x.size())),
            Expr.field(plan.buffers.get(x.id())), Expr.i(0), x.size()));
      }
      for (Map.Entry<Node, Node> e : direct.entrySet()) {
        Node n = e.getKey();
        Node x = e.getValue();
        Shape xs = x.shape();
        int start = n.attr().intAt(0) * (xs.size() / xs.dim(0));
        c.eval(arraycopy(Expr.field(batchArray(x)), Expr.add(Expr.mul(sv, Expr.i(x.size())), Expr.i(start)),
            Expr.field(plan.buffers.get(n.id())), Expr.i(0), n.size()));
      }
      for (Stmt call : calls) c.add(call);
      for (Node x : saves) {
        c.eval(arraycopy(Expr.field(plan.buffers.get(x.id())), Expr.i(0), Expr.field(batchArray(x)),
            Expr.mul(sv, Expr.i(x.size())), x.size()));
      }
      if (s.last) {
        if (mode == Mode.PREDICT) {
          ClassParts.storeInto(a, roots, Expr.v(outs), Expr.mul(sv, Expr.field("OUTPUT_SIZE")), null, c);
        } else if (loss != null) {
          c.accumulate(sum, a.at(loss, 0));
        }
      }
    });
  }

  /**
   * The slices in segment i of values from earlier phases that nothing else in the segment reads
   * (a recurrent layer's hidden states out of its tape, for instance), to their source: the
   * segment copies just the slice out of the source's batch buffer, not the whole value.
   */
  private Map<Node, Node> directSlices(Segment s, int i) {
    Map<Node, Node> out = new IdentityHashMap<>();
    for (Node n : s.nodes) {
      if (n.op() != Op.SLICE || plan.virtual.contains(n.id()) || !plan.buffers.containsKey(n.id())) continue;
      Node x = n.input(0);
      if (plan.aliases.contains(x.id()) || !s.reads.contains(x) || producer.getOrDefault(x.id(), i) == i
          || out.containsValue(x) || !plan.buffers.containsKey(x.id())) {
        continue;
      }
      boolean other = false;
      for (Node m : s.nodes) {
        for (Node in : m.inputs()) {
          if (m != n && resolved(in) == x) other = true;
        }
        GraphPlan.Fused f = plan.fused.get(m.id());
        if (f != null && resolved(f.term().input(1)) == x) other = true;
      }
      for (Term t : s.terms) {
        if (resolved(t.node()) == x || t.node().inputs().stream().anyMatch(in -> resolved(in) == x)) other = true;
      }
      if (s.last) {
        for (Node r : roots) {
          if (resolved(r) == x) other = true;
        }
        if (g.graph.loss() != null && resolved(g.graph.loss()) == x) other = true;
      }
      if (!other) out.put(n, x);
    }
    return out;
  }

  private void biasSumCode(BiasSum bs, Code c) {
    Node x = bs.node();
    int size = paramSize(bs.param());
    int rows = x.size() / size;
    c.comment("gradient of " + bs.param() + ": sum over the batch" + (rows > 1 ? " and the rows" : ""));
    Expr gb = Expr.field(ctx.gradField.get(bs.param()));
    Expr src = Expr.field(batchArray(x));
    c.forRange("s", Expr.i(0), rows > 1 ? Expr.mul(Expr.v(batch), Expr.i(rows)) : Expr.v(batch), s -> {
      Expr o = c.declare(TypeName.INT, "o", Expr.mul(s, Expr.i(size)));
      c.forRange("i", Expr.i(0), Expr.i(size), i -> c.accumulate(Expr.at(gb, i), Expr.at(src, Expr.add(o, i))));
    });
  }

  private void recurrentSumCode(RecurrentSum rs, Code c) {
    c.comment("gradient of " + rs.param() + ": the batch sum in sample 0's packed LSTM gradients");
    Node w = null;
    for (Node q : g.graph.params()) {
      if (q.attr().name().equals(rs.param())) w = q;
    }
    Expr gf = Expr.field(ctx.gradField.get(rs.param()));
    Expr src = Expr.field(batchArray(rs.grad()));
    int off = rs.offset();
    if (ClassContext.isMatrixParam(w)) {
      int cols = ClassContext.rowSize(w);
      c.forRange("i", Expr.i(0), Expr.i(w.shape().dim(0)), i -> {
        Expr grow = c.declare(ctx.num.array(), "grow", Expr.at(gf, i));
        Expr o = c.declare(TypeName.INT, "o", Expr.add(Expr.i(off), Expr.mul(i, Expr.i(cols))));
        c.forRange("j", Expr.i(0), Expr.i(cols), j -> c.accumulate(Expr.at(grow, j), Expr.at(src, Expr.add(o, j))));
      });
    } else {
      c.forRange("i", Expr.i(0), Expr.i(w.size()), i -> c.accumulate(Expr.at(gf, i), Expr.at(src, Expr.add(Expr.i(off), i))));
    }
  }

  /** The {@code gb} argument of a batched weight-gradient op: a bias gradient or null. */
  private Expr gbArg(Batched b) {
    String p = biasOf.get(b);
    return p == null ? Expr.NULL : Expr.field(ctx.gradField.get(p));
  }

  private Expr dense(String kernel, Expr... args) {
    return Expr.call(JavaTypes.DENSE_KERNELS, kernel, args);
  }

  /**
   * A recurrent layer's forward sweep (tapes) or backward sweep (packed gradients) over the batch:
   * one call of {@code RecurrentKernels.forwardBatch} or {@code backwardBatch}, whose products
   * with {@code W_hh} take the whole batch at every step.
   */
  private void recurrentCode(Node n, Code c) {
    c.comment(g.describe(n) + ", over the batch");
    boolean grad = n.op() == Op.RECURRENT_GRAD;
    int cell = dev.deltac.runtime.kernels.RecurrentKernels.cell(n.attr().name());
    Shape xs = n.input(0).shape();
    List<Expr> args = new ArrayList<>(List.of(Expr.i(cell), Expr.v(batch), Expr.i(xs.dim(0)),
        Expr.i(xs.dim(1)), Expr.i(n.attr().intAt(0)), param(n.input(1)), param(n.input(2))));
    if (!grad) {
      args.add(param(n.input(3)));
      args.add(param(n.input(4)));
    }
    List<Node> refs = grad ? List.of(n.input(0), n.input(3), n.input(4)) : List.of(n.input(0));
    for (Node v : refs) {
      Ref r = ref(v);
      args.add(r.array());
      args.add(r.offset());
      args.add(r.stride());
    }
    args.add(Expr.field(batchArray(n)));
    args.add(Expr.i(0));
    args.add(Expr.i(n.size()));
    if (grad) args.add(Expr.i((readsInputGradient(n) ? 1 : 0) | (weightSumsOnly(n) ? 2 : 0)));
    c.eval(Expr.call(JavaTypes.RECURRENT_KERNELS, grad ? "backwardBatch" : "forwardBatch",
        args.toArray(new Expr[0])));
  }

  /**
   * Whether anything this pass computes reads the {@code dxs} part (the first {@code T * n}
   * values) of a recurrent layer's packed gradient: when nothing does (the layer's input is a
   * model input whose gradient is not asked for), the kernel skips that product.
   */
  private boolean readsInputGradient(Node n) {
    if (roots.contains(n)) return true;
    int dxs = n.input(0).size();
    for (Node m : dev.deltac.compiler.ir.Graph.reachable(roots)) {
      for (Node in : m.inputs()) {
        if (in == n && (m.op() != Op.SLICE || m.attr().intAt(0) < dxs)) return true;
      }
    }
    return false;
  }

  /**
   * Whether every value this pass reads from the weight and bias part of an LSTM's packed
   * gradients is a {@link RecurrentSum} (sample 0's slot): then the kernel need not write zeros
   * to the other samples' slots.
   */
  private boolean weightSumsOnly(Node n) {
    if (roots.contains(n)) return false;
    Set<Node> summed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (Phase p : phases) {
      if (p instanceof RecurrentSum rs && rs.grad() == n) {
        for (Map.Entry<String, List<Node>> e : plan.gradTerms.entrySet()) {
          if (e.getKey().equals(rs.param())) summed.add(resolved(e.getValue().get(0)));
        }
      }
    }
    if (summed.isEmpty()) return false;
    int dxs = n.input(0).size();
    List<Node> all = new ArrayList<>(roots);
    all.addAll(g.graph.paramGrads().values());
    for (Node m : dev.deltac.compiler.ir.Graph.reachable(all)) {
      for (Node in : m.inputs()) {
        if (in == n && !summed.contains(m) && (m.op() != Op.SLICE || m.attr().intAt(0) >= dxs)) return false;
      }
    }
    return true;
  }

  private Expr param(Node p) {
    return Expr.field(ctx.paramField.get(p.attr().name()));
  }

  private void batchedTermCode(BatchedTerm b, Code c) {
    Node l = b.term().input(0);
    Node r = b.term().input(1);
    String where = SourceText.where(b.term().span());
    c.comment((where == null ? "" : where + " ") + "gradient of " + b.param() + ": outer products over the batch"
        + (biasOf.containsKey(b) ? ", and of " + biasOf.get(b) : ""));
    if (plan.directRows.contains(b.term().id())) {
      // G^T X over all batch · rows rows: one sum per weight, fixed by the model and the batch
      int rows = l.shape().dim(0);
      int m = l.shape().dim(1);
      int k = r.shape().dim(1);
      c.eval(dense("weightGradient", Expr.mul(Expr.v(batch), Expr.i(rows)), Expr.i(m), Expr.i(k),
          Expr.field(batchArray(resolved(l))), Expr.i(0), Expr.i(m), Expr.field(batchArray(resolved(r))),
          Expr.i(0), Expr.i(k), Expr.field(ctx.gradField.get(b.param())), gbArg(b)));
      return;
    }
    Ref d = ref(l);
    Ref x = ref(r);
    c.eval(dense("weightGradient", Expr.v(batch), Expr.i(l.size()), Expr.i(r.size()), d.array(), d.offset(),
        d.stride(), x.array(), x.offset(), x.stride(), Expr.field(ctx.gradField.get(b.param())), gbArg(b)));
  }

  private void batchedNodeCode(BatchedNode b, Code c) {
    Node n = b.node();
    if (n.op() == Op.RECURRENT || n.op() == Op.RECURRENT_GRAD) {
      recurrentCode(n, c);
      return;
    }
    c.comment(g.describe(n) + (biasOf.containsKey(b) ? " and of " + biasOf.get(b) : "") + ", over the batch");
    if (rowsProduct(n)) {
      rowsProductCode(n, c);
      return;
    }
    Node w = n.input(0);
    int m = w.shape().dim(0);
    int k = w.shape().dim(1);
    Expr wf = Expr.field(ctx.paramField.get(w.attr().name()));
    Ref v = ref(n.input(1));
    Expr out = Expr.field(batchArray(n));
    boolean forward = n.op() == Op.MATMUL && n.attr().intAt(0) == 0;
    if (forward) {
      c.eval(dense("forward", Expr.v(batch), Expr.i(m), Expr.i(k), wf, Expr.NULL, v.array(), v.offset(),
          v.stride(), out, Expr.i(0), Expr.i(m)));
      return;
    }
    GraphPlan.Fused f = plan.fused.get(n.id());
    if (f != null) {
      Ref hp = ref(f.term().input(1));
      c.eval(dense("weightGradient", Expr.v(batch), Expr.i(m), Expr.i(k), v.array(), v.offset(), v.stride(),
          hp.array(), hp.offset(), hp.stride(), Expr.field(ctx.gradField.get(f.param())), gbArg(b)));
    }
    c.eval(dense("inputGradient", Expr.v(batch), Expr.i(m), Expr.i(k), wf, v.array(), v.offset(), v.stride(),
        out, Expr.i(0), Expr.i(k)));
    if (n.op() == Op.DELTA && !n.attr().name().equals("identity")) {
      Ref h = ref(n.input(2));
      String act = n.attr().name();
      if (h.offset() instanceof Expr.Int z && z.value() == 0 && h.stride().equals(Expr.i(k))) {
        // both batch-major with the same stride: one flat loop
        flatLoop(k, c, i -> c.update(Expr.at(out, i), "*=", g.linear().slope(act, Expr.at(h.array(), i))));
        return;
      }
      c.forRange("s", Expr.i(0), Expr.v(batch), s -> {
        Expr off = c.declare(TypeName.INT, "off", Expr.mul(s, Expr.i(k)));
        Expr idx = c.declare(TypeName.INT, "idx", Expr.add(h.offset(), Expr.mul(s, h.stride())));
        c.forRange("j", Expr.i(0), Expr.i(k), j -> c.update(Expr.at(out, Expr.add(off, j)), "*=",
            g.linear().slope(act, Expr.at(h.array(), Expr.add(idx, j)))));
      });
    }
  }

  private Node resolved(Node v) {
    while (plan.aliases.contains(v.id())) v = v.input(0);
    return v;
  }

  /**
   * {@link #rowsProduct}: the batch's {@code batch · T} rows through one kernel call,
   * {@code forward} for {@code X W^T}, {@code inputGradient} for {@code D W}.
   */
  private void rowsProductCode(Node n, Code c) {
    Node l = n.input(0);
    Node r = n.input(1);
    int rows = l.shape().dim(0);
    Expr wf = Expr.field(ctx.paramField.get(r.attr().name()));
    Expr x = Expr.field(batchArray(resolved(l)));
    Expr out = Expr.field(batchArray(n));
    Expr all = Expr.mul(Expr.v(batch), Expr.i(rows));
    int w0 = r.shape().dim(0);
    int w1 = r.shape().dim(1);
    if (n.attr().intAt(1) != 0) {
      c.eval(dense("forward", all, Expr.i(w0), Expr.i(w1), wf, Expr.NULL, x, Expr.i(0), Expr.i(w1),
          out, Expr.i(0), Expr.i(w0)));
    } else {
      c.eval(dense("inputGradient", all, Expr.i(w0), Expr.i(w1), wf, x, Expr.i(0), Expr.i(w0),
          out, Expr.i(0), Expr.i(w1)));
    }
  }
}
