package dev.deltac.compiler.types;

import java.util.List;

/**
 * Every shape rule of the language, in one place. The checker uses these to infer shapes and the
 * IR uses them to build nodes, so the two can never disagree. Each rule returns the result shape
 * or throws a {@link ShapeException} whose message names the operation and every shape involved,
 * e.g. "matrix product `@` of [4, 3] and [2]: inner dimensions 3 and 2 differ".
 *
 * <p>No result may have more than {@link #MAX_ELEMENTS} elements.
 */
public final class ShapeRules {
  /** The most elements a single tensor may have: 2^31 - 1, the largest Java array. */
  public static final long MAX_ELEMENTS = Integer.MAX_VALUE;

  private ShapeRules() {}

  /**
   * Elementwise {@code + - * / ^}, {@code max}, {@code min}, {@code pow}, comparisons: NumPy
   * broadcasting. Shapes are aligned at the last axis; on each axis the sizes must be equal, or
   * one of them 1 (or missing, for the shorter shape), which stretches. A scalar broadcasts
   * against anything.
   */
  public static Shape broadcast(String op, Shape a, Shape b) {
    if (a.isScalar()) return b;
    if (b.isScalar()) return a;
    if (a.equals(b)) return a;
    int rank = Math.max(a.rank(), b.rank());
    long[] out = new long[rank];
    for (int k = 0; k < rank; k++) {
      int da = dimFromEnd(a, rank - 1 - k);
      int db = dimFromEnd(b, rank - 1 - k);
      if (da != db && da != 1 && db != 1) {
        throw new ShapeException(op + " of " + a + " and " + b + ": axis " + k + " of the result"
            + " has sizes " + da + " and " + db + "; shapes broadcast when, aligned at the last"
            + " axis, each pair of sizes is equal or one of them is 1 (or missing)");
      }
      out[k] = Math.max(da, db);
    }
    return of(op + " of " + a + " and " + b, out);
  }

  /** Size of axis {@code rank - 1 - fromEnd} of s, or 1 when s has no such axis. */
  private static int dimFromEnd(Shape s, int fromEnd) {
    int k = s.rank() - 1 - fromEnd;
    return k < 0 ? 1 : s.dim(k);
  }

  /** True when {@code from} stretches to {@code to} by NumPy's rules (a scalar to anything). */
  public static boolean broadcastsTo(Shape from, Shape to) {
    if (from.rank() > to.rank()) return false;
    for (int k = 0; k < from.rank(); k++) {
      int d = from.dim(from.rank() - 1 - k);
      if (d != 1 && d != to.dim(to.rank() - 1 - k)) return false;
    }
    return true;
  }

  /** {@code [m,n]@[n] -> [m]}, {@code [m,n]@[n,p] -> [m,p]}, {@code [n]@[n,p] -> [p]}, {@code [n]@[n] -> []}. */
  public static Shape matmul(Shape a, Shape b) {
    String what = "matrix product `@` of " + a + " and " + b;
    if (a.rank() < 1 || b.rank() < 1) {
      throw new ShapeException(what + ": a scalar has no axis to multiply over (use `*`)");
    }
    if (a.rank() > 2 || b.rank() > 2) return batchedMatmul(what, a, b);
    int inner = a.dim(a.rank() - 1);
    int other = b.dim(0);
    if (inner != other) {
      throw new ShapeException(what + ": inner dimensions " + inner + " and " + other + " differ");
    }
    if (a.rank() == 2 && b.rank() == 2) return of(what, a.dim(0), b.dim(1));
    if (a.rank() == 2) return Shape.of(a.dim(0));
    if (b.rank() == 2) return Shape.of(b.dim(1));
    return Shape.SCALAR;
  }

