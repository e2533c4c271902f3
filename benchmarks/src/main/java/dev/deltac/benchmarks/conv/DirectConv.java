package dev.deltac.benchmarks.conv;

/**
 * A hand-written direct convolution in plain Java, float32, on flat [c, h, w] arrays and a flat
 * kernel W[f, c, k, k]: the loops as one writes them from the definition, with the bounds of the
 * zero padding tested where they are needed (per row and per element).
 */
final class DirectConv {
  final int c;
  final int h;
  final int w;
  final int f;
  final int k;
  final int s;
  final int p;
  final int oh;
  final int ow;

  DirectConv(int c, int h, int w, int f, int k, int s, int p) {
    this.c = c;
    this.h = h;
    this.w = w;
    this.f = f;
    this.k = k;
    this.s = s;
    this.p = p;
    this.oh = (h + 2 * p - k) / s + 1;
    this.ow = (w + 2 * p - k) / s + 1;
  }

  /** Multiply-adds times two of one forward pass. */
  long flops() {
    return 2L * f * oh * ow * c * k * k;
  }

  /** out[f, i, j] = sum over ch, u, v of W[f, ch, u, v] * x[ch, i*s + u - p, j*s + v - p]. */
  void forward(float[] x, float[] wt, float[] out) {
    for (int ff = 0; ff < f; ff++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          float acc = 0;
          for (int ch = 0; ch < c; ch++) {
            for (int u = 0; u < k; u++) {
              int y = i * s + u - p;
              if (y < 0 || y >= h) continue;
              for (int v = 0; v < k; v++) {
                int xx = j * s + v - p;
                if (xx < 0 || xx >= w) continue;
                acc += wt[((ff * c + ch) * k + u) * k + v] * x[(ch * h + y) * w + xx];
              }
            }
          }
          out[(ff * oh + i) * ow + j] = acc;
        }
      }
    }
  }

  /** dx = the full correlation of g with the flipped kernel, written as a scatter. */
  void inputGrad(float[] wt, float[] g, float[] dx) {
    java.util.Arrays.fill(dx, 0f);
    for (int ff = 0; ff < f; ff++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          float gv = g[(ff * oh + i) * ow + j];
          for (int ch = 0; ch < c; ch++) {
            for (int u = 0; u < k; u++) {
              int y = i * s + u - p;
              if (y < 0 || y >= h) continue;
              for (int v = 0; v < k; v++) {
                int xx = j * s + v - p;
                if (xx < 0 || xx >= w) continue;
                dx[(ch * h + y) * w + xx] += wt[((ff * c + ch) * k + u) * k + v] * gv;
              }
            }
          }
        }
      }
    }
  }

  /** dW[f, ch, u, v] += sum over i, j of g[f, i, j] * x[ch, i*s + u - p, j*s + v - p]. */
  void kernelGrad(float[] x, float[] g, float[] dw) {
    for (int ff = 0; ff < f; ff++) {
      for (int ch = 0; ch < c; ch++) {
        for (int u = 0; u < k; u++) {
          for (int v = 0; v < k; v++) {
            float acc = 0;
            for (int i = 0; i < oh; i++) {
              int y = i * s + u - p;
              if (y < 0 || y >= h) continue;
              for (int j = 0; j < ow; j++) {
                int xx = j * s + v - p;
                if (xx < 0 || xx >= w) continue;
                acc += g[(ff * oh + i) * ow + j] * x[(ch * h + y) * w + xx];
              }
            }
            dw[((ff * c + ch) * k + u) * k + v] += acc;
          }
        }
      }
    }
  }

  // The same three passes with the loops reordered as a careful hand-writer would: the kernel
  // element outermost, a scalar weight times a whole output row, and the padding handled by
  // per-(u, v) bounds on i and j instead of tests in the inner loop (stride 1 and s alike).

  private int lo(int t) {
    return t >= 0 ? 0 : (-t + s - 1) / s;
  }

  private int hi(int t, int size, int outSize) {
    return Math.min(outSize, (size - 1 - t) / s + 1);
  }

  /** out[f, i, j] += W[f, ch, u, v] * x[ch, i*s + u - p, j*s + v - p], row by row. */
  void forwardRows(float[] x, float[] wt, float[] out) {
    java.util.Arrays.fill(out, 0f);
    for (int ff = 0; ff < f; ff++) {
      for (int ch = 0; ch < c; ch++) {
        for (int u = 0; u < k; u++) {
          int i0 = lo(u - p);
          int i1 = hi(u - p, h, oh);
          for (int v = 0; v < k; v++) {
            int j0 = lo(v - p);
            int j1 = hi(v - p, w, ow);
            float wv = wt[((ff * c + ch) * k + u) * k + v];
            for (int i = i0; i < i1; i++) {
              int o = (ff * oh + i) * ow;
              int xi = (ch * h + i * s + u - p) * w + v - p;
              for (int j = j0; j < j1; j++) out[o + j] += wv * x[xi + j * s];
            }
          }
        }
      }
    }
  }

  /** dx[ch, i*s + u - p, j*s + v - p] += W[f, ch, u, v] * g[f, i, j], row by row. */
  void inputGradRows(float[] wt, float[] g, float[] dx) {
    java.util.Arrays.fill(dx, 0f);
    for (int ff = 0; ff < f; ff++) {
      for (int ch = 0; ch < c; ch++) {
        for (int u = 0; u < k; u++) {
          int i0 = lo(u - p);
          int i1 = hi(u - p, h, oh);
          for (int v = 0; v < k; v++) {
            int j0 = lo(v - p);
            int j1 = hi(v - p, w, ow);
            float wv = wt[((ff * c + ch) * k + u) * k + v];
            for (int i = i0; i < i1; i++) {
              int o = (ff * oh + i) * ow;
              int xi = (ch * h + i * s + u - p) * w + v - p;
              for (int j = j0; j < j1; j++) dx[xi + j * s] += wv * g[o + j];
            }
          }
        }
      }
    }
  }

  /** dW[f, ch, u, v] += sum over the valid i, j of g[f, i, j] * x[ch, i*s + u - p, j*s + v - p]. */
  void kernelGradRows(float[] x, float[] g, float[] dw) {
    for (int ff = 0; ff < f; ff++) {
      for (int ch = 0; ch < c; ch++) {
        for (int u = 0; u < k; u++) {
          int i0 = lo(u - p);
          int i1 = hi(u - p, h, oh);
          for (int v = 0; v < k; v++) {
            int j0 = lo(v - p);
            int j1 = hi(v - p, w, ow);
            float acc = 0;
            for (int i = i0; i < i1; i++) {
              int o = (ff * oh + i) * ow;
              int xi = (ch * h + i * s + u - p) * w + v - p;
              for (int j = j0; j < j1; j++) acc += g[o + j] * x[xi + j * s];
            }
            dw[((ff * c + ch) * k + u) * k + v] += acc;
          }
        }
      }
    }
  }
}
