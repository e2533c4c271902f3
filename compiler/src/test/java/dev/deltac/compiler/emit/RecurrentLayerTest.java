package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.testing.Models;
import dev.deltac.runtime.Model;
import dev.deltac.runtime.Precision;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.junit.jupiter.api.Test;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The recurrent layers {@code lstm}, {@code gru} and {@code rnn} (dsl.md section 9): finite
 * differences of the optimized gradients (float64, through the interpreter), and generated code
 * against the interpreter in both precisions, on the per-sample and the batched paths.
 */
class RecurrentLayerTest {
  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of("lstm", """
            model L {
              input xs[5, 3]
              target ys[5, 4]
              hs = lstm(xs, 4)
              output hs
              loss mse(hs, ys)
            }"""),
        Arguments.of("gru", """
            model G {
              input xs[6, 2]
              target y[3]
              hs = gru(xs, 3)
              output hs
              loss mse(hs[5], y)
            }"""),
        Arguments.of("rnn tanh", """
            model R {
              input xs[4, 3]
              target ys[4, 2]
              hs = rnn(xs, 2)
              output hs
              loss mse(hs, ys)
            }"""),
        Arguments.of("rnn relu", """
            model Rr {
              input xs[4, 3]
              target ys[4, 5]
              hs = rnn(xs, 5, act=relu)
              output hs
              loss mse(hs, ys)
            }"""),
        Arguments.of("stacked, on a computed sequence, last state into a dense head", """
            model Stack {
              input xs[7, 3]
              target y[2]
              e = tanh(xs * 2)
              a = lstm(e, 4)
              b = gru(a, 3)
              c = rnn(b * a[:, 0:3], 3)
              head = dense(c[6], 2)
              output head
              loss mse(head, y) + sum(a[0]) * 0.1
            }"""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void gradientsMatchFiniteDifferences(String name, String source) {
    Graph lowered = Models.lower(source);
    IntegerIndicesTest.finiteDifferences(lowered, name, 2, 1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void generatedCodeMatchesInterpreter(String name, String source) {
    Graph lowered = Models.lower(source);
    for (Precision p : Precision.values()) {
      for (int batch : new int[] {1, 3}) {
        Random rnd = new Random(name.hashCode() + batch);
        Model m = Harness.compile(lowered, lowered.name() + p + batch, p, 4);
        double[] xs = IntegerIndicesTest.values(lowered.inputs(), batch, rnd, -1, 1, 1);
        double[] ts = IntegerIndicesTest.values(lowered.targets(), batch, rnd, 0.1, 0.9, 1);
        Harness.check(lowered, m, Harness.randomParams(lowered, rnd, 0.5), xs, ts, batch,
            p == Precision.FLOAT64 ? 1e-12 : 1e-4);
      }
    }
  }

  /**
   * The layers are a loop over the steps, not unrolled: the generated source of a 512-step
   * model is within a few characters of the 8-step one's (issue 14: at most 2×).
   */
  @Test
  void generatedSourceDoesNotGrowWithTheSequenceLength() {
    for (Precision p : Precision.values()) {
      int[] sizes = new int[2];
      int k = 0;
      for (int t : new int[] {8, 512}) {
        Graph g = Models.lower("model L {\n input xs[" + t + ", 16]\n target ys[" + t + ", 32]\n"
            + " a = lstm(xs, 32)\n b = gru(a, 8)\n c = rnn(b, 4, act=relu)\n output c\n loss mse(c, ys[:, 0:4])\n}\n");
        sizes[k++] = Harness.source(g, "gen", "L", p).length();
      }
      assertTrue(sizes[1] < sizes[0] * 1.02, p + ": " + sizes[0] + " chars at T = 8, " + sizes[1] + " at T = 512");
    }
  }
}
