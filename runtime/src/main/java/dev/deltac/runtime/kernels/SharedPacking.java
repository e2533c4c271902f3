package dev.deltac.runtime.kernels;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Packed copies of weight matrices shared by the threads of one data-parallel step: the packed
 * forward (large batches, see {@code VectorDenseKernels}) copies {@code W^T} into panels before
 * it multiplies; with the batch cut into shards, every shard would pack the same {@code W} again.
 * Inside {@link #enter()} (a thread running one engine's shards) the kernels pack each panel of a
 * weight matrix once per {@link #invalidate() step} into this cache and every shard, on whichever
 * thread, reads it there. Packing is a copy, so results keep their bits whoever packed.
 *
 * <p>A panel is claimed by the first thread that needs it (the others pack the panels nobody has
 * claimed, then come back to the claimed ones); a thread that finds a panel still being packed
 * after a short spin (its packer descheduled, say) packs its own private copy, as without a
 * cache. The owner calls {@link #invalidate()} when the weights may have changed (every step,
 * before the shards run) and never while a thread is inside {@link #enter()}.
 *
 * <p>Entries are keyed by the weight array's identity: only a matrix that stays the same for the
 * whole step may be multiplied inside the cache. A caller whose right-hand side changes within a
 * step (a convolution's kernel gradient multiplies by each sample's patch rows, held in per-thread
 * scratch) must leave the cache around its product ({@code suspend()} / {@code resume}).
 */
public final class SharedPacking {
  private static final ThreadLocal<SharedPacking> CURRENT = new ThreadLocal<>();
  /**
   * How long a thread spins on a panel another thread is packing (a panel of 128 x 784 floats
   * packs in about 11 us) before packing a private copy instead.
   */
  static final long SPIN_NANOS = 30_000;

  private volatile Entry[] entries = new Entry[0];
  /** Panels done in this generation hold it, panels being packed hold its negation. */
  private volatile int generation = 1;

  /** The packed panels of one weight matrix. */
  static final class Entry {
    final float[][] w;
    final int panelSize;
    final float[] packed;
    final AtomicIntegerArray state;

    Entry(float[][] w, int panels, int panelSize) {
      this.w = w;
      this.panelSize = panelSize;
      this.packed = new float[panels * panelSize];
      this.state = new AtomicIntegerArray(panels);
    }
  }

  /** The weights may have changed: every panel is packed again when next needed. */
  public void invalidate() {
    int g = generation + 1;
    if (g == Integer.MAX_VALUE) { // wrapped: no stale panel may carry the new generation
      for (Entry e : entries) {
        for (int p = 0; p < e.state.length(); p++) e.state.set(p, 0);
      }
      g = 1;
    }
    generation = g;
  }

  /** The kernels on this thread use this cache until {@link #exit()}. */
  public void enter() {
    CURRENT.set(this);
  }

  /** The kernels on this thread pack privately again. */
  public static void exit() {
    CURRENT.set(null); // set, not remove: a later enter() then allocates nothing
  }

  /**
   * Leaves the calling thread's cache, if any, for a product whose "weight" rows are not the same
   * all step long (the patch rows of a convolution's kernel gradient change with every sample:
   * a panel packed once per step would be stale); returns what {@link #resume} takes back.
   */
  static SharedPacking suspend() {
    SharedPacking s = CURRENT.get();
    if (s != null) CURRENT.set(null);
    return s;
  }

  /** Re-enters the cache {@link #suspend} left (nothing when it was null). */
  static void resume(SharedPacking s) {
    if (s != null) CURRENT.set(s);
  }

  /** The cache the calling thread entered, or null. */
  static SharedPacking current() {
    return CURRENT.get();
  }

  int generation() {
    return generation;
  }

  /** The entry of {@code w} with {@code panels} panels of {@code panelSize} floats. */
  Entry entry(float[][] w, int panels, int panelSize) {
    for (Entry e : entries) {
      if (e.w == w && e.panelSize == panelSize && e.state.length() == panels) return e;
    }
    synchronized (this) {
      Entry[] es = entries;
      for (Entry e : es) {
        if (e.w == w && e.panelSize == panelSize && e.state.length() == panels) return e;
      }
      Entry e = new Entry(w, panels, panelSize);
      Entry[] grown = java.util.Arrays.copyOf(es, es.length + 1);
      grown[es.length] = e;
      entries = grown;
      return e;
    }
  }
}
