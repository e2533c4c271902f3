package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
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

  /** Code that computes n into its buffer. */
  void emit(Node n, Code c) {
    String o = a.plan.buffers.get(n.id());
    Op op = n.op();
    if (op == Op.SIGMOID && expShare(n.input(0)) != null) {
      sigmoidShared(n, o, c);
      return;
    }
    if (op.isElementwise() || op == Op.BROADCAST) {
      c.loopIx("i", n.size(), n.size() <= UNROLL_ELEMENTS, i -> c.line(o + "[" + i + "] = " + a.exprS(n, i) + ";"));
      return;
    }
    if (op.kind == Op.Kind.LOSS) {
      loss(n, o, c);
      return;
    }
    switch (op) {
      case SUM: sum(n, o, c); return;
      case SOFTMAX: case LOG_SOFTMAX: case LOGSUMEXP: softmax(n, o, c); return;
      case MATMUL:
      case OUTER:
        if (hasZeroOperand(n) && !a.plan.fused.containsKey(n.id())) {
          fill(o, 0, n.size(), c);
        } else if (op == Op.MATMUL) {
          linear.matmul(n, o, a.plan.fused.get(n.id()), c);
        } else {
          linear.outer(n, o, c);
        }
        return;
      case DELTA: linear.delta(n, o, a.plan.fused.get(n.id()), c); return;
      case TRANSPOSE: transpose(n, o, c); return;
      case INDEX: {
        int row = n.size();
        copy(n.input(0), n.attr().intAt(0) * row, o, 0, row, c);
        return;
      }
      case SLICE: {
        Shape s = n.input(0).shape();
        copy(n.input(0), n.attr().intAt(0) * (s.size() / s.dim(0)), o, 0, n.size(), c);
        return;
      }
      case PAD_FIRST: {
        int row = n.size() / n.shape().dim(0);
        int start = n.attr().intAt(0) * row;
        int len = n.input(0).size();
        fill(o, 0, start, c);
        copy(n.input(0), 0, o, start, len, c);
        fill(o, start + len, n.size(), c);
        return;
      }
      case CONCAT: {
        int off = 0;
        for (Node part : n.inputs()) {
          copy(part, 0, o, off, part.size(), c);
          off += part.size();
        }
        return;
      }
      case RESHAPE:
        copy(n.input(0), 0, o, 0, n.size(), c);
        return;
      case CONV2D: conv.forward(n, o, c); return;
      case CONV2D_GRAD_INPUT: conv.inputGrad(n, o, c); return;
      case CONV2D_GRAD_KERNEL: conv.kernelGrad(n, o, c); return;
      case MAXPOOL2D: case AVGPOOL2D: conv.pool(n, o, c); return;
      case MAXPOOL2D_GRAD: conv.maxPoolGrad(n, o, c); return;
      case AVGPOOL2D_GRAD: conv.avgPoolGrad(n, o, c); return;
      case DROPOUT_MASK: {
        String call = "dev.deltac.runtime.Dropout." + (num.t.equals("float") ? "scaleFloat" : "scale");
        int id = n.attr().intAt(0);
        String rate = Double.toString(n.attr().doubleAt(0));
        c.loopIx("i", n.size(), n.size() <= UNROLL_ELEMENTS, i -> c.line(o + "[" + i + "] = " + call
            + "(dropoutSeed, sampleIndex, " + id + ", " + i + ", " + rate + ");"));
        return;
      }
      default:
        throw new IllegalStateException("no code generator for " + op);
    }
  }

  private static boolean hasZeroOperand(Node n) {
    for (Node in : n.inputs()) {
      if (in.isConst(0.0)) return true;
    }
    return false;
  }

  private void fill(String o, int from, int to, Code c) {
    if (to - from <= 0) return;
    if (to - from <= UNROLL_ELEMENTS) {
      for (int k = from; k < to; k++) c.line(o + "[" + k + "] = 0;");
    } else {
      c.line("java.util.Arrays.fill(" + o + ", " + from + ", " + to + ", " + num.litS(0) + ");");
    }
  }

  /** o[dst + k] = src[from + k] for k below len. */
  void copy(Node src, int from, String o, int dst, int len, Code c) {
    String arr = a.arrS(src);
    if (arr != null && len > UNROLL_ELEMENTS) {
      c.line("System.arraycopy(" + arr + ", " + from + ", " + o + ", " + dst + ", " + len + ");");
      return;
    }
    c.loopIx("i", len, len <= UNROLL_ELEMENTS,
        i -> c.line(o + "[" + i.plus(dst) + "] = " + a.atS(src, i.plus(from)) + ";"));
  }

  private void sum(Node n, String o, Code c) {
    Node in = n.input(0);
    if (in.size() <= UNROLL_WORK) {
      StringBuilder sb = new StringBuilder();
      for (int k = 0; k < in.size(); k++) {
        if (k > 0) sb.append(" + ");
        sb.append(Access.p(a.atS(in, Ix.c(k))));
      }
      c.line(o + "[0] = " + sb + ";");
      return;
    }
    c.openRaw("");
    c.line(num.t + " acc = 0;");
    c.loopIx("i", in.size(), false, i -> c.line("acc += " + a.atS(in, i) + ";"));
    c.line(o + "[0] = acc;");
    c.close();
  }

  private void transpose(Node n, String o, Code c) {
    Shape s = n.input(0).shape();
    if (s.rank() < 2) {
      copy(n.input(0), 0, o, 0, n.size(), c);
      return;
    }
    int r = s.dim(0);
    int cols = s.dim(1);
    boolean unroll = n.size() <= UNROLL_ELEMENTS;
    c.loopIx("i", r, unroll, i -> c.loopIx("j", cols, unroll,
        j -> c.line(o + "[" + j.times(r).plus(i) + "] = " + a.atS(n.input(0), i, j, cols) + ";")));
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
  }

  // ---- e^-|z| shared between sigmoid(z) and bce_with_logits(z, y)

  /** Logits node id to the field holding e^-|z| per element, when both nodes need it. */
  private final java.util.Map<Integer, String> expField = new java.util.HashMap<>();
  /** Logits whose e^-|z| field holds the current sample's values at this point of the pass. */
  private final java.util.Set<Integer> expKnown = new java.util.HashSet<>();

  /** The field sharing e^-|z| (an element access prefix), or null when it is not shared. */
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

  private String expAt(Node z, Ix i) {
    String f = expShare(z);
    return z.size() == 1 ? f : f + "[" + i + "]";
  }

  /**
   * sigmoid(z) as z &gt;= 0 ? 1 / (1 + e) : e / (1 + e) with e = e^-|z| (MathFunctions.sigmoid's
   * formula), e computed here or taken from the logistic loss on the same logits.
   */
  private void sigmoidShared(Node n, String o, Code c) {
    Node z = n.input(0);
    boolean known = expKnown.contains(z.id());
    c.loopIx("i", n.size(), n.size() <= UNROLL_ELEMENTS, i -> {
      c.openRaw("");
      c.line("double x = " + a.atS(z, i) + ";");
      if (known) {
        c.line("double e = " + expAt(z, i) + ";");
      } else {
        c.line("double e = Math.exp(-Math.abs(x));");
        c.line(expAt(z, i) + " = e;");
      }
      c.line(o + "[" + i + "] = " + num.castS("(x >= 0 ? 1 / (1 + e) : e / (1 + e))") + ";");
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
   * Declares the double local {@code lse} = log(sum(exp(x))) of the operand: computed (and
   * stored in the shared field, if any) or read from the field when this sample's value is there.
   */
  private void logSumExp(Node in, Code c) {
    String f = lseShare(in);
    if (f != null && lseKnown.contains(in.id())) {
      c.line("double lse = " + f + ";");
      return;
    }
    c.line("double max = Double.NEGATIVE_INFINITY;");
    c.loopIx("i", in.size(), false, i -> c.line("max = Math.max(max, " + a.atS(in, i) + ");"));
    c.line("double lse = max;");
    c.openRaw("if (!Double.isInfinite(max))");
    c.line("double sumExp = 0;");
    c.loopIx("i", in.size(), false, i -> c.line("sumExp += Math.exp(" + a.atS(in, i) + " - max);"));
    c.line("lse = max + Math.log(sumExp);");
    c.close();
    shareLse(in, f, c);
  }

  private void shareLse(Node in, String f, Code c) {
    if (f == null) return;
    c.line(f + " = lse;");
    lseKnown.add(in.id());
  }

  private void softmax(Node n, String o, Code c) {
    Node in = n.input(0);
    c.openRaw("");
    String f = lseShare(in);
    if (n.op() == Op.SOFTMAX && !(f != null && lseKnown.contains(in.id()))) {
      // One exp per element: p = e / Σe with e = exp(x - max) kept in a double scratch row.
      String e = a.ctx.doubleScratch(in.size());
      c.line("double max = Double.NEGATIVE_INFINITY;");
      c.loopIx("i", in.size(), false, i -> c.line("max = Math.max(max, " + a.atS(in, i) + ");"));
      c.line("double lse = max;");
      c.openRaw("if (!Double.isInfinite(max))");
      c.line("double sumExp = 0;");
      c.loopIx("i", in.size(), false, i -> {
        c.line("double ei = Math.exp(" + a.atS(in, i) + " - max);");
        c.line(e + "[" + i + "] = ei;");
        c.line("sumExp += ei;");
      });
      c.line("lse = max + Math.log(sumExp);");
      c.loopIx("i", in.size(), false, i -> c.line(o + "[" + i + "] = " + num.castS("(" + e + "[" + i + "] / sumExp)") + ";"));
      c.orElse();
      c.loopIx("i", in.size(), false,
          i -> c.line(o + "[" + i + "] = " + num.castS("Math.exp(" + a.atS(in, i) + " - lse)") + ";"));
      c.close();
      shareLse(in, f, c);
      c.close();
      return;
    }
    logSumExp(in, c);
    switch (n.op()) {
      case SOFTMAX:
        c.loopIx("i", in.size(), false,
            i -> c.line(o + "[" + i + "] = " + num.castS("Math.exp(" + a.atS(in, i) + " - lse)") + ";"));
        break;
      case LOG_SOFTMAX:
        c.loopIx("i", in.size(), false,
            i -> c.line(o + "[" + i + "] = " + num.castS("(" + a.atS(in, i) + " - lse)") + ";"));
        break;
      default:
        c.line(o + "[0] = " + num.castS("lse") + ";");
    }
    c.close();
  }

  /** Per-sample losses, accumulated in double as the interpreter does. */
  private void loss(Node n, String o, Code c) {
    Node pn = n.input(0);
    Node yn = n.input(1);
    int size = pn.size();
    c.openRaw("");
    c.line("double s = 0;");
    String result;
    switch (n.op()) {
      case MSE:
        c.loopIx("i", size, false, i -> {
          c.line("double d = (double) " + a.atS(pn, i) + " - " + Access.p(a.atS(yn, i)) + ";");
          c.line("s += d * d;");
        });
        result = "s / " + size;
        break;
      case BCE:
        c.loopIx("i", size, false, i -> {
          String p = a.atS(pn, i);
          String y = a.atS(yn, i);
          c.line("s += " + y + " * Math.log(" + p + ") + (1 - " + Access.p(y) + ") * Math.log(1 - "
              + Access.p(p) + ");");
        });
        result = "-s / " + size;
        break;
      case BCE_LOGITS: {
        String shared = expShare(pn);
        boolean known = expKnown.contains(pn.id());
        c.loopIx("i", size, false, i -> {
          c.line("double logit = " + a.atS(pn, i) + ";");
          // float32: log1p(t) for t in (0, 1] through the intrinsic Math.log (MathFunctions).
          String log1p = num.isFloat ? "dev.deltac.runtime.MathFunctions.log1pUnit" : "Math.log1p";
          String e = "Math.exp(-Math.abs(logit))";
          if (shared != null && known) {
            e = expAt(pn, i);
          } else if (shared != null) {
            c.line("double e = " + e + ";");
            c.line(expAt(pn, i) + " = e;");
            e = "e";
          }
          c.line("s += Math.max(logit, 0) - logit * " + Access.p(a.atS(yn, i)) + " + " + log1p + "(" + e + ");");
        });
        if (shared != null) expKnown.add(pn.id());
        result = "s / " + size;
        break;
      }
      case CROSS_ENTROPY:
        c.loopIx("i", size, false,
            i -> c.line("s += " + Access.p(a.atS(yn, i)) + " * Math.log(" + a.atS(pn, i) + ");"));
        result = "-s";
        break;
      case SOFTMAX_CE:
        logSumExp(pn, c);
        c.loopIx("i", size, false, i -> c.line("s += " + Access.p(a.atS(yn, i)) + " * (lse - "
            + Access.p(a.atS(pn, i)) + ");"));
        result = "s";
        break;
      case HUBER: {
        String delta = Double.toString(n.attr().doubleAt(0));
        c.loopIx("i", size, false, i -> {
          c.line("double d = Math.abs((double) " + a.atS(pn, i) + " - " + Access.p(a.atS(yn, i)) + ");");
          c.line("s += d <= " + delta + " ? 0.5 * d * d : " + delta + " * (d - 0.5 * " + delta + ");");
        });
        result = "s / " + size;
        break;
      }
      default:
        throw new IllegalStateException("not a loss: " + n.op());
    }
    c.line(o + "[0] = " + num.castS("(" + result + ")") + ";");
    c.close();
  }
}
