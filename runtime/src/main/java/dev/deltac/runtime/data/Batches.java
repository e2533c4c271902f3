package dev.deltac.runtime.data;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.Rng;

/**
 * Minibatches of a {@link Dataset}, copied into two buffers allocated once: {@link #next()}
 * fills {@link #inputs()} and {@link #targets()} with the next batch and returns its size,
 * allocating nothing.
 *
 * <pre>
 *   Batches batches = new Batches(data, 32, false);
 *   for (int epoch = 0; epoch &lt; epochs; epoch++) {
 *     batches.shuffle(seed, epoch);
 *     for (int n; (n = batches.next()) &gt; 0; ) model.lossAndGradient(batches.inputs(), ..., n);
 *   }
 * </pre>
 */
public final class Batches {
  private final Dataset data;
  private final int batchSize;
  private final boolean dropLast;
  private final int[] order;
  private final float[] xs;
  private final float[] ts;
  private int pos;

  /** With {@code dropLast}, a final batch smaller than {@code batchSize} is skipped. */
  public Batches(Dataset data, int batchSize, boolean dropLast) {
    Checks.checkArgument(batchSize > 0, "batch size must be > 0: %s", batchSize);
    this.data = data;
    this.batchSize = batchSize;
    this.dropLast = dropLast;
    this.order = new int[data.count()];
    for (int i = 0; i < order.length; i++) order[i] = i;
    this.xs = new float[batchSize * data.inputSize()];
    this.ts = new float[batchSize * data.targetSize()];
  }

  /** The input buffer; the current batch is at its start. */
  public float[] inputs() {
    return xs;
  }

  /** The target buffer; the current batch is at its start. */
  public float[] targets() {
    return ts;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Batches in one pass. */
  public int batchesPerEpoch() {
    int n = data.count();
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  /** Restarts in the dataset's order. */
  public void reset() {
    for (int i = 0; i < order.length; i++) order[i] = i;
    pos = 0;
  }

  /**
   * Restarts in a random order determined by {@code seed} and {@code epoch} alone (each epoch's
   * order is a fresh Fisher–Yates shuffle of the identity), so training can resume at any epoch.
   */
  public void shuffle(long seed, long epoch) {
    reset();
    Rng.derive(seed, epoch).shuffle(order);
  }

  /** Skips the next {@code batches} batches (a resumed epoch), without copying them. */
  public void skip(int batches) {
    Checks.checkArgument(batches >= 0, "batches to skip must be >= 0: %s", batches);
    pos = (int) Math.min(order.length, pos + (long) batches * batchSize);
  }

  /** Copies the next batch into the buffers and returns its size; 0 when the pass is over. */
  public int next() {
    int n = Math.min(batchSize, order.length - pos);
    if (n <= 0 || (dropLast && n < batchSize)) return 0;
    float[] in = data.inputs();
    float[] tg = data.targets();
    int is = data.inputSize();
    int tsz = data.targetSize();
    for (int i = 0; i < n; i++) {
      int s = order[pos + i];
      System.arraycopy(in, s * is, xs, i * is, is);
      System.arraycopy(tg, s * tsz, ts, i * tsz, tsz);
    }
    pos += n;
    return n;
  }
}
