package dev.deltac.runtime.data;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.Rng;

/**
 * Samples packed back to back, as models take them: sample {@code i}'s inputs are
 * {@code inputs()[i * inputSize() ...]}, its targets {@code targets()[i * targetSize() ...]}.
 * The arrays are shared, not copied; derived datasets ({@link #shuffled}, {@link #split}) copy.
 */
public final class Dataset {
  private final float[] inputs;
  private final float[] targets;
  private final int count;
  private final int inputSize;
  private final int targetSize;

  /**
   * {@code count} samples whose inputs ({@code inputSize} floats each) and targets
   * ({@code targetSize} each) are packed back to back; the arrays are used, not copied.
   */
  public Dataset(float[] inputs, float[] targets, int count, int inputSize, int targetSize) {
    Checks.checkArgument(count >= 0 && inputSize >= 0 && targetSize >= 0,
        "negative count or size: %s, %s, %s", count, inputSize, targetSize);
    Checks.checkArgument(inputs.length == (long) count * inputSize,
        "inputs hold %s floats, expected %s samples x %s", inputs.length, count, inputSize);
    Checks.checkArgument(targets.length == (long) count * targetSize,
        "targets hold %s floats, expected %s samples x %s", targets.length, count, targetSize);
    this.inputs = inputs;
    this.targets = targets;
    this.count = count;
    this.inputSize = inputSize;
    this.targetSize = targetSize;
  }

  /** From one array per sample; every row must have the same length. */
  public static Dataset of(float[][] xs, float[][] ts) {
    Checks.checkArgument(xs.length == ts.length, "%s input rows but %s target rows", xs.length,
        ts.length);
    int n = xs.length;
    int in = n == 0 ? 0 : xs[0].length;
    int out = n == 0 ? 0 : ts[0].length;
    float[] x = new float[n * in];
    float[] t = new float[n * out];
    for (int i = 0; i < n; i++) {
      Checks.checkArgument(xs[i].length == in, "input row %s has %s values, row 0 has %s", i,
          xs[i].length, in);
      Checks.checkArgument(ts[i].length == out, "target row %s has %s values, row 0 has %s", i,
          ts[i].length, out);
      System.arraycopy(xs[i], 0, x, i * in, in);
      System.arraycopy(ts[i], 0, t, i * out, out);
    }
    return new Dataset(x, t, n, in, out);
  }

  /** The number of samples. */
  public int count() {
    return count;
  }

  /** Input floats per sample (the model's {@code info().inputSize()}). */
  public int inputSize() {
    return inputSize;
  }

  /** Target floats per sample (the model's {@code info().targetSize()}; 0 for inputs only). */
  public int targetSize() {
    return targetSize;
  }

  /** The packed inputs themselves. */
  public float[] inputs() {
    return inputs;
  }

  /** The packed targets themselves. */
  public float[] targets() {
    return targets;
  }

  /** The samples at {@code indices}, in that order, copied. */
  public Dataset select(int[] indices) {
    float[] x = new float[indices.length * inputSize];
    float[] t = new float[indices.length * targetSize];
    for (int i = 0; i < indices.length; i++) {
      int s = indices[i];
      Checks.checkArgument(s >= 0 && s < count, "sample %s out of 0..%s", s, count - 1);
      System.arraycopy(inputs, s * inputSize, x, i * inputSize, inputSize);
      System.arraycopy(targets, s * targetSize, t, i * targetSize, targetSize);
    }
    return new Dataset(x, t, indices.length, inputSize, targetSize);
  }

  /** Samples {@code from} (inclusive) to {@code to} (exclusive), copied. */
  public Dataset slice(int from, int to) {
    Checks.checkArgument(0 <= from && from <= to && to <= count, "slice %s..%s of %s samples",
        from, to, count);
    int[] idx = new int[to - from];
    for (int i = 0; i < idx.length; i++) idx[i] = from + i;
    return select(idx);
  }

  /** The first {@code n} samples (all if fewer). */
  public Dataset head(int n) {
    return slice(0, Math.min(n, count));
  }

  /** A copy in a seeded random order (Fisher–Yates with {@link Rng}): same seed, same order. */
  public Dataset shuffled(long seed) {
    return select(new Rng(seed).permutation(count));
  }

  /** Training and validation parts of a dataset. */
  public record Split(Dataset train, Dataset validation) {}

  /**
   * The last {@code round(count * validationFraction)} samples become the validation part, the
   * rest the training part, in order. Shuffle first ({@link #shuffled}) for a random split.
   */
  public Split split(double validationFraction) {
    Checks.checkArgument(validationFraction >= 0 && validationFraction < 1,
        "validation fraction must be in [0, 1): %s", validationFraction);
    int val = (int) Math.round(count * validationFraction);
    return new Split(slice(0, count - val), slice(count - val, count));
  }

  /** A seeded random split: {@code shuffled(seed).split(validationFraction)}. */
  public Split split(double validationFraction, long seed) {
    return shuffled(seed).split(validationFraction);
  }

  /** True when every target row is 0 or 1 with exactly one 1 (class labels, one-hot). */
  public boolean targetsAreOneHot() {
    if (targetSize < 2 || count == 0) return false;
    for (int i = 0; i < count; i++) {
      int ones = 0;
      for (int j = 0; j < targetSize; j++) {
        float v = targets[i * targetSize + j];
        if (v == 1f) ones++;
        else if (v != 0f) return false;
      }
      if (ones != 1) return false;
    }
    return true;
  }

  /** True when there is one target per sample and every target is 0 or 1 (binary labels). */
  public boolean targetsAreBinary() {
    if (targetSize != 1 || count == 0) return false;
    for (float v : targets) {
      if (v != 0f && v != 1f) return false;
    }
    return true;
  }

  @Override
  public String toString() {
    return "Dataset[" + count + " samples, " + inputSize + " inputs, " + targetSize
        + " targets]";
  }
}
