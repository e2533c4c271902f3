package dev.deltac.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Both implementations against a float64 reference, on many shapes, offsets and strides. */
class DenseKernelsTest {
  /** Shapes {batch, m, n}: edge cases, tails around the vector width and block sizes. */
  private static final int[][] SHAPES = {
    {1, 1, 1}, {1, 1, 7}, {1, 7, 1}, {3, 1, 1}, {1, 3, 8}, {4, 3, 24}, {5, 4, 25},
    {2, 2, 9}, {7, 5, 23}, {8, 8, 8}, {1, 10, 128}, {3, 10, 128}, {13, 11, 31},
    {4, 6, 48}, {9, 13, 57}, {16, 7, 96}, {1, 128, 784}, {6, 17, 785}, {33, 10, 128},
    {0, 3, 5}, {3, 0, 5}, {3, 5, 0}, {17, 33, 65}, {64, 31, 47},
    // batches of 32+ (and n <= 7 * batch) take the packed-W^T forward for whole panels of 16
    // or 32 rows
    {32, 32, 8}, {34, 64, 43}, {39, 97, 130}, {32, 40, 7}, {32, 16, 224}, {33, 48, 225},
    // and a last panel at least half full, over short rows, zero-padded
    {32, 27, 32}, {36, 27, 40}, {40, 59, 50},
  };

  static List<DenseLayerKernels> implementations() {
    List<DenseLayerKernels> all = new ArrayList<>();
    all.add(DenseKernels.scalar());
    DenseKernels.vector().ifPresent(all::add);
    return all;
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (DenseLayerKernels k : implementations()) {
      for (int[] s : SHAPES) out.add(Arguments.of(k, s[0], s[1], s[2]));
    }
    return out.stream();
  }

  @Test
  void vectorImplementationIsAvailableInTheBuild() {
    // surefire runs with --add-modules jdk.incubator.vector; without it this test is moot
    assertTrue(DenseKernels.vector().isPresent(), "vector kernels not loadable");
    // 512-bit vectors where the hardware prefers them, unless -Ddeltac.vector.bits=256 or 128
    String name = DenseKernels.vector().get().name();
    String bits = System.getProperty("deltac.vector.bits");
    boolean wide = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    String expected = "128".equals(bits) ? "vector-128"
        : wide && !"256".equals(bits) ? "vector-512" : "vector-256";
    assertEquals(expected, name);
  }

