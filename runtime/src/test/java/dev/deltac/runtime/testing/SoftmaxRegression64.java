package dev.deltac.runtime.testing;

import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.Initializers;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.Precision;

/**
 * The float64 twin of {@link SoftmaxRegression}. With {@code bug} set, the gradient of
 * {@code W[k-1, n-1]} is off by a small constant, as a broken generator might emit.
 */
public class SoftmaxRegression64 implements DoubleModel {
  final int n;
  final int k;
  final int maxBatch;
  final boolean bug;
  final ModelInfo info;
  final double[][] params;
  final double[][] grads;
  final double[] z;
  final double[] p;
  final double[] inputGrads;

  public SoftmaxRegression64(int n, int k, int maxBatch) {
    this(n, k, maxBatch, false);
  }

  public SoftmaxRegression64(int n, int k, int maxBatch, boolean bug) {
    this(n, k, maxBatch, bug, "SoftmaxRegression", newParams(n, k));
  }

  private SoftmaxRegression64(int n, int k, int maxBatch, boolean bug, String name,
      double[][] params) {
    this.n = n;
    this.k = k;
    this.maxBatch = maxBatch;
    this.bug = bug;
    this.info = SoftmaxRegression.info(name, Precision.FLOAT64, n, k);
    this.params = params;
    this.grads = newParams(n, k);
    this.z = new double[k];
    this.p = new double[k];
    this.inputGrads = new double[maxBatch * n];
  }

  private static double[][] newParams(int n, int k) {
    double[][] p = new double[k + 1][];
    for (int r = 0; r < k; r++) p[r] = new double[n];
    p[k] = new double[k];
    return p;
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
  public double[][] params() {
    return params;
  }

  @Override
  public double[][] grads() {
    return grads;
  }

  private double forward(double[] x, int xOff, double[] out, int outOff) {
    double max = Double.NEGATIVE_INFINITY;
    for (int r = 0; r < k; r++) {
      double s = params[k][r];
      for (int c = 0; c < n; c++) s += params[r][c] * x[xOff + c];
      z[r] = s;
      max = Math.max(max, s);
    }
    double sum = 0;
    for (int r = 0; r < k; r++) sum += Math.exp(z[r] - max);
    for (int r = 0; r < k; r++) out[outOff + r] = Math.exp(z[r] - max) / sum;
    return Math.log(sum) + max;
  }

  @Override
  public void predict(double[] x, int xOff, double[] out, int outOff) {
    forward(x, xOff, out, outOff);
  }

  @Override
  public void predictBatch(double[] xs, double[] outs, int batch) {
    for (int i = 0; i < batch; i++) forward(xs, i * n, outs, i * k);
  }

  private double sampleLoss(double[] xs, int xo, double[] ts, int to) {
    double lse = forward(xs, xo, p, 0);
    double l = 0;
    for (int r = 0; r < k; r++) l -= ts[to + r] * (z[r] - lse);
    return l;
  }

  @Override
  public double loss(double[] xs, int xOff, double[] ts, int tOff, int batch) {
    double total = 0;
    for (int i = 0; i < batch; i++) total += sampleLoss(xs, xOff + i * n, ts, tOff + i * k);
    return total / batch;
  }

  @Override
  public double lossAndGradient(double[] xs, int xOff, double[] ts, int tOff, int batch,
      boolean inputGradients) {
    for (double[] g : grads) java.util.Arrays.fill(g, 0);
    double total = 0;
    for (int i = 0; i < batch; i++) {
      int xo = xOff + i * n;
      int to = tOff + i * k;
      total += sampleLoss(xs, xo, ts, to);
      double ysum = 0;
      for (int r = 0; r < k; r++) ysum += ts[to + r];
      if (inputGradients) java.util.Arrays.fill(inputGrads, i * n, i * n + n, 0);
      for (int r = 0; r < k; r++) {
        double dz = (p[r] * ysum - ts[to + r]) / batch;
        grads[k][r] += dz;
        for (int c = 0; c < n; c++) {
          grads[r][c] += dz * xs[xo + c];
          if (inputGradients) inputGrads[i * n + c] += dz * params[r][c];
        }
      }
    }
    if (bug) grads[k - 1][n - 1] += 1e-3;
    return total / batch;
  }

  @Override
  public double[] inputGradients() {
    return inputGrads;
  }

  @Override
  public SoftmaxRegression64 replica() {
    return new SoftmaxRegression64(n, k, maxBatch, bug, info.name(), params);
  }
}
