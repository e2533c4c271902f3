package dev.deltac.benchmarks.models;

import java.util.Random;

/** Hand-written TinyRnn (8 steps, 3 -> 16 tanh -> 2, mse per step), BPTT on flat arrays. */
public final class HandRnn implements Workloads.HandWritten {
  static final int T = 8, I = 3, H = 16, O = 2;
  private final int batch;
  private final float[] wx = new float[H * I], wh = new float[H * H], bh = new float[H],
      wy = new float[O * H];
  private final float[] gwx = new float[H * I], gwh = new float[H * H], gbh = new float[H],
      gwy = new float[O * H];
  private final float[] hs = new float[(T + 1) * H], dh = new float[H], dz = new float[H],
      dhPrev = new float[H];

  HandRnn(int batch) {
    this.batch = batch;
    Random r = new Random(7);
    for (int i = 0; i < wx.length; i++) wx[i] = (float) r.nextGaussian() * 0.5f;
    for (int i = 0; i < wh.length; i++) wh[i] = (float) r.nextGaussian() * 0.25f;
    for (int i = 0; i < wy.length; i++) wy[i] = (float) r.nextGaussian() * 0.25f;
  }

  @Override
  public int inputSize() {
    return T * I;
  }

  @Override
  public int targetSize() {
    return T * O;
  }

  @Override
  public long params() {
    return wx.length + wh.length + bh.length + wy.length;
  }

  @Override
  public float step(float[] xs, float[] ts, float lr) {
    java.util.Arrays.fill(gwx, 0f);
    java.util.Arrays.fill(gwh, 0f);
    java.util.Arrays.fill(gbh, 0f);
    java.util.Arrays.fill(gwy, 0f);
    double loss = 0;
    for (int s = 0; s < batch; s++) {
      int x0 = s * T * I, t0 = s * T * O;
      for (int k = 0; k < H; k++) hs[k] = 0;
      for (int t = 0; t < T; t++) {
        for (int i = 0; i < H; i++) {
          float acc = bh[i];
          for (int j = 0; j < I; j++) acc += wx[i * I + j] * xs[x0 + t * I + j];
          for (int j = 0; j < H; j++) acc += wh[i * H + j] * hs[t * H + j];
          hs[(t + 1) * H + i] = (float) Math.tanh(acc);
        }
        for (int o = 0; o < O; o++) {
          float y = 0;
          for (int j = 0; j < H; j++) y += wy[o * H + j] * hs[(t + 1) * H + j];
          float e = y - ts[t0 + t * O + o];
          loss += e * e / O;
        }
      }
      for (int k = 0; k < H; k++) dh[k] = 0;
      for (int t = T - 1; t >= 0; t--) {
        int hOff = (t + 1) * H;
        for (int o = 0; o < O; o++) {
          float y = 0;
          for (int j = 0; j < H; j++) y += wy[o * H + j] * hs[hOff + j];
          float e = 2 * (y - ts[t0 + t * O + o]) / O;
          for (int j = 0; j < H; j++) {
            gwy[o * H + j] += e * hs[hOff + j];
            dh[j] += e * wy[o * H + j];
          }
        }
        for (int i = 0; i < H; i++) {
          float h = hs[hOff + i];
          dz[i] = dh[i] * (1 - h * h);
        }
        for (int j = 0; j < H; j++) dhPrev[j] = 0;
        for (int i = 0; i < H; i++) {
          float d = dz[i];
          gbh[i] += d;
          for (int j = 0; j < I; j++) gwx[i * I + j] += d * xs[x0 + t * I + j];
          for (int j = 0; j < H; j++) {
            gwh[i * H + j] += d * hs[t * H + j];
            dhPrev[j] += d * wh[i * H + j];
          }
        }
        System.arraycopy(dhPrev, 0, dh, 0, H);
      }
    }
    float scale = lr / batch;
    update(wx, gwx, scale);
    update(wh, gwh, scale);
    update(bh, gbh, scale);
    update(wy, gwy, scale);
    return (float) (loss / batch);
  }

  private static void update(float[] p, float[] g, float scale) {
    for (int i = 0; i < p.length; i++) p[i] -= scale * g[i];
  }
}
