package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.types.Shape;

/**
 * Matrix products, outer products, the fused δ-recurrence and the accumulation of parameter
 * gradients. Tiny layers (at most {@link NodeKernels#UNROLL_WORK} multiply-adds) are unrolled;
 * larger ones loop over whole row arrays of the weights, which C2 vectorizes: axpy sweeps
 * {@code out[j] += d * row[j]}, and dot products four rows at a time so that four independent
 * accumulators share each load of the vector.
 */
final class LinearKernels {
  private final Access a;
  private final Num num;

  LinearKernels(Access access) {
    this.a = access;
    this.num = access.num;
  }

  void matmul(Node n, String o, GraphPlan.Fused fused, Code c) {
    Node l = n.input(0);
    Node r = n.input(1);
    Shape sa = l.shape();
    Shape sb = r.shape();
    boolean ta = n.attr().intAt(0) != 0 && sa.rank() == 2;
    boolean tb = n.attr().intAt(1) != 0 && sb.rank() == 2;
    if (sa.rank() == 2 && sb.rank() == 1) {
      if (ta) axpyRows(l, r, sa.dim(0), sa.dim(1), o, fused, c);
      else dotRows(l, r, sa.dim(0), sa.dim(1), o, c);
    } else if (sa.rank() == 1 && sb.rank() == 2) {
      if (tb) dotRows(r, l, sb.dim(0), sb.dim(1), o, c);
      else axpyRows(r, l, sb.dim(0), sb.dim(1), o, null, c);
    } else if (sa.rank() == 1 && sb.rank() == 1) {
      dot(l, r, sa.dim(0), o, c);
    } else {
      general(l, r, ta, tb, o, c);
    }
  }

  /** o[i] = sum over q of W[i][q] * v[q], for W [m, k]. */
  private void dotRows(Node w, Node v, int m, int k, String o, Code c) {
    if (m * k <= NodeKernels.UNROLL_WORK) {
      for (int i = 0; i < m; i++) {
        StringBuilder sb = new StringBuilder();
        for (int q = 0; q < k; q++) {
          if (q > 0) sb.append(" + ");
          sb.append(a.atS(w, Ix.c(i), Ix.c(q), k)).append(" * ").append(Access.p(a.atS(v, Ix.c(q))));
        }
        c.line(o + "[" + i + "] = " + sb + ";");
      }
      return;
    }
    String t = num.t;
    String vec = a.arrS(v);
    if (num.isFloat && vec != null && ClassContext.isMatrixParam(w) && w.shape().rank() == 2
        && ClassContext.rowSize(w) == k && m * k >= BatchedPass.MIN_WEIGHTS) {
      // A large float32 product of one sample: the register-blocked Vector API kernel (8 rows
      // per pass) instead of the scalar 4-row dot products (C2 does not vectorize reductions).
      c.line("dev.deltac.runtime.kernels.DenseKernels.forward(1, " + m + ", " + k + ", "
          + a.ctx.paramField.get(w.attr().name()) + ", null, " + vec + ", 0, " + k + ", " + o
          + ", 0, " + m + ");");
      return;
    }
    c.openRaw("");
    c.line(t + "[] out = " + o + ";");
    if (vec != null) c.line(t + "[] vec = " + vec + ";");
    String vq = vec != null ? "vec[q]" : a.atS(v, Ix.v("q"));
    if (ClassContext.isMatrixParam(w)) {
      int m4 = m - m % 4;
      if (m4 > 0) {
        c.openRaw("for (int i = 0; i < " + m4 + "; i += 4)");
        for (int r = 0; r < 4; r++) c.line(t + "[] r" + r + " = " + a.rowS(w, Ix.v("i").plus(r)) + ";");
        c.line(t + " s0 = 0, s1 = 0, s2 = 0, s3 = 0;");
        c.openRaw("for (int q = 0; q < " + k + "; q++)");
        c.line(t + " vq = " + vq + ";");
        for (int r = 0; r < 4; r++) c.line("s" + r + " += r" + r + "[q] * vq;");
        c.close();
        for (int r = 0; r < 4; r++) c.line("out[" + Ix.v("i").plus(r) + "] = s" + r + ";");
        c.close();
      }
      c.loopIx("i", m4, m, 1, false, i -> {
        c.line(t + "[] r0 = " + a.rowS(w, i) + ";");
        c.line(t + " s0 = 0;");
        c.loopIx("q", k, false, q -> c.line("s0 += r0[" + q + "] * " + (vec != null ? "vec[" + q + "]" : Access.p(a.atS(v, q))) + ";"));
        c.line("out[" + i + "] = s0;");
      });
    } else {
      c.loopIx("i", m, false, i -> {
        c.line(t + " s0 = 0;");
        c.loopIx("q", k, false, q -> c.line("s0 += " + a.atS(w, i, q, k) + " * " + Access.p(a.atS(v, q)) + ";"));
        c.line("out[" + i + "] = s0;");
      });
    }
    c.close();
  }

