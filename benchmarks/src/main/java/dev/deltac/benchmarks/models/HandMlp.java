package dev.deltac.benchmarks.models;

import java.util.Random;

/**
 * The hand-written baseline of issue 7: a dense network on flat preallocated arrays with plain
 * loops, sample by sample, as a Java programmer would write it without a library.
 */
public final class HandMlp implements Workloads.HandWritten {
  static final int SIGMOID = 0, RELU = 1, TANH = 2, NONE = 3;
  private final int[] sizes;
  private final int[] act;
  private final boolean softmaxCe;
  private final int batch;
  private final float[][] w, b, gw, gb, a, d;

  static HandMlp xor(int batch) {
    return new HandMlp(new int[] {2, 4, 1}, new int[] {SIGMOID, SIGMOID}, false, batch);
  }

  static HandMlp mlp(int batch) {
    return new HandMlp(new int[] {784, 128, 10}, new int[] {RELU, NONE}, true, batch);
  }

  static HandMlp deep(int batch) {
    return new HandMlp(new int[] {256, 256, 256, 256, 256, 10},
        new int[] {TANH, TANH, TANH, TANH, NONE}, true, batch);
  }

  HandMlp(int[] sizes, int[] act, boolean softmaxCe, int batch) {
    this.sizes = sizes;
    this.act = act;
    this.softmaxCe = softmaxCe;
    this.batch = batch;
    int layers = sizes.length - 1;
    w = new float[layers][];
    b = new float[layers][];
    gw = new float[layers][];
    gb = new float[layers][];
    a = new float[layers + 1][];
    d = new float[layers + 1][];
    Random r = new Random(7);
    for (int l = 0; l < layers; l++) {
      int n = sizes[l], m = sizes[l + 1];
      w[l] = new float[m * n];
      gw[l] = new float[m * n];
      b[l] = new float[m];
      gb[l] = new float[m];
      float scale = (float) Math.sqrt(2.0 / n);
      for (int i = 0; i < m * n; i++) w[l][i] = (float) r.nextGaussian() * scale;
    }
    for (int l = 0; l <= layers; l++) {
      a[l] = new float[sizes[l]];
      d[l] = new float[sizes[l]];
    }
  }

  @Override
  public int inputSize() {
    return sizes[0];
  }

  @Override
  public int targetSize() {
    return sizes[sizes.length - 1];
  }

  @Override
  public long params() {
    long p = 0;
    for (int l = 0; l < w.length; l++) p += w[l].length + b[l].length;
    return p;
  }

  @Override
  public float step(float[] xs, float[] ts, float lr) {
    int layers = w.length;
    for (int l = 0; l < layers; l++) {
      java.util.Arrays.fill(gw[l], 0f);
      java.util.Arrays.fill(gb[l], 0f);
    }
    double loss = 0;
    int in = sizes[0], out = sizes[layers];
    for (int s = 0; s < batch; s++) {
      System.arraycopy(xs, s * in, a[0], 0, in);
      for (int l = 0; l < layers; l++) {
        int n = sizes[l], m = sizes[l + 1];
        float[] wl = w[l], x = a[l], y = a[l + 1], bl = b[l];
        for (int i = 0; i < m; i++) {
          float acc = bl[i];
          for (int j = 0; j < n; j++) acc += wl[i * n + j] * x[j];
          switch (act[l]) {
            case SIGMOID: acc = (float) (1 / (1 + Math.exp(-acc))); break;
            case RELU: acc = acc > 0 ? acc : 0; break;
            case TANH: acc = (float) Math.tanh(acc); break;
            default: break;
          }
          y[i] = acc;
        }
      }
      float[] z = a[layers], dz = d[layers];
      int t0 = s * out;
      if (softmaxCe) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < out; i++) max = Math.max(max, z[i]);
        double sum = 0;
        for (int i = 0; i < out; i++) sum += Math.exp(z[i] - max);
        double lse = max + Math.log(sum);
        for (int i = 0; i < out; i++) {
          loss += ts[t0 + i] * (lse - z[i]);
          dz[i] = (float) Math.exp(z[i] - lse) - ts[t0 + i];
        }
      } else {
        for (int i = 0; i < out; i++) {
          float p = z[i], t = ts[t0 + i];
          loss -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
          dz[i] = p - t; // bce through the sigmoid
        }
      }
      for (int l = layers - 1; l >= 0; l--) {
        int n = sizes[l], m = sizes[l + 1];
        float[] wl = w[l], x = a[l], dy = d[l + 1], dx = d[l], g = gw[l], gbl = gb[l];
        for (int i = 0; i < m; i++) {
          float di = dy[i];
          gbl[i] += di;
          for (int j = 0; j < n; j++) g[i * n + j] += di * x[j];
        }
        if (l > 0) {
          for (int j = 0; j < n; j++) dx[j] = 0;
          for (int i = 0; i < m; i++) {
            float di = dy[i];
            for (int j = 0; j < n; j++) dx[j] += wl[i * n + j] * di;
          }
          for (int j = 0; j < n; j++) {
            float h = x[j];
            switch (act[l - 1]) {
              case SIGMOID: dx[j] *= h * (1 - h); break;
              case RELU: dx[j] *= h > 0 ? 1 : 0; break;
              case TANH: dx[j] *= 1 - h * h; break;
              default: break;
            }
          }
        }
      }
    }
    float scale = lr / batch;
    for (int l = 0; l < layers; l++) {
      float[] wl = w[l], g = gw[l], bl = b[l], gbl = gb[l];
      for (int i = 0; i < wl.length; i++) wl[i] -= scale * g[i];
      for (int i = 0; i < bl.length; i++) bl[i] -= scale * gbl[i];
    }
    return (float) (loss / batch);
  }
}