  /**
   * NumPy's {@code matmul} when an operand has rank 3 or more: a batch of matrix products over
   * the leading axes, which broadcast ({@code [h, T, d] @ [h, d, T] -> [h, T, T]},
   * {@code [B, T, d] @ [d, e] -> [B, T, e]}). A vector on the left acts as a row {@code [1, k]}
   * and on the right as a column {@code [k, 1]}, and that axis is dropped from the result.
   */
  private static Shape batchedMatmul(String what, Shape a, Shape b) {
    int ka = a.dim(a.rank() - 1);
    int kb = b.rank() == 1 ? b.dim(0) : b.dim(b.rank() - 2);
    if (ka != kb) {
      throw new ShapeException(what + ": inner dimensions " + ka + " (the last axis of " + a + ") and "
          + kb + " (" + (b.rank() == 1 ? "the length of " : "the second-to-last axis of ") + b + ") differ");
    }
    Shape batchA = leading(a);
    Shape batchB = leading(b);
    Shape batch;
    try {
      batch = broadcast("batch", batchA, batchB);
    } catch (ShapeException e) {
      throw new ShapeException(what + ": the batch axes " + batchA + " and " + batchB
          + " do not broadcast; aligned at the last batch axis, each pair of sizes must be equal or one of"
          + " them 1 (or missing)");
    }
    long[] out = new long[batch.rank() + (a.rank() >= 2 ? 1 : 0) + (b.rank() >= 2 ? 1 : 0)];
    int k = 0;
    for (int d : batch.dims()) out[k++] = d;
    if (a.rank() >= 2) out[k++] = a.dim(a.rank() - 2);
    if (b.rank() >= 2) out[k++] = b.dim(b.rank() - 1);
    return of(what, out);
  }

  /** The batch axes of a matmul operand: all but the last two (none for a vector or a matrix). */
  public static Shape leading(Shape s) {
    return s.rank() <= 2 ? Shape.SCALAR : Shape.of(java.util.Arrays.copyOf(s.dims(), s.rank() - 2));
  }

  /**
   * The IR's batched product: {@code [B, m, k] @ [B, k, n] -> [B, m, n]} with either matrix
   * optionally transposed (the flags apply to the last two axes); equal batch sizes.
   */
  public static Shape batchMatmulIr(Shape a, Shape b, boolean ta, boolean tb) {
    if (a.rank() != 3 || b.rank() != 3 || a.dim(0) != b.dim(0)) {
      throw new ShapeException("batched product of " + a + " and " + b + ": needs [B, m, k] and [B, k, n]");
    }
    int m = ta ? a.dim(2) : a.dim(1);
    int k = ta ? a.dim(1) : a.dim(2);
    int kb = tb ? b.dim(2) : b.dim(1);
    int n = tb ? b.dim(1) : b.dim(2);
    if (k != kb) throw new ShapeException("batched product of " + a + " and " + b + ": inner dimensions differ");
    return Shape.of(a.dim(0), m, n);
  }

  /** {@code M.T} and {@code transpose(M)}: {@code [m, n] -> [n, m]}; only matrices. */
  public static Shape transpose(Shape a) {
    if (a.rank() != 2) {
      throw new ShapeException("transpose of " + a + ": needs a matrix [m, n]");
    }
    return Shape.of(a.dim(1), a.dim(0));
  }

  /**
   * {@code sum}, {@code mean}, {@code amax}, {@code logsumexp} without an axis (of any tensor):
   * every element, a scalar.
   */
  public static Shape reduce(String op, Shape a) {
    return Shape.SCALAR;
  }

  /**
   * An axis of a rank-{@code rank} shape, counting from the end when negative
   * ({@code -1} is the last), as an index from 0; out of range throws, naming the shape.
   */
  public static int axis(String op, Shape a, long axis) {
    int r = a.rank();
    if (r == 0) {
      throw new ShapeException(op + " of " + a + " along axis " + axis + ": a scalar has no axis");
    }
    if (axis < -r || axis >= r) {
      throw new ShapeException(op + " of " + a + " along axis " + axis + ": axis out of range"
          + " for rank " + r + " (axes " + (-r) + ".." + (r - 1) + ")");
    }
    return (int) (axis < 0 ? axis + r : axis);
  }

  /** {@code sum(x, axis=k)}, {@code mean}, {@code amax}, {@code logsumexp}: axis k removed. */
  public static Shape reduceAxis(String op, Shape a, long axis) {
    int k = axis(op, a, axis);
    int[] out = new int[a.rank() - 1];
    for (int i = 0, j = 0; i < a.rank(); i++) if (i != k) out[j++] = a.dim(i);
    return Shape.of(out);
  }

