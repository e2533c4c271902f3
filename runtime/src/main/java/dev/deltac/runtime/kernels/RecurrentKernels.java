package dev.deltac.runtime.kernels;

import dev.deltac.runtime.MathFunctions;

/**
 * The recurrent layers {@code lstm}, {@code gru} and {@code rnn} over one sample's sequence, in
 * float64 and float32: a loop over the steps whose code does not depend on the sequence length,
 * called by generated code (one call per sample for the forward pass, one for the backward).
 * Formulas, parameter layout and gate order are PyTorch's ({@code torch.nn.LSTM}, {@code GRU},
 * {@code RNN}), with a zero initial state.
 *
 * <p>Sizes: {@code t} steps, {@code n} inputs, {@code h} hidden units, {@code g} gate rows
 * ({@link #gates}: 4h, 3h or h). Weights {@code W_ih[g][n]} and {@code W_hh[g][h]} are row
 * arrays, biases flat.
 *
 * <p>The tape, {@code t * h + t * r} values ({@link #tapeSize}), is what the backward pass reads:
 * first the hidden states {@code hs[t, h]} (the layer's value), then one row of {@code r}
 * ({@link #restWidth}) per step: LSTM {@code [c, i, f, g, o]} (cell state and activated gates),
 * GRU {@code [r, z, n, W_hn h + b_hn]}, RNN nothing. The input projections {@code W_ih x + b}
 * of all steps are computed first, in one pass over the sequence, into the gate slots of the tape;
 * only {@code W_hh h} stays in the loop over steps, which then overwrites the slots with the
 * activated gates.
 *
 * <p>Products are written as sums over the input index in ascending order (the forward products
 * as axpy loops over a transposed copy of the weights, which C2 vectorizes), so the float64
 * results agree with the reference interpreter to rounding. Allocation-free: scratch space is the
 * caller's {@code work} array.
 */
public final class RecurrentKernels {
  /** Cell kinds, the first argument of every method. */
  public static final int LSTM = 0;
  public static final int GRU = 1;
  public static final int RNN_TANH = 2;
  public static final int RNN_RELU = 3;

  private RecurrentKernels() {}

  /** The cell kind of a layer: {@code lstm}, {@code gru}, {@code rnn_tanh} or {@code rnn_relu}. */
  public static int cell(String name) {
    switch (name) {
      case "lstm": return LSTM;
      case "gru": return GRU;
      case "rnn_tanh": return RNN_TANH;
      case "rnn_relu": return RNN_RELU;
      default: throw new IllegalArgumentException("unknown recurrent cell: " + name);
    }
  }

  /** Gate rows of W_ih and W_hh: 4h (LSTM), 3h (GRU) or h (RNN). */
  public static int gates(int cell, int h) {
    return cell == LSTM ? 4 * h : cell == GRU ? 3 * h : h;
  }

  /** Values per step on the tape after the hidden state: 5h (LSTM), 4h (GRU) or 0 (RNN). */
  public static int restWidth(int cell, int h) {
    return cell == LSTM ? 5 * h : cell == GRU ? 4 * h : 0;
  }

  public static int tapeSize(int cell, int t, int h) {
    return t * (h + restWidth(cell, h));
  }

  /** Size of the packed gradient: dxs, dW_ih, dW_hh, db_ih, db_hh. */
  public static int gradientSize(int cell, int t, int n, int h) {
    int g = gates(cell, h);
    return t * n + g * n + g * h + 2 * g;
  }

  public static int forwardWork(int cell, int n, int h) {
    int g = gates(cell, h);
    return n * g + h * g + g;
  }

  public static int backwardWork(int cell, int t, int n, int h) {
    int g = gates(cell, h);
    return (cell == GRU ? 2 : 1) * t * g + 3 * h + (n + h) * g;
  }

  /** Where the gate pre-activations of step 0 are on the tape. */
  private static int projectionBase(int cell, int t, int h, int tOff) {
    return cell == LSTM ? tOff + t * h + h : cell == GRU ? tOff + t * h : tOff;
  }

  private static int projectionStride(int cell, int h) {
    return cell == LSTM || cell == GRU ? restWidth(cell, h) : h;
  }
  // ---- double

