package dev.deltac.compiler.ir;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.types.Shape;
import dev.deltac.compiler.types.ShapeRules;
import java.util.Arrays;

/**
 * NumPy's {@code matmul} for operands of rank 3 or more, lowered onto existing ops: a vector
 * becomes a row ({@code [1, k]}) or a column ({@code [k, 1]}); a plain matrix on the right makes
 * one {@link Op#MATMUL} over all the left side's rows ({@code [B.., m, k]} seen as
 * {@code [B..·m, k]}); otherwise both sides are stretched to the broadcast batch axes
 * ({@link Op#BROADCAST_TO}, whose gradient sums back over them), merged into one batch axis by
 * reshapes and multiplied by {@link Op#BATCH_MATMUL}. The result is reshaped to the checker's
 * shape ({@link ShapeRules#matmul}).
 */
public final class BatchProducts {
  private BatchProducts() {}

  /** {@code l @ r} when either has rank 3 or more. */
  public static Node matmul(GraphBuilder b, Node l, Node r, SourceSpan span) {
    Shape result = ShapeRules.matmul(l.shape(), r.shape());
    Node a = l.shape().rank() == 1 ? reshape(b, l, Shape.of(1, l.size()), span) : l;
    Node c = r.shape().rank() == 1 ? reshape(b, r, Shape.of(r.size(), 1), span) : r;
    Shape sa = a.shape();
    Shape sc = c.shape();
    int m = sa.dim(sa.rank() - 2);
    int k = sa.dim(sa.rank() - 1);
    int n = sc.dim(sc.rank() - 1);
    if (sc.rank() == 2) {
      // [B.., m, k] @ [k, n]: one product over all B..·m rows.
      int rows = sa.size() / k;
      Node flat = reshape(b, a, Shape.of(rows, k), span);
      Node prod = b.make(Op.MATMUL, Attr.ints(0, 0), span, flat, c);
      return reshape(b, prod, result, span);
    }
    Shape batch = ShapeRules.broadcast("batch", ShapeRules.leading(sa), ShapeRules.leading(sc));
    int count = batch.size();
    Node a3 = reshape(b, stretch(b, a, batch, m, k, span), Shape.of(count, m, k), span);
    Node c3 = reshape(b, stretch(b, c, batch, k, n, span), Shape.of(count, k, n), span);
    Node prod = b.make(Op.BATCH_MATMUL, Attr.ints(0, 0), span, a3, c3);
    return reshape(b, prod, result, span);
  }

  private static Node stretch(GraphBuilder b, Node x, Shape batch, int rows, int cols, SourceSpan span) {
    int[] dims = Arrays.copyOf(batch.dims(), batch.rank() + 2);
    dims[batch.rank()] = rows;
    dims[batch.rank() + 1] = cols;
    Shape to = Shape.of(dims);
    if (x.shape().equals(to)) return x;
    if (x.size() == to.size()) return reshape(b, x, to, span);
    return b.make(Op.BROADCAST_TO, Attr.ints(to.dims()), span, x);
  }

  private static Node reshape(GraphBuilder b, Node x, Shape to, SourceSpan span) {
    return x.shape().equals(to) ? x : b.make(Op.RESHAPE, Attr.ints(to.dims()), span, x);
  }
}
