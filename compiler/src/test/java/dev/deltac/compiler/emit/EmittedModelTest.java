package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Op;
import dev.deltac.runtime.Model;
import dev.deltac.runtime.Precision;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Whole models: generated code against the reference interpreter, in both precisions. */
class EmittedModelTest {
  static Stream<Arguments> models() {
    List<Graph> models = List.of(TestModels.xor(), TestModels.mlp("Mlp", Op.RELU, 12, 9, 7, 5),
        TestModels.mlp("WideMlp", Op.TANH, 40, 70, 33, 6), TestModels.rnn("TinyRnn", 4, 3, 5, 2),
        TestModels.rnn("Rnn", 3, 10, 20, 3), TestModels.conv(),
        TestModels.conv("WideConv", 12, 8, 4));
    return models.stream().flatMap(g -> Stream.of(Arguments.of(g, Precision.FLOAT64),
        Arguments.of(g, Precision.FLOAT32)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("models")
  void generatedCodeMatchesInterpreter(Graph g, Precision p) {
    Random rnd = new Random(g.name().hashCode());
    int batch = 3;
    Model m = Harness.compile(g, g.name() + (p == Precision.FLOAT64 ? "D" : "F"), p, 4);
    double[] xs = Harness.random(batch * m.info().inputSize(), rnd, -1, 1);
    double[] ts = Harness.random(batch * m.info().targetSize(), rnd, 0.05, 0.95);
    Harness.check(g, m, Harness.randomParams(g, rnd, 0.5), xs, ts, batch,
        p == Precision.FLOAT64 ? 1e-12 : 1e-4);
  }

  static Stream<Arguments> tensorModels() {
    return dev.deltac.compiler.testing.TensorModels.all().entrySet().stream()
        .flatMap(e -> Stream.of(Arguments.of(e.getKey(), e.getValue(), Precision.FLOAT64),
            Arguments.of(e.getKey(), e.getValue(), Precision.FLOAT32)));
  }

  /** Models of the second edition's tensor features, from their source, per sample and batched. */
  @ParameterizedTest(name = "{0} {2}")
  @MethodSource("tensorModels")
  void tensorModelsMatchInterpreter(String name, String source, Precision p) {
    Graph g = dev.deltac.compiler.testing.Models.lower(source);
    Random rnd = new Random(name.hashCode());
    int batch = 3;
    Model m = Harness.compile(g, g.name() + (p == Precision.FLOAT64 ? "D" : "F"), p, 4);
    double[] xs = Harness.random(batch * m.info().inputSize(), rnd, -1, 1);
    double[] ts = Harness.random(batch * m.info().targetSize(), rnd, 0.05, 0.95);
    Harness.check(g, m, Harness.randomParams(g, rnd, 0.5), xs, ts, batch,
        p == Precision.FLOAT64 ? 1e-12 : 1e-4);
  }

  /** WideConv takes the batched pass, with both kinds of batched bias-gradient sums. */
  @Test
  void wideConvSumsBiasGradientsOverTheBatch() {
    String src = Harness.source(TestModels.conv("WideConv", 12, 8, 4), "gen", "WideConvF", Precision.FLOAT32);
    Assertions.assertTrue(src.contains("// gradient of conv.b: sum over the batch"), src);
    Assertions.assertTrue(src.contains(", dfc_W, dfc_b);"), src);
  }

  /**
   * WideMlp's tanh(W x + b) over the batch (70 wide) goes through row copies so that C2
   * vectorizes it; its 33-wide layer stays in place. generatedCodeMatchesInterpreter checks both.
   */
  @Test
  void costlyRowsWithParamsAreComputedOnCopiedRows() {
    String src = Harness.source(TestModels.mlp("WideMlp", Op.TANH, 40, 70, 33, 6), "gen", "WideMlpF",
        Precision.FLOAT32);
    Assertions.assertTrue(src.matches("(?s).*System\\.arraycopy\\(\\w+B, o, \\w+, 0, 70\\);.*"), src);
    Assertions.assertTrue(src.matches("(?s).*\\w+B\\[o \\+ i\\] = \\S*tanhf\\(.*"), src);
  }
}