  /**
   * The forward pass of one sample in double: the tape (see the class comment) from the sequence
   * {@code xs[xOff ..]} ({@code t} rows of {@code n}). {@code work} holds at least
   * {@link #forwardWork} elements.
   */
  public static void forward(int cell, int t, int n, int h, double[][] wih, double[][] whh,
      double[] bih, double[] bhh, double[] xs, int xOff, double[] tape, int tOff, double[] work) {
    int g = gates(cell, h);
    int r = restWidth(cell, h);
    int wtIh = 0;
    int wtHh = n * g;
    int hh = wtHh + h * g;
    transpose(wih, g, n, work, wtIh);
    transpose(whh, g, h, work, wtHh);
    // The input projection of every step at once: W_ih x_s + b_ih (+ b_hh where it adds).
    int pBase = projectionBase(cell, t, h, tOff);
    int pStride = projectionStride(cell, h);
    for (int s = 0; s < t; s++) {
      int y = pBase + s * pStride;
      int x = xOff + s * n;
      for (int k = 0; k < g; k++) tape[y + k] = 0;
      for (int j = 0; j < n; j++) {
        double a = xs[x + j];
        int w = wtIh + j * g;
        for (int k = 0; k < g; k++) tape[y + k] += a * work[w + k];
      }
      int nPart = cell == GRU ? 2 * h : g;
      for (int k = 0; k < nPart; k++) tape[y + k] += bih[k] + bhh[k];
      for (int k = nPart; k < g; k++) tape[y + k] += bih[k];
    }
    int rest = tOff + t * h;
    for (int s = 0; s < t; s++) {
      int hOut = tOff + s * h;
      int hPrev = hOut - h;
      // hh = W_hh h_{s-1}, as sums over j ascending.
      for (int k = 0; k < g; k++) work[hh + k] = 0;
      if (s > 0) {
        for (int j = 0; j < h; j++) {
          double a = tape[hPrev + j];
          int w = wtHh + j * g;
          for (int k = 0; k < g; k++) work[hh + k] += a * work[w + k];
        }
      }
      int p = pBase + s * pStride;
      switch (cell) {
        case LSTM: {
          int row = rest + s * r;
          int cPrev = row - r;
          for (int u = 0; u < h; u++) {
            double i = MathFunctions.sigmoid(tape[p + u] + work[hh + u]);
            double f = MathFunctions.sigmoid(tape[p + h + u] + work[hh + h + u]);
            double gg = (double) Math.tanh(tape[p + 2 * h + u] + work[hh + 2 * h + u]);
            double o = MathFunctions.sigmoid(tape[p + 3 * h + u] + work[hh + 3 * h + u]);
            double cp = s > 0 ? tape[cPrev + u] : 0;
            double c = f * cp + i * gg;
            tape[row + u] = c;
            tape[p + u] = i;
            tape[p + h + u] = f;
            tape[p + 2 * h + u] = gg;
            tape[p + 3 * h + u] = o;
            tape[hOut + u] = o * (double) Math.tanh(c);
          }
          break;
        }
        case GRU: {
          for (int u = 0; u < h; u++) {
            double rr = MathFunctions.sigmoid(tape[p + u] + work[hh + u]);
            double z = MathFunctions.sigmoid(tape[p + h + u] + work[hh + h + u]);
            double hn = work[hh + 2 * h + u] + bhh[2 * h + u];
            double nn = (double) Math.tanh(tape[p + 2 * h + u] + rr * hn);
            double hp = s > 0 ? tape[hPrev + u] : 0;
            tape[p + u] = rr;
            tape[p + h + u] = z;
            tape[p + 2 * h + u] = nn;
            tape[p + 3 * h + u] = hn;
            tape[hOut + u] = (1 - z) * nn + z * hp;
          }
          break;
        }
        case RNN_TANH: {
          for (int u = 0; u < h; u++) tape[hOut + u] = (double) Math.tanh(tape[hOut + u] + work[hh + u]);
          break;
        }
        default: {
          for (int u = 0; u < h; u++) {
            double v = tape[hOut + u] + work[hh + u];
            tape[hOut + u] = v > 0 ? v : 0;
          }
          break;
        }
      }
    }
  }

