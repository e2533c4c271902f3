package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.BroadcastGeometry;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import com.palantir.javapoet.TypeName;
import dev.deltac.compiler.types.Shape;

/**
 * Per-sample code for every op that gets a work buffer: elementwise maps, reductions, softmax
 * and friends, losses, and structural ops. Matrix products and the fused δ sweep are in
 * {@link LinearKernels}, convolution and pooling in {@link ConvKernels}. Summation orders follow
 * the reference interpreter, so float64 results agree to rounding.
 */
final class NodeKernels {
  /** Elementwise maps and copies up to this size are unrolled. */
  static final int UNROLL_ELEMENTS = 16;
  /** Reductions and products with at most this many multiply-adds are unrolled. */
  static final int UNROLL_WORK = 64;

  private final Access a;
  private final Num num;
  private final LinearKernels linear;
  private final ConvKernels conv;

  NodeKernels(Access access) {
    this.a = access;
    this.num = access.num;
    this.linear = new LinearKernels(access);
    this.conv = new ConvKernels(access);
  }

  LinearKernels linear() {
    return linear;
  }

  /** The code of one op: computes node n into the buffer {@code o} (its field name). */
  @FunctionalInterface
  private interface Kernel {
    void emit(Node n, String o, Code c);
  }

  /**
   * Code that computes n into its buffer. One arm per op and no default: adding an op to
   * {@link Op} fails compilation here until it has a kernel (or is declared to have none).
   */
  void emit(Node n, Code c) {
    Op op = n.op();
    if (op == Op.SIGMOID && expShare(n.input(0)) != null) {
      sigmoidShared(n, Expr.field(a.plan.buffers.get(n.id())), c);
      return;
    }
    if (softmaxLse(n) != null) {
      softmaxExp(n, Expr.field(a.plan.buffers.get(n.id())), c);
      return;
    }
    if (deadBroadcast(n)) {
      c.comment("read by nothing but the softmax exp, which multiplies the log-sum-exp kept e by 1 / their sum");
      return;
    }
    Kernel k = switch (op) {
      case NEG, EXP, LOG, SQRT, ABS, SIN, COS, TANH, SIGMOID, RELU, LEAKY_RELU, ELU, GELU, SOFTPLUS,
          SQUARE, SIGN, STEP, GELU_GRAD, ADD, SUB, MUL, DIV, POW, MAX, MIN, LT, LE, GT, GE, EQ, NE,
          WHERE, BROADCAST -> this::elementwise;
      case MSE, BCE, BCE_LOGITS, CROSS_ENTROPY, SOFTMAX_CE, HUBER -> (m, o, cc) -> loss(m, Expr.field(o), cc);
      case SUM -> (m, o, cc) -> sum(m, Expr.field(o), cc);
      case BROADCAST_TO -> (m, o, cc) -> broadcastTo(m, Expr.field(o), cc);
      case PERMUTE -> (m, o, cc) -> {
        BroadcastGeometry g = BroadcastGeometry.permutation(m.input(0).shape(), m.attr().ints());
        broadcastLoops(g, 0, Expr.i(0), Expr.i(0), m.size() <= UNROLL_ELEMENTS, cc,
            (out, in) -> cc.assign(Expr.at(Expr.field(o), out), a.at(m.input(0), in)));
      };
      case SUM_TO -> (m, o, cc) -> sumTo(m, Expr.field(o), cc);
      case MAX_TO -> (m, o, cc) -> maxTo(m, Expr.field(o), cc);
      case LOGSUMEXP_TO -> (m, o, cc) -> logSumExpTo(m, Expr.field(o), cc);
      case SOFTMAX, LOG_SOFTMAX, LOGSUMEXP -> (m, o, cc) -> softmax(m, Expr.field(o), cc);
      case MATMUL, OUTER -> this::product;
      case BATCH_MATMUL -> (m, o, cc) -> linear.batchMatmul(m, Expr.field(o), cc);
      case DELTA -> (m, o, cc) -> linear.delta(m, Expr.field(o), a.plan.fused.get(m.id()), cc);
      case TRANSPOSE -> (m, o, cc) -> transpose(m, Expr.field(o), cc);
      case INDEX -> (m, o, cc) -> copy(m.input(0), m.attr().intAt(0) * m.size(), Expr.field(o), 0, m.size(), cc);
      case SLICE -> (m, o, cc) -> {
        Shape s = m.input(0).shape();
        copy(m.input(0), m.attr().intAt(0) * (s.size() / s.dim(0)), Expr.field(o), 0, m.size(), cc);
      };
      case PAD_FIRST -> this::padFirst;
      case CONCAT -> (m, o, cc) -> {
        int off = 0;
        for (Node part : m.inputs()) {
          copy(part, 0, Expr.field(o), off, part.size(), cc);
          off += part.size();
        }
      };
      case RESHAPE -> (m, o, cc) -> copy(m.input(0), 0, Expr.field(o), 0, m.size(), cc);
      case GATHER -> (m, o, cc) -> gather(m, Expr.field(o), cc);
      case GATHER_GRAD -> (m, o, cc) -> gatherGrad(m, Expr.field(o), cc);
      case ONE_HOT -> (m, o, cc) -> oneHot(m, Expr.field(o), cc);
      case SOFTMAX_CE_ROWS, SOFTMAX_CE_ROWS_GRAD -> (m, o, cc) -> softmaxCeRows(m, Expr.field(o), cc);
      case CONV2D -> conv::forward;
      case CONV2D_GRAD_INPUT -> conv::inputGrad;
      case CONV2D_GRAD_KERNEL -> conv::kernelGrad;
      case MAXPOOL2D, AVGPOOL2D -> conv::pool;
      case MAXPOOL2D_GRAD -> conv::maxPoolGrad;
      case AVGPOOL2D_GRAD -> conv::avgPoolGrad;
      case DROPOUT_MASK -> this::dropoutMask;
      case RECURRENT, RECURRENT_GRAD -> (m, o, cc) -> recurrent(m, Expr.field(o), cc);
      case LOOP -> (m, o, cc) -> LoopKernels.forward(this, a, m, Expr.field(o), cc);
      case LOOP_GRAD -> (m, o, cc) -> LoopKernels.backward(this, a, m, Expr.field(o), cc);
      // Filled between the stages of a batch-coupled pass (StagedPass), never per sample.
      case BATCH_MEAN -> (m, o, cc) -> cc.comment("the mean over the batch, filled before this stage");
      case INPUT, TARGET, PARAM, CONST, SEED, RUNNING_STAT -> (m, o, cc) -> {
        throw new IllegalStateException("a leaf has no kernel: " + m);
      };
    };
    k.emit(n, a.plan.buffers.get(n.id()), c);
  }

