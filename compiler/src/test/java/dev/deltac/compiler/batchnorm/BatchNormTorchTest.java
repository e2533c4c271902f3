package dev.deltac.compiler.batchnorm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.deltac.compiler.interp.InterpretedModel;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.Params;
import dev.deltac.runtime.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * batch_norm against torch.nn.BatchNorm1d ([C] and [C, L]) and BatchNorm2d in training mode,
 * float64, relative error 1e-7: loss, outputs, the gradients of gain, bias and every input of
 * the batch, the running statistics after one and after two steps, and eval-mode outputs and
 * loss. Fixtures made by {@code src/test/resources/batchnorm/make_fixtures.py}.
 */
class BatchNormTorchTest {
  static final double TOLERANCE = 1e-7;

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("bn1d_vector", """
            model BnVector {
              input x[3]
              target y[3]
              n = batch_norm(x)
              output n
              loss mse(n, y)
            }"""),
        Arguments.of("bn1d_sequence", """
            model BnSequence {
              input x[3, 5]
              target y[3, 5]
              n = batch_norm(x, momentum=0.3, eps=1e-3)
              output n
              loss mse(n, y)
            }"""),
        Arguments.of("bn2d_image", """
            model BnImage {
              input x[2, 3, 4]
              target y[2, 3, 4]
              n = batch_norm(x)
              output n
              loss mse(n, y)
            }"""));
  }

  /** The interpreter (the reference semantics) as a runtime DoubleModel. */
  static DoubleModel interpreted(String source) {
    return new InterpretedModel(BatchNormGradientTest.compile(source).backwardWithInputs(), 8);
  }

  @ParameterizedTest(name = "{0} interpreter")
  @MethodSource("cases")
  void interpreterMatchesPyTorch(String fixture, String source) {
    check(fixture, interpreted(source));
  }

  @ParameterizedTest(name = "{0} generated float64")
  @MethodSource("cases")
  void generatedFloat64MatchesPyTorch(String fixture, String source) {
    check(fixture, BatchNormGradientTest.compile(source).newDoubleModel(8));
  }

  static void check(String fixture, DoubleModel m) {
    Map<String, double[]> f = read(fixture);
    int batch = (int) f.get("batch")[0];
    m.initParams(1);
    set(m, "n.gain", f.get("gain"));
    set(m, "n.bias", f.get("bias"));
    double loss = m.lossAndGradient(f.get("xa"), 0, f.get("ya"), 0, batch, true);
    close(fixture + " loss", f.get("loss"), new double[] {loss});
    close(fixture + " d gain", f.get("dgain"), get(m.info().param("n.gain"), m.grads()));
    close(fixture + " d bias", f.get("dbias"), get(m.info().param("n.bias"), m.grads()));
    double[] dx = java.util.Arrays.copyOf(m.inputGradients(), batch * m.info().inputSize());
    close(fixture + " d x", f.get("dx"), dx);
    close(fixture + " running mean, step 1", f.get("running_mean1"), m.buffers()[0]);
    close(fixture + " running var, step 1", f.get("running_var1"), m.buffers()[1]);
    m.lossAndGradient(f.get("xb"), 0, f.get("yb"), 0, batch, false);
    close(fixture + " running mean, step 2", f.get("running_mean2"), m.buffers()[0]);
    close(fixture + " running var, step 2", f.get("running_var2"), m.buffers()[1]);
    double[] outs = new double[batch * m.info().outputSize()];
    m.predictBatch(f.get("xa"), outs, batch);
    close(fixture + " eval outputs", f.get("eval_out"), outs);
    close(fixture + " eval loss", f.get("eval_loss"), new double[] {m.loss(f.get("xa"), 0, f.get("ya"), 0, batch)});
    // The training outputs, once more from a step at the same params: training mode.
    assertEquals(2, m.info().buffers().size());
  }

  static void set(DoubleModel m, String name, double[] v) {
    TensorInfo t = m.info().param(name);
    Params.set(t, m.params(), v, 0);
  }

  static double[] get(TensorInfo t, double[][] blocks) {
    double[] out = new double[t.size()];
    for (int b = 0; b < t.blockCount(); b++) {
      System.arraycopy(blocks[t.firstBlock() + b], 0, out, b * t.blockSize(), t.blockSize());
    }
    return out;
  }

  static void close(String what, double[] expected, double[] actual) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double err = Math.abs(e - actual[i]) / Math.max(1e-6, Math.abs(e));
      if (err > TOLERANCE) fail(what + "[" + i + "]: expected " + e + ", got " + actual[i] + " (relative error " + err + ")");
    }
  }

  /** name -> values, from the fixture's lines {@code name v1 v2 ...}. */
  static Map<String, double[]> read(String fixture) {
    try (InputStream in = BatchNormTorchTest.class.getResourceAsStream("/batchnorm/" + fixture + ".txt")) {
      if (in == null) throw new IllegalArgumentException("no fixture " + fixture);
      Map<String, double[]> m = new LinkedHashMap<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) continue;
        String[] p = line.trim().split(" ");
        double[] v = new double[p.length - 1];
        for (int i = 1; i < p.length; i++) v[i - 1] = Double.parseDouble(p[i]);
        m.put(p[0], v);
      }
      return m;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
