package dev.deltac.compiler.interp;

import dev.deltac.compiler.ir.ConvGeometry;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;

/** Reference direct convolution and pooling on [c, h, w] tensors, with their gradients. */
final class Convolution {
  private Convolution() {}

  /** out[f, i, j] = sum over c, u, v of W[f, c, u, v] * x[c, i*s + u - p, j*s + v - p]. */
  static double[] forward(Node n, double[] x, double[] w) {
    ConvGeometry geo = ConvGeometry.of(n);
    int c = geo.channels(), h = geo.height(), wd = geo.width(), k = geo.kernel();
    int s = geo.stride(), p = geo.padding(), oh = geo.outHeight(), ow = geo.outWidth();
    double[] out = new double[geo.outputShape().size()];
    for (int f = 0; f < geo.filters(); f++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
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
          out[(f * oh + i) * ow + j] = acc;
        }
      }
    }
    return out;
  }

  /** Operands (W, g): the full correlation of g with the flipped kernel, as a scatter. */
  static double[] inputGrad(Node n, double[] w, double[] g) {
    ConvGeometry geo = ConvGeometry.of(n);
    int c = geo.channels(), h = geo.height(), wd = geo.width(), k = geo.kernel();
    int s = geo.stride(), p = geo.padding(), oh = geo.outHeight(), ow = geo.outWidth();
    double[] dx = new double[geo.inputShape().size()];
    for (int f = 0; f < geo.filters(); f++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          double gv = g[(f * oh + i) * ow + j];
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
    ConvGeometry geo = ConvGeometry.of(n);
    int c = geo.channels(), h = geo.height(), wd = geo.width(), k = geo.kernel();
    int s = geo.stride(), p = geo.padding(), oh = geo.outHeight(), ow = geo.outWidth();
    double[] dw = new double[geo.kernelShape().size()];
    for (int f = 0; f < geo.filters(); f++) {
      for (int ch = 0; ch < c; ch++) {
        for (int u = 0; u < k; u++) {
          for (int v = 0; v < k; v++) {
            double acc = 0;
            for (int i = 0; i < oh; i++) {
              int y = i * s + u - p;
              if (y < 0 || y >= h) continue;
              for (int j = 0; j < ow; j++) {
                int xx = j * s + v - p;
                if (xx < 0 || xx >= wd) continue;
                acc += g[(f * oh + i) * ow + j] * x[(ch * h + y) * wd + xx];
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
    ConvGeometry geo = ConvGeometry.of(n);
    int h = geo.height(), w = geo.width(), size = geo.kernel(), s = geo.stride();
    int oh = geo.outHeight(), ow = geo.outWidth();
    boolean max = n.op() == Op.MAXPOOL2D;
    double[] out = new double[geo.outputShape().size()];
    for (int c = 0; c < geo.channels(); c++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          double acc = max ? Double.NEGATIVE_INFINITY : 0;
          for (int u = 0; u < size; u++) {
            for (int v = 0; v < size; v++) {
              double val = x[(c * h + i * s + u) * w + j * s + v];
              acc = max ? Math.max(acc, val) : acc + val;
            }
          }
          out[(c * oh + i) * ow + j] = max ? acc : acc / (size * size);
        }
      }
    }
    return out;
  }

  /** Operands (x, g): each window's gradient goes to its first maximum. */
  static double[] maxPoolGrad(Node n, double[] x, double[] g) {
    ConvGeometry geo = ConvGeometry.of(n);
    int h = geo.height(), w = geo.width(), size = geo.kernel(), s = geo.stride();
    int oh = geo.outHeight(), ow = geo.outWidth();
    double[] dx = new double[geo.inputShape().size()];
    for (int c = 0; c < geo.channels(); c++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          int best = -1;
          double bestVal = Double.NEGATIVE_INFINITY;
          for (int u = 0; u < size; u++) {
            for (int v = 0; v < size; v++) {
              int idx = (c * h + i * s + u) * w + j * s + v;
              if (best < 0 || x[idx] > bestVal) {
                best = idx;
                bestVal = x[idx];
              }
            }
          }
          dx[best] += g[(c * oh + i) * ow + j];
        }
      }
    }
    return dx;
  }

  /** Operand g; attr [size, stride, h, w]. */
  static double[] avgPoolGrad(Node n, double[] g) {
    ConvGeometry geo = ConvGeometry.of(n);
    int h = geo.height(), w = geo.width(), size = geo.kernel(), s = geo.stride();
    int oh = geo.outHeight(), ow = geo.outWidth();
    double[] dx = new double[geo.inputShape().size()];
    double scale = 1.0 / (size * size);
    for (int c = 0; c < geo.channels(); c++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          double gv = g[(c * oh + i) * ow + j] * scale;
          for (int u = 0; u < size; u++) {
            for (int v = 0; v < size; v++) dx[(c * h + i * s + u) * w + j * s + v] += gv;
          }
        }
      }
    }
    return dx;
  }
}