  private void elementwise(Node n, String o, Code c) {
    Expr out = Expr.field(o);
    boolean unroll = n.size() <= UNROLL_ELEMENTS;
    java.util.Map<Integer, Expr> scalars = new java.util.LinkedHashMap<>();
    if (!unroll) scalarOperands(n, scalars);
    if (scalars.isEmpty()) {
      c.loop("i", n.size(), unroll, i -> c.assign(Expr.at(out, i), a.expr(n, i)));
      return;
    }
    // A scalar operand read from an array (the loss's seed b[0] times a difference, say) goes to
    // a local before the loop: C2 cannot prove that the loop's stores leave it alone, so it
    // would load it again for every element and not vectorize the loop (mse's gradient over
    // 4096 elements: 1.7 us against 0.25 us hoisted). Same values.
    c.open();
    for (java.util.Map.Entry<Integer, Expr> e : scalars.entrySet()) {
      e.setValue(c.declare(num.type(), "k", e.getValue()));
    }
    a.hoisted = scalars;
    try {
      c.loop("i", n.size(), false, i -> c.assign(Expr.at(out, i), a.expr(n, i)));
    } finally {
      a.hoisted = null;
    }
    c.close();
  }

  /**
   * The operands of size 1 that x's elementwise expression reads from an array (directly or in
   * an inlined scalar expression), through x's inlined operands of its own size: node id to the
   * expression of its value.
   */
  private void scalarOperands(Node x, java.util.Map<Integer, Expr> out) {
    for (Node in : x.inputs()) {
      if (in.size() == 1) {
        if (out.containsKey(in.id())) continue;
        Expr e = a.at(in, 0);
        if (!(e instanceof Expr.Lit || e instanceof Expr.Int || e instanceof Expr.Field)) out.put(in.id(), e);
      } else if (a.plan.inlined.contains(in.id()) && !a.plan.leafFields.containsKey(in.id())) {
        scalarOperands(in, out);
      }
    }
  }

  private void product(Node n, String o, Code c) {
    if (hasZeroOperand(n) && !a.plan.fused.containsKey(n.id())) {
      fill(Expr.field(o), 0, n.size(), c);
    } else if (n.op() == Op.MATMUL) {
      linear.matmul(n, Expr.field(o), a.plan.fused.get(n.id()), c);
    } else {
      linear.outer(n, Expr.field(o), c);
    }
  }

  /**
   * An index value as an int. Integer inputs and targets were checked where they were loaded
   * ({@code dev.deltac.runtime.Indices}), so the cast is exact and in range.
   */
  private Expr index(Node ids, Expr i) {
    return new Expr.Cast(TypeName.INT, a.at(ids, i));
  }

  /** E[ids]: row ids[i] of the table to row i of the output. */
  private void gather(Node n, Expr o, Code c) {
    Node table = n.input(0);
    Node ids = n.input(1);
    int row = table.size() / table.shape().dim(0);
    c.loop("i", ids.size(), false, i -> {
      Expr r = c.declare(TypeName.INT, "r", index(ids, i));
      Expr src = a.row(table, r);
      if (src != null && ClassContext.rowSize(table) == row && row > UNROLL_ELEMENTS) {
        c.eval(Expr.call(JavaTypes.SYSTEM, "arraycopy", src, Expr.i(0), o, Expr.times(i, row), Expr.i(row)));
      } else if (a.arr(table) != null && row > UNROLL_ELEMENTS) {
        c.eval(Expr.call(JavaTypes.SYSTEM, "arraycopy", a.arr(table), Expr.times(r, row), o,
            Expr.times(i, row), Expr.i(row)));
      } else {
        c.loop("k", row, row <= UNROLL_ELEMENTS,
            k -> c.assign(Expr.at(o, Expr.plus(Expr.times(i, row), k)), a.at(table, r, k, row)));
      }
    });
  }

  /** The table gradient of a gather: zeros, then row i of g added into row ids[i], i ascending. */
  private void gatherGrad(Node n, Expr o, Code c) {
    Node g = n.input(0);
    Node ids = n.input(1);
    int row = n.size() / n.shape().dim(0);
    fill(o, 0, n.size(), c);
    c.loop("i", ids.size(), false, i -> {
      Expr base = c.declare(TypeName.INT, "r", Expr.times(index(ids, i), row));
      c.loop("k", row, row <= UNROLL_ELEMENTS, k -> c.update(Expr.at(o, Expr.plus(base, k)), "+=",
          a.at(g, Expr.plus(Expr.times(i, row), k))));
    });
  }

