package dev.deltac.runtime;

/** A generated model in float64. */
public interface DoubleModel extends Model {
  /** The parameter storage itself, as uniform blocks (see {@link TensorInfo}). */
  double[][] params();

  /** The gradient storage itself, same block layout as {@link #params()}. */
  double[][] grads();

  /** As {@link FloatModel#buffers()}, in float64. */
  default double[][] buffers() {
    return Params.NO_DOUBLE_BLOCKS;
  }

  /** Inference for one sample: reads {@code x[xOff...]}, writes {@code out[outOff...]}. */
  void predict(double[] x, int xOff, double[] out, int outOff);

  /** Inference for {@code batch} samples packed back to back from offset 0. */
  void predictBatch(double[] xs, double[] outs, int batch);

  /** Mean loss of the batch, forward only. */
  double loss(double[] xs, int xOff, double[] ts, int tOff, int batch);

  /** Mean loss of the first {@code batch} samples of {@code xs} and {@code ts}, forward only. */
  default double loss(double[] xs, double[] ts, int batch) {
    return loss(xs, 0, ts, 0, batch);
  }

  /**
   * Mean loss of the batch; overwrites {@link #grads()} with the gradient of the mean loss.
   * With {@code inputGradients}, also fills {@link #inputGradients()} with d(mean loss)/d(input)
   * for every sample; a training step passes false and never pays for it.
   */
  double lossAndGradient(double[] xs, int xOff, double[] ts, int tOff, int batch,
      boolean inputGradients);

  /**
   * Mean loss of the first {@code batch} samples of {@code xs} and {@code ts}; overwrites
   * {@link #grads()} with its gradient (not the input gradients).
   */
  default double lossAndGradient(double[] xs, double[] ts, int batch) {
    return lossAndGradient(xs, 0, ts, 0, batch, false);
  }

  /** d(mean loss)/d(input), packed per sample, from the last call that asked for it. */
  double[] inputGradients();

  @Override
  DoubleModel replica();
}
