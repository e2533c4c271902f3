package dev.deltac.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FiniteCheck} in this JVM's version (vector or scalar, see KernelSelectionTest's runs),
 * and the vector version when loadable, against the definition on every length up to a few
 * vectors, every start, and every position of each non-finite value.
 */
class FiniteCheckTest {
  private static final float[] BAD = {Float.NaN, Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0xffc00001), Float.intBitsToFloat(0x7f800001)};
  private static final float[] EXTREME = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE,
      -Float.MIN_VALUE, 1e-40f, -0f, Float.intBitsToFloat(0x7f7fffff)};

  private static boolean definition(float[] a, int from, int to) {
    for (int j = from; j < to; j++) {
      if (!Float.isFinite(a[j])) return false;
    }
    return true;
  }

  private static void check(float[] a, int from, int to) {
    boolean want = definition(a, from, to);
    assertEquals(want, FiniteCheck.allFinite(a, from, to), from + ".." + to);
    assertEquals(want, FiniteCheck.scalarAllFinite(a, from, to), from + ".." + to);
    if (DenseKernels.vector().isPresent()) {
      assertEquals(want, VectorFiniteCheck.allFinite(a, from, to), from + ".." + to);
    }
  }

  @Test
  void agreesWithIsFiniteEverywhere() {
    Random r = new Random(5);
    int checked = 0;
    for (int n = 0; n <= 70; n++) {
      float[] a = new float[n + 3];
      for (int j = 0; j < a.length; j++) {
        a[j] = r.nextInt(4) == 0 ? EXTREME[r.nextInt(EXTREME.length)] : r.nextFloat() * 8 - 4;
      }
      for (int from = 0; from <= 3; from++) {
        int to = Math.min(a.length, from + n);
        check(a, from, to);
        for (float bad : BAD) {
          for (int at = 0; at < a.length; at++) {
            float keep = a[at];
            a[at] = bad;
            check(a, from, to);
            a[at] = keep;
            checked++;
          }
        }
      }
    }
    assertTrue(checked > 10_000, "checked " + checked);
  }

  /** Zero bytes per check once compiled (rounds until one allocates nothing, as in
   * KernelAllocationTest: C1's vector code boxes). */
  @Test
  void allocatesNothing() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    float[] a = new float[8_192 + 5];
    boolean all = true;
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 60 && least > 0; round++) {
      long before = mx.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < 2_000; i++) all &= FiniteCheck.allFinite(a, i & 7, a.length - 3);
      least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
    }
    assertTrue(all);
    assertEquals(0, least, "bytes allocated over 2 000 checks");
  }

  @Test
  void findsOneNanInALargeBlock() {
    float[] a = new float[100_352];
    a[77_777] = Float.NaN;
    assertFalse(FiniteCheck.allFinite(a, 0, a.length));
    assertTrue(FiniteCheck.allFinite(a, 0, 77_777));
    assertTrue(FiniteCheck.allFinite(a, 77_778, a.length));
  }
}