  /**
   * The backward pass of one sample in double: from the tape of {@link #forward} and the cotangent
   * {@code gh[gOff ..]} of the hidden states ({@code t} rows of {@code h}), the packed gradient
   * {@code out[oOff ..]}: {@code dxs[t, n]}, {@code dW_ih[g, n]}, {@code dW_hh[g, h]},
   * {@code db_ih[g]}, {@code db_hh[g]}, written (not accumulated). {@code work} holds at least
   * {@link #backwardWork} elements.
   */
  public static void backward(int cell, int t, int n, int h, double[][] wih, double[][] whh,
      double[] xs, int xOff, double[] tape, int tOff, double[] gh, int gOff, double[] out, int oOff,
      double[] work) {
    int g = gates(cell, h);
    int r = restWidth(cell, h);
    int dA = 0;
    int dB = cell == GRU ? t * g : 0;
    int dh = (cell == GRU ? 2 : 1) * t * g;
    int dhn = dh + h;
    int dc = dhn + h;
    int gtIh = dc + h;
    int gtHh = gtIh + n * g;
    for (int k = 0; k < 3 * h; k++) work[dh + k] = 0;
    int pBase = projectionBase(cell, t, h, tOff);
    int pStride = projectionStride(cell, h);
    int rest = tOff + t * h;
    for (int s = t - 1; s >= 0; s--) {
      int hOut = tOff + s * h;
      int hPrev = hOut - h;
      int p = pBase + s * pStride;
      int a = dA + s * g;
      int b = dB + s * g;
      for (int u = 0; u < h; u++) work[dhn + u] = 0;
      switch (cell) {
        case LSTM: {
          int row = rest + s * r;
          int cPrev = row - r;
          for (int u = 0; u < h; u++) {
            double d = gh[gOff + s * h + u] + work[dh + u];
            double c = tape[row + u];
            double tc = (double) Math.tanh(c);
            double i = tape[p + u];
            double f = tape[p + h + u];
            double gg = tape[p + 2 * h + u];
            double o = tape[p + 3 * h + u];
            double cp = s > 0 ? tape[cPrev + u] : 0;
            double dct = work[dc + u] + d * o * (1 - tc * tc);
            work[dc + u] = dct * f;
            work[a + u] = dct * gg * i * (1 - i);
            work[a + h + u] = dct * cp * f * (1 - f);
            work[a + 2 * h + u] = dct * i * (1 - gg * gg);
            work[a + 3 * h + u] = d * tc * o * (1 - o);
          }
          break;
        }
        case GRU: {
          for (int u = 0; u < h; u++) {
            double d = gh[gOff + s * h + u] + work[dh + u];
            double rr = tape[p + u];
            double z = tape[p + h + u];
            double nn = tape[p + 2 * h + u];
            double hn = tape[p + 3 * h + u];
            double hp = s > 0 ? tape[hPrev + u] : 0;
            double dn = d * (1 - z) * (1 - nn * nn);
            double dr = dn * hn * rr * (1 - rr);
            double dz = d * (hp - nn) * z * (1 - z);
            work[a + u] = dr;
            work[a + h + u] = dz;
            work[a + 2 * h + u] = dn;
            work[b + u] = dr;
            work[b + h + u] = dz;
            work[b + 2 * h + u] = dn * rr;
            work[dhn + u] = d * z;
          }
          break;
        }
        case RNN_TANH: {
          for (int u = 0; u < h; u++) {
            double d = gh[gOff + s * h + u] + work[dh + u];
            double y = tape[hOut + u];
            work[a + u] = d * (1 - y * y);
          }
          break;
        }
        default: {
          for (int u = 0; u < h; u++) {
            double d = gh[gOff + s * h + u] + work[dh + u];
            work[a + u] = tape[hOut + u] > 0 ? d : 0;
          }
          break;
        }
      }
      // dh_{s-1} = (direct part) + W_hh^T dB_s, summed over k ascending.
      if (s > 0) {
        for (int k = 0; k < g; k++) {
          double q = work[b + k];
          double[] w = whh[k];
          for (int j = 0; j < h; j++) work[dhn + j] += q * w[j];
        }
      }
      for (int u = 0; u < h; u++) work[dh + u] = work[dhn + u];
    }
    // dxs = dA W_ih, row by row, over k ascending.
    int dx = oOff;
    for (int k = 0; k < t * n; k++) out[dx + k] = 0;
    for (int s = 0; s < t; s++) {
      for (int k = 0; k < g; k++) {
        double q = work[dA + s * g + k];
        double[] w = wih[k];
        int o = dx + s * n;
        for (int j = 0; j < n; j++) out[o + j] += q * w[j];
      }
    }
    // Weight gradients, transposed while summing over the steps (long inner loops), then moved.
    for (int k = 0; k < (n + h) * g; k++) work[gtIh + k] = 0;
    for (int s = 0; s < t; s++) {
      int a = dA + s * g;
      for (int j = 0; j < n; j++) {
        double q = xs[xOff + s * n + j];
        int o = gtIh + j * g;
        for (int k = 0; k < g; k++) work[o + k] += q * work[a + k];
      }
    }
    for (int s = 1; s < t; s++) {
      int b = dB + s * g;
      int hPrev = tOff + (s - 1) * h;
      for (int j = 0; j < h; j++) {
        double q = tape[hPrev + j];
        int o = gtHh + j * g;
        for (int k = 0; k < g; k++) work[o + k] += q * work[b + k];
      }
    }
    int wIh = dx + t * n;
    int wHh = wIh + g * n;
    int bIh = wHh + g * h;
    int bHh = bIh + g;
    for (int k = 0; k < g; k++) {
      for (int j = 0; j < n; j++) out[wIh + k * n + j] = work[gtIh + j * g + k];
      for (int j = 0; j < h; j++) out[wHh + k * h + j] = work[gtHh + j * g + k];
      out[bIh + k] = 0;
      out[bHh + k] = 0;
    }
    for (int s = 0; s < t; s++) {
      for (int k = 0; k < g; k++) {
        out[bIh + k] += work[dA + s * g + k];
        out[bHh + k] += work[dB + s * g + k];
      }
    }
  }

