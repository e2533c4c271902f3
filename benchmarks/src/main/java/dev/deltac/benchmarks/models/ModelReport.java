package dev.deltac.benchmarks.models;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.opt.FlopCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link ModelBenchmark} (with JMH's gc profiler) and prints one Markdown row per workload:
 * generated and hand-written µs/step (mean ± 99.9% error), µs/sample, GFLOP/s, the speedup over
 * the hand-written baseline, bytes allocated per step, and PyTorch when {@code -Dtorch=FILE}
 * names a file of {@code workload microseconds} lines (see benchmarks/torch_bench.py).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.deltac.benchmarks.models.ModelReport
 *     [iterationMillis] [workloads,comma,separated]</pre>
 */
public final class ModelReport {
  private ModelReport() {}

  static final List<String> ALL = List.of("xor_b4", "mlp_b1", "mlp_b32", "mlp_b256", "deep_b64",
      "rnn_b32");

  /** Floating-point operations of one step: 6·params·batch for dense nets, FlopCount for rnn. */
  static double flops(String key) throws Exception {
    Workloads.Workload w = Workloads.get(key);
    CompiledModel m = Deltac.compile(w.name() + ".nn", w.source()).model();
    if (!w.name().equals("rnn")) {
      long params = 0;
      for (float[] b : m.newModel(1).params()) params += b.length;
      return 6.0 * params * w.batch();
    }
    Graph b = m.backward();
    return (double) (FlopCount.forward(b) + FlopCount.backward(b)) * w.batch();
  }

  static double best(RunResult r) {
    double best = Double.POSITIVE_INFINITY;
    for (BenchmarkResult b : r.getBenchmarkResults()) {
      for (IterationResult it : b.getIterationResults()) {
        best = Math.min(best, it.getPrimaryResult().getScore());
      }
    }
    return best;
  }

  /**
   * Warm-up of every benchmark: at least this long. C2 needs seconds for the Vector API kernels
   * (until then they run in Java fallbacks that box every vector); with 4 warm-up iterations of
   * 300 ms a fork could still be compiling: session 6, AVX2, mlp b32 measured 115-129 us in one
   * fork and 172-270 us in the next, whose first warm-up iteration took 107 ms per step.
   */
  static final int MIN_WARMUP_MILLIS = 5000;

  /** Warm-up iterations of {@code millis}: at least 4, and {@link #MIN_WARMUP_MILLIS} in all. */
  static int warmups(int millis) {
    return Math.max(4, (MIN_WARMUP_MILLIS + millis - 1) / millis);
  }

  public static void main(String[] args) throws Exception {
    int millis = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    String[] workloads = args.length > 1 ? args[1].split(",") : ALL.toArray(new String[0]);
    ChainedOptionsBuilder ob = new OptionsBuilder()
        .include(ModelBenchmark.class.getName() + ".step")
        .param("workload", workloads)
        .forks(1).threads(1)
        .warmupIterations(warmups(millis)).warmupTime(TimeValue.milliseconds(millis))
        .measurementIterations(5).measurementTime(TimeValue.milliseconds(millis))
        .addProfiler(GCProfiler.class);
    if (System.getProperty("impl") != null) ob.param("impl", System.getProperty("impl").split(","));
    String extraJvm = System.getProperty("jvmArgs");
    if (extraJvm != null && !extraJvm.isBlank()) ob.jvmArgsAppend(extraJvm.trim().split("\\s+"));
    Collection<RunResult> results = new Runner(ob.build()).run();

    Map<String, Double> torch = new HashMap<>();
    String torchFile = System.getProperty("torch");
    if (torchFile != null && Files.exists(Path.of(torchFile))) {
      for (String line : Files.readAllLines(Path.of(torchFile))) {
        String[] f = line.trim().split("\\s+");
        if (f.length == 2) torch.put(f[0], Double.parseDouble(f[1]));
      }
    }
    // workload -> impl -> {mean, err, best, bytes}
    Map<String, Map<String, double[]>> rows = new LinkedHashMap<>();
    for (String w : workloads) rows.put(w, new HashMap<>());
    for (RunResult r : results) {
      String w = r.getParams().getParam("workload");
      String impl = r.getParams().getParam("impl");
      Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
      rows.get(w).put(impl, new double[] {r.getPrimaryResult().getScore(),
          r.getPrimaryResult().getScoreError(), best(r), alloc == null ? Double.NaN : alloc.getScore()});
    }
    StringBuilder out = new StringBuilder("\n| workload | generated µs/step | µs/sample | GFLOP/s "
        + "| hand-written µs/step | hand GFLOP/s | gen speedup vs hand | B/step gen | B/step hand "
        + "| PyTorch µs/step | gen speedup vs PyTorch |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, Map<String, double[]>> e : rows.entrySet()) {
      String w = e.getKey();
      int batch = Workloads.get(w).batch();
      double fl = flops(w);
      double[] g = e.getValue().get("generated");
      double[] h = e.getValue().get("hand");
      Double t = torch.get(w);
      out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
          w.replace("_b", " b"),
          g == null ? "-" : String.format(Locale.ROOT, "%.2f ± %.2f", g[0], g[1]),
          g == null ? "-" : String.format(Locale.ROOT, "%.3f", g[0] / batch),
          g == null ? "-" : String.format(Locale.ROOT, "%.1f", fl / (g[0] * 1e3)),
          h == null ? "-" : String.format(Locale.ROOT, "%.2f ± %.2f", h[0], h[1]),
          h == null ? "-" : String.format(Locale.ROOT, "%.1f", fl / (h[0] * 1e3)),
          g == null || h == null ? "-" : String.format(Locale.ROOT, "%.2f×", h[0] / g[0]),
          g == null ? "-" : String.format(Locale.ROOT, "%.0f", g[3]),
          h == null ? "-" : String.format(Locale.ROOT, "%.0f", h[3]),
          t == null ? "-" : String.format(Locale.ROOT, "%.1f", t),
          t == null || g == null ? "-" : String.format(Locale.ROOT, "%.2f×", t / g[0])));
    }
    out.append("\nµs are JMH means ± 99.9% error (single thread, float32, one step = lossAndGradient"
        + " + SGD); GFLOP/s from the mean, 6·params·batch (rnn: FlopCount).\n");
    if (!"false".equals(System.getProperty("parallel"))) {
      ChainedOptionsBuilder pb = new OptionsBuilder()
          .include(ParallelBenchmark.class.getName() + ".step")
          .forks(1).threads(1)
          .warmupIterations(warmups(millis)).warmupTime(TimeValue.milliseconds(millis))
          .measurementIterations(5).measurementTime(TimeValue.milliseconds(millis));
      Map<Integer, double[]> par = new HashMap<>();
      for (RunResult r : new Runner(pb.build()).run()) {
        par.put(Integer.parseInt(r.getParams().getParam("threads")),
            new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
      }
      double[] one = par.get(1);
      double[] two = par.get(2);
      if (one != null && two != null) {
        out.append(String.format(Locale.ROOT, "%nData-parallel mlp b256 (ParallelGradient, shard %d):"
            + " 1 thread %.1f ± %.1f µs, 2 threads %.1f ± %.1f µs: %.2f× speedup%n",
            dev.deltac.runtime.train.ParallelGradient.autoShardSize(256), one[0], one[1], two[0], two[1],
            one[0] / two[0]));
      }
    }
    System.out.println(out);
  }
}