  /**
   * Row-wise softmax cross-entropy against class indices, or its gradient: per row its maximum,
   * Σ e^(z - max) and lse in double, in the interpreter's order ({@code Kernels.softmaxCeRows});
   * the gradient is e / Σe / rows, one exp per element. When the loss and its gradient on the
   * same logits run in one pass, the first keeps e and Σe per row in double fields and the
   * second reads them (one exp per element for both, instead of three).
   */
  private void softmaxCeRows(Node n, Expr o, Code c) {
    Node z = n.input(0);
    Node labels = n.input(1);
    int rows = labels.size();
    int classes = z.size() / rows;
    boolean grad = n.op() == Op.SOFTMAX_CE_ROWS_GRAD;
    String[] shared = ceShare(z, labels);
    boolean known = shared != null && ceKnown.contains(z.id());
    Expr e = shared != null ? Expr.field(shared[0]) : grad ? Expr.field(a.ctx.doubleScratch(classes)) : null;
    c.open();
    Expr s = grad ? null : c.declare(TypeName.DOUBLE, "s", Expr.i(0));
    c.loop("t", rows, false, t -> {
      Expr base = c.declare(TypeName.INT, "base", Expr.times(t, classes));
      // e's index of class j: the row's place in a shared field, the row itself in the scratch
      java.util.function.Function<Expr, Expr> ei = j -> Expr.at(e, shared != null ? Expr.plus(base, j) : j);
      Expr max = c.declare(TypeName.DOUBLE, "max", new Expr.StaticField(JavaTypes.DOUBLE, "NEGATIVE_INFINITY"));
      Expr sumExp;
      if (known) {
        sumExp = c.declare(TypeName.DOUBLE, "sumExp", Expr.at(Expr.field(shared[1]), t));
        if (!grad) c.loop("j", classes, false, j -> c.assign(max, math("max", max, a.at(z, Expr.plus(base, j)))));
      } else {
        c.loop("j", classes, false, j -> c.assign(max, math("max", max, a.at(z, Expr.plus(base, j)))));
        sumExp = c.declare(TypeName.DOUBLE, "sumExp", Expr.i(0));
        c.loop("j", classes, false, j -> {
          Expr x = math("exp", Expr.sub(a.at(z, Expr.plus(base, j)), max));
          if (e == null) {
            c.accumulate(sumExp, x);
          } else {
            Expr v = c.declare(TypeName.DOUBLE, "e", x);
            c.assign(ei.apply(j), v);
            c.accumulate(sumExp, v);
          }
        });
        if (shared != null) c.assign(Expr.at(Expr.field(shared[1]), t), sumExp);
      }
      Expr label = c.declare(TypeName.INT, "label", index(labels, t));
      if (grad) {
        c.loop("j", classes, false, j -> c.assign(Expr.at(o, Expr.plus(base, j)), new Expr.Cast(num.type(),
            Expr.div(Expr.div(ei.apply(j), sumExp), Expr.i(rows)))));
        c.update(Expr.at(o, Expr.plus(base, label)), "-=", new Expr.Cast(num.type(), Expr.div(Num.dlit(1), Expr.i(rows))));
      } else {
        Expr lse = c.declare(TypeName.DOUBLE, "lse", Expr.add(max, math("log", sumExp)));
        c.accumulate(s, Expr.sub(lse, a.at(z, Expr.plus(base, label))));
      }
    });
    if (!grad) c.assign(Expr.at(o, 0), new Expr.Cast(num.type(), Expr.div(s, Expr.i(rows))));
    c.close();
    if (shared != null) ceKnown.add(z.id());
  }

  /** Logits node id to the double fields of e^(z - max) and its row sums, when shared. */
  private final java.util.Map<Integer, String[]> ceField = new java.util.HashMap<>();
  /** Logits whose shared e and Σe hold the current sample's values at this point of the pass. */
  private final java.util.Set<Integer> ceKnown = new java.util.HashSet<>();

  /**
   * The fields {e, Σe per row} shared by softmax_ce_rows and its gradient on z and the same labels
   * when both are in the current pass, else null.
   */
  private String[] ceShare(Node z, Node labels) {
    boolean loss = false;
    boolean grad = false;
    for (Node m : pass) {
      if ((m.op() != Op.SOFTMAX_CE_ROWS && m.op() != Op.SOFTMAX_CE_ROWS_GRAD) || m.input(0) != z
          || m.input(1) != labels || !a.plan.buffers.containsKey(m.id())) {
        continue;
      }
      if (m.op() == Op.SOFTMAX_CE_ROWS) loss = true;
      else grad = true;
    }
    if (!loss || !grad) return null;
    return ceField.computeIfAbsent(z.id(), k -> {
      String base = a.plan.buffers.getOrDefault(z.id(), "" + z.id());
      return new String[] {a.ctx.doubleArray("ce" + base, z.size()),
          a.ctx.doubleArray("ceSum" + base, labels.size())};
    });
  }

  /**
   * A recurrent layer's forward sweep (its tape) or backward sweep (its packed gradient): one call
   * of {@code RecurrentKernels}, whose loop over the steps makes the code independent of T. The
   * weights are passed as the params' row arrays, the scratch space is the runtime's (per thread).
   */
  private void recurrent(Node n, Expr o, Code c) {
    int h = n.attr().intAt(0);
    int cell = dev.deltac.runtime.kernels.RecurrentKernels.cell(n.attr().name());
    int t = n.input(0).shape().dim(0);
    int in = n.input(0).shape().dim(1);
    boolean grad = n.op() == Op.RECURRENT_GRAD;
    java.util.List<Expr> args = new java.util.ArrayList<>(java.util.List.of(
        Expr.i(cell), Expr.i(t), Expr.i(in), Expr.i(h), rows(n.input(1)), rows(n.input(2))));
    if (!grad) {
      args.add(flat(n.input(3), c));
      args.add(flat(n.input(4), c));
    }
    args.add(flat(n.input(0), c));
    args.add(Expr.i(0));
    if (grad) {
      args.add(flat(n.input(3), c));
      args.add(Expr.i(0));
      args.add(flat(n.input(4), c));
      args.add(Expr.i(0));
    }
    args.add(o);
    args.add(Expr.i(0));
    c.eval(Expr.call(JavaTypes.RECURRENT_KERNELS, grad ? "backward" : "forward", args.toArray(new Expr[0])));
  }

