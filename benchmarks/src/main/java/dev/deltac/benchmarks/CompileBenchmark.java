package dev.deltac.benchmarks;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.compiler.load.ModelLoader;
import dev.deltac.runtime.Precision;
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

/**
 * Warm compile times of the Fashion-MNIST MLP (issue 7: under 150 ms): the whole pipeline from
 * text to Java source, and Janino compiling that source to bytecode (uncached). Run with
 * {@code java -jar benchmarks/target/benchmarks.jar CompileBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 20)
@Measurement(iterations = 20)
@Fork(1)
public class CompileBenchmark {
  static final String FASHION_MLP = """
      model FashionMlp {
        input  image[784]
        target label[10]
        h      = dense(image, 128, relu)
        logits = dense(h, 10)
        probs  = softmax(logits)
        output probs
        loss   softmax_cross_entropy(logits, label)
      }
      """;

  private String source;

  @Setup
  public void setup() throws Exception {
    source = Deltac.compile("fashion_mlp.nn", FASHION_MLP).model()
        .javaSource(Precision.FLOAT32, "bench");
  }

  /** Parse, check, lower, differentiate, optimize and emit. */
  @Benchmark
  public String textToJavaSource() throws Exception {
    CompiledModel m = Deltac.compile("fashion_mlp.nn", FASHION_MLP).model();
    return m.javaSource(Precision.FLOAT32, "bench");
  }

  /** Janino: Java source to loaded class, bypassing the cache. */
  @Benchmark
  public Object janinoCompile() {
    return ModelLoader.compileUncached("bench.FashionMlp", source);
  }
}
