package dev.deltac.cli.train;

import dev.deltac.runtime.kernels.DenseKernels;
import dev.deltac.runtime.kernels.SmallProducts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Warms the runtime's matrix kernels on a model's own shapes in a background thread while the
 * main thread compiles the generated class and loads the data, and stops before the first step.
 *
 * <p>Why: until C2 has compiled them, the Vector API kernels run in the API's Java fallbacks,
 * tens of times slower than the steady state (a flight recording of the words transformer's first
 * epoch had three quarters of its samples there for the first 10 s on a loaded machine), and C2 is
 * also busy with the generated methods once training runs. Calling the kernels with the shapes
 * the generated code will pass them, before that code exists, lets C2 compile them first, on
 * the otherwise idle second core.
 *
 * <p>The shapes are read from the generated source's calls ({@code DenseKernels.forward(batch *
 * 16, 32, 32, ...)}, {@code SmallProducts.product(4, 16, 8, 16, false, true, ...)}): the source is
 * what will run. The warm-up writes only its own scratch arrays, so it changes no value of the
 * run; it only decides when the JIT compiles.
 */
public final class KernelWarmup implements AutoCloseable {
  private static final Pattern DENSE = Pattern.compile(
      "DenseKernels\\.(forward|inputGradient|weightGradient)\\((batch \\* (\\d+)|batch|(\\d+)), (\\d+), (\\d+), ([^;]*)\\);");
  private static final Pattern SMALL = Pattern.compile(
      "SmallProducts\\.product\\((\\d+), (\\d+), (\\d+), (\\d+), (true|false), (true|false),");

  private final List<Runnable> calls;
  private final Thread thread;
  private volatile boolean stop;
  private volatile int rounds;

  private KernelWarmup(List<Runnable> calls) {
    this.calls = calls;
    this.thread = new Thread(this::run, "deltac-kernel-warmup");
    thread.setDaemon(true);
  }

  /**
   * Starts warming the kernels {@code source} calls, with {@code batch} samples per whole-batch
   * call; {@link #close} stops it. Returns a warm-up that does nothing when the source calls none.
   */
  public static KernelWarmup start(String source, int batch) {
    KernelWarmup w = new KernelWarmup(calls(source, batch));
    if (!w.calls.isEmpty()) w.thread.start();
    return w;
  }

  /** The distinct kernel calls of {@code source} as runnables over scratch arrays. */
  static List<Runnable> calls(String source, int batch) {
    List<String> seen = new ArrayList<>();
    List<Runnable> out = new ArrayList<>();
    Matcher d = DENSE.matcher(source);
    while (d.find()) {
      int rows = d.group(3) != null ? batch * Integer.parseInt(d.group(3))
          : d.group(4) != null ? Integer.parseInt(d.group(4)) : batch;
      int m = Integer.parseInt(d.group(5));
      int n = Integer.parseInt(d.group(6));
      String kind = d.group(1);
      String[] rest = d.group(7).split(", ");
      boolean withBias = kind.equals("forward") ? !rest[1].equals("null")
          : kind.equals("weightGradient") && !rest[rest.length - 1].equals("null");
      String key = kind + rows + "," + m + "," + n + "," + withBias;
      if (rows <= 0 || seen.contains(key)) continue;
      seen.add(key);
      out.add(dense(kind, rows, m, n, withBias));
    }
    Matcher s = SMALL.matcher(source);
    while (s.find()) {
      int count = Integer.parseInt(s.group(1));
      int m = Integer.parseInt(s.group(2));
      int k = Integer.parseInt(s.group(3));
      int p = Integer.parseInt(s.group(4));
      boolean ta = Boolean.parseBoolean(s.group(5));
      boolean tb = Boolean.parseBoolean(s.group(6));
      String key = "small" + count + "," + m + "," + k + "," + p + "," + ta + "," + tb;
      if (seen.contains(key)) continue;
      seen.add(key);
      float[] a = filled(count * m * k);
      float[] b = filled(count * k * p);
      float[] o = new float[count * m * p];
      out.add(() -> SmallProducts.product(count, m, k, p, ta, tb, a, 0, m * k, b, 0, k * p, o, 0,
          m * p));
    }
    return out;
  }

  private static Runnable dense(String kind, int rows, int m, int n, boolean withBias) {
    float[][] w = new float[m][];
    for (int i = 0; i < m; i++) w[i] = filled(n);
    float[] bias = withBias ? filled(m) : null;
    float[] x = filled(rows * n);
    float[] y = filled(rows * m);
    switch (kind) {
      case "forward":
        return () -> DenseKernels.forward(rows, m, n, w, bias, x, 0, n, y, 0, m);
      case "inputGradient":
        return () -> DenseKernels.inputGradient(rows, m, n, w, y, 0, m, x, 0, n);
      default:
        float[][] gw = new float[m][n];
        float[] gb = withBias ? new float[m] : null;
        return () -> DenseKernels.weightGradient(rows, m, n, y, 0, m, x, 0, n, gw, gb);
    }
  }

  private static float[] filled(int size) {
    float[] a = new float[size];
    Arrays.fill(a, 0.01f);
    return a;
  }

  private void run() {
    while (!stop) {
      for (Runnable r : calls) {
        if (stop) return;
        r.run();
      }
      rounds++;
    }
  }

  /** Rounds of all the calls completed so far. */
  public int rounds() {
    return rounds;
  }

  /** Stops the warm-up and waits for its thread (at most one kernel call). */
  @Override
  public void close() {
    stop = true;
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