  /**
   * o[j] = sum over i of v[i] * W[i][j], for W [m, k]: axpy over W's rows; with {@code fused},
   * the same sweep accumulates the weight gradient {@code dW[i][j] += v[i] * hPrev[j]}.
   */
  private void axpyRows(Node w, Node v, int m, int k, String o, GraphPlan.Fused fused, Code c) {
    String grad = fused == null ? null : a.ctx.gradField.get(fused.param());
    Node hp = fused == null ? null : fused.term().input(1);
    if (m * k <= NodeKernels.UNROLL_WORK) {
      for (int j = 0; j < k; j++) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < m; i++) {
          if (i > 0) sb.append(" + ");
          sb.append(Access.p(a.atS(v, Ix.c(i)))).append(" * ").append(a.atS(w, Ix.c(i), Ix.c(j), k));
        }
        c.line(o + "[" + j + "] = " + sb + ";");
      }
      if (fused != null) unrolledOuter(grad, v, hp, m, k, c);
      return;
    }
    sweepRows(w, v, m, k, o, grad, hp, c);
    c.close();
  }

  /**
   * Opens a block that computes {@code out = W^T v} as one sweep over W's rows
   * ({@code out[j] += d * row[j]}, which C2 vectorizes) and, when {@code grad} is not null, adds
   * the fused weight gradient {@code outer(v, hp)} in the same sweep
   * ({@code grow[j] += d * vec[j]}). The caller closes the block.
   */
  private void sweepRows(Node w, Node v, int m, int k, String o, String grad, Node hp, Code c) {
    String t = num.t;
    String hpArr = hp == null ? null : a.arrS(hp);
    c.openRaw("");
    c.line(t + "[] out = " + o + ";");
    if (hpArr != null) c.line(t + "[] vec = " + hpArr + ";");
    c.line("java.util.Arrays.fill(out, " + num.litS(0) + ");");
    c.loopIx("i", m, false, i -> {
      c.line(t + " d = " + a.atS(v, i) + ";");
      String row = a.rowS(w, i);
      if (row != null) c.line(t + "[] row = " + row + ";");
      if (grad != null) c.line(t + "[] grow = " + grad + "[" + i + "];");
      c.loopIx("j", k, false, j -> {
        c.line("out[" + j + "] += d * " + (row != null ? "row[" + j + "]" : Access.p(a.atS(w, i, j, k))) + ";");
        if (grad != null) {
          c.line("grow[" + j + "] += d * " + (hpArr != null ? "vec[" + j + "]" : Access.p(a.atS(hp, j))) + ";");
        }
      });
    });
  }

  private void unrolledOuter(String grad, Node l, Node r, int m, int k, Code c) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < k; j++) {
        c.line(grad + "[" + i + "][" + j + "] += " + Access.p(a.atS(l, Ix.c(i))) + " * "
            + Access.p(a.atS(r, Ix.c(j))) + ";");
      }
    }
  }

  private void dot(Node l, Node r, int k, String o, Code c) {
    if (k <= NodeKernels.UNROLL_WORK) {
      StringBuilder sb = new StringBuilder();
      for (int q = 0; q < k; q++) {
        if (q > 0) sb.append(" + ");
        sb.append(Access.p(a.atS(l, Ix.c(q)))).append(" * ").append(Access.p(a.atS(r, Ix.c(q))));
      }
      c.line(o + "[0] = " + sb + ";");
      return;
    }
    c.openRaw("");
    c.line(num.t + " s0 = 0;");
    c.loopIx("q", k, false, q -> c.line("s0 += " + Access.p(a.atS(l, q)) + " * " + Access.p(a.atS(r, q)) + ";"));
    c.line(o + "[0] = s0;");
    c.close();
  }

  /** Matrix times matrix, either side optionally transposed. */
  private void general(Node l, Node r, boolean ta, boolean tb, String o, Code c) {
    Shape sa = l.shape();
    Shape sb = r.shape();
    int m = ta ? sa.dim(1) : sa.dim(0);
    int k = ta ? sa.dim(0) : sa.dim(1);
    int p = tb ? sb.dim(0) : sb.dim(1);
    int ac = sa.dim(1);
    int bc = sb.dim(1);
    boolean unroll = m * k * p <= NodeKernels.UNROLL_WORK;
    c.loopIx("i", m, unroll, i -> c.loopIx("j", p, unroll, j -> {
      if (unroll) {
        StringBuilder sb2 = new StringBuilder();
        for (int q = 0; q < k; q++) {
          if (q > 0) sb2.append(" + ");
          Ix qi = Ix.c(q);
          sb2.append(ta ? a.atS(l, qi, i, ac) : a.atS(l, i, qi, ac)).append(" * ")
              .append(tb ? a.atS(r, j, qi, bc) : a.atS(r, qi, j, bc));
        }
        c.line(o + "[" + i.times(p).plus(j) + "] = " + sb2 + ";");
        return;
      }
      c.line(num.t + " s0 = 0;");
      c.loopIx("q", k, false, q -> c.line("s0 += " + (ta ? a.atS(l, q, i, ac) : a.atS(l, i, q, ac))
          + " * " + (tb ? a.atS(r, j, q, bc) : a.atS(r, q, j, bc)) + ";"));
      c.line(o + "[" + i.times(p).plus(j) + "] = s0;");
    }));
  }

  /** A materialized outer product. */
  void outer(Node n, String o, Code c) {
    Node l = n.input(0);
    Node r = n.input(1);
    int m = l.size();
    int k = r.size();
    boolean unroll = m * k <= NodeKernels.UNROLL_WORK;
    c.loopIx("i", m, unroll, i -> c.loopIx("j", k, unroll, j -> c.line(o + "[" + i.times(k).plus(j)
        + "] = " + Access.p(a.atS(l, i)) + " * " + Access.p(a.atS(r, j)) + ";")));
  }

  /**
   * The fused δ-recurrence {@code out = (W^T δ) ⊙ φ'(h)}; with {@code fused}, the same sweep over
   * W's rows also accumulates the weight gradient {@code dW[i][j] += δ[i] * hPrev[j]}.
   */
  void delta(Node n, String o, GraphPlan.Fused fused, Code c) {
    Node w = n.input(0);
    Node d = n.input(1);
    Node h = n.input(2);
    int m = w.shape().dim(0);
    int k = w.shape().dim(1);
    String act = n.attr().name();
    String grad = fused == null ? null : a.ctx.gradField.get(fused.param());
    Node hp = fused == null ? null : fused.term().input(1);
    if (m * k <= NodeKernels.UNROLL_WORK) {
      for (int j = 0; j < k; j++) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < m; i++) {
          if (i > 0) sb.append(" + ");
          sb.append(a.atS(w, Ix.c(i), Ix.c(j), k)).append(" * ").append(Access.p(a.atS(d, Ix.c(i))));
        }
        String slope = slopeS(act, a.atS(h, Ix.c(j)));
        c.line(o + "[" + j + "] = " + (slope == null ? sb : "(" + sb + ") * " + slope) + ";");
      }
      if (fused != null) unrolledOuter(grad, d, hp, m, k, c);
      return;
    }
    sweepRows(w, d, m, k, o, grad, hp, c);
    if (!act.equals("identity")) {
      c.loopIx("j", k, false, j -> c.line("out[" + j + "] *= " + slopeS(act, a.atS(h, j)) + ";"));
    }
    c.close();
  }

  /** φ'(z) written through h = φ(z); null for identity. */
  String slopeS(String act, String h) {
    String one = num.litS(1);
    String zero = num.litS(0);
    String ph = Access.p(h);
    switch (act) {
      case "sigmoid": return ph + " * (" + one + " - " + ph + ")";
      case "tanh": return "(" + one + " - " + ph + " * " + ph + ")";
      case "relu":
        // branch-free for float32 (random signs over a batch mispredict): same values
        return num.isFloat ? "dev.deltac.runtime.MathFunctions.stepf(" + h + ")"
            : "(" + ph + " > 0 ? " + one + " : " + zero + ")";
      case "identity": return null;
      default: throw new IllegalStateException("no slope for " + act);
    }
  }

  /** φ'(z) written through h = φ(z); null for identity. */
  Expr slope(String act, Expr h) {
    Expr one = num.lit(1);
    switch (act) {
      case "sigmoid": return Expr.mul(h, Expr.paren(Expr.sub(one, h)));
      case "tanh": return Expr.paren(Expr.sub(one, Expr.mul(h, h)));
      case "relu":
        // branch-free for float32 (random signs over a batch mispredict): same values
        return num.isFloat ? Expr.call(JavaTypes.MATH_FUNCTIONS, "stepf", h)
            : Expr.cond(Expr.bin(">", h, Expr.i(0)), one, num.lit(0));
      case "identity": return null;
      default: throw new IllegalStateException("no slope for " + act);
    }
  }

  /** Adds one term of d(loss)/d(param) for this sample into the param's gradient storage. */
  void accumulate(String param, Node term, Node paramNode, Code c) {
    String g = a.ctx.gradField.get(param);
    String t = num.t;
    boolean matrix = paramNode.shape().rank() >= 2;
    if (a.plan.directOuter.contains(term.id())) {
      Node l = term.input(0);
      Node r = term.input(1);
      int m = l.size();
      int k = r.size();
      if (m * k <= NodeKernels.UNROLL_WORK) {
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < k; j++) {
            c.line(g + "[" + i + "][" + j + "] += " + Access.p(a.atS(l, Ix.c(i))) + " * "
                + Access.p(a.atS(r, Ix.c(j))) + ";");
          }
        }
        return;
      }
      String vec = a.arrS(r);
      c.openRaw("");
      if (vec != null) c.line(t + "[] vec = " + vec + ";");
      c.loopIx("i", m, false, i -> {
        c.line(t + " d = " + a.atS(l, i) + ";");
        c.line(t + "[] grow = " + g + "[" + i + "];");
        c.loopIx("j", k, false, j -> c.line("grow[" + j + "] += d * "
            + (vec != null ? "vec[" + j + "]" : Access.p(a.atS(r, j))) + ";"));
      });
      c.close();
      return;
    }
    int size = paramNode.size();
    if (!matrix) {
      c.loopIx("i", size, size <= NodeKernels.UNROLL_ELEMENTS,
          i -> c.line(g + "[" + i + "] += " + a.atS(term, i) + ";"));
      return;
    }
    int rows = paramNode.shape().dim(0);
    int cols = size / rows;
    boolean unroll = size <= NodeKernels.UNROLL_ELEMENTS;
    c.loopIx("i", rows, unroll, i -> {
      if (unroll) {
        for (int j = 0; j < cols; j++) {
          c.line(g + "[" + i + "][" + j + "] += " + a.atS(term, i.times(cols).plus(j)) + ";");
        }
        return;
      }
      c.line(t + "[] grow = " + g + "[" + i + "];");
      c.loopIx("j", cols, false, j -> c.line("grow[" + j + "] += " + a.atS(term, i.times(cols).plus(j)) + ";"));
    });
  }
}