  /** The shape {@code reduceAxis} keeps as size 1 (NumPy's {@code keepdims=True}). */
  public static Shape keepAxis(Shape a, int k) {
    int[] out = a.dims();
    out[k] = 1;
    return Shape.of(out);
  }

  /** {@code softmax(x, axis=k)}, {@code log_softmax}: the shape of x. */
  public static Shape alongAxis(String op, Shape a, long axis) {
    axis(op, a, axis);
    return a;
  }

  /** {@code softmax}, {@code log_softmax}, {@code layer_norm}: {@code [n] -> [n]}. */
  public static Shape vector(String op, Shape a) {
    if (a.rank() != 1) throw new ShapeException(op + " of " + a + ": needs a vector [n]");
    return a;
  }

  /** {@code batch_norm(x)}: {@code [C]}, {@code [C, L]} or {@code [C, H, W]}, the same shape out. */
  public static Shape batchNorm(Shape a) {
    if (a.rank() < 1 || a.rank() > 3) {
      throw new ShapeException("batch_norm of " + a + ": needs [C], [C, L] or [C, H, W]");
    }
    return a;
  }

  /** {@code dot(a, b)}: {@code [n], [n] -> []}. */
  public static Shape dot(Shape a, Shape b) {
    if (a.rank() != 1 || b.rank() != 1 || !a.equals(b)) {
      throw new ShapeException("dot of " + a + " and " + b + ": needs two vectors of equal length");
    }
    return Shape.SCALAR;
  }

  /** {@code outer(a, b)}: {@code [m], [n] -> [m, n]}. */
  public static Shape outer(Shape a, Shape b) {
    if (a.rank() != 1 || b.rank() != 1) {
      throw new ShapeException("outer of " + a + " and " + b + ": needs two vectors");
    }
    return of("outer of " + a + " and " + b, a.dim(0), b.dim(0));
  }

  /** {@code where(mask, a, b)}: all three broadcast together (NumPy's rules). */
  public static Shape where(Shape mask, Shape a, Shape b) {
    try {
      return broadcast("where", mask, broadcast("where", a, b));
    } catch (ShapeException e) {
      throw new ShapeException("where with mask " + mask + " and values " + a + ", " + b
          + ": the three shapes do not broadcast together (aligned at the last axis, each"
          + " size must be equal or 1)");
    }
  }

  /** Losses {@code mse bce ...}: prediction and target of equal shape; the result is a scalar. */
  public static Shape loss(String op, Shape p, Shape y) {
    if (!p.equals(y)) {
      throw new ShapeException(op + " of " + p + " and " + y
          + ": prediction and target must have the same shape");
    }
    return Shape.SCALAR;
  }

  /** {@code x[i]}: {@code [T, n...] -> [n...]}, {@code 0 <= i < T}. */
  public static Shape index(Shape a, long i) {
    if (a.isScalar()) throw new ShapeException("index [" + i + "] of " + a + ": a scalar has no axis to index");
    if (i < 0 || i >= a.dim(0)) {
      throw new ShapeException("index [" + i + "] of " + a + ": out of range 0.." + (a.dim(0) - 1));
    }
    return a.dropFirst();
  }

  /** {@code x[a:b]}: {@code [T, n...] -> [b - a, n...]}, {@code 0 <= a < b <= T}. */
  public static Shape slice(Shape a, long from, long to) {
    String what = "slice [" + from + ":" + to + "] of " + a;
    if (a.isScalar()) throw new ShapeException(what + ": a scalar has no axis to slice");
    if (from < 0 || to > a.dim(0) || from >= to) {
      throw new ShapeException(what + ": needs 0 <= start < end <= " + a.dim(0));
    }
    return a.withFirst((int) (to - from));
  }

