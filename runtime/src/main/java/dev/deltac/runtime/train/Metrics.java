package dev.deltac.runtime.train;

import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.TensorInfo;
import dev.deltac.runtime.data.Dataset;
import java.util.ArrayList;
import java.util.List;

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
    return loss(model, data, null);
  }

  /**
   * {@link #loss(FloatModel, Dataset)} with the chunks on the threads of {@code engine} (null: on
   * the caller): the chunks' losses are added in chunk order, so the bits do not depend on it.
   */
  static double loss(FloatModel model, Dataset data, ParallelGradient engine) {
    int chunk = model.maxBatch();
    int in = data.inputSize();
    int tg = data.targetSize();
    int count = (data.count() + chunk - 1) / chunk;
    double[] part = new double[count];
    forEachChunk(model, engine, count, (m, c, slot) -> {
      int from = c * chunk;
      int n = Math.min(chunk, data.count() - from);
      part[c] = (double) n * m.loss(data.inputs(), from * in, data.targets(), from * tg, n);
    });
    double total = 0;
    for (double p : part) total += p;
    return data.count() == 0 ? Double.NaN : total / data.count();
  }

  /**
   * Fraction of samples classified right: for one-hot targets, argmax of the output equals
   * argmax of the target (first maximum wins); for binary targets (one 0/1 target), output
   * &gt;= 0.5 equals the target. NaN when {@link #hasAccuracy} is false.
   */
  public static double accuracy(FloatModel model, Dataset data) {
    return accuracy(model, data, null);
  }

  /** {@link #accuracy(FloatModel, Dataset)} with the chunks on the threads of {@code engine}. */
  static double accuracy(FloatModel model, Dataset data, ParallelGradient engine) {
    TensorInfo classes = classIndexOutput(model.info());
    if (classes != null) return classIndexAccuracy(model, data, classes, engine);
    TensorInfo out = accuracyOutput(model.info());
    boolean oneHot = data.targetsAreOneHot();
    if (out == null || !(oneHot || data.targetsAreBinary())) return Double.NaN;
    int tg = data.targetSize();
    int k = out.size();
    long right = predictAll(model, data, engine, (i, buf, at) -> {
      if (oneHot) {
        return argmax(buf, at + out.offset(), k) == argmax(data.targets(), i * tg, k) ? 1 : 0;
      }
      return (buf[at + out.offset()] >= 0.5f) == (data.targets()[i] == 1f) ? 1 : 0;
    });
    return (double) right / data.count();
  }

  /**
   * Class-index targets: the fraction of labels (over samples, and positions for {@code int[T]})
   * equal to the argmax of their output row (first maximum wins), as PyTorch's
   * {@code (logits.argmax(-1) == labels).float().mean()}.
   */
  private static double classIndexAccuracy(FloatModel model, Dataset data, TensorInfo out,
      ParallelGradient engine) {
    if (data.count() == 0) return Double.NaN;
    int tg = data.targetSize();
    int positions = tg;
    int c = out.size() / positions;
    long right = predictAll(model, data, engine, (i, buf, at) -> {
      int r = 0;
      for (int t = 0; t < positions; t++) {
        if (argmax(buf, at + out.offset() + t * c, c) == (int) data.targets()[i * tg + t]) r++;
      }
      return r;
    });
    return (double) right / ((long) data.count() * positions);
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
    predictAll(model, data, null, (i, buf, at) -> { // on the caller: it fills m
      if (oneHot) {
        m[argmax(data.targets(), i * tg, out.size())][argmax(buf, at + out.offset(), out.size())]++;
      } else {
        m[data.targets()[i] == 1f ? 1 : 0][buf[at + out.offset()] >= 0.5f ? 1 : 0]++;
      }
      return 0;
    });
    return m;
  }

  /**
   * What {@link #predictAll} hands over per sample: its index and its outputs at
   * {@code buf[at...]}; returns a count to add up (samples right, say). Called on the engine's
   * threads when there is one, so it must not write shared state.
   */
  interface Prediction {
    int accept(int sample, float[] buf, int at);
  }

  /**
   * Every sample's outputs, predicted in chunks of the model's maximum batch through
   * {@link FloatModel#predictBatch} (the whole-batch pass of a generated model, where a sample at
   * a time would run its per-sample code: the words transformer's held-out accuracy took
   * seconds), on the threads of {@code engine} (null: in order on the caller); returns the sum
   * of what {@code each} returned.
   */
  static long predictAll(FloatModel model, Dataset data, ParallelGradient engine,
      Prediction each) {
    int chunk = Math.max(1, model.maxBatch());
    int in = data.inputSize();
    int outSize = model.info().outputSize();
    int n = data.count();
    int count = (n + chunk - 1) / chunk;
    long[] counts = new long[count];
    List<float[][]> buffers = new ArrayList<>(); // per slot: inputs, outputs
    forEachChunk(model, engine, count, (m, c, slot) -> {
      float[][] buf;
      synchronized (buffers) {
        while (buffers.size() <= slot) buffers.add(null);
        buf = buffers.get(slot);
        if (buf == null) {
          buf = new float[][] {new float[Math.min(chunk, n) * in],
              new float[Math.min(chunk, n) * outSize]};
          buffers.set(slot, buf);
        }
      }
      int from = c * chunk;
      int b = Math.min(chunk, n - from);
      System.arraycopy(data.inputs(), from * in, buf[0], 0, b * in);
      m.predictBatch(buf[0], buf[1], b);
      long r = 0;
      for (int s = 0; s < b; s++) r += each.accept(from + s, buf[1], s * outSize);
      counts[c] = r;
    });
    long total = 0;
    for (long r : counts) total += r;
    return total;
  }

  private static void forEachChunk(FloatModel model, ParallelGradient engine, int count,
      ParallelGradient.ChunkTask task) {
    if (engine == null) {
      for (int c = 0; c < count; c++) task.run(model, c, 0);
    } else {
      engine.forEachChunk(count, task);
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
