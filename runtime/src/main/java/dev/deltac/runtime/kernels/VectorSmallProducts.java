package dev.deltac.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API rows of {@link SmallProducts}: whole vectors of output columns, four rows per
 * pass (four independent FMA chains), with the species of {@link VectorDenseKernels}; the
 * columns past the last whole vector run as {@link SmallProducts#scalarColumns} (the same chains).
 * Only loaded when the vector kernels were selected.
 */
final class VectorSmallProducts {
  private static final VectorSpecies<Float> S = VectorDenseKernels.species();
  private static final int L = S.length();
  /** The upper half of the lanes: the second row of a pair when a row is half a vector. */
  private static final VectorMask<Float> HIGH = S.indexInRange(-L / 2, L / 2);

  private VectorSmallProducts() {}

  /** Scratch floats {@link #rows} needs for a product with these sizes (0: none). */
  static int scratch(int m, int k, int p) {
    return 2 * p == L && m % 2 == 0 ? k * L : 0;
  }

  static void rows(int m, int k, int p, boolean ta, float[] a, int ao, float[] b, int bo,
      float[] out, int oo, float[] dup) {
    if (2 * p == L && m % 2 == 0) {
      pairs(m, k, p, ta, a, ao, b, bo, out, oo, dup);
      return;
    }
    int pv = p - p % L;
    if (pv > 0) {
      // a(i, q) at ao + i * is + q * qs
      int is = ta ? 1 : k;
      int qs = ta ? m : 1;
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        int a0 = ao + i * is;
        for (int j = 0; j < pv; j += L) {
          FloatVector s0 = FloatVector.zero(S);
          FloatVector s1 = s0, s2 = s0, s3 = s0;
          for (int q = 0, ap = a0, bp = bo + j; q < k; q++, ap += qs, bp += p) {
            FloatVector v = FloatVector.fromArray(S, b, bp);
            s0 = v.fma(FloatVector.broadcast(S, a[ap]), s0);
            s1 = v.fma(FloatVector.broadcast(S, a[ap + is]), s1);
            s2 = v.fma(FloatVector.broadcast(S, a[ap + 2 * is]), s2);
            s3 = v.fma(FloatVector.broadcast(S, a[ap + 3 * is]), s3);
          }
          int o = oo + i * p + j;
          s0.intoArray(out, o);
          s1.intoArray(out, o + p);
          s2.intoArray(out, o + 2 * p);
          s3.intoArray(out, o + 3 * p);
        }
      }
      for (; i < m; i++) {
        int a0 = ao + i * is;
        for (int j = 0; j < pv; j += L) {
          FloatVector s0 = FloatVector.zero(S);
          for (int q = 0, ap = a0, bp = bo + j; q < k; q++, ap += qs, bp += p) {
            s0 = FloatVector.fromArray(S, b, bp).fma(FloatVector.broadcast(S, a[ap]), s0);
          }
          s0.intoArray(out, oo + i * p + j);
        }
      }
    }
    if (pv < p) SmallProducts.scalarColumns(0, m, pv, k, p, ta, a, ao, b, bo, out, oo);
  }

  /**
   * Rows half a vector wide (p = L / 2; 8 columns at 512 bits): two output rows per vector. B's
   * rows are copied twice side by side into {@code dup} ({@code k × L}); lane l of row pair
   * (i, i + 1) multiplies {@code a(i + l / p, q)} (a blend of two broadcasts). The same FMA chain
   * per element as everywhere else.
   */
  private static void pairs(int m, int k, int p, boolean ta, float[] a, int ao, float[] b, int bo,
      float[] out, int oo, float[] dup) {
    for (int q = 0; q < k; q++) {
      int src = bo + q * p;
      int dst = q * L;
      for (int j = 0; j < p; j++) {
        float x = b[src + j];
        dup[dst + j] = x;
        dup[dst + p + j] = x;
      }
    }
    int is = ta ? 1 : k;
    int qs = ta ? m : 1;
    int i = 0;
    for (; i + 8 <= m; i += 8) {
      FloatVector s0 = FloatVector.zero(S);
      FloatVector s1 = s0, s2 = s0, s3 = s0;
      for (int q = 0, ap = ao + i * is, bp = 0; q < k; q++, ap += qs, bp += L) {
        FloatVector v = FloatVector.fromArray(S, dup, bp);
        s0 = v.fma(FloatVector.broadcast(S, a[ap]).blend(a[ap + is], HIGH), s0);
        s1 = v.fma(FloatVector.broadcast(S, a[ap + 2 * is]).blend(a[ap + 3 * is], HIGH), s1);
        s2 = v.fma(FloatVector.broadcast(S, a[ap + 4 * is]).blend(a[ap + 5 * is], HIGH), s2);
        s3 = v.fma(FloatVector.broadcast(S, a[ap + 6 * is]).blend(a[ap + 7 * is], HIGH), s3);
      }
      int o = oo + i * p;
      s0.intoArray(out, o);
      s1.intoArray(out, o + L);
      s2.intoArray(out, o + 2 * L);
      s3.intoArray(out, o + 3 * L);
    }
    for (; i + 2 <= m; i += 2) {
      FloatVector s0 = FloatVector.zero(S);
      for (int q = 0, ap = ao + i * is, bp = 0; q < k; q++, ap += qs, bp += L) {
        s0 = FloatVector.fromArray(S, dup, bp)
            .fma(FloatVector.broadcast(S, a[ap]).blend(a[ap + is], HIGH), s0);
      }
      s0.intoArray(out, oo + i * p);
    }
  }
}