  /** Entry {@code i} of {@code x[..., i, ...]} on axis k: that axis removed, {@code 0 <= i < d_k}. */
  public static Shape indexAxis(Shape a, int k, long i) {
    if (k >= a.rank()) {
      throw new ShapeException("index [" + i + "] on axis " + k + " of " + a + ": it has " + a.rank() + " axes");
    }
    if (i < 0 || i >= a.dim(k)) {
      throw new ShapeException("index [" + i + "] on axis " + k + " of " + a + ": out of range 0.."
          + (a.dim(k) - 1));
    }
    int[] out = new int[a.rank() - 1];
    for (int j = 0, o = 0; j < a.rank(); j++) if (j != k) out[o++] = a.dim(j);
    return Shape.of(out);
  }

  /** Entry {@code a:b} on axis k: that axis becomes {@code b - a}, {@code 0 <= a < b <= d_k}. */
  public static Shape sliceAxis(Shape a, int k, long from, long to) {
    String what = "slice [" + from + ":" + to + "] on axis " + k + " of " + a;
    if (k >= a.rank()) throw new ShapeException(what + ": it has " + a.rank() + " axes");
    if (from < 0 || to > a.dim(k) || from >= to) {
      throw new ShapeException(what + ": needs 0 <= start < end <= " + a.dim(k));
    }
    int[] out = a.dims();
    out[k] = (int) (to - from);
    return Shape.of(out);
  }

  /** {@code concat(a, b, ...)} along the first axis; the other axes must agree. */
  public static Shape concat(List<Shape> parts) {
    if (parts.isEmpty()) throw new ShapeException("concat of nothing");
    Shape first = parts.get(0);
    long total = 0;
    for (Shape p : parts) {
      if (p.isScalar()) throw new ShapeException("concat of " + parts + ": scalars cannot be concatenated");
      if (p.rank() != first.rank() || !p.dropFirst().equals(first.dropFirst())) {
        throw new ShapeException("concat of " + first + " and " + p
            + ": all axes but the first must be equal");
      }
      total += p.dim(0);
    }
    if (total * (first.sizeLong() / first.dim(0)) > MAX_ELEMENTS) {
      throw new ShapeException("concat of " + parts + ": result too large");
    }
    return first.withFirst((int) total);
  }

  /**
   * {@code concat(a, b, ..., axis=k)}: every part has the same rank and the same size on every
   * other axis; the result's axis k is the sum of theirs (a negative k counts from the end).
   */
  public static Shape concat(List<Shape> parts, long axis) {
    if (parts.isEmpty()) throw new ShapeException("concat of nothing");
    Shape first = parts.get(0);
    if (first.isScalar()) throw new ShapeException("concat of " + parts + ": scalars cannot be concatenated");
    int k = axis("concat", first, axis);
    if (k == 0) return concat(parts);
    long total = 0;
    for (Shape p : parts) {
      boolean fits = p.rank() == first.rank();
      for (int i = 0; fits && i < p.rank(); i++) fits = i == k || p.dim(i) == first.dim(i);
      if (!fits) {
        throw new ShapeException("concat along axis " + axis + " of " + first + " and " + p
            + ": all axes but axis " + axis + " must be equal");
      }
      total += p.dim(k);
    }
    long[] out = new long[first.rank()];
    for (int i = 0; i < out.length; i++) out[i] = i == k ? total : first.dim(i);
    return of("concat of " + parts, out);
  }

  /** {@code stack(a, b, ...)}: equal shapes {@code [s...]} give {@code [n, s...]}. */
  public static Shape stack(List<Shape> parts) {
    Shape first = parts.get(0);
    for (Shape p : parts) {
      if (!p.equals(first)) {
        throw new ShapeException("stack of " + first + " and " + p + ": all shapes must be equal");
      }
    }
    long[] out = new long[first.rank() + 1];
    out[0] = parts.size();
    for (int i = 0; i < first.rank(); i++) out[i + 1] = first.dim(i);
    return of("stack of " + parts, out);
  }

