package dev.deltac.benchmarks.models;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Precision;
import java.util.Arrays;
import java.util.Random;

/**
 * The LSTM workload of issue 14 on the generated code: {@code lstm(xs, 32)} over
 * {@code xs[T, 16]}, mse against {@code ys[T, 32]}, batch 32, one thread; one training step is
 * lossAndGradient plus plain SGD (as {@link ModelBenchmark}). Prints, per T: generated source
 * size, warm in-memory compile time (text to loaded class, median of 5 after 3 warm-ups), median
 * step time and training samples/s, by wall-clock time and by the thread's CPU time (on a
 * machine shared with other work the CPU time is the fairer measure; the PyTorch twin reports
 * both the same way). {@code benchmarks/lstm_vs_torch.sh} runs it next to
 * {@code lstm_torch.py}.
 *
 * <p>Usage: {@code LstmReport SECONDS T...} (seconds of timed steps per T; 0 measures only the
 * source size and the compile time).
 */
public final class LstmReport {
  static final int N = 16;
  static final int H = 32;
  static final int BATCH = 32;
  static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();
  static final java.lang.management.CompilationMXBean JIT =
      java.lang.management.ManagementFactory.getCompilationMXBean();

  public static String source(int t) {
    return "model Lstm {\n  input xs[" + t + ", " + N + "]\n  target ys[" + t + ", " + H + "]\n"
        + "  hs = lstm(xs, " + H + ")\n  output hs\n  loss mse(hs, ys)\n}\n";
  }

  public static void main(String[] args) throws Exception {
    double seconds = Double.parseDouble(args[0]);
    System.out.println("| T | generated source (float32) | warm compile | step (batch 32) | samples/s |");
    System.out.println("|---|---|---|---|---|");
    for (int k = 1; k < args.length; k++) {
      int t = Integer.parseInt(args[k]);
      String src = source(t);
      CompiledModel cm = Deltac.compile("lstm.nn", src).models().get(0);
      int bytes = cm.javaSource(Precision.FLOAT32, "bench").length();
      double[] compile = new double[8];
      double[] compileCpu = new double[8];
      for (int i = 0; i < compile.length; i++) {
        long c0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        Deltac.compile("lstm.nn", src).models().get(0).newModel(BATCH);
        compile[i] = (System.nanoTime() - t0) / 1e6;
        compileCpu[i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6;
      }
      double[] warm = Arrays.copyOfRange(compile, 3, 8);
      double[] warmCpu = Arrays.copyOfRange(compileCpu, 3, 8);
      Arrays.sort(warm);
      Arrays.sort(warmCpu);
      if (seconds <= 0) {
        System.out.printf("| %d | %.1f KB | %.0f ms (%.0f ms CPU) | | |%n", t, bytes / 1024.0, warm[2], warmCpu[2]);
        continue;
      }
      FloatModel m = cm.newModel(BATCH);
      m.initParams(7);
      float[] xs = new float[BATCH * m.info().inputSize()];
      float[] ys = new float[BATCH * m.info().targetSize()];
      Random r = new Random(11);
      for (int i = 0; i < xs.length; i++) xs[i] = r.nextFloat() * 2 - 1;
      for (int i = 0; i < ys.length; i++) ys[i] = r.nextFloat() * 2 - 1;
      // Warm-up: at least 5 s and 300 steps, then until the JIT has been idle for 5 s (at most
      // 60 s): on a loaded machine C2 finishes the kernels' compiles 10-30 s after the start, and
      // steps timed before that run C1 code.
      long warmUntil = System.nanoTime() + (long) (5e9);
      long giveUp = System.nanoTime() + (long) (60e9);
      for (int i = 0; i < 300 || System.nanoTime() < warmUntil; i++) ModelBenchmark.sgdStep(m, xs, ys, BATCH, 1e-3f);
      long jit = JIT.getTotalCompilationTime();
      long quietSince = System.nanoTime();
      while (System.nanoTime() - quietSince < 5e9 && System.nanoTime() < giveUp) {
        ModelBenchmark.sgdStep(m, xs, ys, BATCH, 1e-3f);
        long now = JIT.getTotalCompilationTime();
        if (now != jit) {
          jit = now;
          quietSince = System.nanoTime();
        }
      }
      double[] times = new double[1 << 16];
      double[] cpu = new double[1 << 16];
      int count = 0;
      long deadline = System.nanoTime() + (long) (seconds * 1e9);
      while ((System.nanoTime() < deadline || count < 20) && count < times.length) {
        long c0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        ModelBenchmark.sgdStep(m, xs, ys, BATCH, 1e-3f);
        times[count] = (System.nanoTime() - t0) / 1e3;
        cpu[count++] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e3;
      }
      Arrays.sort(times, 0, count);
      Arrays.sort(cpu, 0, count);
      double median = times[count / 2];
      double cpuMedian = cpu[count / 2];
      System.out.printf("| %d | %.1f KB | %.0f ms (%.0f ms CPU) | %.0f µs (%.0f µs CPU) | %.0f (%.0f by CPU time) |%n",
          t, bytes / 1024.0, warm[2], warmCpu[2], median, cpuMedian, BATCH / (median / 1e6), BATCH / (cpuMedian / 1e6));
    }
  }
}
