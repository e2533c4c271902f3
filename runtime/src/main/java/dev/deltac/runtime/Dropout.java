package dev.deltac.runtime;

/**
 * Dropout masks without state: element {@code element} of mask {@code mask} for the sample at
 * {@code sample} is 0 with probability {@code rate}, else {@code 1 / (1 - rate)} (inverted
 * dropout, so inference needs no rescaling), decided by a SplitMix64 hash of all four. Generated
 * code and the reference interpreter call the same function, so they drop the same elements.
 */
public final class Dropout {
  private Dropout() {}

  public static double scale(long seed, int sample, int mask, int element, double rate) {
    long h = mix(seed + 0x9E3779B97F4A7C15L * (1 + sample));
    h = mix(h ^ (((long) mask << 32) | (element & 0xFFFFFFFFL)));
    double u = (h >>> 11) * 0x1.0p-53;
    return u < rate ? 0.0 : 1.0 / (1.0 - rate);
  }

  public static float scaleFloat(long seed, int sample, int mask, int element, double rate) {
    return (float) scale(seed, sample, mask, element, rate);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