  private static void transpose(double[][] w, int rows, int cols, double[] to, int off) {
    for (int k = 0; k < rows; k++) {
      double[] row = w[k];
      for (int j = 0; j < cols; j++) to[off + j * rows + k] = row[j];
    }
  }

  // ---- float

  /**
   * The forward pass of one sample in float: the tape (see the class comment) from the sequence
   * {@code xs[xOff ..]} ({@code t} rows of {@code n}). {@code work} holds at least
   * {@link #forwardWork} elements.
   */
  public static void forward(int cell, int t, int n, int h, float[][] wih, float[][] whh,
      float[] bih, float[] bhh, float[] xs, int xOff, float[] tape, int tOff, float[] work) {
    int g = gates(cell, h);
    int r = restWidth(cell, h);
    int wtIh = 0;
    int wtHh = n * g;
    int hh = wtHh + h * g;
    transpose(wih, g, n, work, wtIh);
    transpose(whh, g, h, work, wtHh);
    // The input projection of every step at once: W_ih x_s + b_ih (+ b_hh where it adds).
    int pBase = projectionBase(cell, t, h, tOff);
    int pStride = projectionStride(cell, h);
    for (int s = 0; s < t; s++) {
      int y = pBase + s * pStride;
      int x = xOff + s * n;
      for (int k = 0; k < g; k++) tape[y + k] = 0;
      for (int j = 0; j < n; j++) {
        float a = xs[x + j];
        int w = wtIh + j * g;
        for (int k = 0; k < g; k++) tape[y + k] += a * work[w + k];
      }
      int nPart = cell == GRU ? 2 * h : g;
      for (int k = 0; k < nPart; k++) tape[y + k] += bih[k] + bhh[k];
      for (int k = nPart; k < g; k++) tape[y + k] += bih[k];
    }
    int rest = tOff + t * h;
    for (int s = 0; s < t; s++) {
      int hOut = tOff + s * h;
      int hPrev = hOut - h;
      // hh = W_hh h_{s-1}, as sums over j ascending.
      for (int k = 0; k < g; k++) work[hh + k] = 0;
      if (s > 0) {
        for (int j = 0; j < h; j++) {
          float a = tape[hPrev + j];
          int w = wtHh + j * g;
          for (int k = 0; k < g; k++) work[hh + k] += a * work[w + k];
        }
      }
      int p = pBase + s * pStride;
      switch (cell) {
        case LSTM: {
          int row = rest + s * r;
          int cPrev = row - r;
          for (int u = 0; u < h; u++) {
            float i = MathFunctions.sigmoidf(tape[p + u] + work[hh + u]);
            float f = MathFunctions.sigmoidf(tape[p + h + u] + work[hh + h + u]);
            float gg = (float) MathFunctions.tanhf(tape[p + 2 * h + u] + work[hh + 2 * h + u]);
            float o = MathFunctions.sigmoidf(tape[p + 3 * h + u] + work[hh + 3 * h + u]);
            float cp = s > 0 ? tape[cPrev + u] : 0;
            float c = f * cp + i * gg;
            tape[row + u] = c;
            tape[p + u] = i;
            tape[p + h + u] = f;
            tape[p + 2 * h + u] = gg;
            tape[p + 3 * h + u] = o;
            tape[hOut + u] = o * (float) MathFunctions.tanhf(c);
          }
          break;
        }
        case GRU: {
          for (int u = 0; u < h; u++) {
            float rr = MathFunctions.sigmoidf(tape[p + u] + work[hh + u]);
            float z = MathFunctions.sigmoidf(tape[p + h + u] + work[hh + h + u]);
            float hn = work[hh + 2 * h + u] + bhh[2 * h + u];
            float nn = (float) MathFunctions.tanhf(tape[p + 2 * h + u] + rr * hn);
            float hp = s > 0 ? tape[hPrev + u] : 0;
            tape[p + u] = rr;
            tape[p + h + u] = z;
            tape[p + 2 * h + u] = nn;
            tape[p + 3 * h + u] = hn;
            tape[hOut + u] = (1 - z) * nn + z * hp;
          }
          break;
        }
        case RNN_TANH: {
          for (int u = 0; u < h; u++) tape[hOut + u] = (float) MathFunctions.tanhf(tape[hOut + u] + work[hh + u]);
          break;
        }
        default: {
          for (int u = 0; u < h; u++) {
            float v = tape[hOut + u] + work[hh + u];
            tape[hOut + u] = v > 0 ? v : 0;
          }
          break;
        }
      }
    }
  }

