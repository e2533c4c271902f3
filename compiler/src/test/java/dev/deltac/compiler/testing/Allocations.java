package dev.deltac.compiler.testing;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated per round of calls, for the "0 bytes per step" tests. The Vector API kernels
 * allocate their vectors until C2 has compiled them, and on a loaded machine (the 2-core CI, a
 * parallel build) the compile queue runs behind for thousands of calls; a JIT transition (an
 * on-stack replacement, a deoptimization) can allocate a few bytes once. Code that allocates per
 * call does so in every round, so the tests take the least round.
 */
public final class Allocations {
  private Allocations() {}

  /**
   * The fewest bytes this thread allocated in one round of {@code calls} calls of {@code step},
   * over rounds until a round allocates nothing, at least 3 rounds and then until {@code seconds}
   * have passed.
   */
  public static long leastPerRound(Runnable step, int calls, double seconds) {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long least = Long.MAX_VALUE;
    for (int round = 0; least > 0 && (round < 3 || System.nanoTime() < end); round++) {
      long before = mx.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < calls; i++) step.run();
      least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
    }
    return least;
  }
}