  @ParameterizedTest(name = "{0} batch={1} m={2} n={3}")
  @MethodSource("cases")
  void forwardMatchesReference(DenseLayerKernels k, int batch, int m, int n) {
    Layer l = new Layer(batch, m, n, 11L * batch + 7L * m + n);
    k.forward(batch, m, n, l.w, l.bias, l.x, l.xOff, l.xStride, l.y, l.yOff, l.yStride);
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < m; i++) {
        double s = l.bias[i];
        double mag = Math.abs(l.bias[i]);
        for (int j = 0; j < n; j++) {
          double t = (double) l.w[i][j] * l.x[l.xOff + b * l.xStride + j];
          s += t;
          mag += Math.abs(t);
        }
        check("Y", b, i, l.y[l.yOff + b * l.yStride + i], s, mag, n);
      }
    }
    l.checkUntouchedY();

    // without bias
    k.forward(batch, m, n, l.w, null, l.x, l.xOff, l.xStride, l.y, l.yOff, l.yStride);
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < m; i++) {
        double s = 0;
        double mag = 0;
        for (int j = 0; j < n; j++) {
          double t = (double) l.w[i][j] * l.x[l.xOff + b * l.xStride + j];
          s += t;
          mag += Math.abs(t);
        }
        check("Y (no bias)", b, i, l.y[l.yOff + b * l.yStride + i], s, mag, n);
      }
    }
  }

  @ParameterizedTest(name = "{0} batch={1} m={2} n={3}")
  @MethodSource("cases")
  void inputGradientMatchesReference(DenseLayerKernels k, int batch, int m, int n) {
    Layer l = new Layer(batch, m, n, 13L * batch + 5L * m + n);
    k.inputGradient(batch, m, n, l.w, l.d, l.dOff, l.dStride, l.dx, l.dxOff, l.dxStride);
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        double mag = 0;
        for (int i = 0; i < m; i++) {
          double t = (double) l.d[l.dOff + b * l.dStride + i] * l.w[i][j];
          s += t;
          mag += Math.abs(t);
        }
        check("DX", b, j, l.dx[l.dxOff + b * l.dxStride + j], s, mag, m);
      }
    }
    l.checkUntouchedDx();
  }

  @ParameterizedTest(name = "{0} batch={1} m={2} n={3}")
  @MethodSource("cases")
  void weightGradientAccumulatesAndMatchesReference(DenseLayerKernels k, int batch, int m,
      int n) {
    Layer l = new Layer(batch, m, n, 17L * batch + 3L * m + n);
    float[][] gw0 = copy(l.gw);
    float[] gb0 = l.gb.clone();
    k.weightGradient(batch, m, n, l.d, l.dOff, l.dStride, l.x, l.xOff, l.xStride, l.gw, l.gb);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = gw0[i][j];
        double mag = Math.abs(gw0[i][j]);
        for (int b = 0; b < batch; b++) {
          double t = (double) l.d[l.dOff + b * l.dStride + i] * l.x[l.xOff + b * l.xStride + j];
          s += t;
          mag += Math.abs(t);
        }
        check("GW", i, j, l.gw[i][j], s, mag, batch);
      }
      assertEquals(Layer.SENTINEL, l.gw[i][n], "GW row padding written");
      double s = gb0[i];
      double mag = Math.abs(gb0[i]);
      for (int b = 0; b < batch; b++) {
        s += l.d[l.dOff + b * l.dStride + i];
        mag += Math.abs(l.d[l.dOff + b * l.dStride + i]);
      }
      check("Gb", i, 0, l.gb[i], s, mag, batch);
    }
  }

  @ParameterizedTest(name = "{0} batch={1} m={2} n={3}")
  @MethodSource("cases")
  void backwardEqualsTheTwoSweepsBitForBit(DenseLayerKernels k, int batch, int m, int n) {
    Layer a = new Layer(batch, m, n, 19L * batch + m + n);
    Layer b = new Layer(batch, m, n, 19L * batch + m + n);
    k.backward(batch, m, n, a.w, a.d, a.dOff, a.dStride, a.x, a.xOff, a.xStride, a.gw, a.gb,
        a.dx, a.dxOff, a.dxStride);
    k.weightGradient(batch, m, n, b.d, b.dOff, b.dStride, b.x, b.xOff, b.xStride, b.gw, b.gb);
    k.inputGradient(batch, m, n, b.w, b.d, b.dOff, b.dStride, b.dx, b.dxOff, b.dxStride);
    assertArrayEquals(b.dx, a.dx);
    assertArrayEquals(b.gb, a.gb);
    for (int i = 0; i < m; i++) assertArrayEquals(b.gw[i], a.gw[i]);
  }

  @Test
  void vectorGradientsAreExactFmaChainsWhateverTheBlock() {
    // each element of DX and GW is one sequential FMA chain, in the lanes and in the tails
    DenseLayerKernels k = DenseKernels.vector().orElseThrow();
    int batch = 7;
    int m = 9;
    int n = 43; // one 24-column panel, two 8-column vectors, 3 tail columns
    Layer l = new Layer(batch, m, n, 99);
    float[][] gw0 = copy(l.gw);
    k.backward(batch, m, n, l.w, l.d, l.dOff, l.dStride, l.x, l.xOff, l.xStride, l.gw, l.gb,
        l.dx, l.dxOff, l.dxStride);
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < n; j++) {
        float s = 0f;
        for (int i = 0; i < m; i++) s = Math.fma(l.w[i][j], l.d[l.dOff + b * l.dStride + i], s);
        assertEquals(s, l.dx[l.dxOff + b * l.dxStride + j], "DX[" + b + ", " + j + "]");
      }
    }
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float s = 0f;
        for (int b = 0; b < batch; b++) {
          s = Math.fma(l.x[l.xOff + b * l.xStride + j], l.d[l.dOff + b * l.dStride + i], s);
        }
        assertEquals(gw0[i][j] + s, l.gw[i][j], "GW[" + i + "][" + j + "]");
      }
    }
  }

  @Test
  void implementationsAgreeOnTheIssueShapes() {
    DenseLayerKernels s = DenseKernels.scalar();
    DenseLayerKernels v = DenseKernels.vector().orElseThrow();
    int[][] shapes = {{256, 128, 784}, {256, 10, 128}, {64, 256, 256}, {1, 128, 784}};
    for (int[] sh : shapes) {
      Layer a = new Layer(sh[0], sh[1], sh[2], 5);
      Layer b = new Layer(sh[0], sh[1], sh[2], 5);
      s.forward(sh[0], sh[1], sh[2], a.w, a.bias, a.x, a.xOff, a.xStride, a.y, a.yOff,
          a.yStride);
      v.forward(sh[0], sh[1], sh[2], b.w, b.bias, b.x, b.xOff, b.xStride, b.y, b.yOff,
          b.yStride);
      for (int r = 0; r < sh[0]; r++) {
        for (int i = 0; i < sh[1]; i++) {
          int q = a.yOff + r * a.yStride + i;
          float e = Math.abs(a.y[q] - b.y[q]);
          if (!(e <= 1e-4f * (1f + Math.abs(a.y[q])))) {
            fail("shape " + sh[0] + "x" + sh[1] + "x" + sh[2] + " Y[" + r + ", " + i
                + "]: scalar " + a.y[q] + " vector " + b.y[q]);
          }
        }
      }
    }
  }

  @Test
  void forwardBitsOfASampleDoNotDependOnItsPlaceInTheBatch() {
    // Samples in 4-sample blocks and the last batch % 4 samples take different micro-kernels;
    // a sample must get the same bits either way (batch sizes differ between shards).
    for (DenseLayerKernels k : implementations()) {
      for (int[] sh : new int[][] {{7, 19, 37}, {5, 128, 784}, {6, 10, 128}, {35, 70, 43},
          {32, 64, 224}, {34, 33, 8}, {37, 48, 131}, {33, 27, 32}, {36, 27, 40}, {40, 59, 50},
          {70, 75, 37}, {100, 140, 40}, {106, 70, 37}, {134, 100, 40}}) {
        int batch = sh[0];
        Layer l = new Layer(batch, sh[1], sh[2], 99);
        k.forward(batch, l.m, l.n, l.w, l.bias, l.x, l.xOff, l.xStride, l.y, l.yOff, l.yStride);
        for (int b = 0; b < batch; b++) {
          float[] one = new float[l.m];
          k.forward(1, l.m, l.n, l.w, l.bias, l.x, l.xOff + b * l.xStride, l.xStride, one, 0, l.m);
          for (int i = 0; i < l.m; i++) {
            assertEquals(Float.floatToIntBits(l.y[l.yOff + b * l.yStride + i]),
                Float.floatToIntBits(one[i]), k.name() + " sample " + b + " row " + i);
          }
        }
      }
    }
  }

  @Test
  void repeatedCallsGiveTheSameBitsBeforeAndAfterJit() throws Exception {
    for (DenseLayerKernels k : implementations()) {
      int batch = 9;
      int m = 14;
      int n = 53;
      float[] first = run(k, batch, m, n);
      for (int r = 0; r < 3000; r++) run(k, batch, m, n); // C2 compiles the kernels
      assertArrayEquals(first, run(k, batch, m, n), k.name() + ": bits changed after warm-up");
      float[][] other = new float[1][];
      Thread t = new Thread(() -> other[0] = run(k, batch, m, n));
      t.start();
      t.join();
      assertArrayEquals(first, other[0], k.name() + ": bits differ on another thread");
    }
  }

  /** All outputs of one forward and one backward, concatenated. */
  private static float[] run(DenseLayerKernels k, int batch, int m, int n) {
    Layer l = new Layer(batch, m, n, 1234);
    k.forward(batch, m, n, l.w, l.bias, l.x, l.xOff, l.xStride, l.y, l.yOff, l.yStride);
    k.backward(batch, m, n, l.w, l.d, l.dOff, l.dStride, l.x, l.xOff, l.xStride, l.gw, l.gb,
        l.dx, l.dxOff, l.dxStride);
    float[] out = new float[l.y.length + l.dx.length + l.gb.length + m * (n + 1)];
    int p = 0;
    System.arraycopy(l.y, 0, out, p, l.y.length);
    p += l.y.length;
    System.arraycopy(l.dx, 0, out, p, l.dx.length);
    p += l.dx.length;
    System.arraycopy(l.gb, 0, out, p, l.gb.length);
    p += l.gb.length;
    for (float[] row : l.gw) {
      System.arraycopy(row, 0, out, p, row.length);
      p += row.length;
    }
    return out;
  }

  @Test
  void argumentsAreChecked() {
    DenseLayerKernels k = DenseKernels.get();
    float[][] w = new float[3][4];
    float[] x = new float[2 * 4];
    float[] y = new float[2 * 3];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> k.forward(2, 3, 4, w, null, x, 0, 4, y, 1, 3));
    assertEquals("y: 2 rows of 3 at offset 1, stride 3 end at 7 > length 6", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> k.forward(2, 3, 4, w, null, x, 0, 3, y, 0, 3));
    assertEquals("x stride 3 < row width 4", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> k.forward(2, 3, 5, w, null, new float[10], 0, 5, y, 0, 3));
    assertEquals("w[0].length 4 < n=5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> k.weightGradient(2, 3, 4, y, 0, 3, x, 0, 4, w, new float[2]));
    assertEquals("gb.length 2 < 3", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> k.inputGradient(-1, 3, 4, w, y, 0, 3, x, 0, 4));
    assertEquals("negative size: batch=-1, m=3, n=4", e.getMessage());
  }

  private static void check(String what, int r, int c, float got, double want, double mag,
      int terms) {
    // float32 summation error grows at most like terms * 2^-24 * mag; random data stays far
    // below, so this bound is 1e-4 relative plus a small multiple of the worst case
    double tol = 1e-4 * Math.abs(want) + 1e-6 * mag + 1e-30;
    if (!(Math.abs(got - want) <= tol)) {
      fail(String.format("%s[%d, %d] = %s, reference %s (|diff| %.3g > tol %.3g, %d terms)",
          what, r, c, got, want, Math.abs(got - want), tol, terms));
    }
  }

  private static float[][] copy(float[][] a) {
    float[][] c = new float[a.length][];
    for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
    return c;
  }

  /** Random operands with offsets, padded strides and NaN sentinels in every gap. */
  private static final class Layer {
    static final float SENTINEL = Float.NaN;
    final int batch;
    final int m;
    final int n;
    final float[][] w;
    final float[] bias;
    final float[][] gw;
    final float[] gb;
    final int xOff = 3;
    final int xStride;
    final float[] x;
    final int yOff = 1;
    final int yStride;
    final float[] y;
    final int dOff = 2;
    final int dStride;
    final float[] d;
    final int dxOff = 5;
    final int dxStride;
    final float[] dx;

    Layer(int batch, int m, int n, long seed) {
      this.batch = batch;
      this.m = m;
      this.n = n;
      SplittableRandom r = new SplittableRandom(seed);
      w = new float[m][n + 1];
      gw = new float[m][n + 1];
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          w[i][j] = uniform(r);
          gw[i][j] = uniform(r);
        }
        w[i][n] = SENTINEL;
        gw[i][n] = SENTINEL;
      }
      bias = new float[m];
      gb = new float[m];
      for (int i = 0; i < m; i++) {
        bias[i] = uniform(r);
        gb[i] = uniform(r);
      }
      xStride = n + 2;
      yStride = m + 1;
      dStride = m + 3;
      dxStride = n + 1;
      x = matrix(r, xOff, xStride, n, true);
      d = matrix(r, dOff, dStride, m, true);
      y = matrix(r, yOff, yStride, m, false);
      dx = matrix(r, dxOff, dxStride, n, false);
    }

    private float[] matrix(SplittableRandom r, int off, int stride, int width, boolean fill) {
      float[] a = new float[off + batch * stride + 2];
      java.util.Arrays.fill(a, SENTINEL);
      for (int b = 0; b < batch; b++) {
        for (int k = 0; k < width; k++) a[off + b * stride + k] = fill ? uniform(r) : 7f;
      }
      return a;
    }

    private static float uniform(SplittableRandom r) {
      return (float) (r.nextDouble() * 2 - 1);
    }

    void checkUntouchedY() {
      checkGaps(y, yOff, yStride, m, "Y");
    }

    void checkUntouchedDx() {
      checkGaps(dx, dxOff, dxStride, n, "DX");
    }

    private void checkGaps(float[] a, int off, int stride, int width, String what) {
      for (int q = 0; q < a.length; q++) {
        int rel = q - off;
        boolean inside = rel >= 0 && rel / stride < batch && rel % stride < width;
        if (!inside && !Float.isNaN(a[q])) fail(what + " written outside its rows at " + q);
      }
    }
  }
}