  /** A matrix param's row arrays. */
  private Expr rows(Node w) {
    if (!ClassContext.isMatrixParam(w)) throw new IllegalStateException("a recurrent weight must be a param: " + w);
    return Expr.field(a.ctx.paramField.get(w.attr().name()));
  }

  /**
   * A node's values as one flat array from index 0: its own, or (a matrix param's rows) a copy
   * in a work buffer made here.
   */
  private Expr flat(Node v, Code c) {
    Expr arr = a.arr(v);
    if (arr != null) return arr;
    Expr copy = Expr.field(a.ctx.buffer("recurrentOperand", v.size()));
    copy(v, 0, copy, 0, v.size(), c);
    return copy;
  }

  /** one_hot(ids, n): zeros, then 1 at column ids[i] of row i. */
  private void oneHot(Node n, Expr o, Code c) {
    Node ids = n.input(0);
    int classes = n.attr().intAt(0);
    fill(o, 0, n.size(), c);
    c.loop("i", ids.size(), ids.size() <= UNROLL_ELEMENTS,
        i -> c.assign(Expr.at(o, Expr.plus(Expr.times(i, classes), index(ids, i))), num.lit(1)));
  }

  private void padFirst(Node n, String o, Code c) {
    Expr out = Expr.field(o);
    int row = n.size() / n.shape().dim(0);
    int start = n.attr().intAt(0) * row;
    int len = n.input(0).size();
    fill(out, 0, start, c);
    copy(n.input(0), 0, out, start, len, c);
    fill(out, start + len, n.size(), c);
  }

  private void dropoutMask(Node n, String o, Code c) {
    Expr out = Expr.field(o);
    String method = num.isFloat ? "scaleFloat" : "scale";
    int id = n.attr().intAt(0);
    Expr rate = Num.dlit(n.attr().doubleAt(0));
    c.loop("i", n.size(), n.size() <= UNROLL_ELEMENTS, i -> c.assign(Expr.at(out, i),
        Expr.call(JavaTypes.DROPOUT, method, Expr.field(ClassContext.DROPOUT_SEED),
            Expr.field(ClassContext.SAMPLE_INDEX), Expr.i(id), i, rate)));
  }

  private static boolean hasZeroOperand(Node n) {
    for (Node in : n.inputs()) {
      if (in.isConst(0.0)) return true;
    }
    return false;
  }

  private void fill(Expr o, int from, int to, Code c) {
    if (to - from <= 0) return;
    if (to - from <= UNROLL_ELEMENTS) {
      for (int k = from; k < to; k++) c.assign(Expr.at(o, k), Expr.i(0));
    } else {
      c.eval(Expr.call(JavaTypes.ARRAYS, "fill", o, Expr.i(from), Expr.i(to), num.lit(0)));
    }
  }

  /** o[dst + k] = src[from + k] for k below len. */
  void copy(Node src, int from, Expr o, int dst, int len, Code c) {
    Expr arr = a.arr(src);
    if (arr != null && len > UNROLL_ELEMENTS) {
      c.eval(Expr.call(JavaTypes.SYSTEM, "arraycopy", arr, Expr.i(from), o, Expr.i(dst), Expr.i(len)));
      return;
    }
    c.loop("i", len, len <= UNROLL_ELEMENTS,
        i -> c.assign(Expr.at(o, Expr.plus(i, dst)), a.at(src, Expr.plus(i, from))));
  }

  private void sum(Node n, Expr o, Code c) {
    Node in = n.input(0);
    if (in.size() <= UNROLL_WORK) {
      Expr total = null;
      for (int k = 0; k < in.size(); k++) {
        Expr x = a.at(in, k);
        if (!Render.atomic(x)) x = Expr.paren(x);
        total = total == null ? x : Expr.add(total, x);
      }
      c.assign(Expr.at(o, 0), total);
      return;
    }
    c.open();
    Expr acc = c.declare(num.type(), "acc", Expr.i(0));
    c.loop("i", in.size(), false, i -> c.accumulate(acc, a.at(in, i)));
    c.assign(Expr.at(o, 0), acc);
    c.close();
  }

  /** o[large] = x[small] over the large shape in row-major order (NumPy broadcasting). */
  private void broadcastTo(Node n, Expr o, Code c) {
    BroadcastGeometry g = BroadcastGeometry.of(n.input(0).shape(), n.shape());
    boolean unroll = n.size() <= UNROLL_ELEMENTS;
    broadcastLoops(g, 0, Expr.i(0), Expr.i(0), unroll, c,
        (large, small) -> c.assign(Expr.at(o, large), a.at(n.input(0), small)));
  }

  /**
   * o[small] += g[large] over the large shape in row-major order, after zeroing o: each target
   * element sums its sources in the interpreter's order.
   */
  private void sumTo(Node n, Expr o, Code c) {
    Node in = n.input(0);
    BroadcastGeometry g = reducedOutside(BroadcastGeometry.of(n.shape(), in.shape()));
    fill(o, 0, n.size(), c);
    boolean unroll = in.size() <= UNROLL_ELEMENTS;
    broadcastLoops(g, 0, Expr.i(0), Expr.i(0), unroll, c,
        (large, small) -> c.accumulate(Expr.at(o, small), a.at(in, large)));
  }

  /** o[small] = max(o[small], x[large]) over the large shape, after o = -infinity. */
  private void maxTo(Node n, Expr o, Code c) {
    Node in = n.input(0);
    BroadcastGeometry g = reducedOutside(BroadcastGeometry.of(n.shape(), in.shape()));
    Expr negInf = num.cast(new Expr.StaticField(JavaTypes.DOUBLE, "NEGATIVE_INFINITY"));
    c.loop("i", n.size(), n.size() <= UNROLL_ELEMENTS, i -> c.assign(Expr.at(o, i), negInf));
    boolean unroll = in.size() <= UNROLL_ELEMENTS;
    broadcastLoops(g, 0, Expr.i(0), Expr.i(0), unroll, c,
        (large, small) -> c.assign(Expr.at(o, small), math("max", Expr.at(o, small), a.at(in, large))));
  }

