package dev.deltac.runtime.train;

import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.optim.Optimizer;

/**
 * What computes a {@link Trainer}'s batch gradient and takes its optimizer step: by default
 * {@link ParallelGradient} (threads of this JVM); the {@code deltac-spark} module plugs in one
 * whose shards run on a Spark cluster. An engine cuts a batch of B samples into the shards of
 * {@link ParallelGradient#shardCount} and reduces their gradients in shard order with
 * {@link ParallelGradient#reduceShard}, so every engine gives the same bits.
 */
public interface GradientEngine extends AutoCloseable {
  /** Makes the engine of a trainer, for its model and shard size. */
  @FunctionalInterface
  interface Factory {
    GradientEngine create(FloatModel model, int shardSize);
  }

  /** Workers that compute shards at once (threads, or Spark tasks); shown to listeners only. */
  int threads();

  /** Seeds the dropout masks of the next {@link #compute}. */
  void setDropoutSeed(long seed);

  /**
   * Computes the gradient of the mean loss of {@code batch} samples (packed from offset 0) into
   * the model's gradients and returns the mean loss.
   */
  double compute(float[] xs, float[] ts, int batch);

  /** The first gradient block of the last {@link #compute} holding a NaN or an infinity, or -1. */
  int firstNonFiniteGradientBlock();

  /**
   * One optimizer step on the model's parameters from its gradients; returns the first parameter
   * block holding a NaN or an infinity after it, or -1.
   */
  int update(Optimizer optimizer);

  @Override
  void close();
}
