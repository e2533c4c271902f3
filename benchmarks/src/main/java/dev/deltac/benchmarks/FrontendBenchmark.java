package dev.deltac.benchmarks;

import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Parse and check of a generated model of about 2 000 lines (the target is under 200 ms after
 * warm-up). Run: {@code ./mvnw -q -B -DskipTests -pl benchmarks -am package} then
 * {@code java -cp "$(cat benchmarks/target/classpath.txt):benchmarks/target/classes" dev.deltac.benchmarks.FrontendBenchmark}
 * (see docs/ARCHITECTURE.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrontendBenchmark {
  String source;

  /** A model of {@code lines} lines: dense layers, matrix products, a recurrent loop, a train block. */
  public static String generate(int lines) {
    StringBuilder sb = new StringBuilder("# generated benchmark model\nmodel Big {\n  input x[32]\n"
        + "  input xs[16, 32]\n  target y[32]\n  param W[32, 32] = he\n  param b[32]\n  h0 = x\n");
    int n = 0;
    int written = 8;
    while (written < lines - 16) {
      n++;
      switch (n % 4) {
        case 0 -> sb.append("  h").append(n).append(" = tanh(W @ h").append(n - 1).append(" + b) * 0.5 + h")
            .append(n - 1).append("\n");
        case 1 -> sb.append("  h").append(n).append(" = dense(h").append(n - 1).append(", 32, relu)  # layer\n");
        case 2 -> sb.append("  h").append(n).append(" = where(h").append(n - 1).append(" > 0, h").append(n - 1)
            .append(", leaky_relu(h").append(n - 1).append(", alpha=0.2)) - mean(h").append(n - 1).append(")\n");
        default -> sb.append("  h").append(n).append(" = softmax(h").append(n - 1).append(") + h").append(n - 2)
            .append(".W @ h").append(n - 1).append("\n");
      }
      written++;
    }
    sb.append("  state s[32] = zeros\n  for t in 0..16 {\n    s = tanh(W @ xs[t] + s)\n")
        .append("    loss += 0.01 * mse(s, y)\n  }\n  output h").append(n).append(", s\n")
        .append("  loss += mse(h").append(n).append(", y)\n  train {\n    optimizer adam(lr = 0.001)\n")
        .append("    batch 32\n    epochs 10\n  }\n}\n");
    return sb.toString();
  }

  @Setup
  public void setup() {
    source = generate(2000);
    FrontendResult r = Frontend.parse("big.nn", source);
    if (!r.ok()) throw new IllegalStateException(r.diagnostics().format());
  }

  @Benchmark
  public FrontendResult parseAndCheck2000Lines() {
    return Frontend.parse("big.nn", source);
  }

  public static void main(String[] args) throws RunnerException {
    new Runner(new OptionsBuilder().include(FrontendBenchmark.class.getSimpleName()).build()).run();
  }
}
