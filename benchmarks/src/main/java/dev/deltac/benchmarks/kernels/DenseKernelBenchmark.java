package dev.deltac.benchmarks.kernels;

import dev.deltac.runtime.kernels.DenseKernels;
import dev.deltac.runtime.kernels.DenseLayerKernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One dense-layer kernel call: {@code shape} is {@code m x n @ batch} (W is m rows of n, so the
 * issue's 784-128 layer is {@code 128x784}). Each call does {@code 2 * batch * m * n} flops;
 * {@link KernelReport} turns the times into GFLOP/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DenseKernelBenchmark {
  @Param({"naive", "scalar", "vector"})
  public String impl;

  @Param({"128x784@1", "128x784@32", "128x784@256", "10x128@1", "10x128@32", "10x128@256",
      "256x256@64"})
  public String shape;

  private DenseLayerKernels kernels;
  private boolean naive;
  private int batch;
  private int m;
  private int n;
  private float[][] w;
  private float[] bias;
  private float[][] gw;
  private float[] gb;
  private float[] x;
  private float[] y;
  private float[] d;
  private float[] dx;

  @Setup
  public void setUp() {
    int at = shape.indexOf('@');
    int times = shape.indexOf('x');
    m = Integer.parseInt(shape.substring(0, times));
    n = Integer.parseInt(shape.substring(times + 1, at));
    batch = Integer.parseInt(shape.substring(at + 1));
    naive = impl.equals("naive");
    kernels = impl.equals("vector")
        ? DenseKernels.vector().orElseThrow(() -> new IllegalStateException(
            "vector kernels unavailable; run with --add-modules jdk.incubator.vector"))
        : DenseKernels.scalar();
    SplittableRandom r = new SplittableRandom(42);
    w = new float[m][n];
    gw = new float[m][n];
    for (float[] row : w) fill(r, row);
    bias = fill(r, new float[m]);
    gb = new float[m];
    x = fill(r, new float[batch * n]);
    y = new float[batch * m];
    d = fill(r, new float[batch * m]);
    dx = new float[batch * n];
  }

  private static float[] fill(SplittableRandom r, float[] a) {
    for (int k = 0; k < a.length; k++) a[k] = (float) (r.nextDouble() * 2 - 1);
    return a;
  }

  @Benchmark
  public float[] forward() {
    if (naive) {
      NaiveKernels.forward(batch, m, n, w, bias, x, 0, n, y, 0, m);
    } else {
      kernels.forward(batch, m, n, w, bias, x, 0, n, y, 0, m);
    }
    return y;
  }

  @Benchmark
  public float[] inputGradient() {
    if (naive) {
      NaiveKernels.inputGradient(batch, m, n, w, d, 0, m, dx, 0, n);
    } else {
      kernels.inputGradient(batch, m, n, w, d, 0, m, dx, 0, n);
    }
    return dx;
  }

  @Benchmark
  public float[][] weightGradient() {
    if (naive) {
      NaiveKernels.weightGradient(batch, m, n, d, 0, m, x, 0, n, gw, gb);
    } else {
      kernels.weightGradient(batch, m, n, d, 0, m, x, 0, n, gw, gb);
    }
    return gw;
  }
}
