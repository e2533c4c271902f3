package dev.deltac.runtime;

/**
 * A small seeded generator (SplitMix64) whose sequence is fixed by this source, so the same
 * seed gives the same numbers on every JVM and platform. Normal draws use the Box–Muller
 * transform with {@link StrictMath}, so they are bit-reproducible too. Not thread-safe.
 */
public final class Rng {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private long state;
  private double spare;
  private boolean hasSpare;

  public Rng(long seed) {
    this.state = seed;
  }

  /** A generator for one sub-stream (e.g. one epoch) of {@code seed}, independent of the others. */
  public static Rng derive(long seed, long stream) {
    return new Rng(mix(seed ^ mix(stream + GOLDEN)));
  }

  /**
   * Restarts this generator as {@link #derive derive(seed, stream)} would make it, without
   * allocating (for per-step streams).
   */
  public Rng reseed(long seed, long stream) {
    state = mix(seed ^ mix(stream + GOLDEN));
    hasSpare = false;
    return this;
  }

  public long nextLong() {
    return mix(state += GOLDEN);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1), 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, bound), for bound &gt; 0. */
  public int nextInt(int bound) {
    Checks.checkArgument(bound > 0, "bound must be positive: %s", bound);
    long r = nextLong() >>> 32;
    return (int) ((r * bound) >>> 32);
  }

  /** Standard normal, by Box–Muller; the two values of each pair are used in turn. */
  public double nextGaussian() {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    double u1 = 1.0 - nextDouble(); // (0, 1]: log never sees 0
    double u2 = nextDouble();
    double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
    double theta = 2.0 * StrictMath.PI * u2;
    spare = r * StrictMath.sin(theta);
    hasSpare = true;
    return r * StrictMath.cos(theta);
  }

  /** Fisher–Yates shuffle of {@code a} in place. */
  public void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** A random permutation of {@code 0..n-1}. */
  public int[] permutation(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    shuffle(p);
    return p;
  }
}