  /**
   * The interpreter's log-sum-exp per target element: the max into o, Σ exp(x - max) in a double
   * scratch row (sources in row-major order), then o = max + log Σ (o itself when the max is
   * infinite). When a softmax's exp reads it ({@link #softmaxLse}), each e = exp(x - max) is kept
   * in a double field and Σe in another (1 where the max is infinite, so that e / Σe is then
   * exp(x - lse) exactly), replaced by 1 / Σe once the log is taken, and the exp multiplies them
   * instead of taking a second exp per element. Over a constant mask ({@link #constantMask}) the
   * masked elements take exp(fill - max), computed once per target.
   */
  private void logSumExpTo(Node n, Expr o, Code c) {
    Node in = n.input(0);
    maxTo(n, o, c);
    BroadcastGeometry g = reducedOutside(BroadcastGeometry.of(n.shape(), in.shape()));
    String[] kept = softmaxKept(n);
    Expr s = Expr.field(kept != null ? kept[1] : a.ctx.doubleScratch(n.size()));
    boolean small = n.size() <= UNROLL_ELEMENTS;
    c.loop("i", n.size(), small, i -> c.assign(Expr.at(s, i), Expr.i(0)));
    Node masked = constantMask(in);
    Expr fillExp = null;
    if (masked != null) {
      // exp(fill - max) once per target: every masked element of the row takes that value
      Expr f = Expr.field(maskedFields.computeIfAbsent(n.id(),
          k -> a.ctx.doubleArray("m" + a.plan.buffers.getOrDefault(n.id(), "" + n.id()), n.size())));
      c.loop("i", n.size(), small, i -> c.assign(Expr.at(f, i),
          math("exp", Expr.sub(a.at(masked.input(2), 0), Expr.at(o, i)))));
      fillExp = f;
    }
    Expr fills = fillExp;
    broadcastLoops(g, 0, Expr.i(0), Expr.i(0), in.size() <= UNROLL_ELEMENTS, c, (large, k) -> {
      Expr e = math("exp", Expr.sub(a.at(in, large), Expr.at(o, k)));
      if (masked != null) {
        e = Expr.cond(Expr.bin("!=", a.at(masked.input(0), large), Expr.i(0)), e, Expr.at(fills, k));
      }
      if (kept == null) {
        c.accumulate(Expr.at(s, k), e);
        return;
      }
      Expr v = c.declare(TypeName.DOUBLE, "e", e);
      c.assign(Expr.at(Expr.field(kept[0]), large), v);
      c.accumulate(Expr.at(s, k), v);
    });
    c.loop("i", n.size(), small, i -> {
      Expr inf = Expr.call(JavaTypes.DOUBLE, "isInfinite", Expr.at(o, i));
      // Σe first, while o still holds the max
      if (kept != null) c.assign(Expr.at(s, i), Expr.cond(inf, Num.dlit(1), Expr.at(s, i)));
      c.assign(Expr.at(o, i), num.cast(Expr.paren(Expr.cond(inf, Expr.at(o, i),
          Expr.add(Expr.at(o, i), math("log", Expr.at(s, i)))))));
      // the softmax multiplies by 1 / Σe: one division per row instead of one per element
      if (kept != null) c.assign(Expr.at(s, i), Expr.div(Num.dlit(1), Expr.at(s, i)));
    });
  }

  /** logsumexp_to node id to its double field of exp(fill - max) per target ({@link #constantMask}). */
  private final java.util.Map<Integer, String> maskedFields = new java.util.HashMap<>();

  /**
   * x (through views) when it is {@code where(K, v, c)} with a constant table K of x's size and a
   * scalar constant c (a causal mask's -1e9): the elements where K is 0 are c, known before the
   * sample runs, so a log-sum-exp over x takes exp(c - max) once per target instead of once per
   * masked element (the same values: the same float subtraction and exp). Else null.
   */
  private Node constantMask(Node x) {
    while (a.plan.aliases.contains(x.id())) x = x.input(0);
    if (x.op() != Op.WHERE) return null;
    Node k = x.input(0);
    Node fill = x.input(2);
    if (k.op() != Op.CONST || Access.uniform(k) || k.size() != x.size()) return null;
    return fill.op() == Op.CONST && fill.size() == 1 ? x : null;
  }

  // ---- softmax along an axis: exp(x - broadcast_to(logsumexp_to(x))) as e / Σe

  /** logsumexp_to node id to its double fields {e per element of x, Σe per row}. */
  private final java.util.Map<Integer, String[]> softmaxFields = new java.util.HashMap<>();

  /**
   * For {@code exp(x - broadcast_to(l))} with {@code l = logsumexp_to(x)} (the lowering of softmax
   * along an axis), the subtraction inlined into the exp and all of them in the current pass: l;
   * else null.
   */
  private Node softmaxLse(Node n) {
    if (n.op() != Op.EXP || !pass.contains(n)) return null;
    Node d = n.input(0);
    if (d.op() != Op.SUB || !a.plan.inlined.contains(d.id())) return null;
    Node x = d.input(0);
    Node b = d.input(1);
    if (b.op() != Op.BROADCAST_TO || !pass.contains(b) || !b.shape().equals(x.shape())
        || !n.shape().equals(x.shape())) {
      return null;
    }
    Node l = b.input(0);
    if (l.op() != Op.LOGSUMEXP_TO || l.input(0) != x || !pass.contains(l)) return null;
    return l;
  }

  /** The fields a softmax's exp reads from logsumexp_to node l, or null when none reads them. */
  private String[] softmaxKept(Node l) {
    for (Node n : pass) {
      if (softmaxLse(n) == l) {
        return softmaxFields.computeIfAbsent(l.id(), k -> {
          String base = a.plan.buffers.getOrDefault(l.id(), "" + l.id());
          return new String[] {a.ctx.doubleArray("e" + base, l.input(0).size()),
              a.ctx.doubleArray("sum" + base, l.size())};
        });
      }
    }
    return null;
  }

