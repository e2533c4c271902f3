package dev.deltac.compiler.ir;

import dev.deltac.compiler.types.Shape;
import dev.deltac.compiler.types.ShapeRules;
import java.util.ArrayList;
import java.util.List;

/**
 * How a small shape maps into a large one it broadcasts to (NumPy's rules), for
 * {@link Op#BROADCAST_TO} and {@link Op#SUM_TO}: the large shape's axes, with neighbouring axes
 * of the same kind (kept or stretched) merged, each with its size, its row-major stride in the
 * large shape and its stride in the small one (0 on a stretched axis). Element {@code (i_0, ...)}
 * of the merged axes is large element {@code Σ i_k·large_k} and small element
 * {@code Σ i_k·small_k}. The interpreter and the emitter walk the large shape in row-major order
 * through these, so their sums run in the same order.
 *
 * @param sizes the merged axes' sizes, outermost first
 * @param largeStrides the strides in the large shape
 * @param smallStrides the strides in the small shape, 0 where it stretches
 */
public record BroadcastGeometry(int[] sizes, int[] largeStrides, int[] smallStrides) {

  /** The geometry of {@code small} stretched to {@code large}; small must broadcast to large. */
  public static BroadcastGeometry of(Shape small, Shape large) {
    if (!ShapeRules.broadcastsTo(small, large)) {
      throw new IllegalArgumentException(small + " does not broadcast to " + large);
    }
    int rank = large.rank();
    List<int[]> axes = new ArrayList<>(); // {size, stretched ? 1 : 0}
    for (int k = 0; k < rank; k++) {
      int ks = k - (rank - small.rank());
      int d = large.dim(k);
      if (d == 1) continue;
      boolean stretched = ks < 0 || small.dim(ks) == 1;
      int kind = stretched ? 1 : 0;
      if (!axes.isEmpty() && axes.get(axes.size() - 1)[1] == kind) {
        axes.get(axes.size() - 1)[0] *= d;
      } else {
        axes.add(new int[] {d, kind});
      }
    }
    int n = axes.size();
    int[] sizes = new int[n];
    int[] largeStrides = new int[n];
    int[] smallStrides = new int[n];
    int ls = 1;
    int ss = 1;
    for (int k = n - 1; k >= 0; k--) {
      sizes[k] = axes.get(k)[0];
      largeStrides[k] = ls;
      smallStrides[k] = axes.get(k)[1] == 1 ? 0 : ss;
      ls *= sizes[k];
      if (axes.get(k)[1] == 0) ss *= sizes[k];
    }
    return new BroadcastGeometry(sizes, largeStrides, smallStrides);
  }

  /**
   * The same walk for PyTorch's {@code permute}: the "large" shape is the output (its axes in
   * order, axes of size 1 dropped), each with the input stride of the axis it comes from.
   */
  public static BroadcastGeometry permutation(Shape in, int[] perm) {
    int r = in.rank();
    int[] inStrides = new int[r];
    int st = 1;
    for (int k = r - 1; k >= 0; k--) {
      inStrides[k] = st;
      st *= in.dim(k);
    }
    List<int[]> axes = new ArrayList<>(); // {size, input stride}
    for (int i = 0; i < r; i++) {
      if (in.dim(perm[i]) != 1) axes.add(new int[] {in.dim(perm[i]), inStrides[perm[i]]});
    }
    int n = axes.size();
    int[] sizes = new int[n];
    int[] outStrides = new int[n];
    int[] fromStrides = new int[n];
    int os = 1;
    for (int k = n - 1; k >= 0; k--) {
      sizes[k] = axes.get(k)[0];
      fromStrides[k] = axes.get(k)[1];
      outStrides[k] = os;
      os *= sizes[k];
    }
    return new BroadcastGeometry(sizes, outStrides, fromStrides);
  }

  /** For each large element in row-major order, the small element it reads. */
  public int[] smallIndexOfLarge() {
    int total = 1;
    for (int s : sizes) total *= s;
    int[] map = new int[total];
    for (int o = 0; o < total; o++) {
      int rest = o;
      int idx = 0;
      for (int k = 0; k < sizes.length; k++) {
        int i = rest / largeStrides[k];
        rest -= i * largeStrides[k];
        idx += i * smallStrides[k];
      }
      map[o] = idx;
    }
    return map;
  }
}
