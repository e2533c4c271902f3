package dev.deltac.compiler.emit;

import com.palantir.javapoet.TypeName;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.types.Shape;
import java.util.ArrayList;
import java.util.List;

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

  void matmul(Node n, Expr o, GraphPlan.Fused fused, Code c) {
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

  /** {@code terms[0] + terms[1] + ...}, summed left to right. */
  private static Expr sum(List<Expr> terms) {
    Expr s = terms.get(0);
    for (int k = 1; k < terms.size(); k++) s = Expr.add(s, terms.get(k));
    return s;
  }

  /**
   * {@code x * slope} multiplied factor by factor, left to right ({@code x * h * (1 - h)} for
   * sigmoid), the order the per-sample and batched passes share.
   */
  static Expr scale(Expr x, Expr slope) {
    if (slope instanceof Expr.Bin b && b.op().equals("*")) return Expr.mul(scale(x, b.left()), b.right());
    return Expr.mul(x, slope);
  }

  /** o[i] = sum over q of W[i][q] * v[q], for W [m, k]. */
  private void dotRows(Node w, Node v, int m, int k, Expr o, Code c) {
    if (m * k <= NodeKernels.UNROLL_WORK) {
      for (int i = 0; i < m; i++) {
        List<Expr> terms = new ArrayList<>();
        for (int q = 0; q < k; q++) terms.add(Expr.mul(a.at(w, Expr.i(i), Expr.i(q), k), a.at(v, q)));
        c.assign(Expr.at(o, i), sum(terms));
      }
      return;
    }
    Expr vecSrc = a.arr(v);
    if (num.isFloat && vecSrc != null && ClassContext.isMatrixParam(w) && w.shape().rank() == 2
        && ClassContext.rowSize(w) == k && m * k >= BatchedPass.MIN_WEIGHTS) {
      // A large float32 product of one sample: the register-blocked Vector API kernel (8 rows
      // per pass) instead of the scalar 4-row dot products (C2 does not vectorize reductions).
      c.eval(Expr.call(JavaTypes.DENSE_KERNELS, "forward", Expr.i(1), Expr.i(m), Expr.i(k),
          Expr.field(a.ctx.paramField.get(w.attr().name())), Expr.NULL, vecSrc, Expr.i(0), Expr.i(k), o,
          Expr.i(0), Expr.i(m)));
      return;
    }
    c.open();
    Expr out = c.declare(num.array(), "out", o);
    Expr vec = vecSrc == null ? null : c.declare(num.array(), "vec", vecSrc);
    if (ClassContext.isMatrixParam(w)) {
      int m4 = m - m % 4;
      c.loop("i", 0, m4, 4, false, i -> {
        Expr[] rows = new Expr[4];
        Expr[] sums = new Expr[4];
        for (int r = 0; r < 4; r++) rows[r] = c.declare(num.array(), "r" + r, a.row(w, Expr.plus(i, r)));
        for (int r = 0; r < 4; r++) sums[r] = c.declare(num.type(), "s" + r, Expr.i(0));
        c.loop("q", k, false, q -> {
          Expr vq = c.declare(num.type(), "vq", vec != null ? Expr.at(vec, q) : a.at(v, q));
          for (int r = 0; r < 4; r++) c.accumulate(sums[r], Expr.mul(Expr.at(rows[r], q), vq));
        });
        for (int r = 0; r < 4; r++) c.assign(Expr.at(out, Expr.plus(i, r)), sums[r]);
      });
      c.loop("i", m4, m, 1, false, i -> {
        Expr r0 = c.declare(num.array(), "r0", a.row(w, i));
        Expr s0 = c.declare(num.type(), "s0", Expr.i(0));
        c.loop("q", k, false, q -> c.accumulate(s0, Expr.mul(Expr.at(r0, q), vec != null ? Expr.at(vec, q) : a.at(v, q))));
        c.assign(Expr.at(out, i), s0);
      });
    } else {
      c.loop("i", m, false, i -> {
        Expr s0 = c.declare(num.type(), "s0", Expr.i(0));
        c.loop("q", k, false, q -> c.accumulate(s0, Expr.mul(a.at(w, i, q, k), a.at(v, q))));
        c.assign(Expr.at(out, i), s0);
      });
    }
    c.close();
  }

  /**
   * o[j] = sum over i of v[i] * W[i][j], for W [m, k]: axpy over W's rows; with {@code fused},
   * the same sweep accumulates the weight gradient {@code dW[i][j] += v[i] * hPrev[j]}.
   */
  private void axpyRows(Node w, Node v, int m, int k, Expr o, GraphPlan.Fused fused, Code c) {
    Expr grad = fused == null ? null : Expr.field(a.ctx.gradField.get(fused.param()));
    Node hp = fused == null ? null : fused.term().input(1);
    if (m * k <= NodeKernels.UNROLL_WORK) {
      for (int j = 0; j < k; j++) {
        List<Expr> terms = new ArrayList<>();
        for (int i = 0; i < m; i++) terms.add(Expr.mul(a.at(v, i), a.at(w, Expr.i(i), Expr.i(j), k)));
        c.assign(Expr.at(o, j), sum(terms));
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
   * ({@code grow[j] += d * vec[j]}). Returns the block's {@code out}; the caller closes the block.
   */
  private Expr sweepRows(Node w, Node v, int m, int k, Expr o, Expr grad, Node hp, Code c) {
    Expr hpArr = hp == null ? null : a.arr(hp);
    c.open();
    Expr out = c.declare(num.array(), "out", o);
    Expr vec = hpArr == null ? null : c.declare(num.array(), "vec", hpArr);
    c.eval(Expr.call(JavaTypes.ARRAYS, "fill", out, num.lit(0)));
    c.loop("i", m, false, i -> {
      Expr d = c.declare(num.type(), "d", a.at(v, i));
      Expr rowSrc = a.row(w, i);
      Expr row = rowSrc == null ? null : c.declare(num.array(), "row", rowSrc);
      Expr grow = grad == null ? null : c.declare(num.array(), "grow", Expr.at(grad, i));
      c.loop("j", k, false, j -> {
        c.accumulate(Expr.at(out, j), Expr.mul(d, row != null ? Expr.at(row, j) : a.at(w, i, j, k)));
        if (grow != null) c.accumulate(Expr.at(grow, j), Expr.mul(d, vec != null ? Expr.at(vec, j) : a.at(hp, j)));
      });
    });
    return out;
  }

  private void unrolledOuter(Expr grad, Node l, Node r, int m, int k, Code c) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < k; j++) c.accumulate(Expr.at(Expr.at(grad, i), j), Expr.mul(a.at(l, i), a.at(r, j)));
    }
  }

  private void dot(Node l, Node r, int k, Expr o, Code c) {
    if (k <= NodeKernels.UNROLL_WORK) {
      List<Expr> terms = new ArrayList<>();
      for (int q = 0; q < k; q++) terms.add(Expr.mul(a.at(l, q), a.at(r, q)));
      c.assign(Expr.at(o, 0), sum(terms));
      return;
    }
    c.open();
    Expr s0 = c.declare(num.type(), "s0", Expr.i(0));
    c.loop("q", k, false, q -> c.accumulate(s0, Expr.mul(a.at(l, q), a.at(r, q))));
    c.assign(Expr.at(o, 0), s0);
    c.close();
  }

  /** Matrix times matrix, either side optionally transposed. */
  private void general(Node l, Node r, boolean ta, boolean tb, Expr o, Code c) {
    Shape sa = l.shape();
    Shape sb = r.shape();
    int m = ta ? sa.dim(1) : sa.dim(0);
    int k = ta ? sa.dim(0) : sa.dim(1);
    int p = tb ? sb.dim(0) : sb.dim(1);
    int ac = sa.dim(1);
    int bc = sb.dim(1);
    boolean unroll = m * k * p <= NodeKernels.UNROLL_WORK;
    if (!unroll && denseRows(l, r, ta, tb, m, k, p, o, c)) return;
    if (!unroll && !tb) {
      // Each output row is an axpy sweep over the right side's rows (C2 vectorizes the j loop);
      // every element still sums q ascending from 0, the interpreter's order.
      c.loop("i", m, false, i -> {
        Expr orow = c.declare(TypeName.INT, "orow", Expr.times(i, p));
        c.loop("j", p, false, j -> c.assign(Expr.at(o, Expr.plus(orow, j)), num.lit(0)));
        c.loop("q", k, false, q -> {
          Expr x = c.declare(num.type(), "x", ta ? a.at(l, q, i, ac) : a.at(l, i, q, ac));
          Expr rowSrc = ClassContext.isMatrixParam(r) && ClassContext.rowSize(r) == bc ? a.row(r, q) : null;
          Expr row = rowSrc == null ? null : c.declare(num.array(), "row", rowSrc);
          c.loop("j", p, false, j -> c.accumulate(Expr.at(o, Expr.plus(orow, j)),
              Expr.mul(x, row != null ? Expr.at(row, j) : a.at(r, q, j, bc))));
        });
      });
      return;
    }
    c.loop("i", m, unroll, i -> c.loop("j", p, unroll, j -> {
      Expr target = Expr.at(o, Expr.plus(Expr.times(i, p), j));
      if (unroll) {
        List<Expr> terms = new ArrayList<>();
        for (int q = 0; q < k; q++) {
          Expr qi = Expr.i(q);
          terms.add(Expr.mul(ta ? a.at(l, qi, i, ac) : a.at(l, i, qi, ac), tb ? a.at(r, j, qi, bc) : a.at(r, qi, j, bc)));
        }
        c.assign(target, sum(terms));
        return;
      }
      Expr s0 = c.declare(num.type(), "s0", Expr.i(0));
      c.loop("q", k, false, q -> c.accumulate(s0, Expr.mul(ta ? a.at(l, q, i, ac) : a.at(l, i, q, ac),
          tb ? a.at(r, j, q, bc) : a.at(r, q, j, bc))));
      c.assign(target, s0);
    }));
  }

  /**
   * A batch of matrix products, {@code out[s] = op(A[s]) op(B[s])}. Without a transposed right
   * side each output row is an axpy sweep over B's rows ({@code row[j] += A[i][q] * B[q][j]},
   * which C2 vectorizes); with one, dot products. Either way every element sums q ascending from
   * 0, the interpreter's order.
   */
  void batchMatmul(Node n, Expr o, Code c) {
    Node l = n.input(0);
    Node r = n.input(1);
    Shape sa = l.shape();
    Shape sb = r.shape();
    boolean ta = n.attr().intAt(0) != 0;
    boolean tb = n.attr().intAt(1) != 0;
    int batch = sa.dim(0);
    int ac = sa.dim(2);
    int bc = sb.dim(2);
    int m = ta ? sa.dim(2) : sa.dim(1);
    int k = ta ? sa.dim(1) : sa.dim(2);
    int p = tb ? sb.dim(1) : sb.dim(2);
    int aStride = sa.dim(1) * sa.dim(2);
    int bStride = sb.dim(1) * sb.dim(2);
    Expr la = a.arr(l);
    Expr ra = a.arr(r);
    if (num.isFloat && la != null && ra != null && m * k * p > NodeKernels.UNROLL_WORK) {
      // float32: the small-matrix kernel (vectors over the output columns, the same FMA chain
      // over q ascending per element at every vector width)
      c.eval(Expr.call(JavaTypes.SMALL_PRODUCTS, "product", Expr.i(batch), Expr.i(m), Expr.i(k), Expr.i(p),
          Expr.bool(ta), Expr.bool(tb), la, Expr.i(0), Expr.i(aStride), ra, Expr.i(0), Expr.i(bStride),
          o, Expr.i(0), Expr.i(m * p)));
      return;
    }
    c.loop("s", batch, false, s -> {
      Expr ao = c.declare(TypeName.INT, "ao", Expr.times(s, aStride));
      Expr bo = c.declare(TypeName.INT, "bo", Expr.times(s, bStride));
      Expr oo = c.declare(TypeName.INT, "oo", Expr.times(s, m * p));
      c.loop("i", m, false, i -> {
        Expr orow = c.declare(TypeName.INT, "orow", Expr.plus(oo, Expr.times(i, p)));
        if (!tb) {
          c.loop("j", p, false, j -> c.assign(Expr.at(o, Expr.plus(orow, j)), num.lit(0)));
          c.loop("q", k, false, q -> {
            Expr x = c.declare(num.type(), "x", a.at(l, ta ? Expr.plus(ao, Expr.plus(Expr.times(q, ac), i))
                : Expr.plus(ao, Expr.plus(Expr.times(i, ac), q))));
            Expr brow = c.declare(TypeName.INT, "brow", Expr.plus(bo, Expr.times(q, bc)));
            c.loop("j", p, false, j -> c.accumulate(Expr.at(o, Expr.plus(orow, j)),
                Expr.mul(x, a.at(r, Expr.plus(brow, j)))));
          });
        } else {
          c.loop("j", p, false, j -> {
            Expr s0 = c.declare(num.type(), "s0", Expr.i(0));
            Expr brow = c.declare(TypeName.INT, "brow", Expr.plus(bo, Expr.times(j, bc)));
            c.loop("q", k, false, q -> c.accumulate(s0, Expr.mul(
                a.at(l, ta ? Expr.plus(ao, Expr.plus(Expr.times(q, ac), i)) : Expr.plus(ao, Expr.plus(Expr.times(i, ac), q))),
                a.at(r, Expr.plus(brow, q)))));
            c.assign(Expr.at(o, Expr.plus(orow, j)), s0);
          });
        }
      });
    });
  }

  /**
   * A float32 product of a row-major left side with a matrix param on the right, through the
   * register-blocked dense kernels with the left side's rows as the batch: {@code X W^T}
   * ({@code forward}, as a dense layer over {@code [..., n]}) or {@code D W}
   * ({@code inputGradient}, its input gradient). False when it does not apply.
   */
  private boolean denseRows(Node l, Node r, boolean ta, boolean tb, int m, int k, int p, Expr o, Code c) {
    Expr rows = a.arr(l);
    if (!num.isFloat || ta || rows == null || !ClassContext.isMatrixParam(r) || r.shape().rank() != 2
        || ClassContext.rowSize(r) != r.shape().dim(1) || m * k * p < BatchedPass.MIN_WEIGHTS) {
      return false;
    }
    Expr w = Expr.field(a.ctx.paramField.get(r.attr().name()));
    if (tb) {
      c.eval(Expr.call(JavaTypes.DENSE_KERNELS, "forward", Expr.i(m), Expr.i(p), Expr.i(k), w, Expr.NULL,
          rows, Expr.i(0), Expr.i(k), o, Expr.i(0), Expr.i(p)));
    } else {
      c.eval(Expr.call(JavaTypes.DENSE_KERNELS, "inputGradient", Expr.i(m), Expr.i(k), Expr.i(p), w,
          rows, Expr.i(0), Expr.i(k), o, Expr.i(0), Expr.i(p)));
    }
    return true;
  }

  /** A materialized outer product. */
  void outer(Node n, Expr o, Code c) {
    Node l = n.input(0);
    Node r = n.input(1);
    int m = l.size();
    int k = r.size();
    boolean unroll = m * k <= NodeKernels.UNROLL_WORK;
    c.loop("i", m, unroll, i -> c.loop("j", k, unroll, j -> c.assign(Expr.at(o, Expr.plus(Expr.times(i, k), j)),
        Expr.mul(a.at(l, i), a.at(r, j)))));
  }

  /**
   * The fused δ-recurrence {@code out = (W^T δ) ⊙ φ'(h)}; with {@code fused}, the same sweep over
   * W's rows also accumulates the weight gradient {@code dW[i][j] += δ[i] * hPrev[j]}.
   */
  void delta(Node n, Expr o, GraphPlan.Fused fused, Code c) {
    Node w = n.input(0);
    Node d = n.input(1);
    Node h = n.input(2);
    int m = w.shape().dim(0);
    int k = w.shape().dim(1);
    String act = n.attr().name();
    Expr grad = fused == null ? null : Expr.field(a.ctx.gradField.get(fused.param()));
    Node hp = fused == null ? null : fused.term().input(1);
    if (m * k <= NodeKernels.UNROLL_WORK) {
      for (int j = 0; j < k; j++) {
        List<Expr> terms = new ArrayList<>();
        for (int i = 0; i < m; i++) terms.add(Expr.mul(a.at(w, Expr.i(i), Expr.i(j), k), a.at(d, i)));
        Expr s = sum(terms);
        Expr slope = slope(act, a.at(h, j));
        c.assign(Expr.at(o, j), slope == null ? s : scale(Expr.paren(s), slope));
      }
      if (fused != null) unrolledOuter(grad, d, hp, m, k, c);
      return;
    }
    Expr out = sweepRows(w, d, m, k, o, grad, hp, c);
    if (!act.equals("identity")) {
      c.loop("j", k, false, j -> c.update(Expr.at(out, j), "*=", slope(act, a.at(h, j))));
    }
    c.close();
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
    accumulate(param, term, paramNode, c, false);
  }

  /**
   * Whether {@code param}'s one gradient term is an outer product in loop form over the whole
   * matrix ({@code GW[i][j] += d[i] * x[j]}, not fused into another sweep): then the first
   * sample of a batch can write the gradient rather than add to zeros ({@link #accumulate} with
   * {@code first}), which saves a pass over {@code GW} to zero it and a read of it.
   */
  boolean soleOuter(String param, Node paramNode) {
    List<Node> terms = a.plan.gradTerms.get(param);
    if (terms == null || terms.size() != 1 || paramNode.shape().rank() != 2) return false;
    Node t = terms.get(0);
    return a.plan.directOuter.contains(t.id()) && !a.plan.fusedTerms.contains(t.id())
        && !a.plan.directScatter.contains(t.id()) && !a.plan.directRows.contains(t.id())
        && t.input(0).size() * t.input(1).size() == paramNode.size()
        && paramNode.size() > NodeKernels.UNROLL_WORK;
  }

  /**
   * As above; with {@code first} (for a {@link #soleOuter} param) the outer product assigns
   * {@code 0 + d[i] * x[j]} whatever the gradient held: the same bits as adding the product to
   * a zeroed gradient ({@code -0} becomes {@code +0} either way).
   */
  void accumulate(String param, Node term, Node paramNode, Code c, boolean first) {
    Expr g = Expr.field(a.ctx.gradField.get(param));
    boolean matrix = paramNode.shape().rank() >= 2;
    if (a.plan.directScatter.contains(term.id())) {
      // The gradient of a gather: row i of the cotangent into gradient row ids[i], i ascending.
      Node cot = term.input(0);
      Node ids = term.input(1);
      int row = paramNode.size() / paramNode.shape().dim(0);
      c.loop("i", ids.size(), false, i -> {
        Expr grow = c.declare(num.array(), "grow", Expr.at(g, new Expr.Cast(com.palantir.javapoet.TypeName.INT, a.at(ids, i))));
        c.loop("k", row, row <= NodeKernels.UNROLL_ELEMENTS,
            k -> c.accumulate(Expr.at(grow, k), a.at(cot, Expr.plus(Expr.times(i, row), k))));
      });
      return;
    }
    if (a.plan.directRows.contains(term.id())) {
      // G^T X over the rows: GW[i][j] += sum over rows q of G[q][i] * X[q][j].
      Node gl = term.input(0);
      Node x = term.input(1);
      int rows = gl.shape().dim(0);
      int m = gl.shape().dim(1);
      int n = x.shape().dim(1);
      Expr ga = a.arr(gl);
      Expr xa = a.arr(x);
      if (num.isFloat && ga != null && xa != null && ClassContext.rowSize(paramNode) == n) {
        c.eval(Expr.call(JavaTypes.DENSE_KERNELS, "weightGradient", Expr.i(rows), Expr.i(m), Expr.i(n), ga,
            Expr.i(0), Expr.i(m), xa, Expr.i(0), Expr.i(n), g, Expr.NULL));
        return;
      }
      c.loop("i", m, false, i -> {
        Expr grow = c.declare(num.array(), "grow", Expr.at(g, i));
        c.loop("q", rows, false, q -> {
          Expr d = c.declare(num.type(), "d", a.at(gl, Expr.plus(Expr.times(q, m), i)));
          c.loop("j", n, false, j -> c.accumulate(Expr.at(grow, j), Expr.mul(d, a.at(x, Expr.plus(Expr.times(q, n), j)))));
        });
      });
      return;
    }
    if (a.plan.directOuter.contains(term.id())) {
      Node l = term.input(0);
      Node r = term.input(1);
      int m = l.size();
      int k = r.size();
      if (m * k <= NodeKernels.UNROLL_WORK) {
        unrolledOuter(g, l, r, m, k, c);
        return;
      }
      Expr vecSrc = a.arr(r);
      c.open();
      Expr vec = vecSrc == null ? null : c.declare(num.array(), "vec", vecSrc);
      c.loop("i", m, false, i -> {
        Expr d = c.declare(num.type(), "d", a.at(l, i));
        Expr grow = c.declare(num.array(), "grow", Expr.at(g, i));
        c.loop("j", k, false, j -> {
          Expr product = Expr.mul(d, vec != null ? Expr.at(vec, j) : a.at(r, j));
          if (first) {
            c.assign(Expr.at(grow, j), Expr.add(num.lit(0), product));
          } else {
            c.accumulate(Expr.at(grow, j), product);
          }
        });
      });
      c.close();
      return;
    }
    int size = paramNode.size();
    if (!matrix) {
      c.loop("i", size, size <= NodeKernels.UNROLL_ELEMENTS, i -> c.accumulate(Expr.at(g, i), a.at(term, i)));
      return;
    }
    int rows = paramNode.shape().dim(0);
    int cols = size / rows;
    boolean unroll = size <= NodeKernels.UNROLL_ELEMENTS;
    c.loop("i", rows, unroll, i -> {
      if (unroll) {
        for (int j = 0; j < cols; j++) {
          c.accumulate(Expr.at(Expr.at(g, i), j), a.at(term, Expr.plus(Expr.times(i, cols), Expr.i(j))));
        }
        return;
      }
      Expr grow = c.declare(num.array(), "grow", Expr.at(g, i));
      c.loop("j", cols, false, j -> c.accumulate(Expr.at(grow, j), a.at(term, Expr.plus(Expr.times(i, cols), j))));
    });
  }
}
