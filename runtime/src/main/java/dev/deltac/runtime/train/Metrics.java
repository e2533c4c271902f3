package dev.deltac.runtime.train;

import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.TensorInfo;
import dev.deltac.runtime.data.Dataset;

/** Loss and accuracy of a model on a dataset, in inference mode. */
public final class Metrics {
  private Metrics() {}

  /**
   * The output tensor to compare with the targets for accuracy: the first output with as many
   * elements as one sample's targets, or null.
   */
  public static TensorInfo accuracyOutput(ModelInfo info) {
    for (TensorInfo t : info.outputs()) {
      if (t.size() == info.targetSize()) return t;
    }
    return null;
  }

  /**
   * For a model whose only target holds class indices ({@code target label: int} or
   * {@code target tags: int[T]}): the first output of shape {@code [C]} (or {@code [T, C]}) whose
   * argmax is compared with the label (per position), else null.
   */
  public static TensorInfo classIndexOutput(ModelInfo info) {
    if (info.targets().size() != 1 || !info.targets().get(0).integer()) return null;
    int[] labels = info.targets().get(0).shape();
    if (labels.length > 1) return null;
    for (TensorInfo t : info.outputs()) {
      int[] s = t.shape();
      if (labels.length == 0 && s.length == 1) return t;
      if (labels.length == 1 && s.length == 2 && s[0] == labels[0]) return t;
    }
    return null;
  }

  /** Whether {@link #accuracy} means something for this model and data. */
  public static boolean hasAccuracy(ModelInfo info, Dataset data) {
    if (classIndexOutput(info) != null) return data.count() > 0;
    return accuracyOutput(info) != null && (data.targetsAreOneHot() || data.targetsAreBinary());
  }

  /** Mean loss over the whole dataset, computed in chunks of the model's maximum batch. */
  public static double loss(FloatModel model, Dataset data) {
    int chunk = model.maxBatch();
    int in = data.inputSize();
    int tg = data.targetSize();
    double total = 0;
    for (int from = 0; from < data.count(); from += chunk) {
      int n = Math.min(chunk, data.count() - from);
      total += (double) n * model.loss(data.inputs(), from * in, data.targets(), from * tg, n);
    }
    return data.count() == 0 ? Double.NaN : total / data.count();
  }

  /**
   * Fraction of samples classified right: for one-hot targets, argmax of the output equals
   * argmax of the target (first maximum wins); for binary targets (one 0/1 target), output
   * &gt;= 0.5 equals the target. NaN when {@link #hasAccuracy} is false.
   */
  public static double accuracy(FloatModel model, Dataset data) {
    TensorInfo classes = classIndexOutput(model.info());
    if (classes != null) return classIndexAccuracy(model, data, classes);
    TensorInfo out = accuracyOutput(model.info());
    boolean oneHot = data.targetsAreOneHot();
    if (out == null || !(oneHot || data.targetsAreBinary())) return Double.NaN;
    int tg = data.targetSize();
    int k = out.size();
    int[] right = {0};
    predictAll(model, data, (i, buf, at) -> {
      if (oneHot) {
        if (argmax(buf, at + out.offset(), k) == argmax(data.targets(), i * tg, k)) right[0]++;
      } else {
        if ((buf[at + out.offset()] >= 0.5f) == (data.targets()[i] == 1f)) right[0]++;
      }
    });
    return (double) right[0] / data.count();
  }

  /**
   * Class-index targets: the fraction of labels (over samples, and positions for {@code int[T]})
   * equal to the argmax of their output row (first maximum wins), as PyTorch's
   * {@code (logits.argmax(-1) == labels).float().mean()}.
   */
  private static double classIndexAccuracy(FloatModel model, Dataset data, TensorInfo out) {
    if (data.count() == 0) return Double.NaN;
    int tg = data.targetSize();
    int positions = tg;
    int c = out.size() / positions;
    long[] right = {0};
    predictAll(model, data, (i, buf, at) -> {
      for (int t = 0; t < positions; t++) {
        if (argmax(buf, at + out.offset() + t * c, c) == (int) data.targets()[i * tg + t]) right[0]++;
      }
    });
    return (double) right[0] / ((long) data.count() * positions);
  }

  /**
   * The confusion matrix, {@code m[t][p]} samples of true class {@code t} predicted as class
   * {@code p}, with the rule of {@link #accuracy}: for one-hot targets of k classes a k x k
   * matrix, for binary targets 2 x 2; null when {@link #hasAccuracy} is false. Its diagonal
   * over the sample count is the accuracy.
   */
  public static int[][] confusion(FloatModel model, Dataset data) {
    TensorInfo out = accuracyOutput(model.info());
    boolean oneHot = data.targetsAreOneHot();
    if (out == null || !(oneHot || data.targetsAreBinary())) return null;
    int k = oneHot ? out.size() : 2;
    int[][] m = new int[k][k];
    int tg = data.targetSize();
    predictAll(model, data, (i, buf, at) -> {
      if (oneHot) {
        m[argmax(data.targets(), i * tg, out.size())][argmax(buf, at + out.offset(), out.size())]++;
      } else {
        m[data.targets()[i] == 1f ? 1 : 0][buf[at + out.offset()] >= 0.5f ? 1 : 0]++;
      }
    });
    return m;
  }

  /** What {@link #predictAll} hands over per sample: its index and its outputs at {@code buf[at...]}. */
  interface Prediction {
    void accept(int sample, float[] buf, int at);
  }

  /**
   * Every sample's outputs, in order, predicted in chunks of the model's maximum batch through
   * {@link FloatModel#predictBatch} (the whole-batch pass of a generated model, where a sample at
   * a time would run its per-sample code: the words transformer's held-out accuracy took seconds).
   */
  static void predictAll(FloatModel model, Dataset data, Prediction each) {
    int chunk = Math.max(1, model.maxBatch());
    int in = data.inputSize();
    int outSize = model.info().outputSize();
    int n = data.count();
    float[] xs = new float[Math.min(chunk, n) * in];
    float[] outs = new float[Math.min(chunk, n) * outSize];
    for (int from = 0; from < n; from += chunk) {
      int b = Math.min(chunk, n - from);
      System.arraycopy(data.inputs(), from * in, xs, 0, b * in);
      model.predictBatch(xs, outs, b);
      for (int s = 0; s < b; s++) each.accept(from + s, outs, s * outSize);
    }
  }

  static int argmax(float[] a, int off, int n) {
    int best = 0;
    for (int j = 1; j < n; j++) {
      if (a[off + j] > a[off + best]) best = j;
    }
    return best;
  }
}
