package dev.deltac.runtime;

/**
 * What every generated model class implements, whatever its precision. See {@link FloatModel}
 * and {@link DoubleModel} for the numeric entry points.
 *
 * <p>Inputs and targets are passed packed: sample {@code i} of a batch starts at
 * {@code off + i * info().inputSize()} (likewise targets and outputs). A model is not
 * thread-safe; use {@link #replica()} to get one model per thread that shares the parameters.
 */
public interface Model {
  /** Names, shapes and offsets of the inputs, targets, outputs and parameters. */
  ModelInfo info();

  /** The largest batch the buffers were allocated for. */
  int maxBatch();

  /**
   * Whether one sample's loss depends on the other samples of its batch (batch_norm): then
   * {@code lossAndGradient} uses the batch's statistics and updates the running statistics, and a
   * data-parallel step must reduce the statistics of its shards ({@link BatchCoupled}).
   */
  default boolean batchCoupled() {
    return false;
  }

  /** Runs the declared initializers, reproducibly for {@code seed}. */
  void initParams(long seed);

  /**
   * Seeds the dropout masks of the following {@code lossAndGradient} calls. A mask element
   * depends only on this seed, the sample's index in the batch array ({@code xOff / inputSize}
   * plus its place in the call), the mask and the element ({@link Dropout#scale}), so shards
   * computed on any thread get the same masks. Inference ({@code predict}, {@code loss}) never
   * drops. Models without dropout ignore the seed.
   */
  default void setDropoutSeed(long seed) {}

  /**
   * A new instance, with the same maximum batch, that shares this model's parameter arrays
   * (not copies) and has its own gradients and work buffers: one per thread for data-parallel
   * training.
   */
  Model replica();
}
