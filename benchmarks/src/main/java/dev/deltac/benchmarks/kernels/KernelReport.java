package dev.deltac.benchmarks.kernels;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link DenseKernelBenchmark} and {@link PeakBenchmark} in one go and prints a Markdown
 * table per kernel, shape and implementation: mean µs ± JMH error, and GFLOP/s of the fastest
 * iteration (the machine is shared and noisy), with the fraction of the measured peak.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.deltac.benchmarks.kernels.KernelReport
 *     [iterationMillis] [JMH include regexp]</pre>
 */
public final class KernelReport {
  private KernelReport() {}

  /** The fastest measured iteration: on a shared machine, the least disturbed one. */
  private static double bestIteration(RunResult r) {
    double best = Double.POSITIVE_INFINITY;
    for (BenchmarkResult b : r.getBenchmarkResults()) {
      for (IterationResult it : b.getIterationResults()) {
        best = Math.min(best, it.getPrimaryResult().getScore());
      }
    }
    return best;
  }

  public static void main(String[] args) throws RunnerException {
    int millis = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    String include = args.length > 1 ? args[1] : "dev.deltac.benchmarks.kernels.";
    Options opt = new OptionsBuilder()
        .include(include)
        .forks(1)
        .warmupIterations(3)
        .warmupTime(TimeValue.milliseconds(millis))
        .measurementIterations(5)
        .measurementTime(TimeValue.milliseconds(millis))
        .build();
    Collection<RunResult> results = new Runner(opt).run();

    double peak = Double.NaN;
    double peak512 = Double.NaN;
    // kernel + shape -> impl -> {us, error, gflops}
    Map<String, Map<String, double[]>> rows = new TreeMap<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      String method = label.substring(label.lastIndexOf('.') + 1);
      double us = r.getPrimaryResult().getScore();
      double err = r.getPrimaryResult().getScoreError();
      double best = bestIteration(r);
      if (label.contains("PeakBenchmark")) {
        boolean wide = method.equals("fma12x16");
        double p = (wide ? PeakBenchmark.FLOPS_512 : PeakBenchmark.FLOPS) / (best * 1e3);
        if (wide) peak512 = p; else peak = p;
        continue;
      }
      String shape = r.getParams().getParam("shape");
      String impl = r.getParams().getParam("impl");
      int at = shape.indexOf('@');
      int times = shape.indexOf('x');
      long m = Long.parseLong(shape.substring(0, times));
      long n = Long.parseLong(shape.substring(times + 1, at));
      long batch = Long.parseLong(shape.substring(at + 1));
      double gflops = 2.0 * batch * m * n / (best * 1e3);
      rows.computeIfAbsent(String.format("%-15s %s", method, shape), k -> new TreeMap<>())
          .put(impl, new double[] {us, err, gflops});
    }
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT,
        "%nPeak (12 x 256-bit FMA chains in registers, best iteration): %.1f GFLOP/s;"
        + " 12 x 512-bit: %.1f GFLOP/s (%% of peak below: of the 256-bit one)%n%n", peak,
        peak512));
    out.append("| kernel | W m×n @ batch | naive µs | naive GF/s | scalar µs | scalar GF/s "
        + "| vector µs | vector GF/s | vector % of peak |\n");
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, Map<String, double[]>> e : rows.entrySet()) {
      String[] key = e.getKey().trim().split("\\s+");
      out.append("| ").append(key[0]).append(" | ").append(key[1].replace("x", "×")
          .replace("@", " @ ")).append(' ');
      for (String impl : new String[] {"naive", "scalar", "vector"}) {
        double[] v = e.getValue().get(impl);
        if (v == null) {
          out.append("| – | – ");
        } else {
          out.append(String.format(Locale.ROOT, "| %.2f ± %.2f | %.1f ", v[0], v[1], v[2]));
        }
      }
      double[] v = e.getValue().get("vector");
      out.append(v == null ? "| – |" : String.format(Locale.ROOT, "| %.0f%% |",
          100 * v[2] / peak));
      out.append('\n');
    }
    System.out.print(out);
  }
}
