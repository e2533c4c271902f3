package dev.deltac.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FiniteCheck} with the Vector API, loaded only when the vector kernels are. A float is
 * not finite exactly when its exponent bits are all ones: {@code (bits & 0x7f800000) + 0x00800000}
 * then has the sign bit set, and no finite float's has. The lanes OR that together, so the
 * answer is the same at every vector width.
 */
final class VectorFiniteCheck {
  private static final VectorSpecies<Float> S = VectorDenseKernels.species();
  private static final int EXPONENT = 0x7f800000;
  private static final int ONE_MORE = 0x00800000;

  private VectorFiniteCheck() {}

  static boolean allFinite(float[] a, int from, int to) {
    int l = S.length();
    int bound = from + S.loopBound(to - from);
    int j = from;
    int acc = 0;
    if (j < bound) {
      IntVector v = FloatVector.fromArray(S, a, j).reinterpretAsInts()
          .and(EXPONENT).add(ONE_MORE);
      for (j += l; j < bound; j += l) {
        v = v.or(FloatVector.fromArray(S, a, j).reinterpretAsInts().and(EXPONENT).add(ONE_MORE));
      }
      acc = v.reduceLanes(VectorOperators.OR);
    }
    for (; j < to; j++) acc |= (Float.floatToRawIntBits(a[j]) & EXPONENT) + ONE_MORE;
    return acc >= 0;
  }
}