  /** The softmax's exp: e · (1 / Σe) from the fields its logsumexp_to filled, over its geometry. */
  private void softmaxExp(Node n, Expr o, Code c) {
    Node l = softmaxLse(n);
    String[] kept = softmaxKept(l);
    BroadcastGeometry g = BroadcastGeometry.of(l.shape(), n.shape());
    broadcastLoops(g, 0, Expr.i(0), Expr.i(0), n.size() <= UNROLL_ELEMENTS, c, (large, k) -> c.assign(
        Expr.at(o, large), num.cast(Expr.paren(Expr.mul(Expr.at(Expr.field(kept[0]), large),
            Expr.at(Expr.field(kept[1]), k))))));
  }

  /**
   * A broadcast_to read only through subtractions inlined into softmax exps that divide instead
   * ({@link #softmaxExp}): its values are never read, so it is not computed.
   */
  private boolean deadBroadcast(Node b) {
    if (b.op() != Op.BROADCAST_TO || !pass.contains(b)) return false;
    java.util.List<Node> cons = a.plan.consumers(b);
    if (cons.isEmpty() || a.plan.graph.outputs().containsValue(b) || a.plan.graph.loss() == b) return false;
    for (java.util.List<Node> terms : a.plan.gradTerms.values()) {
      if (terms.contains(b)) return false;
    }
    for (Node d : cons) {
      java.util.List<Node> dc = a.plan.consumers(d);
      if (dc.size() != 1 || dc.get(0).input(0) != d || softmaxLse(dc.get(0)) == null) return false;
    }
    return true;
  }

  /**
   * A reduction's geometry with the reduced axes (small stride 0) outside the kept ones, each
   * group in its own order, when the innermost axis is reduced: every target element still takes
   * its sources in row-major order (the same sums, bit for bit), but consecutive iterations of the
   * inner loop update different targets, independent chains instead of one dependent chain per
   * target (a layer norm's row sums over [16, 32]: 16 chains of 32 adds, latency-bound, become
   * 32 rounds of 16 independent adds).
   */
  static BroadcastGeometry reducedOutside(BroadcastGeometry g) {
    int n = g.sizes().length;
    if (n < 2 || g.smallStrides()[n - 1] != 0) return g;
    int[] order = new int[n];
    int k = 0;
    for (int pass = 0; pass < 2; pass++) {
      for (int a = 0; a < n; a++) {
        if ((g.smallStrides()[a] == 0) == (pass == 0)) order[k++] = a;
      }
    }
    int[] sizes = new int[n];
    int[] large = new int[n];
    int[] small = new int[n];
    for (int a = 0; a < n; a++) {
      sizes[a] = g.sizes()[order[a]];
      large[a] = g.largeStrides()[order[a]];
      small[a] = g.smallStrides()[order[a]];
    }
    return new BroadcastGeometry(sizes, large, small);
  }

  /** One loop per merged axis of g, calling body with the large and the small element index. */
  private static void broadcastLoops(BroadcastGeometry g, int k, Expr large, Expr small,
      boolean unroll, Code c, java.util.function.BiConsumer<Expr, Expr> body) {
    if (k == g.sizes().length) {
      body.accept(large, small);
      return;
    }
    c.loop("i", g.sizes()[k], unroll, i -> broadcastLoops(g, k + 1,
        Expr.plus(large, Expr.times(i, g.largeStrides()[k])),
        Expr.plus(small, Expr.times(i, g.smallStrides()[k])), unroll, c, body));
  }

  private void transpose(Node n, Expr o, Code c) {
    Shape s = n.input(0).shape();
    if (s.rank() < 2) {
      copy(n.input(0), 0, o, 0, n.size(), c);
      return;
    }
    int r = s.dim(0);
    int cols = s.dim(1);
    boolean unroll = n.size() <= UNROLL_ELEMENTS;
    c.loop("i", r, unroll, i -> c.loop("j", cols, unroll,
        j -> c.assign(Expr.at(o, Expr.plus(Expr.times(j, r), i)), a.at(n.input(0), i, j, cols))));
  }

  // ---- log-sum-exp shared between the softmax family and softmax_ce on the same logits

  /** Logits node id to the double field holding its log-sum-exp, when several nodes need it. */
  private final java.util.Map<Integer, String> lseField = new java.util.HashMap<>();
  /** Logits whose lse field holds the current sample's value at this point of the pass. */
  private final java.util.Set<Integer> lseKnown = new java.util.HashSet<>();

  /** The nodes of the current pass. */
  private final java.util.Set<Node> pass = new java.util.HashSet<>();

  /**
   * Starts a run of {@code nodes} computed one after the other for the same sample (a per-sample
   * pass, or one segment of a batched pass): values shared between two of them (a log-sum-exp,
   * e^-|z|) are shared only inside the run.
   */
  void beginPass(java.util.Collection<Node> nodes) {
    pass.clear();
    pass.addAll(nodes);
    lseKnown.clear();
    expKnown.clear();
    ceKnown.clear();
  }

  // ---- e^-|z| shared between sigmoid(z) and bce_with_logits(z, y)

  /** Logits node id to the field holding e^-|z| per element, when both nodes need it. */
  private final java.util.Map<Integer, String> expField = new java.util.HashMap<>();
  /** Logits whose e^-|z| field holds the current sample's values at this point of the pass. */
  private final java.util.Set<Integer> expKnown = new java.util.HashSet<>();

