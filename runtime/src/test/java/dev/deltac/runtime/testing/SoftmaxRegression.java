package dev.deltac.runtime.testing;

import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Initializers;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.TensorInfo;
import java.util.List;

/**
 * A hand-written float32 model, as the generator would emit it: {@code p = softmax(W x + b)},
 * loss {@code softmax_cross_entropy}. W[k, n] is k row blocks, b[k] one block.
 */
public class SoftmaxRegression implements FloatModel {
  final int n;
  final int k;
  final int maxBatch;
  final ModelInfo info;
  final float[][] params;
  final float[][] grads;
  final float[] z;
  final float[] p1;
  final float[] inputGrads;

  public SoftmaxRegression(int n, int k, int maxBatch) {
    this(n, k, maxBatch, "SoftmaxRegression", newParams(n, k));
  }

  /** The same model under another name, as another .nn model would be. */
  public static SoftmaxRegression named(String name, int n, int k, int maxBatch) {
    return new SoftmaxRegression(n, k, maxBatch, name, newParams(n, k));
  }

  SoftmaxRegression(int n, int k, int maxBatch, String name, float[][] params) {
    this.n = n;
    this.k = k;
    this.maxBatch = maxBatch;
    this.info = info(name, Precision.FLOAT32, n, k);
    this.params = params;
    this.grads = newParams(n, k);
    this.z = new float[k];
    this.p1 = new float[k];
    this.inputGrads = new float[maxBatch * n];
  }

  private static float[][] newParams(int n, int k) {
    float[][] p = new float[k + 1][];
    for (int r = 0; r < k; r++) p[r] = new float[n];
    p[k] = new float[k];
    return p;
  }

  static ModelInfo info(String name, Precision precision, int n, int k) {
    return new ModelInfo(name, precision,
        List.of(TensorInfo.packed("x", new int[] {n}, 0)),
        List.of(TensorInfo.packed("y", new int[] {k}, 0)),
        List.of(TensorInfo.packed("p", new int[] {k}, 0)),
        List.of(new TensorInfo("W", new int[] {k, n}, 0, 0, k, "he", null),
            new TensorInfo("b", new int[] {k}, k * n, k, 1, null, null)));
  }

  @Override
  public ModelInfo info() {
    return info;
  }

  @Override
  public int maxBatch() {
    return maxBatch;
  }

  @Override
  public void initParams(long seed) {
    Initializers.initialize(this, seed);
  }

  @Override
  public float[][] params() {
    return params;
  }

  @Override
  public float[][] grads() {
    return grads;
  }

  /** Softmax of W x + b into {@code out}; returns log(sum(exp(z - max))) + max. */
  float forward(float[] x, int xOff, float[] out, int outOff) {
    float max = Float.NEGATIVE_INFINITY;
    for (int r = 0; r < k; r++) {
      float s = params[k][r];
      float[] w = params[r];
      for (int c = 0; c < n; c++) s += w[c] * x[xOff + c];
      z[r] = s;
      max = Math.max(max, s);
    }
    float sum = 0;
    for (int r = 0; r < k; r++) sum += (float) Math.exp(z[r] - max);
    for (int r = 0; r < k; r++) out[outOff + r] = (float) Math.exp(z[r] - max) / sum;
    return (float) Math.log(sum) + max;
  }

  @Override
  public void predict(float[] x, int xOff, float[] out, int outOff) {
    forward(x, xOff, out, outOff);
  }

  @Override
  public void predictBatch(float[] xs, float[] outs, int batch) {
    for (int i = 0; i < batch; i++) forward(xs, i * n, outs, i * k);
  }

  @Override
  public float loss(float[] xs, int xOff, float[] ts, int tOff, int batch) {
    float total = 0;
    for (int i = 0; i < batch; i++) total += sampleLoss(xs, xOff + i * n, ts, tOff + i * k);
    return total / batch;
  }

  private float sampleLoss(float[] xs, int xo, float[] ts, int to) {
    float lse = forward(xs, xo, p1, 0);
    float l = 0;
    for (int r = 0; r < k; r++) l -= ts[to + r] * (z[r] - lse);
    return l;
  }

  @Override
  public float lossAndGradient(float[] xs, int xOff, float[] ts, int tOff, int batch,
      boolean inputGradients) {
    for (float[] g : grads) java.util.Arrays.fill(g, 0f);
    float total = 0;
    float inv = 1f / batch;
    for (int i = 0; i < batch; i++) {
      int xo = xOff + i * n;
      int to = tOff + i * k;
      total += sampleLoss(xs, xo, ts, to);
      float ysum = 0;
      for (int r = 0; r < k; r++) ysum += ts[to + r];
      if (inputGradients) java.util.Arrays.fill(inputGrads, i * n, i * n + n, 0f);
      for (int r = 0; r < k; r++) {
        float dz = (p1[r] * ysum - ts[to + r]) * inv;
        grads[k][r] += dz;
        float[] gw = grads[r];
        for (int c = 0; c < n; c++) {
          gw[c] += dz * xs[xo + c];
          if (inputGradients) inputGrads[i * n + c] += dz * params[r][c];
        }
      }
    }
    return total / batch;
  }

  @Override
  public float[] inputGradients() {
    return inputGrads;
  }

  @Override
  public SoftmaxRegression replica() {
    return new SoftmaxRegression(n, k, maxBatch, info.name(), params);
  }
}
