package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.compiler.testing.Models;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Weights made by {@code torch.nn.LSTM}, {@code GRU} and {@code RNN} (tanh and relu) load into
 * {@code lstm}/{@code gru}/{@code rnn} layers under PyTorch's layout, and the float64 generated
 * code and the interpreter reproduce PyTorch's hidden states, loss, param gradients and input
 * gradients at relative error 1e-7 (of the largest magnitude of each array). The fixture and the
 * script that made it are in {@code src/test/resources/recurrent/}.
 */
class RecurrentTorchFixtureTest {
  static final double TOL = 1e-7;

  record Case(String cell, int t, int n, int h, int batch, Map<String, double[]> arrays) {}

  static List<Case> cases() {
    List<Case> out = new ArrayList<>();
    Case c = null;
    String text;
    try (var in = RecurrentTorchFixtureTest.class.getResourceAsStream("/recurrent/torch_fixture.txt")) {
      text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    for (String line : text.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f[0].equals("case")) {
        c = new Case(f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]),
            Integer.parseInt(f[5]), new LinkedHashMap<>());
        out.add(c);
      } else if (!f[0].isEmpty()) {
        double[] v = new double[f.length - 1];
        for (int i = 1; i < f.length; i++) v[i - 1] = Double.parseDouble(f[i]);
        c.arrays().put(f[0], v);
      }
    }
    return out;
  }

  static String source(Case c) {
    String call = switch (c.cell()) {
      case "lstm" -> "lstm(xs, " + c.h() + ")";
      case "gru" -> "gru(xs, " + c.h() + ")";
      case "rnn_tanh" -> "rnn(xs, " + c.h() + ")";
      default -> "rnn(xs, " + c.h() + ", act=relu)";
    };
    return "model Torch {\n  input xs[" + c.t() + ", " + c.n() + "]\n  target ys[" + c.t() + ", "
        + c.h() + "]\n  enc = " + call + "\n  output enc\n  loss sum(enc * ys)\n}\n";
  }

  @Test
  void everyCaseOfTheFixtureIsRead() {
    assertEquals(List.of("lstm", "gru", "rnn_tanh", "rnn_relu"), cases().stream().map(Case::cell).toList());
  }

  @Test
  void pytorchWeightsGivePytorchsOutputsAndGradients() {
    for (Case c : cases()) {
      Map<String, double[]> a = c.arrays();
      Graph lowered = Models.lower(source(c));
      Map<String, double[]> params = new LinkedHashMap<>();
      params.put("enc.W_ih", a.get("weight_ih_l0"));
      params.put("enc.W_hh", a.get("weight_hh_l0"));
      params.put("enc.b_ih", a.get("bias_ih_l0"));
      params.put("enc.b_hh", a.get("bias_hh_l0"));
      double[] xs = a.get("xs");
      double[] ys = a.get("ys");
      int b = c.batch();
      String w = c.cell() + ": ";

      Interpreter.Result r = new Interpreter(Optimizer.backward(lowered, true)).run(params, xs, ys, b);
      Harness.close(w + "interpreter loss", a.get("loss"), new double[] {r.loss()}, TOL);
      Harness.close(w + "interpreter hs", a.get("hs"), flat(r.outputs()), TOL);
      Harness.close(w + "interpreter dxs", a.get("grad_xs"), flat(r.inputGrads()), TOL);
      checkGrads(w + "interpreter ", a, r.paramGrads());

      DoubleModel m = (DoubleModel) Harness.compile(lowered, "Torch" + c.cell(), Precision.FLOAT64, b);
      Harness.setParams(m, params);
      double loss = m.lossAndGradient(xs, 0, ys, 0, b, true);
      Harness.close(w + "generated loss", a.get("loss"), new double[] {loss}, TOL);
      Map<String, double[]> grads = new LinkedHashMap<>();
      for (var t : m.info().params()) grads.put(t.name(), Harness.grad(m, t));
      checkGrads(w + "generated ", a, grads);
      Harness.close(w + "generated dxs", a.get("grad_xs"),
          Arrays.copyOf(m.inputGradients(), xs.length), TOL);
      double[] hs = new double[a.get("hs").length];
      m.predictBatch(xs, hs, b);
      Harness.close(w + "generated hs", a.get("hs"), hs, TOL);
    }
  }

  private static void checkGrads(String what, Map<String, double[]> a, Map<String, double[]> g) {
    Harness.close(what + "grad W_ih", a.get("grad_weight_ih_l0"), g.get("enc.W_ih"), TOL);
    Harness.close(what + "grad W_hh", a.get("grad_weight_hh_l0"), g.get("enc.W_hh"), TOL);
    Harness.close(what + "grad b_ih", a.get("grad_bias_ih_l0"), g.get("enc.b_ih"), TOL);
    Harness.close(what + "grad b_hh", a.get("grad_bias_hh_l0"), g.get("enc.b_hh"), TOL);
  }

  private static double[] flat(double[][] rows) {
    int n = 0;
    for (double[] r : rows) n += r.length;
    double[] out = new double[n];
    int o = 0;
    for (double[] r : rows) {
      System.arraycopy(r, 0, out, o, r.length);
      o += r.length;
    }
    return out;
  }
}
