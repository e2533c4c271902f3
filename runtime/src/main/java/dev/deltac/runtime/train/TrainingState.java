package dev.deltac.runtime.train;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.optim.OptimState;
import java.util.List;

/**
 * Everything besides the parameters that a {@link Trainer} needs to continue a run exactly where
 * it stopped, as saved in a checkpoint. The shuffling and dropout generators need no saved state
 * of their own: an epoch's sample order is a function of ({@code seed}, epoch) and a step's
 * dropout seed a function of ({@code seed}, step), so the seed and the position are their state.
 *
 * @param epoch the epoch in progress (0-based); when {@code batch} is 0, the epochs completed
 * @param batch batches of {@code epoch} done
 * @param step optimizer steps done, all epochs
 * @param epochLossSum sum of batch size times batch loss over the batches of {@code epoch} done
 * @param finished true once the run ended (last epoch, early stop or stop request)
 * @param stoppedEarly when finished: whether early stopping or a stop request ended it
 * @param restoredBest when finished: whether the parameters were reset to the best epoch's
 * @param config the settings that determine the result ({@code epochs=10, batch=32, seed=0,
 *     ...}): a resume with other settings is refused, since it could not give the same result
 * @param trainSamples training samples
 * @param validationSamples validation samples (0 without a validation set)
 * @param dataHash a hash of the training and validation data ({@link #hashData})
 * @param bestEpoch the epoch with the lowest monitored loss so far, or -1
 * @param bestLoss that loss (infinity before the first epoch)
 * @param patienceCount epochs since the best one (early stopping's patience counter)
 * @param best the best epoch's parameters (blocks), kept for restoring them; null unless the run
 *     restores the best epoch at the end
 * @param history the metrics of the epochs done; the wall-clock fields ({@code seconds},
 *     {@code samplesPerSecond}) are not saved (NaN after a resume), so that two runs that did the
 *     same computation write the same bytes
 * @param optimizer the optimizer's state
 */
public record TrainingState(int epoch, int batch, long step, double epochLossSum,
    boolean finished, boolean stoppedEarly, boolean restoredBest, String config,
    int trainSamples, int validationSamples, long dataHash, int bestEpoch, double bestLoss,
    int patienceCount, float[][] best, List<EpochMetrics> history, OptimState optimizer) {

  public TrainingState {
    Checks.checkNotNull(config, "config");
    Checks.checkNotNull(history, "history");
    Checks.checkNotNull(optimizer, "optimizer");
    history = List.copyOf(history);
  }

  /**
   * A 64-bit hash of datasets' sample counts, sizes and every input and target bit pattern, so a
   * resume on other data is refused. Not cryptographic: it tells files apart, it does not
   * authenticate them.
   */
  public static long hashData(Dataset... sets) {
    long h = 0x243F6A8885A308D3L;
    for (Dataset d : sets) {
      if (d == null) {
        h = mix(h ^ 0x5A5A5A5AL);
        continue;
      }
      h = mix(h ^ d.count());
      h = mix(h ^ ((long) d.inputSize() << 32 | d.targetSize()));
      h = hash(h, d.inputs(), d.count() * d.inputSize());
      h = hash(h, d.targets(), d.count() * d.targetSize());
    }
    return h;
  }

  private static long hash(long h, float[] a, int n) {
    // Four independent lanes keep the multiplies pipelined (about 1 ns per float).
    long h0 = h;
    long h1 = h ^ 0x9E3779B97F4A7C15L;
    long h2 = h ^ 0xC2B2AE3D27D4EB4FL;
    long h3 = h ^ 0x165667B19E3779F9L;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      h0 = (h0 ^ Float.floatToRawIntBits(a[i])) * 0x100000001B3L;
      h1 = (h1 ^ Float.floatToRawIntBits(a[i + 1])) * 0x100000001B3L;
      h2 = (h2 ^ Float.floatToRawIntBits(a[i + 2])) * 0x100000001B3L;
      h3 = (h3 ^ Float.floatToRawIntBits(a[i + 3])) * 0x100000001B3L;
    }
    for (; i < n; i++) h0 = (h0 ^ Float.floatToRawIntBits(a[i])) * 0x100000001B3L;
    return mix(mix(mix(mix(h0) ^ h1) ^ h2) ^ h3);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
