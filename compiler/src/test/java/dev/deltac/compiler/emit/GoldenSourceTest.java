package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.compiler.testing.Goldens;
import dev.deltac.runtime.Precision;
import org.junit.jupiter.api.Test;

/**
 * Generated sources kept in review-friendly form under
 * {@code src/test/resources/goldens/GoldenSourceTest/<test>/<fqcn>.java}: XOR, the Fashion MLP,
 * a small CNN, the recurrent TinyRnn, dropout, a float64 twin and a function. To regenerate after
 * an intended change to the emitter:
 *
 * <pre>./mvnw -q -B -pl compiler -am test -Dtest=GoldenSourceTest -Dsurefire.failIfNoSpecifiedTests=false -Ddeltac.updateGoldens=true</pre>
 */
class GoldenSourceTest {
  private static void model(String test, String resource, String name, Precision p) {
    Graph g = NnFiles.resource(resource);
    String file = resource.substring(resource.lastIndexOf('/') + 1);
    Goldens.assertMatches(GoldenSourceTest.class, test + "/dev.deltac.examples." + name + ".java",
        Harness.source(g, "dev.deltac.examples", name, p, file));
  }

  @Test
  void xor() {
    model("xor", "models/xor.nn", "Xor", Precision.FLOAT32);
  }

  @Test
  void xorFloat64() {
    model("xor64", "models/xor.nn", "Xor64", Precision.FLOAT64);
  }

  @Test
  void fashionMlp() {
    model("fashionMlp", "models/fashion_mlp.nn", "FashionMlp", Precision.FLOAT32);
  }

  @Test
  void smallCnn() {
    model("smallCnn", "models/small_cnn.nn", "SmallCnn", Precision.FLOAT32);
  }

  @Test
  void tinyRnn() {
    model("tinyRnn", "models/tiny_rnn.nn", "TinyRnn", Precision.FLOAT32);
  }

  @Test
  void dropout() {
    model("dropout", "models/dropout_mlp.nn", "DropoutMlp", Precision.FLOAT32);
  }

  @Test
  void function() {
    Graph g = NnFiles.resource("models/function_f.nn");
    Goldens.assertMatches(GoldenSourceTest.class, "function/dev.deltac.examples.F.java",
        JavaEmitter.emitFunction(Optimizer.forward(g), Optimizer.backward(g, true),
            new EmitOptions("dev.deltac.examples", "F", Precision.FLOAT64, "function_f.nn")));
  }
}
