package dev.deltac.runtime.data;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.TensorInfo;
import dev.deltac.runtime.io.Checkpoint;
import dev.deltac.runtime.io.CheckpointException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Feature standardization: each float input value {@code x} becomes {@code (x - mean) / scale},
 * with the mean and the standard deviation of that input position over the training samples, as
 * scikit-learn's {@code StandardScaler} does (population standard deviation; a position that is
 * constant over the training set keeps scale 1). Integer inputs (indices) are never changed.
 *
 * <p>Fit it on the training split only, apply it to every split and to whatever is predicted
 * later, and keep it with the parameters: {@link #attachTo} puts it in a checkpoint and
 * {@link #from(Checkpoint, Path, ModelInfo)} reads it back, which is what {@code deltac train
 * --standardize} and {@code deltac predict} do.
 *
 * <pre>{@code
 * Standardization st = Standardization.fit(model.info(), split.train());
 * Dataset train = st.apply(split.train());
 * Dataset val = st.apply(split.validation());
 * ... train ...
 * st.attachTo(Checkpoint.of(model)).writeTo(path);
 * }</pre>
 *
 * <p>The statistics are computed in float64 in sample order, so they do not depend on threads.
 */
public final class Standardization {
  /** The checkpoint attachment holding the means, one per input position. */
  public static final String MEAN = "standardization.mean";
  /** The checkpoint attachment holding the scales (standard deviations), one per position. */
  public static final String SCALE = "standardization.scale";

  private final double[] mean;
  private final double[] scale;

  private Standardization(double[] mean, double[] scale) {
    this.mean = mean;
    this.scale = scale;
  }

  /**
   * The mean and standard deviation of every float input position of {@code info} over
   * {@code train}; integer inputs get mean 0 and scale 1 (unchanged).
   */
  public static Standardization fit(ModelInfo info, Dataset train) {
    int n = train.inputSize();
    Checks.checkArgument(n == info.inputSize(), "the dataset has %s input values per sample,"
        + " model %s takes %s", n, info.name(), info.inputSize());
    Checks.checkArgument(train.count() > 0, "cannot fit a standardization on an empty dataset");
    boolean[] fixed = integerPositions(info);
    float[] x = train.inputs();
    double[] mean = new double[n];
    for (int s = 0; s < train.count(); s++) {
      for (int j = 0; j < n; j++) mean[j] += x[s * n + j];
    }
    for (int j = 0; j < n; j++) mean[j] /= train.count();
    double[] var = new double[n];
    for (int s = 0; s < train.count(); s++) {
      for (int j = 0; j < n; j++) {
        double d = x[s * n + j] - mean[j];
        var[j] += d * d;
      }
    }
    double[] scale = new double[n];
    for (int j = 0; j < n; j++) {
      double sd = Math.sqrt(var[j] / train.count());
      if (fixed[j]) {
        mean[j] = 0;
        scale[j] = 1;
      } else {
        scale[j] = sd > 0 ? sd : 1;
      }
    }
    return new Standardization(mean, scale);
  }

  private static boolean[] integerPositions(ModelInfo info) {
    boolean[] fixed = new boolean[info.inputSize()];
    for (TensorInfo t : info.inputs()) {
      if (t.integer()) Arrays.fill(fixed, t.offset(), t.offset() + t.size(), true);
    }
    return fixed;
  }

  /**
   * The standardization attached to {@code c}, checked against the model's inputs; null when the
   * checkpoint has none. {@code path} names the file in messages.
   */
  public static Standardization from(Checkpoint c, Path path, ModelInfo info)
      throws CheckpointException {
    double[] mean = c.attachment(MEAN);
    double[] scale = c.attachment(SCALE);
    if (mean == null && scale == null) return null;
    if (mean == null || scale == null) {
      throw new CheckpointException("checkpoint " + path + " has " + (mean == null ? SCALE : MEAN)
          + " without " + (mean == null ? MEAN : SCALE));
    }
    if (mean.length != info.inputSize() || scale.length != info.inputSize()) {
      throw new CheckpointException("checkpoint " + path + ": its standardization has "
          + mean.length + " means and " + scale.length + " scales, but model " + info.name()
          + " takes " + info.inputSize() + " input values");
    }
    for (int j = 0; j < scale.length; j++) {
      if (!(scale[j] > 0) || Double.isInfinite(scale[j]) || !Double.isFinite(mean[j])) {
        throw new CheckpointException("checkpoint " + path + ": standardization of input value "
            + j + " has mean " + mean[j] + " and scale " + scale[j]
            + " (a scale must be positive and finite)");
      }
    }
    return new Standardization(mean, scale);
  }

  /** {@code c} with this standardization attached (written with it by {@code writeTo}). */
  public Checkpoint attachTo(Checkpoint c) {
    return c.withAttachments(attachments());
  }

  /** The two arrays under their checkpoint names ({@link #MEAN}, {@link #SCALE}). */
  public Map<String, double[]> attachments() {
    return Map.of(MEAN, mean.clone(), SCALE, scale.clone());
  }

  /** A new dataset whose inputs are standardized; the targets are shared. */
  public Dataset apply(Dataset d) {
    Checks.checkArgument(d.inputSize() == mean.length, "the dataset has %s input values per"
        + " sample, this standardization %s", d.inputSize(), mean.length);
    float[] x = d.inputs().clone();
    for (int s = 0; s < d.count(); s++) apply(x, s * mean.length);
    return new Dataset(x, d.targets(), d.count(), d.inputSize(), d.targetSize());
  }

  /** Standardizes one sample's inputs in place: {@code inputSize} floats from {@code off}. */
  public void apply(float[] inputs, int off) {
    for (int j = 0; j < mean.length; j++) {
      inputs[off + j] = (float) ((inputs[off + j] - mean[j]) / scale[j]);
    }
  }

  /** The mean of every input position (0 for integer inputs). */
  public double[] mean() {
    return mean.clone();
  }

  /** The scale of every input position (1 for integer inputs and constant positions). */
  public double[] scale() {
    return scale.clone();
  }
}