  /**
   * The backward pass of one sample in float: from the tape of {@link #forward} and the cotangent
   * {@code gh[gOff ..]} of the hidden states ({@code t} rows of {@code h}), the packed gradient
   * {@code out[oOff ..]}: {@code dxs[t, n]}, {@code dW_ih[g, n]}, {@code dW_hh[g, h]},
   * {@code db_ih[g]}, {@code db_hh[g]}, written (not accumulated). {@code work} holds at least
   * {@link #backwardWork} elements.
   */
  public static void backward(int cell, int t, int n, int h, float[][] wih, float[][] whh,
      float[] xs, int xOff, float[] tape, int tOff, float[] gh, int gOff, float[] out, int oOff,
      float[] work) {
    int g = gates(cell, h);
    int r = restWidth(cell, h);
    int dA = 0;
    int dB = cell == GRU ? t * g : 0;
    int dh = (cell == GRU ? 2 : 1) * t * g;
    int dhn = dh + h;
    int dc = dhn + h;
    int gtIh = dc + h;
    int gtHh = gtIh + n * g;
    for (int k = 0; k < 3 * h; k++) work[dh + k] = 0;
    int pBase = projectionBase(cell, t, h, tOff);
    int pStride = projectionStride(cell, h);
    int rest = tOff + t * h;
    for (int s = t - 1; s >= 0; s--) {
      int hOut = tOff + s * h;
      int hPrev = hOut - h;
      int p = pBase + s * pStride;
      int a = dA + s * g;
      int b = dB + s * g;
      for (int u = 0; u < h; u++) work[dhn + u] = 0;
      switch (cell) {
        case LSTM: {
          int row = rest + s * r;
          int cPrev = row - r;
          for (int u = 0; u < h; u++) {
            float d = gh[gOff + s * h + u] + work[dh + u];
            float c = tape[row + u];
            float tc = (float) MathFunctions.tanhf(c);
            float i = tape[p + u];
            float f = tape[p + h + u];
            float gg = tape[p + 2 * h + u];
            float o = tape[p + 3 * h + u];
            float cp = s > 0 ? tape[cPrev + u] : 0;
            float dct = work[dc + u] + d * o * (1 - tc * tc);
            work[dc + u] = dct * f;
            work[a + u] = dct * gg * i * (1 - i);
            work[a + h + u] = dct * cp * f * (1 - f);
            work[a + 2 * h + u] = dct * i * (1 - gg * gg);
            work[a + 3 * h + u] = d * tc * o * (1 - o);
          }
          break;
        }
        case GRU: {
          for (int u = 0; u < h; u++) {
            float d = gh[gOff + s * h + u] + work[dh + u];
            float rr = tape[p + u];
            float z = tape[p + h + u];
            float nn = tape[p + 2 * h + u];
            float hn = tape[p + 3 * h + u];
            float hp = s > 0 ? tape[hPrev + u] : 0;
            float dn = d * (1 - z) * (1 - nn * nn);
            float dr = dn * hn * rr * (1 - rr);
            float dz = d * (hp - nn) * z * (1 - z);
            work[a + u] = dr;
            work[a + h + u] = dz;
            work[a + 2 * h + u] = dn;
            work[b + u] = dr;
            work[b + h + u] = dz;
            work[b + 2 * h + u] = dn * rr;
            work[dhn + u] = d * z;
          }
          break;
        }
        case RNN_TANH: {
          for (int u = 0; u < h; u++) {
            float d = gh[gOff + s * h + u] + work[dh + u];
            float y = tape[hOut + u];
            work[a + u] = d * (1 - y * y);
          }
          break;
        }
        default: {
          for (int u = 0; u < h; u++) {
            float d = gh[gOff + s * h + u] + work[dh + u];
            work[a + u] = tape[hOut + u] > 0 ? d : 0;
          }
          break;
        }
      }
      // dh_{s-1} = (direct part) + W_hh^T dB_s, summed over k ascending.
      if (s > 0) {
        for (int k = 0; k < g; k++) {
          float q = work[b + k];
          float[] w = whh[k];
          for (int j = 0; j < h; j++) work[dhn + j] += q * w[j];
        }
      }
      for (int u = 0; u < h; u++) work[dh + u] = work[dhn + u];
    }
    // dxs = dA W_ih, row by row, over k ascending.
    int dx = oOff;
    for (int k = 0; k < t * n; k++) out[dx + k] = 0;
    for (int s = 0; s < t; s++) {
      for (int k = 0; k < g; k++) {
        float q = work[dA + s * g + k];
        float[] w = wih[k];
        int o = dx + s * n;
        for (int j = 0; j < n; j++) out[o + j] += q * w[j];
      }
    }
    // Weight gradients, transposed while summing over the steps (long inner loops), then moved.
    for (int k = 0; k < (n + h) * g; k++) work[gtIh + k] = 0;
    for (int s = 0; s < t; s++) {
      int a = dA + s * g;
      for (int j = 0; j < n; j++) {
        float q = xs[xOff + s * n + j];
        int o = gtIh + j * g;
        for (int k = 0; k < g; k++) work[o + k] += q * work[a + k];
      }
    }
    for (int s = 1; s < t; s++) {
      int b = dB + s * g;
      int hPrev = tOff + (s - 1) * h;
      for (int j = 0; j < h; j++) {
        float q = tape[hPrev + j];
        int o = gtHh + j * g;
        for (int k = 0; k < g; k++) work[o + k] += q * work[b + k];
      }
    }
    int wIh = dx + t * n;
    int wHh = wIh + g * n;
    int bIh = wHh + g * h;
    int bHh = bIh + g;
    for (int k = 0; k < g; k++) {
      for (int j = 0; j < n; j++) out[wIh + k * n + j] = work[gtIh + j * g + k];
      for (int j = 0; j < h; j++) out[wHh + k * h + j] = work[gtHh + j * g + k];
      out[bIh + k] = 0;
      out[bHh + k] = 0;
    }
    for (int s = 0; s < t; s++) {
      for (int k = 0; k < g; k++) {
        out[bIh + k] += work[dA + s * g + k];
        out[bHh + k] += work[dB + s * g + k];
      }
    }
  }

  private static void transpose(float[][] w, int rows, int cols, float[] to, int off) {
    for (int k = 0; k < rows; k++) {
      float[] row = w[k];
      for (int j = 0; j < cols; j++) to[off + j * rows + k] = row[j];
    }
  }
}
