package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.compiler.testing.Models;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.Model;
import dev.deltac.runtime.TensorInfo;
import dev.deltac.runtime.Precision;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A pre-norm transformer block (layer_norm and dense over the rows of [T, d], two causal heads
 * through batched {@code @}, a gelu MLP, residuals) against PyTorch 2 in float64: the values and
 * every gradient that {@code torch/attention_block.py} wrote, through the interpreter and the
 * generated float64 code, at relative error 1e-7.
 */
class TorchAttentionBlockTest {
  private static final double TOL = 1e-7;

  private record Fixture(Map<String, double[]> params, double[] xs, double[] ys, List<double[]> outputs,
      double loss, Map<String, double[]> grads, double[] inputGrad) {}

  private static String text(String name) throws IOException {
    try (InputStream in = TorchAttentionBlockTest.class.getResourceAsStream("/torch/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Fixture fixture() throws IOException {
    Map<String, double[]> params = new LinkedHashMap<>();
    Map<String, double[]> grads = new LinkedHashMap<>();
    List<double[]> outputs = new ArrayList<>();
    double[] xs = null;
    double[] ys = null;
    double[] ig = null;
    double loss = Double.NaN;
    for (String line : text("attention_block.txt").split("\n")) {
      if (line.isBlank() || line.startsWith("#")) continue;
      String[] f = line.trim().split(" ");
      double[] v = new double[f.length - 2];
      for (int i = 0; i < v.length; i++) v[i] = Double.parseDouble(f[i + 2]);
      switch (f[0]) {
        case "param" -> params.put(f[1], v);
        case "grad" -> grads.put(f[1], v);
        case "input" -> xs = v;
        case "target" -> ys = v;
        case "output" -> outputs.add(v);
        case "loss" -> loss = v[0];
        case "inputgrad" -> ig = v;
        default -> throw new AssertionError(line);
      }
    }
    return new Fixture(params, xs, ys, outputs, loss, grads, ig);
  }

  @Test
  void interpreterMatchesPyTorch() throws IOException {
    Fixture fx = fixture();
    Graph g = Models.lower(text("attention_block.nn"));
    Interpreter.Result r = new Interpreter(Optimizer.backward(g, true)).run(fx.params(), fx.xs(), fx.ys(), 2);
    Harness.close("loss", new double[] {fx.loss()}, new double[] {r.loss()}, TOL);
    for (int s = 0; s < 2; s++) Harness.close("output " + s, fx.outputs().get(s), r.outputs()[s], TOL);
    assertEquals(fx.params().keySet(), fx.grads().keySet());
    for (String p : fx.grads().keySet()) Harness.close("grad " + p, fx.grads().get(p), r.paramGrads().get(p), TOL);
    int in = fx.xs().length / 2;
    for (int s = 0; s < 2; s++) {
      Harness.close("input gradient " + s, Harness.d(fx.inputGrad(), s * in, in), r.inputGrads()[s], TOL);
    }
  }

  @Test
  void generatedFloat64MatchesPyTorch() throws IOException {
    Fixture fx = fixture();
    Graph g = Models.lower(text("attention_block.nn"));
    Model m = Harness.compile(g, "TorchBlock64", Precision.FLOAT64, 2);
    Harness.setParams(m, fx.params());
    DoubleModel dm = (DoubleModel) m;
    double loss = dm.lossAndGradient(fx.xs(), 0, fx.ys(), 0, 2, true);
    Harness.close("loss", new double[] {fx.loss()}, new double[] {loss}, TOL);
    for (TensorInfo t : m.info().params()) Harness.close("grad " + t.name(), fx.grads().get(t.name()), Harness.grad(m, t), TOL);
    Harness.close("input gradients", fx.inputGrad(), Harness.d(dm.inputGradients(), 0, fx.xs().length), TOL);
    double[] outs = new double[fx.xs().length];
    dm.predictBatch(fx.xs(), outs, 2);
    int out = outs.length / 2;
    for (int s = 0; s < 2; s++) Harness.close("output " + s, fx.outputs().get(s), Harness.d(outs, s * out, out), TOL);
  }
}