  /** {@code reshape(x, [dims])}: same number of elements. */
  public static Shape reshape(Shape a, long... dims) {
    String what = "reshape of " + a + " to " + java.util.Arrays.toString(dims);
    long n = 1;
    for (long d : dims) {
      if (d <= 0) throw new ShapeException(what + ": dimensions must be positive");
      n = saturatingMultiply(n, d);
    }
    if (n != a.sizeLong()) {
      throw new ShapeException(what + ": " + a.sizeLong() + " elements cannot become " + n);
    }
    int[] out = new int[dims.length];
    for (int i = 0; i < out.length; i++) out[i] = (int) dims[i];
    return Shape.of(out);
  }

  /**
   * {@code permute(x, [axes])} (PyTorch): output axis i is input axis {@code axes[i]}; the axes
   * are a permutation of the input's (a negative one counts from the end).
   */
  public static Shape permute(Shape a, long... axes) {
    String what = "permute of " + a + " to " + java.util.Arrays.toString(axes);
    if (axes.length != a.rank()) {
      throw new ShapeException(what + ": needs one axis per axis of the input (" + a.rank() + ")");
    }
    boolean[] seen = new boolean[a.rank()];
    int[] out = new int[a.rank()];
    for (int i = 0; i < axes.length; i++) {
      int k = axis("permute", a, axes[i]);
      if (seen[k]) throw new ShapeException(what + ": axis " + axes[i] + " is given twice");
      seen[k] = true;
      out[i] = a.dim(k);
    }
    return Shape.of(out);
  }

  /** {@code flatten(x)}: {@code [d1, ..., dk] -> [d1 * ... * dk]} (row-major). */
  public static Shape flatten(Shape a) {
    return Shape.of((int) a.sizeLong());
  }

  /** {@code dense(x, units)}: {@code [n] -> [units]}. */
  public static Shape dense(Shape x, long units) {
    if (x.rank() < 1) throw new ShapeException("dense of " + x + ": needs a vector [n] or a tensor [..., n]");
    positive("dense", "units", units);
    long[] out = new long[x.rank()];
    for (int k = 0; k < x.rank() - 1; k++) out[k] = x.dim(k);
    out[x.rank() - 1] = units;
    return of("dense of " + x, out);
  }

  /** {@code lstm}, {@code gru}, {@code rnn} over {@code xs[T, n]}: {@code [T, H]}. */
  public static Shape recurrent(String layer, Shape xs, long hidden) {
    if (xs.rank() != 2) {
      throw new ShapeException(layer + " of " + xs + ": needs a sequence xs[T, n] (one row per step)");
    }
    positive(layer, "H", hidden);
    return of(layer + " of " + xs, xs.dim(0), hidden);
  }

  /** The weight {@code .W} of {@code dense(x, units)}: {@code [units, n]}, n the last axis of x. */
  public static Shape denseWeight(Shape x, long units) {
    dense(x, units);
    return of("dense weight of " + x, (int) units, x.dim(x.rank() - 1));
  }

  /** {@code layer_norm(x)} over the last axis of {@code [..., n]}: the same shape. */
  public static Shape layerNorm(Shape x) {
    if (x.rank() < 1) throw new ShapeException("layer_norm of " + x + ": needs a vector [n] or a tensor [..., n]");
    return x;
  }

  /** Output size of a convolution or pooling window: {@code floor((in + 2p - k) / s) + 1}. */
  public static long outSize(long in, long kernel, long stride, long padding) {
    return Math.floorDiv(in + 2 * padding - kernel, stride) + 1;
  }

  /** {@code conv2d(x, filters, kernel, stride, padding)}: {@code [c,h,w] -> [filters, h', w']}. */
  public static Shape conv2d(Shape x, long filters, long kernel, long stride, long padding) {
    String what = "conv2d of " + x + " (filters " + filters + ", kernel " + kernel + ", stride "
        + stride + ", padding " + padding + ")";
    if (x.rank() != 3) throw new ShapeException(what + ": needs an image [c, h, w]");
    positive("conv2d", "filters", filters);
    positive("conv2d", "kernel", kernel);
    positive("conv2d", "stride", stride);
    if (padding < 0) throw new ShapeException(what + ": padding must not be negative");
    long h = outSize(x.dim(1), kernel, stride, padding);
    long w = outSize(x.dim(2), kernel, stride, padding);
    if (h < 1 || w < 1) {
      throw new ShapeException(what + ": the kernel is larger than the padded input");
    }
    return of(what, filters, h, w);
  }

