package dev.deltac.compiler.interp;

import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.types.Shape;

/** Reference direct convolution and pooling on [c, h, w] tensors, with their gradients. */
final class Convolution {
  private Convolution() {}

  /** out[f, i, j] = sum over c, u, v of W[f, c, u, v] * x[c, i*s + u - p, j*s + v - p]. */
  static double[] forward(Node n, double[] x, double[] w) {
    Shape xs = n.input(0).shape();
    Shape ws = n.input(1).shape();
    Shape os = n.shape();
    int s = n.attr().intAt(0);
    int p = n.attr().intAt(1);
    double[] out = new double[os.size()];
    int c = xs.dim(0), h = xs.dim(1), wd = xs.dim(2), k = ws.dim(2);
    for (int f = 0; f < os.dim(0); f++) {
      for (int i = 0; i < os.dim(1); i++) {
        for (int j = 0; j < os.dim(2); j++) {
          double acc = 0;
          for (int ch = 0; ch < c; ch++) {
            for (int u = 0; u < k; u++) {
              int y = i * s + u - p;
              if (y < 0 || y >= h) continue;
              for (int v = 0; v < k; v++) {
                int xx = j * s + v - p;
                if (xx < 0 || xx >= wd) continue;
                acc += w[((f * c + ch) * k + u) * k + v] * x[(ch * h + y) * wd + xx];
              }
            }
          }
          out[(f * os.dim(1) + i) * os.dim(2) + j] = acc;
        }
      }
    }
    return out;
  }

  /** Operands (W, g): the full correlation of g with the flipped kernel, as a scatter. */
  static double[] inputGrad(Node n, double[] w, double[] g) {
    Shape ws = n.input(0).shape();
    Shape gs = n.input(1).shape();
    int s = n.attr().intAt(0), p = n.attr().intAt(1), h = n.attr().intAt(2), wd = n.attr().intAt(3);
    int c = ws.dim(1), k = ws.dim(2);
    double[] dx = new double[c * h * wd];
    for (int f = 0; f < gs.dim(0); f++) {
      for (int i = 0; i < gs.dim(1); i++) {
        for (int j = 0; j < gs.dim(2); j++) {
          double gv = g[(f * gs.dim(1) + i) * gs.dim(2) + j];
          for (int ch = 0; ch < c; ch++) {
            for (int u = 0; u < k; u++) {
              int y = i * s + u - p;
              if (y < 0 || y >= h) continue;
              for (int v = 0; v < k; v++) {
                int xx = j * s + v - p;
                if (xx < 0 || xx >= wd) continue;
                dx[(ch * h + y) * wd + xx] += w[((f * c + ch) * k + u) * k + v] * gv;
              }
            }
          }
        }
      }
    }
    return dx;
  }

  /** Operands (x, g): dW[f, c, u, v] = sum over i, j of g[f, i, j] * x[c, i*s + u - p, j*s + v - p]. */
  static double[] kernelGrad(Node n, double[] x, double[] g) {
    Shape xs = n.input(0).shape();
    Shape gs = n.input(1).shape();
    int s = n.attr().intAt(0), p = n.attr().intAt(1), k = n.attr().intAt(2);
    int c = xs.dim(0), h = xs.dim(1), wd = xs.dim(2);
    double[] dw = new double[gs.dim(0) * c * k * k];
    for (int f = 0; f < gs.dim(0); f++) {
      for (int ch = 0; ch < c; ch++) {
        for (int u = 0; u < k; u++) {
          for (int v = 0; v < k; v++) {
            double acc = 0;
            for (int i = 0; i < gs.dim(1); i++) {
              int y = i * s + u - p;
              if (y < 0 || y >= h) continue;
              for (int j = 0; j < gs.dim(2); j++) {
                int xx = j * s + v - p;
                if (xx < 0 || xx >= wd) continue;
                acc += g[(f * gs.dim(1) + i) * gs.dim(2) + j] * x[(ch * h + y) * wd + xx];
              }
            }
            dw[((f * c + ch) * k + u) * k + v] = acc;
          }
        }
      }
    }
    return dw;
  }

  static double[] pool(Node n, double[] x) {
    Shape xs = n.input(0).shape();
    Shape os = n.shape();
    int size = n.attr().intAt(0), s = n.attr().intAt(1);
    boolean max = n.op() == Op.MAXPOOL2D;
    double[] out = new double[os.size()];
    for (int c = 0; c < os.dim(0); c++) {
      for (int i = 0; i < os.dim(1); i++) {
        for (int j = 0; j < os.dim(2); j++) {
          double acc = max ? Double.NEGATIVE_INFINITY : 0;
          for (int u = 0; u < size; u++) {
            for (int v = 0; v < size; v++) {
              double val = x[(c * xs.dim(1) + i * s + u) * xs.dim(2) + j * s + v];
              acc = max ? Math.max(acc, val) : acc + val;
            }
          }
          out[(c * os.dim(1) + i) * os.dim(2) + j] = max ? acc : acc / (size * size);
        }
      }
    }
    return out;
  }

  /** Operands (x, g): each window's gradient goes to its first maximum. */
  static double[] maxPoolGrad(Node n, double[] x, double[] g) {
    Shape xs = n.input(0).shape();
    Shape gs = n.input(1).shape();
    int size = n.attr().intAt(0), s = n.attr().intAt(1);
    double[] dx = new double[xs.size()];
    for (int c = 0; c < gs.dim(0); c++) {
      for (int i = 0; i < gs.dim(1); i++) {
        for (int j = 0; j < gs.dim(2); j++) {
          int best = -1;
          double bestVal = Double.NEGATIVE_INFINITY;
          for (int u = 0; u < size; u++) {
            for (int v = 0; v < size; v++) {
              int idx = (c * xs.dim(1) + i * s + u) * xs.dim(2) + j * s + v;
              if (best < 0 || x[idx] > bestVal) {
                best = idx;
                bestVal = x[idx];
              }
            }
          }
          dx[best] += g[(c * gs.dim(1) + i) * gs.dim(2) + j];
        }
      }
    }
    return dx;
  }

  /** Operand g; attr [size, stride, h, w]. */
  static double[] avgPoolGrad(Node n, double[] g) {
    Shape gs = n.input(0).shape();
    int size = n.attr().intAt(0), s = n.attr().intAt(1), h = n.attr().intAt(2), w = n.attr().intAt(3);
    double[] dx = new double[gs.dim(0) * h * w];
    double scale = 1.0 / (size * size);
    for (int c = 0; c < gs.dim(0); c++) {
      for (int i = 0; i < gs.dim(1); i++) {
        for (int j = 0; j < gs.dim(2); j++) {
          double gv = g[(c * gs.dim(1) + i) * gs.dim(2) + j] * scale;
          for (int u = 0; u < size; u++) {
            for (int v = 0; v < size; v++) dx[(c * h + i * s + u) * w + j * s + v] += gv;
          }
        }
      }
    }
    return dx;
  }
}
