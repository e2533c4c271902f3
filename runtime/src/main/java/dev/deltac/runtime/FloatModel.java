package dev.deltac.runtime;

/** A generated model in float32. */
public interface FloatModel extends Model {
  /** The parameter storage itself, as uniform blocks (see {@link TensorInfo}). */
  float[][] params();

  /** The gradient storage itself, same block layout as {@link #params()}. */
  float[][] grads();

  /**
   * The state that is not trained, one block per {@link ModelInfo#buffers()} entry (the running
   * statistics of batch_norm): the storage itself, shared by replicas. Empty for most models.
   */
  default float[][] buffers() {
    return Params.NO_FLOAT_BLOCKS;
  }

  /** Inference for one sample: reads {@code x[xOff...]}, writes {@code out[outOff...]}. */
  void predict(float[] x, int xOff, float[] out, int outOff);

  /** Inference for {@code batch} samples packed back to back from offset 0. */
  void predictBatch(float[] xs, float[] outs, int batch);

  /** Mean loss of the batch, forward only. */
  float loss(float[] xs, int xOff, float[] ts, int tOff, int batch);

  /** Mean loss of the first {@code batch} samples of {@code xs} and {@code ts}, forward only. */
  default float loss(float[] xs, float[] ts, int batch) {
    return loss(xs, 0, ts, 0, batch);
  }

  /**
   * Mean loss of the batch; overwrites {@link #grads()} with the gradient of the mean loss.
   * With {@code inputGradients}, also fills {@link #inputGradients()} with d(mean loss)/d(input)
   * for every sample; a training step passes false and never pays for it.
   */
  float lossAndGradient(float[] xs, int xOff, float[] ts, int tOff, int batch,
      boolean inputGradients);

  /**
   * Mean loss of the first {@code batch} samples of {@code xs} and {@code ts}; overwrites
   * {@link #grads()} with its gradient (not the input gradients).
   */
  default float lossAndGradient(float[] xs, float[] ts, int batch) {
    return lossAndGradient(xs, 0, ts, 0, batch, false);
  }

  /** d(mean loss)/d(input), packed per sample, from the last call that asked for it. */
  float[] inputGradients();

  @Override
  FloatModel replica();
}