  /** The weight {@code .W} of conv2d: {@code [filters, c, k, k]}. */
  public static Shape conv2dWeight(Shape x, long filters, long kernel) {
    if (x.rank() != 3) throw new ShapeException("conv2d of " + x + ": needs an image [c, h, w]");
    return of("conv2d weight", filters, x.dim(0), kernel, kernel);
  }

  /** {@code maxpool2d} / {@code avgpool2d}: {@code [c,h,w] -> [c, h', w']}, no padding, floor. */
  public static Shape pool2d(String op, Shape x, long size, long stride) {
    String what = op + " of " + x + " (size " + size + ", stride " + stride + ")";
    if (x.rank() != 3) throw new ShapeException(what + ": needs an image [c, h, w]");
    positive(op, "size", size);
    positive(op, "stride", stride);
    long h = outSize(x.dim(1), size, stride, 0);
    long w = outSize(x.dim(2), size, stride, 0);
    if (h < 1 || w < 1) throw new ShapeException(what + ": the window is larger than the input");
    return Shape.of(x.dim(0), (int) h, (int) w);
  }

  /** A shape of the given dimensions, checked against {@link #MAX_ELEMENTS}. */
  public static Shape of(String what, long... dims) {
    long n = 1;
    int[] out = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] <= 0) throw new ShapeException(what + ": dimension " + dims[i] + " must be positive");
      n = saturatingMultiply(n, dims[i]);
      out[i] = (int) Math.min(dims[i], Integer.MAX_VALUE);
    }
    if (n > MAX_ELEMENTS) {
      throw new ShapeException(what + ": " + n + " elements, above the limit of " + MAX_ELEMENTS);
    }
    return Shape.of(out);
  }

  /** {@code a * b}, or {@link Long#MAX_VALUE} on overflow (for positive operands). */
  public static long saturatingMultiply(long a, long b) {
    long r = a * b;
    long hi = Math.multiplyHigh(a, b);
    if ((hi != 0 || r < 0) && a > 0 && b > 0) return Long.MAX_VALUE;
    return r;
  }

  private static void positive(String op, String what, long v) {
    if (v <= 0) throw new ShapeException(op + ": " + what + " must be positive, got " + v);
  }

  // ---- integer indices (dsl.md section 9) ----

  /** {@code E[ids]}: {@code E [V, d...]}, integer {@code ids [s...]} → {@code [s..., d...]}. */
  public static Shape gather(Shape table, Shape ids) {
    if (table.isScalar()) {
      throw new ShapeException("gather " + table + "[" + ids + "]: a scalar has no rows to gather");
    }
    int[] t = table.dims();
    int[] s = ids.dims();
    long[] out = new long[s.length + t.length - 1];
    for (int i = 0; i < s.length; i++) out[i] = s[i];
    for (int i = 1; i < t.length; i++) out[s.length + i - 1] = t[i];
    return of("gather " + table + "[" + ids + "]", out);
  }

  /** {@code one_hot(ids, n)}: integer {@code ids [s...]} → {@code [s..., n]}. */
  public static Shape oneHot(Shape ids, long n) {
    positive("one_hot", "the number of classes", n);
    int[] s = ids.dims();
    long[] out = new long[s.length + 1];
    for (int i = 0; i < s.length; i++) out[i] = s[i];
    out[s.length] = n;
    return of("one_hot of " + ids, out);
  }

  /**
   * A loss with class-index targets: {@code [C]} with a scalar integer label, or {@code [T, C]}
   * with integer labels {@code [T]}; a scalar.
   */
  public static Shape classLoss(String op, Shape p, Shape labels) {
    boolean ok = p.rank() == 1 && labels.isScalar()
        || p.rank() == 2 && labels.rank() == 1 && labels.dim(0) == p.dim(0);
    if (!ok) {
      throw new ShapeException(op + " of " + p + " and integer labels " + labels
          + ": class-index targets need [C] with an `int` label or [T, C] with `int[T]` labels");
    }
    return Shape.SCALAR;
  }
}