  /** The field sharing e^-|z| (a double or a double array), or null when it is not shared. */
  private String expShare(Node z) {
    boolean sigmoid = false;
    boolean loss = false;
    for (Node n : pass) {
      if (n.inputs().isEmpty() || n.input(0) != z) continue;
      if (n.op() == Op.SIGMOID && a.plan.buffers.containsKey(n.id())) sigmoid = true;
      if (n.op() == Op.BCE_LOGITS) loss = true;
    }
    if (!sigmoid || !loss) return null;
    return expField.computeIfAbsent(z.id(), k -> {
      String base = "exp" + a.plan.buffers.getOrDefault(z.id(), "" + z.id());
      return z.size() == 1 ? a.ctx.doubleField(base) : a.ctx.doubleArray(base, z.size());
    });
  }

  private Expr expAt(Node z, Expr i) {
    Expr f = Expr.field(expShare(z));
    return z.size() == 1 ? f : Expr.at(f, i);
  }

  private static Expr math(String f, Expr... args) {
    return Expr.call(JavaTypes.MATH, f, args);
  }

  /**
   * sigmoid(z) as z &gt;= 0 ? 1 / (1 + e) : e / (1 + e) with e = e^-|z| (MathFunctions.sigmoid's
   * formula), e computed here or taken from the logistic loss on the same logits.
   */
  private void sigmoidShared(Node n, Expr o, Code c) {
    Node z = n.input(0);
    boolean known = expKnown.contains(z.id());
    c.loop("i", n.size(), n.size() <= UNROLL_ELEMENTS, i -> {
      c.open();
      Expr x = c.declare(TypeName.DOUBLE, "x", a.at(z, i));
      Expr e;
      if (known) {
        e = c.declare(TypeName.DOUBLE, "e", expAt(z, i));
      } else {
        e = c.declare(TypeName.DOUBLE, "e", math("exp", Expr.neg(math("abs", x))));
        c.assign(expAt(z, i), e);
      }
      Expr onePlusE = Expr.paren(Expr.add(Expr.i(1), e));
      c.assign(Expr.at(o, i), num.cast(Expr.cond(Expr.bin(">=", x, Expr.i(0)),
          Expr.div(Expr.i(1), onePlusE), Expr.div(e, onePlusE))));
      c.close();
    });
    expKnown.add(z.id());
  }

  private static boolean needsLse(Node n, Node z) {
    switch (n.op()) {
      case SOFTMAX: case LOG_SOFTMAX: case LOGSUMEXP: case SOFTMAX_CE: return n.input(0) == z;
      default: return false;
    }
  }

  /** The field sharing z's log-sum-exp, or null when only one node of the pass needs it. */
  private String lseShare(Node z) {
    int users = 0;
    for (Node n : pass) {
      if (needsLse(n, z)) users++;
    }
    if (users < 2) return null;
    return lseField.computeIfAbsent(z.id(),
        k -> a.ctx.doubleField("lse" + a.plan.buffers.getOrDefault(z.id(), "" + z.id())));
  }

  /**
   * Declares the double local {@code lse} = log(sum(exp(x))) of the operand and returns it:
   * computed (and stored in the shared field, if any) or read from the field when this sample's
   * value is there.
   */
  private Expr logSumExp(Node in, Code c) {
    String f = lseShare(in);
    if (f != null && lseKnown.contains(in.id())) {
      return c.declare(TypeName.DOUBLE, "lse", Expr.field(f));
    }
    Expr max = c.declare(TypeName.DOUBLE, "max", new Expr.StaticField(JavaTypes.DOUBLE, "NEGATIVE_INFINITY"));
    c.loop("i", in.size(), false, i -> c.assign(max, math("max", max, a.at(in, i))));
    Expr lse = c.declare(TypeName.DOUBLE, "lse", max);
    c.openIf(new Expr.Unary("!", Expr.call(JavaTypes.DOUBLE, "isInfinite", max)));
    Expr sumExp = c.declare(TypeName.DOUBLE, "sumExp", Expr.i(0));
    c.loop("i", in.size(), false, i -> c.accumulate(sumExp, math("exp", Expr.sub(a.at(in, i), max))));
    c.assign(lse, Expr.add(max, math("log", sumExp)));
    c.close();
    shareLse(in, f, lse, c);
    return lse;
  }

  private void shareLse(Node in, String f, Expr lse, Code c) {
    if (f == null) return;
    c.assign(Expr.field(f), lse);
    lseKnown.add(in.id());
  }

  private void softmax(Node n, Expr o, Code c) {
    Node in = n.input(0);
    c.open();
    String f = lseShare(in);
    if (n.op() == Op.SOFTMAX && !(f != null && lseKnown.contains(in.id()))) {
      // One exp per element: p = e / Σe with e = exp(x - max) kept in a double scratch row.
      Expr e = Expr.field(a.ctx.doubleScratch(in.size()));
      Expr max = c.declare(TypeName.DOUBLE, "max", new Expr.StaticField(JavaTypes.DOUBLE, "NEGATIVE_INFINITY"));
      c.loop("i", in.size(), false, i -> c.assign(max, math("max", max, a.at(in, i))));
      Expr lse = c.declare(TypeName.DOUBLE, "lse", max);
      c.openIf(new Expr.Unary("!", Expr.call(JavaTypes.DOUBLE, "isInfinite", max)));
      Expr sumExp = c.declare(TypeName.DOUBLE, "sumExp", Expr.i(0));
      c.loop("i", in.size(), false, i -> {
        Expr ei = c.declare(TypeName.DOUBLE, "ei", math("exp", Expr.sub(a.at(in, i), max)));
        c.assign(Expr.at(e, i), ei);
        c.accumulate(sumExp, ei);
      });
      c.assign(lse, Expr.add(max, math("log", sumExp)));
      c.loop("i", in.size(), false, i -> c.assign(Expr.at(o, i), num.cast(Expr.paren(Expr.div(Expr.at(e, i), sumExp)))));
      c.orElse();
      c.loop("i", in.size(), false,
          i -> c.assign(Expr.at(o, i), num.cast(math("exp", Expr.sub(a.at(in, i), lse)))));
      c.close();
      shareLse(in, f, lse, c);
      c.close();
      return;
    }
    Expr lse = logSumExp(in, c);
    switch (n.op()) {
      case SOFTMAX:
        c.loop("i", in.size(), false,
            i -> c.assign(Expr.at(o, i), num.cast(math("exp", Expr.sub(a.at(in, i), lse)))));
        break;
      case LOG_SOFTMAX:
        c.loop("i", in.size(), false,
            i -> c.assign(Expr.at(o, i), num.cast(Expr.paren(Expr.sub(a.at(in, i), lse)))));
        break;
      default:
        c.assign(Expr.at(o, 0), num.cast(lse));
    }
    c.close();
  }

