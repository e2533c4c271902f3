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
 * results agree with the reference interpreter to rounding. Allocation-free once warm: scratch
 * arrays are per thread, allocated at the first call of a size and reused.
 *
 * <p>The batched float32 LSTM ({@link #forwardBatch}, {@link #backwardBatch} with {@link #LSTM})
 * runs the fused kernels of {@link LstmSteps} instead, in groups of four samples through all the
 * steps, and writes the weight and bias gradients of the whole batch to sample 0's slots (zeros
 * to the others'); see {@code lstmBackwardBatch}.
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

  /** Where the gate pre-activations of step 0 are on the tape. */
  private static int projectionBase(int cell, int t, int h, int tOff) {
    return cell == LSTM ? tOff + t * h + h : cell == GRU ? tOff + t * h : tOff;
  }

  private static int projectionStride(int cell, int h) {
    return cell == LSTM || cell == GRU ? restWidth(cell, h) : h;
  }
  // ---- double

  /** Scratch arrays of one thread for the double kernels, grown on demand (separate arrays, so that C2 vectorizes the loops). */
  private static final class DoubleScratch {
    double[] wtIh = new double[0];
    double[] wtHh = new double[0];
    double[] acc = new double[0];
    double[] tmp = new double[0];
    double[] state = new double[0];
    double[] dh = new double[0];
    double[] dc = new double[0];
    double[] dhn = new double[0];
    double[] da = new double[0];
    double[] db = new double[0];

    void ensure(int n, int h, int g, int t) {
      if (wtIh.length < n * g) wtIh = new double[n * g];
      if (wtHh.length < h * g) wtHh = new double[h * g];
      if (acc.length < g) acc = new double[g];
      if (tmp.length < h) {
        tmp = new double[h];
        state = new double[h];
        dh = new double[h];
        dc = new double[h];
        dhn = new double[h];
      }
      if (da.length < t * g) {
        da = new double[t * g];
        db = new double[t * g];
      }
    }
  }

  private static final ThreadLocal<DoubleScratch> DOUBLE_DoubleScratch = ThreadLocal.withInitial(DoubleScratch::new);

  /**
   * The forward pass of one sample in double: the tape (see the class comment) from the sequence
   * {@code xs[xOff ..]} ({@code t} rows of {@code n}).
   */
  public static void forward(int cell, int t, int n, int h, double[][] wih, double[][] whh,
      double[] bih, double[] bhh, double[] xs, int xOff, double[] tape, int tOff) {
    int g = gates(cell, h);
    int r = restWidth(cell, h);
    DoubleScratch sc = DOUBLE_DoubleScratch.get();
    sc.ensure(n, h, g, 0);
    double[] wtIh = sc.wtIh;
    double[] wtHh = sc.wtHh;
    double[] acc = sc.acc;
    double[] tmp = sc.tmp;
    double[] state = sc.state;
    transpose(wih, g, n, wtIh);
    transpose(whh, g, h, wtHh);
    // The input projection of every step at once: W_ih x_s + b_ih (+ b_hh where it adds).
    int pBase = projectionBase(cell, t, h, tOff);
    int pStride = projectionStride(cell, h);
    int nPart = cell == GRU ? 2 * h : g;
    for (int s = 0; s < t; s++) {
      int y = pBase + s * pStride;
      int x = xOff + s * n;
      for (int k = 0; k < g; k++) tape[y + k] = 0;
      for (int j = 0; j < n; j++) {
        double a = xs[x + j];
        int w = j * g;
        for (int k = 0; k < g; k++) tape[y + k] += a * wtIh[w + k];
      }
      for (int k = 0; k < nPart; k++) tape[y + k] += bih[k] + bhh[k];
      for (int k = nPart; k < g; k++) tape[y + k] += bih[k];
    }
    for (int u = 0; u < h; u++) state[u] = 0;
    int rest = tOff + t * h;
    for (int s = 0; s < t; s++) {
      int hOut = tOff + s * h;
      int p = pBase + s * pStride;
      // acc = projection + W_hh h_{s-1} (for GRU's n gate W_hn h_{s-1} alone), sums over j ascending.
      for (int k = 0; k < nPart; k++) acc[k] = tape[p + k];
      for (int k = nPart; k < g; k++) acc[k] = 0;
      if (s > 0) {
        int hPrev = hOut - h;
        for (int j = 0; j < h; j++) {
          double a = tape[hPrev + j];
          int w = j * g;
          for (int k = 0; k < g; k++) acc[k] += a * wtHh[w + k];
        }
      }
      switch (cell) {
        case LSTM: {
          int row = rest + s * r;
          for (int k = 0; k < 2 * h; k++) acc[k] = MathFunctions.sigmoid(acc[k]);
          for (int k = 2 * h; k < 3 * h; k++) acc[k] = (double) Math.tanh(acc[k]);
          for (int k = 3 * h; k < 4 * h; k++) acc[k] = MathFunctions.sigmoid(acc[k]);
          // state is c: c' = f c + i g; h' = o tanh(c').
          for (int u = 0; u < h; u++) state[u] = acc[h + u] * state[u] + acc[u] * acc[2 * h + u];
          for (int u = 0; u < h; u++) tape[hOut + u] = acc[3 * h + u] * (double) Math.tanh(state[u]);
          System.arraycopy(state, 0, tape, row, h);
          System.arraycopy(acc, 0, tape, p, g);
          break;
        }
        case GRU: {
          for (int k = 0; k < 2 * h; k++) acc[k] = MathFunctions.sigmoid(acc[k]);
          for (int u = 0; u < h; u++) acc[2 * h + u] += bhh[2 * h + u];
          for (int u = 0; u < h; u++) tmp[u] = (double) Math.tanh(tape[p + 2 * h + u] + acc[u] * acc[2 * h + u]);
          // state is h: h' = (1 - z) n + z h.
          for (int u = 0; u < h; u++) state[u] = (1 - acc[h + u]) * tmp[u] + acc[h + u] * state[u];
          System.arraycopy(state, 0, tape, hOut, h);
          System.arraycopy(acc, 0, tape, p, 2 * h);
          System.arraycopy(tmp, 0, tape, p + 2 * h, h);
          System.arraycopy(acc, 2 * h, tape, p + 3 * h, h);
          break;
        }
        case RNN_TANH: {
          for (int u = 0; u < h; u++) tape[hOut + u] = (double) Math.tanh(acc[u]);
          break;
        }
        default: {
          for (int u = 0; u < h; u++) tape[hOut + u] = acc[u] > 0 ? acc[u] : 0;
          break;
        }
      }
    }
  }

  /**
   * The backward pass of one sample in double: from the tape of {@link #forward} and the cotangent
   * {@code gh[gOff ..]} of the hidden states ({@code t} rows of {@code h}), the packed gradient
   * {@code out[oOff ..]}: {@code dxs[t, n]}, {@code dW_ih[g, n]}, {@code dW_hh[g, h]},
   * {@code db_ih[g]}, {@code db_hh[g]}, written (not accumulated).
   */
  public static void backward(int cell, int t, int n, int h, double[][] wih, double[][] whh,
      double[] xs, int xOff, double[] tape, int tOff, double[] gh, int gOff, double[] out, int oOff) {
    int g = gates(cell, h);
    int r = restWidth(cell, h);
    DoubleScratch sc = DOUBLE_DoubleScratch.get();
    sc.ensure(n, h, g, t);
    double[] da = sc.da;
    double[] db = cell == GRU ? sc.db : sc.da;
    double[] dh = sc.dh;
    double[] dc = sc.dc;
    double[] dhn = sc.dhn;
    for (int u = 0; u < h; u++) {
      dh[u] = 0;
      dc[u] = 0;
    }
    int pBase = projectionBase(cell, t, h, tOff);
    int pStride = projectionStride(cell, h);
    int rest = tOff + t * h;
    for (int s = t - 1; s >= 0; s--) {
      int hOut = tOff + s * h;
      // The previous step's values; at s = 0 they are zeros (read at this step, times 0).
      int hPrev = s > 0 ? hOut - h : hOut;
      double first = s > 0 ? 1 : 0;
      int p = pBase + s * pStride;
      int a = s * g;
      int go = gOff + s * h;
      for (int u = 0; u < h; u++) dh[u] += gh[go + u];
      switch (cell) {
        case LSTM: {
          int row = rest + s * r;
          int cPrev = s > 0 ? row - r : row;
          for (int u = 0; u < h; u++) {
            double d = dh[u];
            double tc = (double) Math.tanh(tape[row + u]);
            double i = tape[p + u];
            double f = tape[p + h + u];
            double gg = tape[p + 2 * h + u];
            double o = tape[p + 3 * h + u];
            double dct = dc[u] + d * o * (1 - tc * tc);
            dc[u] = dct * f;
            da[a + u] = dct * gg * i * (1 - i);
            da[a + h + u] = dct * (first * tape[cPrev + u]) * f * (1 - f);
            da[a + 2 * h + u] = dct * i * (1 - gg * gg);
            da[a + 3 * h + u] = d * tc * o * (1 - o);
          }
          for (int u = 0; u < h; u++) dhn[u] = 0;
          break;
        }
        case GRU: {
          for (int u = 0; u < h; u++) {
            double d = dh[u];
            double rr = tape[p + u];
            double z = tape[p + h + u];
            double nn = tape[p + 2 * h + u];
            double hn = tape[p + 3 * h + u];
            double dn = d * (1 - z) * (1 - nn * nn);
            double dr = dn * hn * rr * (1 - rr);
            double dz = d * (first * tape[hPrev + u] - nn) * z * (1 - z);
            da[a + u] = dr;
            da[a + h + u] = dz;
            da[a + 2 * h + u] = dn;
            db[a + u] = dr;
            db[a + h + u] = dz;
            db[a + 2 * h + u] = dn * rr;
            dhn[u] = d * z;
          }
          break;
        }
        case RNN_TANH: {
          for (int u = 0; u < h; u++) {
            double y = tape[hOut + u];
            da[a + u] = dh[u] * (1 - y * y);
          }
          for (int u = 0; u < h; u++) dhn[u] = 0;
          break;
        }
        default: {
          for (int u = 0; u < h; u++) da[a + u] = tape[hOut + u] > 0 ? dh[u] : 0;
          for (int u = 0; u < h; u++) dhn[u] = 0;
          break;
        }
      }
      // dh_{s-1} = (direct part) + W_hh^T dB_s, summed over k ascending.
      if (s > 0) {
        for (int k = 0; k < g; k++) {
          double q = db[a + k];
          double[] w = whh[k];
          for (int j = 0; j < h; j++) dhn[j] += q * w[j];
        }
      }
      System.arraycopy(dhn, 0, dh, 0, h);
    }
    gradients(t, n, h, g, wih, xs, xOff, tape, tOff, da, 0, db, 0, out, oOff, sc.wtIh, sc.wtHh);
  }

  /**
   * The packed gradient of one sample from its gate cotangents {@code da[daOff ..]} (input side)
   * and {@code db[dbOff ..]} (hidden side), {@code t} rows of {@code g}.
   */
  private static void gradients(int t, int n, int h, int g, double[][] wih, double[] xs, int xOff,
      double[] tape, int tOff, double[] da, int daOff, double[] db, int dbOff, double[] out, int oOff,
      double[] gtIh, double[] gtHh) {
    // dxs = dA W_ih, row by row, over k ascending.
    int dx = oOff;
    for (int k = 0; k < t * n; k++) out[dx + k] = 0;
    for (int s = 0; s < t; s++) {
      int o = dx + s * n;
      for (int k = 0; k < g; k++) {
        double q = da[daOff + s * g + k];
        double[] w = wih[k];
        for (int j = 0; j < n; j++) out[o + j] += q * w[j];
      }
    }
    // Weight gradients, transposed while summing over the steps (long inner loops), then moved.
    for (int k = 0; k < n * g; k++) gtIh[k] = 0;
    for (int k = 0; k < h * g; k++) gtHh[k] = 0;
    for (int s = 0; s < t; s++) {
      int a = daOff + s * g;
      for (int j = 0; j < n; j++) {
        double q = xs[xOff + s * n + j];
        int o = j * g;
        for (int k = 0; k < g; k++) gtIh[o + k] += q * da[a + k];
      }
    }
    for (int s = 1; s < t; s++) {
      int b = dbOff + s * g;
      int hPrev = tOff + (s - 1) * h;
      for (int j = 0; j < h; j++) {
        double q = tape[hPrev + j];
        int o = j * g;
        for (int k = 0; k < g; k++) gtHh[o + k] += q * db[b + k];
      }
    }
    int wIh = dx + t * n;
    int wHh = wIh + g * n;
    int bIh = wHh + g * h;
    int bHh = bIh + g;
    for (int k = 0; k < g; k++) {
      for (int j = 0; j < n; j++) out[wIh + k * n + j] = gtIh[j * g + k];
      for (int j = 0; j < h; j++) out[wHh + k * h + j] = gtHh[j * g + k];
      out[bIh + k] = 0;
      out[bHh + k] = 0;
    }
    for (int s = 0; s < t; s++) {
      for (int k = 0; k < g; k++) {
        out[bIh + k] += da[daOff + s * g + k];
        out[bHh + k] += db[dbOff + s * g + k];
      }
    }
  }

  private static void transpose(double[][] w, int rows, int cols, double[] to) {
    for (int k = 0; k < rows; k++) {
      double[] row = w[k];
      for (int j = 0; j < cols; j++) to[j * rows + k] = row[j];
    }
  }

  // ---- float

  /** Scratch arrays of one thread for the float kernels, grown on demand (separate arrays, so that C2 vectorizes the loops). */
  private static final class FloatScratch {
    float[] wtIh = new float[0];
    float[] wtHh = new float[0];
    float[] acc = new float[0];
    float[] tmp = new float[0];
    float[] state = new float[0];
    float[] dh = new float[0];
    float[] dc = new float[0];
    float[] dhn = new float[0];
    float[] da = new float[0];
    float[] db = new float[0];
    /** The weights wtIh and wtHh were last transposed from (row-major), and their shapes. */
    float[] ihSeen = new float[0];
    float[] hhSeen = new float[0];
    int ihRows = -1, ihCols = -1, hhRows = -1, hhCols = -1;

    void ensure(int n, int h, int g, int t) {
      if (wtIh.length < n * g) {
        wtIh = new float[n * g];
        ihSeen = new float[n * g];
        ihRows = -1;
      }
      if (wtHh.length < h * g) {
        wtHh = new float[h * g];
        hhSeen = new float[h * g];
        hhRows = -1;
      }
      if (acc.length < g) acc = new float[g];
      if (tmp.length < h) {
        tmp = new float[h];
        state = new float[h];
        dh = new float[h];
        dc = new float[h];
        dhn = new float[h];
      }
      if (da.length < t * g) {
        da = new float[t * g];
        db = new float[t * g];
      }
    }
  }

  private static final ThreadLocal<FloatScratch> FLOAT_FloatScratch = ThreadLocal.withInitial(FloatScratch::new);

  /**
   * The forward pass of one sample in float: the tape (see the class comment) from the sequence
   * {@code xs[xOff ..]} ({@code t} rows of {@code n}).
   */
  public static void forward(int cell, int t, int n, int h, float[][] wih, float[][] whh,
      float[] bih, float[] bhh, float[] xs, int xOff, float[] tape, int tOff) {
    int g = gates(cell, h);
    int r = restWidth(cell, h);
    FloatScratch sc = FLOAT_FloatScratch.get();
    sc.ensure(n, h, g, 0);
    float[] wtIh = sc.wtIh;
    float[] wtHh = sc.wtHh;
    float[] acc = sc.acc;
    float[] tmp = sc.tmp;
    float[] state = sc.state;
    // Predicting or evaluating runs sample after sample with the same weights: transpose them
    // only when they differ from the ones last transposed (compared row by row, bit for bit).
    if (sc.ihRows != g || sc.ihCols != n || !sameRows(wih, g, n, sc.ihSeen)) {
      transpose(wih, g, n, wtIh);
      copyRows(wih, g, n, sc.ihSeen);
      sc.ihRows = g;
      sc.ihCols = n;
    }
    if (sc.hhRows != g || sc.hhCols != h || !sameRows(whh, g, h, sc.hhSeen)) {
      transpose(whh, g, h, wtHh);
      copyRows(whh, g, h, sc.hhSeen);
      sc.hhRows = g;
      sc.hhCols = h;
    }
    // The input projection of every step at once: W_ih x_s + b_ih (+ b_hh where it adds).
    int pBase = projectionBase(cell, t, h, tOff);
    int pStride = projectionStride(cell, h);
    int nPart = cell == GRU ? 2 * h : g;
    for (int s = 0; s < t; s++) {
      int y = pBase + s * pStride;
      int x = xOff + s * n;
      for (int k = 0; k < g; k++) tape[y + k] = 0;
      for (int j = 0; j < n; j++) {
        float a = xs[x + j];
        int w = j * g;
        for (int k = 0; k < g; k++) tape[y + k] += a * wtIh[w + k];
      }
      for (int k = 0; k < nPart; k++) tape[y + k] += bih[k] + bhh[k];
      for (int k = nPart; k < g; k++) tape[y + k] += bih[k];
    }
    for (int u = 0; u < h; u++) state[u] = 0;
    int rest = tOff + t * h;
    for (int s = 0; s < t; s++) {
      int hOut = tOff + s * h;
      int p = pBase + s * pStride;
      // acc = projection + W_hh h_{s-1} (for GRU's n gate W_hn h_{s-1} alone), sums over j ascending.
      for (int k = 0; k < nPart; k++) acc[k] = tape[p + k];
      for (int k = nPart; k < g; k++) acc[k] = 0;
      if (s > 0) {
        int hPrev = hOut - h;
        for (int j = 0; j < h; j++) {
          float a = tape[hPrev + j];
          int w = j * g;
          for (int k = 0; k < g; k++) acc[k] += a * wtHh[w + k];
        }
      }
      switch (cell) {
        case LSTM: {
          int row = rest + s * r;
          for (int k = 0; k < 2 * h; k++) acc[k] = sigmoidf(acc[k]);
          for (int k = 2 * h; k < 3 * h; k++) acc[k] = (float) MathFunctions.tanhf(acc[k]);
          for (int k = 3 * h; k < 4 * h; k++) acc[k] = sigmoidf(acc[k]);
          // state is c: c' = f c + i g; h' = o tanh(c').
          for (int u = 0; u < h; u++) state[u] = acc[h + u] * state[u] + acc[u] * acc[2 * h + u];
          for (int u = 0; u < h; u++) tape[hOut + u] = acc[3 * h + u] * (float) MathFunctions.tanhf(state[u]);
          System.arraycopy(state, 0, tape, row, h);
          System.arraycopy(acc, 0, tape, p, g);
          break;
        }
        case GRU: {
          for (int k = 0; k < 2 * h; k++) acc[k] = sigmoidf(acc[k]);
          for (int u = 0; u < h; u++) acc[2 * h + u] += bhh[2 * h + u];
          for (int u = 0; u < h; u++) tmp[u] = (float) MathFunctions.tanhf(tape[p + 2 * h + u] + acc[u] * acc[2 * h + u]);
          // state is h: h' = (1 - z) n + z h.
          for (int u = 0; u < h; u++) state[u] = (1 - acc[h + u]) * tmp[u] + acc[h + u] * state[u];
          System.arraycopy(state, 0, tape, hOut, h);
          System.arraycopy(acc, 0, tape, p, 2 * h);
          System.arraycopy(tmp, 0, tape, p + 2 * h, h);
          System.arraycopy(acc, 2 * h, tape, p + 3 * h, h);
          break;
        }
        case RNN_TANH: {
          for (int u = 0; u < h; u++) tape[hOut + u] = (float) MathFunctions.tanhf(acc[u]);
          break;
        }
        default: {
          for (int u = 0; u < h; u++) tape[hOut + u] = acc[u] > 0 ? acc[u] : 0;
          break;
        }
      }
    }
  }

  /**
   * The backward pass of one sample in float: from the tape of {@link #forward} and the cotangent
   * {@code gh[gOff ..]} of the hidden states ({@code t} rows of {@code h}), the packed gradient
   * {@code out[oOff ..]}: {@code dxs[t, n]}, {@code dW_ih[g, n]}, {@code dW_hh[g, h]},
   * {@code db_ih[g]}, {@code db_hh[g]}, written (not accumulated).
   */
  public static void backward(int cell, int t, int n, int h, float[][] wih, float[][] whh,
      float[] xs, int xOff, float[] tape, int tOff, float[] gh, int gOff, float[] out, int oOff) {
    int g = gates(cell, h);
    int r = restWidth(cell, h);
    FloatScratch sc = FLOAT_FloatScratch.get();
    sc.ensure(n, h, g, t);
    float[] da = sc.da;
    float[] db = cell == GRU ? sc.db : sc.da;
    float[] dh = sc.dh;
    float[] dc = sc.dc;
    float[] dhn = sc.dhn;
    for (int u = 0; u < h; u++) {
      dh[u] = 0;
      dc[u] = 0;
    }
    int pBase = projectionBase(cell, t, h, tOff);
    int pStride = projectionStride(cell, h);
    int rest = tOff + t * h;
    for (int s = t - 1; s >= 0; s--) {
      int hOut = tOff + s * h;
      // The previous step's values; at s = 0 they are zeros (read at this step, times 0).
      int hPrev = s > 0 ? hOut - h : hOut;
      float first = s > 0 ? 1 : 0;
      int p = pBase + s * pStride;
      int a = s * g;
      int go = gOff + s * h;
      for (int u = 0; u < h; u++) dh[u] += gh[go + u];
      switch (cell) {
        case LSTM: {
          int row = rest + s * r;
          int cPrev = s > 0 ? row - r : row;
          for (int u = 0; u < h; u++) {
            float d = dh[u];
            float tc = (float) MathFunctions.tanhf(tape[row + u]);
            float i = tape[p + u];
            float f = tape[p + h + u];
            float gg = tape[p + 2 * h + u];
            float o = tape[p + 3 * h + u];
            float dct = dc[u] + d * o * (1 - tc * tc);
            dc[u] = dct * f;
            da[a + u] = dct * gg * i * (1 - i);
            da[a + h + u] = dct * (first * tape[cPrev + u]) * f * (1 - f);
            da[a + 2 * h + u] = dct * i * (1 - gg * gg);
            da[a + 3 * h + u] = d * tc * o * (1 - o);
          }
          for (int u = 0; u < h; u++) dhn[u] = 0;
          break;
        }
        case GRU: {
          for (int u = 0; u < h; u++) {
            float d = dh[u];
            float rr = tape[p + u];
            float z = tape[p + h + u];
            float nn = tape[p + 2 * h + u];
            float hn = tape[p + 3 * h + u];
            float dn = d * (1 - z) * (1 - nn * nn);
            float dr = dn * hn * rr * (1 - rr);
            float dz = d * (first * tape[hPrev + u] - nn) * z * (1 - z);
            da[a + u] = dr;
            da[a + h + u] = dz;
            da[a + 2 * h + u] = dn;
            db[a + u] = dr;
            db[a + h + u] = dz;
            db[a + 2 * h + u] = dn * rr;
            dhn[u] = d * z;
          }
          break;
        }
        case RNN_TANH: {
          for (int u = 0; u < h; u++) {
            float y = tape[hOut + u];
            da[a + u] = dh[u] * (1 - y * y);
          }
          for (int u = 0; u < h; u++) dhn[u] = 0;
          break;
        }
        default: {
          for (int u = 0; u < h; u++) da[a + u] = tape[hOut + u] > 0 ? dh[u] : 0;
          for (int u = 0; u < h; u++) dhn[u] = 0;
          break;
        }
      }
      // dh_{s-1} = (direct part) + W_hh^T dB_s, summed over k ascending.
      if (s > 0) {
        for (int k = 0; k < g; k++) {
          float q = db[a + k];
          float[] w = whh[k];
          for (int j = 0; j < h; j++) dhn[j] += q * w[j];
        }
      }
      System.arraycopy(dhn, 0, dh, 0, h);
    }
    gradients(t, n, h, g, wih, xs, xOff, tape, tOff, da, 0, db, 0, out, oOff);
  }

  /**
   * The packed gradient of one sample from its gate cotangents {@code da[daOff ..]} (input side)
   * and {@code db[dbOff ..]} (hidden side), {@code t} rows of {@code g}: the three products over
   * the steps through {@link DenseKernels}, the weight gradients summed in row arrays of the
   * scratch and copied out.
   */
  private static void gradients(int t, int n, int h, int g, float[][] wih, float[] xs, int xOff,
      float[] tape, int tOff, float[] da, int daOff, float[] db, int dbOff, float[] out, int oOff) {
    GradScratch gs = GRAD_SCRATCH.get();
    gs.ensure(n, h, g);
    float[][] gwIh = gs.gwIh;
    float[][] gwHh = gs.gwHh;
    DenseLayerKernels dk = DenseKernels.get();
    int dx = oOff;
    int wIh = dx + t * n;
    int wHh = wIh + g * n;
    int bIh = wHh + g * h;
    int bHh = bIh + g;
    dk.inputGradient(t, g, n, wih, da, daOff, g, out, dx, n);
    for (int k = 0; k < g; k++) {
      java.util.Arrays.fill(gwIh[k], 0, n, 0f);
      java.util.Arrays.fill(gwHh[k], 0, h, 0f);
      out[bIh + k] = 0;
      out[bHh + k] = db[dbOff + k];
    }
    float[] gb = gs.gb;
    for (int k = 0; k < g; k++) gb[k] = 0;
    dk.weightGradient(t, g, n, da, daOff, g, xs, xOff, n, gwIh, gb);
    System.arraycopy(gb, 0, out, bIh, g);
    for (int k = 0; k < g; k++) gb[k] = 0;
    if (t > 1) dk.weightGradient(t - 1, g, h, db, dbOff + g, g, tape, tOff, h, gwHh, gb);
    for (int k = 0; k < g; k++) {
      out[bHh + k] += gb[k];
      System.arraycopy(gwIh[k], 0, out, wIh + k * n, n);
      System.arraycopy(gwHh[k], 0, out, wHh + k * h, h);
    }
  }

  /** Row arrays of one thread for the float32 weight gradients of one sample. */
  private static final class GradScratch {
    float[][] gwIh = new float[0][];
    float[][] gwHh = new float[0][];
    float[] gb = new float[0];

    void ensure(int n, int h, int g) {
      // Grown, never shrunk: layers of several sizes share them.
      if (gwIh.length < g || gwIh[0].length < n) {
        gwIh = new float[Math.max(g, gwIh.length)][Math.max(n, gwIh.length == 0 ? 0 : gwIh[0].length)];
      }
      if (gwHh.length < g || gwHh[0].length < h) {
        gwHh = new float[Math.max(g, gwHh.length)][Math.max(h, gwHh.length == 0 ? 0 : gwHh[0].length)];
      }
      if (gb.length < g) gb = new float[g];
    }
  }

  private static final ThreadLocal<GradScratch> GRAD_SCRATCH = ThreadLocal.withInitial(GradScratch::new);

  private static boolean sameRows(float[][] w, int rows, int cols, float[] seen) {
    for (int k = 0; k < rows; k++) {
      if (!java.util.Arrays.equals(w[k], 0, cols, seen, k * cols, k * cols + cols)) return false;
    }
    return true;
  }

  private static void copyRows(float[][] w, int rows, int cols, float[] to) {
    for (int k = 0; k < rows; k++) System.arraycopy(w[k], 0, to, k * cols, cols);
  }

  private static void transpose(float[][] w, int rows, int cols, float[] to) {
    for (int k = 0; k < rows; k++) {
      float[] row = w[k];
      for (int j = 0; j < cols; j++) to[j * rows + k] = row[j];
    }
  }

  // ---- float32 over a batch

  /** Scratch arrays of one thread for the batched float32 kernels, grown on demand. */
  private static final class BatchScratch {
    float[] acc = new float[0];
    float[] state = new float[0];
    float[] tmp = new float[0];
    float[] dh = new float[0];
    float[] dc = new float[0];
    float[] dhn = new float[0];
    float[] da = new float[0];
    float[] db = new float[0];

    void ensure(int batch, int t, int n, int h, int g, boolean backward) {
      if (acc.length < batch * g) acc = new float[batch * g];
      if (da.length < batch * t * g) da = new float[batch * t * g];
      if (state.length < batch * h) {
        state = new float[batch * h];
        tmp = new float[batch * h];
        dh = new float[batch * h];
        dc = new float[batch * h];
        dhn = new float[batch * h];
      }
      if (backward && db.length < batch * t * g) db = new float[batch * t * g];
    }
  }

  private static final ThreadLocal<BatchScratch> BATCH_SCRATCH = ThreadLocal.withInitial(BatchScratch::new);

  /**
   * {@link #forward} of {@code batch} samples at once (float32): sample b's sequence at
   * {@code xs[xOff + b * xStride ..]}, its tape at {@code tape[tOff + b * tStride ..]}. The input
   * projections and, at every step, the products {@code W_hh h} of the whole batch
   * ({@code [batch, g]}) go through {@link DenseKernels}.
   */
  public static void forwardBatch(int cell, int batch, int t, int n, int h, float[][] wih,
      float[][] whh, float[] bih, float[] bhh, float[] xs, int xOff, int xStride, float[] tape,
      int tOff, int tStride) {
    if (cell == LSTM) {
      lstmForwardBatch(LstmSteps.get(), batch, t, n, h, wih, whh, bih, bhh, xs, xOff, xStride, tape, tOff, tStride);
      return;
    }
    int g = gates(cell, h);
    int r = restWidth(cell, h);
    BatchScratch sc = BATCH_SCRATCH.get();
    sc.ensure(batch, t, n, h, g, false);
    float[] acc = sc.acc;
    float[] state = sc.state;
    float[] tmp = sc.tmp;
    // The input projections W_ih x + b_ih of every step of every sample, rows (b, s) of g: one
    // product of batch * t rows when the sequences are back to back, else one per sample.
    float[] proj = sc.da;
    DenseLayerKernels dk = DenseKernels.get();
    int pStride = projectionStride(cell, h);
    int nPart = cell == GRU ? 2 * h : g;
    if (xStride == t * n) {
      dk.forward(batch * t, g, n, wih, bih, xs, xOff, n, proj, 0, g);
    } else {
      for (int b = 0; b < batch; b++) dk.forward(t, g, n, wih, bih, xs, xOff + b * xStride, n, proj, b * t * g, g);
    }
    for (int i = 0; i < batch * h; i++) state[i] = 0;
    for (int s = 0; s < t; s++) {
      if (s > 0) {
        dk.forward(batch, g, h, whh, null, tape, tOff + (s - 1) * h, tStride, acc, 0, g);
      } else {
        for (int i = 0; i < batch * g; i++) acc[i] = 0;
      }
      for (int b = 0; b < batch; b++) {
        int base = tOff + b * tStride;
        int hOut = base + s * h;
        int p = projectionBase(cell, t, h, base) + s * pStride;
        int ab = b * g;
        int sb = b * h;
        int q = (b * t + s) * g;
        switch (cell) {
          case LSTM: {
            int row = base + t * h + s * r;
            for (int k = 0; k < g; k++) acc[ab + k] += proj[q + k] + bhh[k];
            for (int k = 0; k < 2 * h; k++) acc[ab + k] = sigmoidf(acc[ab + k]);
            for (int k = 2 * h; k < 3 * h; k++) acc[ab + k] = MathFunctions.tanhf(acc[ab + k]);
            for (int k = 3 * h; k < 4 * h; k++) acc[ab + k] = sigmoidf(acc[ab + k]);
            for (int u = 0; u < h; u++) {
              state[sb + u] = acc[ab + h + u] * state[sb + u] + acc[ab + u] * acc[ab + 2 * h + u];
            }
            for (int u = 0; u < h; u++) tape[hOut + u] = acc[ab + 3 * h + u] * MathFunctions.tanhf(state[sb + u]);
            System.arraycopy(state, sb, tape, row, h);
            System.arraycopy(acc, ab, tape, p, g);
            break;
          }
          case GRU: {
            for (int k = 0; k < 2 * h; k++) acc[ab + k] = sigmoidf(acc[ab + k] + proj[q + k] + bhh[k]);
            for (int u = 0; u < h; u++) acc[ab + 2 * h + u] += bhh[2 * h + u];
            for (int u = 0; u < h; u++) {
              tmp[sb + u] = MathFunctions.tanhf(proj[q + 2 * h + u] + acc[ab + u] * acc[ab + 2 * h + u]);
            }
            for (int u = 0; u < h; u++) {
              state[sb + u] = (1 - acc[ab + h + u]) * tmp[sb + u] + acc[ab + h + u] * state[sb + u];
            }
            System.arraycopy(state, sb, tape, hOut, h);
            System.arraycopy(acc, ab, tape, p, 2 * h);
            System.arraycopy(tmp, sb, tape, p + 2 * h, h);
            System.arraycopy(acc, ab + 2 * h, tape, p + 3 * h, h);
            break;
          }
          case RNN_TANH: {
            for (int u = 0; u < h; u++) tape[hOut + u] = MathFunctions.tanhf(acc[ab + u] + proj[q + u] + bhh[u]);
            break;
          }
          default: {
            for (int u = 0; u < h; u++) {
              float v = acc[ab + u] + proj[q + u] + bhh[u];
              tape[hOut + u] = v > 0 ? v : 0;
            }
            break;
          }
        }
      }
    }
  }

  /**
   * {@link #backward} of {@code batch} samples at once (float32), with the layouts of
   * {@link #forwardBatch}; sample b's cotangent at {@code gh[gOff + b * gStride ..]}, its packed
   * gradient at {@code out[oOff + b * oStride ..]}. At every step the products
   * {@code W_hh^T dB} of the whole batch go through {@link DenseKernels}.
   */
  public static void backwardBatch(int cell, int batch, int t, int n, int h, float[][] wih,
      float[][] whh, float[] xs, int xOff, int xStride, float[] tape, int tOff, int tStride,
      float[] gh, int gOff, int gStride, float[] out, int oOff, int oStride) {
    backwardBatch(cell, batch, t, n, h, wih, whh, xs, xOff, xStride, tape, tOff, tStride, gh, gOff,
        gStride, out, oOff, oStride, 1);
  }

  /**
   * {@link #backwardBatch} with flags: without bit 1 ({@code inputGradient & 1 == 0}) nobody
   * reads {@code dxs} (the layer's input is a model input whose gradient is not asked for): the
   * batched LSTM then skips that product and writes zeros there (a tenth of its work). With bit 2
   * the caller reads the LSTM's weight and bias gradients from sample 0's slots only (their batch
   * sums), so the other samples' slots are left as they were instead of zeroed; with bit 2 and
   * without bit 1 the {@code dxs} slots are left alone too (nothing reads them: 256 KB of zeros
   * per step at T = 128, batch 32).
   */
  public static void backwardBatch(int cell, int batch, int t, int n, int h, float[][] wih,
      float[][] whh, float[] xs, int xOff, int xStride, float[] tape, int tOff, int tStride,
      float[] gh, int gOff, int gStride, float[] out, int oOff, int oStride, int inputGradient) {
    if (cell == LSTM) {
      lstmBackwardBatch(LstmSteps.get(), batch, t, n, h, wih, whh, xs, xOff, xStride, tape, tOff, tStride, gh, gOff,
          gStride, out, oOff, oStride, (inputGradient & 1) != 0, (inputGradient & 2) != 0);
      return;
    }
    int g = gates(cell, h);
    int r = restWidth(cell, h);
    BatchScratch sc = BATCH_SCRATCH.get();
    sc.ensure(batch, t, n, h, g, true);
    float[] da = sc.da;
    float[] db = cell == GRU ? sc.db : sc.da;
    float[] dh = sc.dh;
    float[] dc = sc.dc;
    float[] dhn = sc.dhn;
    float[] tmp = sc.tmp;
    DenseLayerKernels dk = DenseKernels.get();
    int pStride = projectionStride(cell, h);
    int tg = t * g;
    for (int i = 0; i < batch * h; i++) {
      dh[i] = 0;
      dc[i] = 0;
    }
    for (int s = t - 1; s >= 0; s--) {
      float first = s > 0 ? 1 : 0;
      for (int b = 0; b < batch; b++) {
        int base = tOff + b * tStride;
        int hOut = base + s * h;
        int hPrev = s > 0 ? hOut - h : hOut;
        int p = projectionBase(cell, t, h, base) + s * pStride;
        int a = b * tg + s * g;
        int sb = b * h;
        int go = gOff + b * gStride + s * h;
        for (int u = 0; u < h; u++) dh[sb + u] += gh[go + u];
        switch (cell) {
          case LSTM: {
            int row = base + t * h + s * r;
            int cPrev = s > 0 ? row - r : row;
            int pi = p;
            int pf = p + h;
            int pg = p + 2 * h;
            int po = p + 3 * h;
            // One array written per loop, so that C2 vectorizes each (tmp holds tanh(c)).
            for (int u = 0; u < h; u++) tmp[sb + u] = MathFunctions.tanhf(tape[row + u]);
            for (int u = 0; u < h; u++) {
              float tc = tmp[sb + u];
              dc[sb + u] += dh[sb + u] * tape[po + u] * (1 - tc * tc);
            }
            for (int u = 0; u < h; u++) da[a + u] = dc[sb + u] * tape[pg + u] * tape[pi + u] * (1 - tape[pi + u]);
            for (int u = 0; u < h; u++) {
              da[a + h + u] = dc[sb + u] * (first * tape[cPrev + u]) * tape[pf + u] * (1 - tape[pf + u]);
            }
            for (int u = 0; u < h; u++) {
              da[a + 2 * h + u] = dc[sb + u] * tape[pi + u] * (1 - tape[pg + u] * tape[pg + u]);
            }
            for (int u = 0; u < h; u++) da[a + 3 * h + u] = dh[sb + u] * tmp[sb + u] * tape[po + u] * (1 - tape[po + u]);
            for (int u = 0; u < h; u++) dc[sb + u] *= tape[pf + u];
            for (int u = 0; u < h; u++) dhn[sb + u] = 0;
            break;
          }
          case GRU: {
            for (int u = 0; u < h; u++) {
              float d = dh[sb + u];
              float rr = tape[p + u];
              float z = tape[p + h + u];
              float nn = tape[p + 2 * h + u];
              float hn = tape[p + 3 * h + u];
              float dn = d * (1 - z) * (1 - nn * nn);
              float dr = dn * hn * rr * (1 - rr);
              float dz = d * (first * tape[hPrev + u] - nn) * z * (1 - z);
              da[a + u] = dr;
              da[a + h + u] = dz;
              da[a + 2 * h + u] = dn;
              db[a + u] = dr;
              db[a + h + u] = dz;
              db[a + 2 * h + u] = dn * rr;
              dhn[sb + u] = d * z;
            }
            break;
          }
          case RNN_TANH: {
            for (int u = 0; u < h; u++) {
              float y = tape[hOut + u];
              da[a + u] = dh[sb + u] * (1 - y * y);
            }
            for (int u = 0; u < h; u++) dhn[sb + u] = 0;
            break;
          }
          default: {
            for (int u = 0; u < h; u++) da[a + u] = tape[hOut + u] > 0 ? dh[sb + u] : 0;
            for (int u = 0; u < h; u++) dhn[sb + u] = 0;
            break;
          }
        }
      }
      if (s > 0) {
        // dh_{s-1} = (direct part) + W_hh^T dB_s for the whole batch.
        dk.inputGradient(batch, g, h, whh, db, s * g, tg, tmp, 0, h);
        for (int i = 0; i < batch * h; i++) dh[i] = dhn[i] + tmp[i];
      }
    }
    for (int b = 0; b < batch; b++) {
      gradients(t, n, h, g, wih, xs, xOff + b * xStride, tape, tOff + b * tStride, da, b * tg, db,
          b * tg, out, oOff + b * oStride);
    }
  }

  // ---- float32 LSTM over a batch: step by step for the whole batch (LstmSteps)

  /** Scratch arrays of one thread for the batched LSTM, grown on demand, never shrunk. */
  private static final class LstmScratch {
    float[] wtIh = new float[0];
    float[] wtHh = new float[0];
    float[] wIh = new float[0];
    float[] wHh = new float[0];
    float[] bsum = new float[0];
    float[] c = new float[0];
    float[] h0 = new float[0];
    float[] h1 = new float[0];
    float[] dz = new float[0];
    float[] xh = new float[0];
    float[] gt = new float[0];

    void ensure(int batch, int t, int n, int h, boolean backward) {
      int g = 4 * h;
      if (wtIh.length < n * g) wtIh = new float[n * g];
      if (wtHh.length < h * g) wtHh = new float[h * g];
      if (wIh.length < n * g) wIh = new float[n * g];
      if (wHh.length < h * g) wHh = new float[h * g];
      if (bsum.length < g) bsum = new float[g];
      if (c.length < batch * h) {
        c = new float[batch * h];
        h0 = new float[batch * h];
        h1 = new float[batch * h];
      }
      if (backward) {
        int w = xhWidth(n, h);
        if (dz.length < GROUP * CHUNK * g) dz = new float[GROUP * CHUNK * g];
        if (xh.length < GROUP * CHUNK * w) xh = new float[GROUP * CHUNK * w];
        if (gt.length < w * g) gt = new float[w * g];
      }
    }
  }

  private static final ThreadLocal<LstmScratch> LSTM_SCRATCH = ThreadLocal.withInitial(LstmScratch::new);

  /** Row width of the weight gradients' inputs: x (n), the previous h (h), a 1 for the biases. */
  private static int xhWidth(int n, int h) {
    return n + h + 1;
  }

  /**
   * The batched LSTM forward: groups of {@link #GROUP} samples through all the steps, at every
   * step one {@link LstmSteps#forward} of the group (products with W_ih and W_hh, gates, cell and
   * hidden state fused per sample), with the running h and c of the group in contiguous
   * per-thread rows. The tape is the per-sample one of {@link #forward}.
   */
  static void lstmForwardBatch(LstmSteps k, int batch, int t, int n, int h, float[][] wih, float[][] whh,
      float[] bih, float[] bhh, float[] xs, int xOff, int xStride, float[] tape, int tOff, int tStride) {
    int g = 4 * h;
    LstmScratch sc = LSTM_SCRATCH.get();
    sc.ensure(batch, t, n, h, false);
    transpose(wih, g, n, sc.wtIh);
    transpose(whh, g, h, sc.wtHh);
    float[] bsum = sc.bsum;
    for (int q = 0; q < g; q++) bsum[q] = bih[q] + bhh[q];
    float[] c = sc.c;
    int rest = tOff + t * h;
    // Groups of GROUP samples through all the steps: the recurrence is per sample, and a group's
    // tapes are GROUP sequential streams (the whole batch at one step would touch batch rows a
    // tape apart, which for T a multiple of 16 are a multiple of 4 KiB apart and collide in the
    // L1 cache's sets).
    for (int b0 = 0; b0 < batch; b0 += GROUP) {
      int nb = Math.min(GROUP, batch - b0);
      java.util.Arrays.fill(c, 0, nb * h, 0f);
      float[] hPrev = sc.h0;
      float[] hCur = sc.h1;
      int tb = tOff + b0 * tStride;
      for (int s = 0; s < t; s++) {
        k.forward(nb, n, h, s == 0, sc.wtIh, sc.wtHh, bsum, xs, xOff + b0 * xStride + s * n, xStride,
            hPrev, hCur, c, tape, tb + s * h, rest + b0 * tStride + s * 5 * h, tStride);
        float[] swap = hPrev;
        hPrev = hCur;
        hCur = swap;
      }
    }
  }

  /** Samples per group of the batched LSTM's step loops. */
  private static final int GROUP = 4;

  /**
   * Steps per chunk of the batched LSTM backward: the gate cotangents and the weight-gradient
   * inputs of one group's chunk ({@code GROUP * CHUNK} rows, 16 KB and 6 KB at h = 32) are
   * consumed while they are still in the L1/L2 cache, instead of going through buffers of all
   * {@code batch * t} rows (2 MB and 0.8 MB at T = 128).
   */
  private static final int CHUNK = 8;

  /**
   * The batched LSTM backward. The loop over the steps (t downwards, a group of {@link #GROUP}
   * samples at a time) computes the gate cotangents and {@code dz W_hh} for the previous step
   * ({@link LstmSteps#backward}); after every {@link #CHUNK} steps of a group, {@code dxs} of
   * those rows and their contribution to the weight and bias gradients (one
   * {@link LstmSteps#weightGradient} over the chunk's rows). Each weight-gradient element is one
   * chain over all {@code batch * t} rows in a fixed order, set by the batch size and T only:
   * groups ascending, chunks of steps descending, within a chunk steps ascending and the group's
   * samples ascending. Those batch sums go to sample 0's slots of the packed gradients and zeros
   * to the other samples' (the generated code sums the slots over the batch, which gives the same
   * bits); {@code dxs} is per sample.
   */
  static void lstmBackwardBatch(LstmSteps k, int batch, int t, int n, int h, float[][] wih, float[][] whh,
      float[] xs, int xOff, int xStride, float[] tape, int tOff, int tStride, float[] gh, int gOff,
      int gStride, float[] out, int oOff, int oStride, boolean inputGradient, boolean sumsOnly) {
    int g = 4 * h;
    int w = xhWidth(n, h);
    LstmScratch sc = LSTM_SCRATCH.get();
    sc.ensure(batch, t, n, h, true);
    float[] dz = sc.dz;
    float[] xh = sc.xh;
    float[] wIhFlat = sc.wIh;
    float[] wHhFlat = sc.wHh;
    for (int q = 0; q < g; q++) {
      System.arraycopy(wih[q], 0, wIhFlat, q * n, n);
      System.arraycopy(whh[q], 0, wHhFlat, q * h, h);
    }
    float[] gt = sc.gt;
    java.util.Arrays.fill(gt, 0, w * g, 0f);
    float[] dc = sc.c;
    int rest = tOff + t * h;
    for (int b0 = 0; b0 < batch; b0 += GROUP) {
      int nb = Math.min(GROUP, batch - b0);
      float[] dhIn = sc.h0;
      float[] dhOut = sc.h1;
      java.util.Arrays.fill(dc, 0, nb * h, 0f);
      java.util.Arrays.fill(dhIn, 0, nb * h, 0f);
      for (int top = t - 1; top >= 0; top -= CHUNK) {
        int bottom = Math.max(0, top - CHUNK + 1);
        for (int s = top; s >= bottom; s--) {
          // Chunk row (s - bottom) * nb + q: sample b0 + q at step s.
          int row = (s - bottom) * nb;
          k.backward(nb, h, s == 0, tape, rest + b0 * tStride + s * 5 * h, tStride, gh,
              gOff + b0 * gStride + s * h, gStride, dhIn, dc, dz, row * g, wHhFlat, dhOut);
          float[] swap = dhIn;
          dhIn = dhOut;
          dhOut = swap;
          // The weight gradients' inputs of those rows: [x_s, h_{s-1}, 1].
          k.inputRows(nb, n, h, xs, xOff + b0 * xStride + s * n, xStride, s == 0 ? null : tape,
              tOff + b0 * tStride + (s - 1) * h, tStride, xh, row * w);
        }
        int rows = (top - bottom + 1) * nb;
        if (inputGradient) k.inputGradient(rows, nb, n, g, dz, wIhFlat, out, oOff + b0 * oStride + bottom * n, oStride);
        k.weightGradient(0, rows, w, w, g, xh, dz, gt);
      }
    }
    if (!inputGradient && !sumsOnly) {
      for (int b = 0; b < batch; b++) java.util.Arrays.fill(out, oOff + b * oStride, oOff + b * oStride + t * n, 0f);
    }
    int wIh = oOff + t * n;
    int wHh = wIh + g * n;
    int bIh = wHh + g * h;
    int bHh = bIh + g;
    for (int q = 0; q < g; q++) {
      for (int j = 0; j < n; j++) out[wIh + q * n + j] = gt[j * g + q];
      for (int j = 0; j < h; j++) out[wHh + q * h + j] = gt[(n + j) * g + q];
      float bias = gt[(n + h) * g + q];
      out[bIh + q] = bias;
      out[bHh + q] = bias;
    }
    if (sumsOnly) return;
    int weights = g * n + g * h + 2 * g;
    for (int b = 1; b < batch; b++) {
      int o = oOff + b * oStride + t * n;
      java.util.Arrays.fill(out, o, o + weights, 0f);
    }
  }

  /**
   * The logistic function for the float32 kernels: 0.5 + 0.5 tanh(x / 2) through
   * {@link MathFunctions#tanhf}, branch-free float arithmetic that C2 vectorizes (absolute error
   * below 3e-7).
   */
  private static float sigmoidf(float x) {
    return 0.5f + 0.5f * MathFunctions.tanhf(0.5f * x);
  }
}
