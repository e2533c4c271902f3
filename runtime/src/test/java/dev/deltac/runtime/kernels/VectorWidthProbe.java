package dev.deltac.runtime.kernels;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Run in a JVM of its own by {@link VectorWidthTest}, once per vector width
 * ({@code -Ddeltac.vector.bits}): prints the kernels' name, then one line per result, a label and
 * the SHA-256 of the result's float bits. The results: forward, inputGradient, weightGradient and
 * backward of the vector kernels on awkward shapes, the batched LSTM kernels' tapes and
 * gradients ({@link LstmStepsTest#SHAPES}), and the parameters of a small MLP after a few
 * SGD steps through them. One vector width per JVM, as in production (mixing shapes in one JVM
 * makes C2 box vectors).
 */
final class VectorWidthProbe {
  /** {batch, m, n}: n % 16 != 0, batch % 4 != 0, m not a multiple of 3, 8 or a packed panel. */
  static final int[][] SHAPES = {
    {1, 1, 1}, {1, 3, 15}, {1, 9, 17}, {3, 5, 31}, {4, 3, 16}, {5, 7, 33}, {7, 11, 47},
    {2, 13, 64}, {6, 17, 100}, {9, 8, 129}, {13, 29, 250}, {4, 6, 8}, {1, 128, 784},
    {32, 16, 224}, {33, 48, 225}, {34, 64, 43}, {39, 97, 130}, {37, 33, 31}, {64, 70, 256},
    {65, 40, 200}, {36, 35, 16}, {32, 27, 32}, {36, 27, 40}, {40, 59, 50}, {128, 131, 83},
    {100, 140, 40}, {106, 70, 37}, {134, 100, 40}, {72, 45, 200},
  };

  private VectorWidthProbe() {}

  public static void main(String[] args) throws Exception {
    DenseLayerKernels k = DenseKernels.vector().orElseThrow(
        () -> new IllegalStateException("vector kernels unavailable"));
    System.out.println("kernels " + k.name());
    for (String line : results(k)) System.out.println(line);
  }

  static List<String> results(DenseLayerKernels k) throws Exception {
    List<String> out = new ArrayList<>();
    for (int[] s : SHAPES) {
      int batch = s[0];
      int m = s[1];
      int n = s[2];
      String shape = batch + "x" + m + "x" + n;
      SplittableRandom r = new SplittableRandom(31L * batch + 17L * m + n);
      float[][] w = matrix(r, m, n);
      float[] bias = vector(r, m);
      float[] x = vector(r, batch * n);
      float[] d = vector(r, batch * m);
      float[] y = new float[batch * m];
      k.forward(batch, m, n, w, bias, x, 0, n, y, 0, m);
      out.add("forward " + shape + " " + digest(y));
      k.forward(batch, m, n, w, null, x, 0, n, y, 0, m);
      out.add("forward-no-bias " + shape + " " + digest(y));
      float[] dx = new float[batch * n];
      k.inputGradient(batch, m, n, w, d, 0, m, dx, 0, n);
      out.add("inputGradient " + shape + " " + digest(dx));
      float[][] gw = matrix(r, m, n);
      float[] gb = vector(r, m);
      k.weightGradient(batch, m, n, d, 0, m, x, 0, n, gw, gb);
      out.add("weightGradient " + shape + " " + digest(gw) + " " + digest(gb));
      k.backward(batch, m, n, w, d, 0, m, x, 0, n, gw, gb, dx, 0, n);
      out.add("backward " + shape + " " + digest(gw) + " " + digest(gb) + " " + digest(dx));
    }
    for (int[] gm : Conv2dKernelsTest.GEOMETRIES) out.add(conv(gm));
    out.add("mlp " + trainMlp(k, 37, 29, 10, 13, 5));
    out.add("mlp " + trainMlp(k, 784, 128, 10, 35, 3));
    // The batched LSTM kernels (LstmSteps) on the vector implementation of this width.
    LstmSteps lstm = new VectorLstmSteps();
    for (int[] s : LstmStepsTest.SHAPES) {
      LstmStepsTest.Case c = new LstmStepsTest.Case(s[0], s[1], s[2], s[3], 3L * s[0] + s[3]);
      float[][] r = c.runBatched(lstm);
      out.add("lstm " + s[0] + "x" + s[1] + "x" + s[2] + "x" + s[3] + " " + digest(r[0]) + " " + digest(r[1]));
    }
    // SmallProducts (attention's per-sample products), every layout, rows of whole vectors,
    // half vectors (two rows per vector at 512 bits) and scalar tails
    int[][] small = {{16, 8, 16}, {16, 16, 8}, {8, 16, 16}, {5, 3, 7}, {6, 4, 32}, {7, 9, 24}};
    for (int[] s : small) {
      SplittableRandom r = new SplittableRandom(13L * s[0] + 7L * s[1] + s[2]);
      float[] a = vector(r, 3 * s[0] * s[1]);
      float[] b = vector(r, 3 * s[1] * s[2]);
      for (int layout = 0; layout < 4; layout++) {
        float[] o = new float[3 * s[0] * s[2]];
        SmallProducts.product(3, s[0], s[1], s[2], (layout & 1) != 0, (layout & 2) != 0,
            a, 0, s[0] * s[1], b, 0, s[1] * s[2], o, 0, s[0] * s[2]);
        out.add("smallProducts " + s[0] + "x" + s[1] + "x" + s[2] + " " + layout + " " + digest(o));
      }
    }
    return out;
  }

  /**
   * A tanh MLP {@code n0 -> n1 -> n2} with squared error, {@code steps} SGD steps (learning
   * rate 0.05) on one random batch; returns the digest of all parameters after training.
   */
  static String trainMlp(DenseLayerKernels k, int n0, int n1, int n2, int batch, int steps)
      throws Exception {
    SplittableRandom r = new SplittableRandom(7);
    float[][] w1 = matrix(r, n1, n0);
    float[] b1 = vector(r, n1);
    float[][] w2 = matrix(r, n2, n1);
    float[] b2 = vector(r, n2);
    float[] x = vector(r, batch * n0);
    float[] target = vector(r, batch * n2);
    float[] h = new float[batch * n1];
    float[] out = new float[batch * n2];
    float[] d2 = new float[batch * n2];
    float[] d1 = new float[batch * n1];
    float[][] gw1 = new float[n1][n0];
    float[] gb1 = new float[n1];
    float[][] gw2 = new float[n2][n1];
    float[] gb2 = new float[n2];
    float lr = 0.05f;
    for (int step = 0; step < steps; step++) {
      k.forward(batch, n1, n0, w1, b1, x, 0, n0, h, 0, n1);
      for (int q = 0; q < h.length; q++) h[q] = (float) StrictMath.tanh(h[q]);
      k.forward(batch, n2, n1, w2, b2, h, 0, n1, out, 0, n2);
      for (int q = 0; q < out.length; q++) d2[q] = (out[q] - target[q]) / batch;
      for (float[] g : gw1) java.util.Arrays.fill(g, 0f);
      for (float[] g : gw2) java.util.Arrays.fill(g, 0f);
      java.util.Arrays.fill(gb1, 0f);
      java.util.Arrays.fill(gb2, 0f);
      k.backward(batch, n2, n1, w2, d2, 0, n2, h, 0, n1, gw2, gb2, d1, 0, n1);
      for (int q = 0; q < d1.length; q++) d1[q] *= 1f - h[q] * h[q];
      k.backward(batch, n1, n0, w1, d1, 0, n1, x, 0, n0, gw1, gb1, null, 0, 0);
      sgd(w1, gw1, lr);
      sgd(w2, gw2, lr);
      for (int i = 0; i < n1; i++) b1[i] -= lr * gb1[i];
      for (int i = 0; i < n2; i++) b2[i] -= lr * gb2[i];
    }
    return n0 + "-" + n1 + "-" + n2 + "@" + batch + " " + digest(w1) + " " + digest(b1) + " "
        + digest(w2) + " " + digest(b2);
  }

  /** The three passes of {@link Conv2dKernels} (through the selected kernels) on {c, h, w, f, k, p}. */
  static String conv(int[] gm) throws Exception {
    int c = gm[0], h = gm[1], w = gm[2], f = gm[3], k = gm[4], p = gm[5];
    int oh = h + 2 * p - k + 1;
    int ow = w + 2 * p - k + 1;
    SplittableRandom r = new SplittableRandom(c * 7 + h * 3 + f + k);
    float[] x = vector(r, c * h * w);
    float[] g = vector(r, f * oh * ow);
    float[][] kernel = matrix(r, f, c * k * k);
    float[] y = new float[f * oh * ow];
    float[] dw = new float[f * c * k * k];
    float[] dx = new float[c * h * w];
    Conv2dKernels.forward(c, h, w, f, k, p, x, 0, kernel, y, 0);
    Conv2dKernels.kernelGradient(c, h, w, f, k, p, x, 0, g, 0, dw, 0);
    Conv2dKernels.inputGradient(c, h, w, f, k, p, kernel, g, 0, dx, 0);
    return "conv " + java.util.Arrays.toString(gm).replace(" ", "") + " " + digest(y) + " "
        + digest(dw) + " " + digest(dx);
  }

  private static void sgd(float[][] w, float[][] g, float lr) {
    for (int i = 0; i < w.length; i++) {
      for (int j = 0; j < w[i].length; j++) w[i][j] -= lr * g[i][j];
    }
  }

  private static float[][] matrix(SplittableRandom r, int rows, int cols) {
    float[][] a = new float[rows][];
    for (int i = 0; i < rows; i++) a[i] = vector(r, cols);
    return a;
  }

  private static float[] vector(SplittableRandom r, int size) {
    float[] a = new float[size];
    for (int q = 0; q < size; q++) a[q] = (float) (r.nextDouble() * 2 - 1);
    return a;
  }

  private static String digest(float[]... rows) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (float[] row : rows) {
      ByteBuffer b = ByteBuffer.allocate(4 * row.length);
      for (float v : row) b.putInt(Float.floatToRawIntBits(v));
      md.update(b.array());
    }
    return HexFormat.of().formatHex(md.digest(), 0, 8);
  }
}