  /** {@code s += d * d} with {@code d = (double) p[i] - y[i]}. */
  private void squareInto(Expr s, Node pn, Node yn, Expr i, Code c) {
    Expr d = c.declare(TypeName.DOUBLE, "d", Expr.sub(new Expr.Cast(TypeName.DOUBLE, a.at(pn, i)), a.at(yn, i)));
    c.accumulate(s, Expr.mul(d, d));
  }

  /** Per-sample losses, accumulated in double as the interpreter does. */
  private void loss(Node n, Expr o, Code c) {
    Node pn = n.input(0);
    Node yn = n.input(1);
    int size = pn.size();
    c.open();
    Expr s = c.declare(TypeName.DOUBLE, "s", Expr.i(0));
    Expr result;
    switch (n.op()) {
      case MSE:
        if (size < dev.deltac.compiler.interp.Kernels.MSE_LANES_FROM) {
          c.loop("i", size, false, i -> squareInto(s, pn, yn, i, c));
          result = Expr.div(s, Expr.i(size));
          break;
        }
        // Four double sums, element i into sum i mod 4, added as (s0 + s1) + (s2 + s3): the same
        // order at every vector width (the interpreter's too), and four independent chains of
        // adds instead of one of 4 096 for an LSTM's [128, 32] hidden states.
        Expr[] lane = new Expr[4];
        lane[0] = s;
        for (int k = 1; k < 4; k++) lane[k] = c.declare(TypeName.DOUBLE, "s" + k, Expr.i(0));
        int whole = size - size % 4;
        c.loop("i", 0, whole, 4, false, i -> {
          for (int k = 0; k < 4; k++) squareInto(lane[k], pn, yn, k == 0 ? i : Expr.add(i, Expr.i(k)), c);
        });
        for (int i = whole; i < size; i++) squareInto(lane[i % 4], pn, yn, Expr.i(i), c);
        result = Expr.div(Expr.paren(Expr.add(Expr.paren(Expr.add(lane[0], lane[1])),
            Expr.paren(Expr.add(lane[2], lane[3])))), Expr.i(size));
        break;
      case BCE:
        c.loop("i", size, false, i -> {
          Expr p = a.at(pn, i);
          Expr y = a.at(yn, i);
          c.accumulate(s, Expr.add(Expr.mul(y, math("log", p)),
              Expr.mul(Expr.paren(Expr.sub(Expr.i(1), y)), math("log", Expr.sub(Expr.i(1), p)))));
        });
        result = Expr.div(Expr.neg(s), Expr.i(size));
        break;
      case BCE_LOGITS: {
        String shared = expShare(pn);
        boolean known = expKnown.contains(pn.id());
        c.loop("i", size, false, i -> {
          Expr logit = c.declare(TypeName.DOUBLE, "logit", a.at(pn, i));
          Expr e = math("exp", Expr.neg(math("abs", logit)));
          if (shared != null && known) {
            e = expAt(pn, i);
          } else if (shared != null) {
            Expr local = c.declare(TypeName.DOUBLE, "e", e);
            c.assign(expAt(pn, i), local);
            e = local;
          }
          // float32: log1p(t) for t in (0, 1] through the intrinsic Math.log (MathFunctions).
          Expr log1p = num.isFloat ? Expr.call(JavaTypes.MATH_FUNCTIONS, "log1pUnit", e) : math("log1p", e);
          c.accumulate(s, Expr.add(Expr.sub(math("max", logit, Expr.i(0)), Expr.mul(logit, a.at(yn, i))), log1p));
        });
        if (shared != null) expKnown.add(pn.id());
        result = Expr.div(s, Expr.i(size));
        break;
      }
      case CROSS_ENTROPY:
        // xlogy: a zero target contributes 0 even where p is 0 (PyTorch's nll_loss of log p
        // picks the label's term only), not 0 * log 0 = NaN.
        c.loop("i", size, false, i -> c.accumulate(s, Expr.cond(Expr.bin("==", a.at(yn, i), Expr.i(0)),
            Num.dlit(0), Expr.mul(a.at(yn, i), math("log", a.at(pn, i))))));
        result = Expr.neg(s);
        break;
      case SOFTMAX_CE: {
        Expr lse = logSumExp(pn, c);
        c.loop("i", size, false, i -> c.accumulate(s, Expr.mul(a.at(yn, i), Expr.paren(Expr.sub(lse, a.at(pn, i))))));
        result = s;
        break;
      }
      case HUBER: {
        Expr delta = Num.dlit(n.attr().doubleAt(0));
        Expr half = Num.dlit(0.5);
        c.loop("i", size, false, i -> {
          Expr d = c.declare(TypeName.DOUBLE, "d",
              math("abs", Expr.sub(new Expr.Cast(TypeName.DOUBLE, a.at(pn, i)), a.at(yn, i))));
          c.accumulate(s, Expr.cond(Expr.bin("<=", d, delta), Expr.mul(Expr.mul(half, d), d),
              Expr.mul(delta, Expr.paren(Expr.sub(d, Expr.mul(half, delta))))));
        });
        result = Expr.div(s, Expr.i(size));
        break;
      }
      default:
        throw new IllegalStateException("not a loss: " + n.op());
    }
    c.assign(Expr.at(o, 0), num.cast(Expr.paren(result)));
    c.close();
  }
}
