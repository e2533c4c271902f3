package dev.deltac.compiler.interp;

import dev.deltac.compiler.ir.Node;
import dev.deltac.runtime.MathFunctions;
import dev.deltac.runtime.kernels.RecurrentKernels;

/**
 * Reference LSTM, GRU and RNN (PyTorch's formulas) over one sequence, and their gradients, on the
 * tape layout of {@link RecurrentKernels}: written step by step with plain dot products, for
 * clarity, independently of the runtime kernels that generated code calls.
 */
final class Recurrence {
  private final int cell;
  private final int t;
  private final int n;
  private final int h;
  private final int g;
  private final int r;

  private Recurrence(Node node) {
    this.cell = RecurrentKernels.cell(node.attr().name());
    this.h = node.attr().intAt(0);
    this.t = node.input(0).shape().dim(0);
    this.n = node.input(0).shape().dim(1);
    this.g = RecurrentKernels.gates(cell, h);
    this.r = RecurrentKernels.restWidth(cell, h);
  }

  /** (xs, W_ih, W_hh, b_ih, b_hh) → the tape. */
  static double[] forward(Node node, double[] xs, double[] wih, double[] whh, double[] bih,
      double[] bhh) {
    return new Recurrence(node).forward(xs, wih, whh, bih, bhh);
  }

  /** (xs, W_ih, W_hh, tape, gh) → [dxs, dW_ih, dW_hh, db_ih, db_hh]. */
  static double[] backward(Node node, double[] xs, double[] wih, double[] whh, double[] tape,
      double[] gh) {
    return new Recurrence(node).backward(xs, wih, whh, tape, gh);
  }

  /** Row k of W (g rows of m) times v, from element vOff. */
  private static double dot(double[] w, int k, int m, double[] v, int vOff) {
    double s = 0;
    for (int j = 0; j < m; j++) s += w[k * m + j] * v[vOff + j];
    return s;
  }

  private double[] forward(double[] xs, double[] wih, double[] whh, double[] bih, double[] bhh) {
    double[] tape = new double[t * (h + r)];
    double[] hp = new double[h];
    double[] cp = new double[h];
    double[] xg = new double[g];
    double[] hg = new double[g];
    for (int s = 0; s < t; s++) {
      for (int k = 0; k < g; k++) {
        xg[k] = dot(wih, k, n, xs, s * n) + bih[k];
        hg[k] = dot(whh, k, h, hp, 0) + bhh[k];
      }
      int rest = t * h + s * r;
      double[] hn = new double[h];
      for (int u = 0; u < h; u++) {
        switch (cell) {
          case RecurrentKernels.LSTM -> {
            double i = MathFunctions.sigmoid(xg[u] + hg[u]);
            double f = MathFunctions.sigmoid(xg[h + u] + hg[h + u]);
            double gg = Math.tanh(xg[2 * h + u] + hg[2 * h + u]);
            double o = MathFunctions.sigmoid(xg[3 * h + u] + hg[3 * h + u]);
            double c = f * cp[u] + i * gg;
            hn[u] = o * Math.tanh(c);
            cp[u] = c;
            tape[rest + u] = c;
            tape[rest + h + u] = i;
            tape[rest + 2 * h + u] = f;
            tape[rest + 3 * h + u] = gg;
            tape[rest + 4 * h + u] = o;
          }
          case RecurrentKernels.GRU -> {
            double rr = MathFunctions.sigmoid(xg[u] + hg[u]);
            double z = MathFunctions.sigmoid(xg[h + u] + hg[h + u]);
            double nn = Math.tanh(xg[2 * h + u] + rr * hg[2 * h + u]);
            hn[u] = (1 - z) * nn + z * hp[u];
            tape[rest + u] = rr;
            tape[rest + h + u] = z;
            tape[rest + 2 * h + u] = nn;
            tape[rest + 3 * h + u] = hg[2 * h + u];
          }
          case RecurrentKernels.RNN_TANH -> hn[u] = Math.tanh(xg[u] + hg[u]);
          default -> hn[u] = Math.max(0, xg[u] + hg[u]);
        }
      }
      System.arraycopy(hn, 0, tape, s * h, h);
      hp = hn;
    }
    return tape;
  }

  private double[] backward(double[] xs, double[] wih, double[] whh, double[] tape, double[] gh) {
    double[] dxs = new double[t * n];
    double[] dwih = new double[g * n];
    double[] dwhh = new double[g * h];
    double[] dbih = new double[g];
    double[] dbhh = new double[g];
    double[] dh = new double[h];
    double[] dc = new double[h];
    for (int s = t - 1; s >= 0; s--) {
      int rest = t * h + s * r;
      double[] da = new double[g]; // d of the input-side pre-activations
      double[] db = new double[g]; // d of the hidden-side pre-activations
      double[] dhPrev = new double[h];
      for (int u = 0; u < h; u++) {
        double d = gh[s * h + u] + dh[u];
        double hPrev = s > 0 ? tape[(s - 1) * h + u] : 0;
        switch (cell) {
          case RecurrentKernels.LSTM -> {
            double c = tape[rest + u];
            double i = tape[rest + h + u];
            double f = tape[rest + 2 * h + u];
            double gg = tape[rest + 3 * h + u];
            double o = tape[rest + 4 * h + u];
            double cPrev = s > 0 ? tape[rest - r + u] : 0;
            double tc = Math.tanh(c);
            double dcTotal = dc[u] + d * o * (1 - tc * tc);
            da[u] = dcTotal * gg * i * (1 - i);
            da[h + u] = dcTotal * cPrev * f * (1 - f);
            da[2 * h + u] = dcTotal * i * (1 - gg * gg);
            da[3 * h + u] = d * tc * o * (1 - o);
            dc[u] = dcTotal * f;
          }
          case RecurrentKernels.GRU -> {
            double rr = tape[rest + u];
            double z = tape[rest + h + u];
            double nn = tape[rest + 2 * h + u];
            double hnPre = tape[rest + 3 * h + u];
            double dnPre = d * (1 - z) * (1 - nn * nn);
            da[u] = dnPre * hnPre * rr * (1 - rr);
            da[h + u] = d * (hPrev - nn) * z * (1 - z);
            da[2 * h + u] = dnPre;
            dhPrev[u] = d * z;
          }
          case RecurrentKernels.RNN_TANH -> {
            double y = tape[s * h + u];
            da[u] = d * (1 - y * y);
          }
          default -> da[u] = tape[s * h + u] > 0 ? d : 0;
        }
      }
      System.arraycopy(da, 0, db, 0, g);
      if (cell == RecurrentKernels.GRU) {
        for (int u = 0; u < h; u++) db[2 * h + u] = da[2 * h + u] * tape[rest + u];
      }
      for (int k = 0; k < g; k++) {
        dbih[k] += da[k];
        dbhh[k] += db[k];
        for (int j = 0; j < n; j++) {
          dwih[k * n + j] += da[k] * xs[s * n + j];
          dxs[s * n + j] += da[k] * wih[k * n + j];
        }
        if (s > 0) {
          for (int j = 0; j < h; j++) {
            dwhh[k * h + j] += db[k] * tape[(s - 1) * h + j];
            dhPrev[j] += db[k] * whh[k * h + j];
          }
        }
      }
      dh = dhPrev;
    }
    double[] out = new double[t * n + g * n + g * h + 2 * g];
    int o = 0;
    for (double[] part : new double[][] {dxs, dwih, dwhh, dbih, dbhh}) {
      System.arraycopy(part, 0, out, o, part.length);
      o += part.length;
    }
    return out;
  }
}
