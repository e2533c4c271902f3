package dev.deltac.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.compiler.testing.Models;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every function, layer and loss of dsl.md, inside small models written in the language: the
 * optimized reverse-mode graph (fused, simplified) against finite differences of the unfused
 * lowered forward graph, for every param and every input, over a batch of three.
 */
class ModelGradientTest {
  static Stream<Arguments> models() {
    return Stream.concat(languageModels(), dev.deltac.compiler.testing.TensorModels.all().entrySet()
        .stream().map(e -> Arguments.of(e.getKey(), e.getValue())));
  }

  static Stream<Arguments> languageModels() {
    return Stream.of(
        Arguments.of("xor", Models.resource("xor.nn")),
        Arguments.of("tiny rnn", Models.resource("tiny_rnn.nn")),
        Arguments.of("mlp relu softmax-ce", """
            model M {
              input x[4]
              target y[3]
              h = dense(x, 5, relu)
              logits = dense(h, 3)
              output logits
              loss softmax_cross_entropy(logits, y)
            }"""),
        Arguments.of("softmax then cross_entropy (fused)", """
            model M {
              input x[4]
              target y[3]
              z = dense(x, 3, tanh)
              p = softmax(z)
              output p
              loss cross_entropy(p, y)
            }"""),
        Arguments.of("dense activations", """
            model M {
              input x[3]
              target y[2]
              a = dense(x, 4, sigmoid)
              b = dense(a, 4, tanh)
              c = dense(b, 4, gelu)
              d = dense(c, 4, softplus)
              e = dense(d, 4, elu)
              f = dense(e, 4, leaky_relu)
              g = dense(f, 2)
              output g
              loss mse(g, y)
            }"""),
        Arguments.of("elementwise functions", """
            model M {
              input x[4]
              target y[4]
              param W[4, 4] = normal(0, 0.5)
              param c[4] = uniform(0.5, 1.0)
              z = W @ x
              p = exp(z) + sqrt(square(z) + 1) + ln(c + 1) + log(c * 2)
              q = sin(z) * cos(z) - abs(z + 3) + gelu(z) + softplus(z) / 2
              r = leaky_relu(z, alpha=0.2) + elu(z, alpha=0.5) + sigmoid(z) * tanh(z)
              s = max(z, c) + min(z, -c) + pow(c, 1.5) + clamp(z, -0.3, 0.3) + c ^ 2 ^ 0.5
              t = where(z > 0, z * 2, -z) + (if 1 < 2 then c else z) + relu(z - 0.05)
              u = -p + q + r + s + t
              output u
              loss mse(u, y)
            }"""),
        Arguments.of("reductions and vector functions", """
            model M {
              input x[3]
              target y[2]
              param A[3, 3]
              param B[2, 3]
              v = A @ x
              m = outer(v, x)
              n = m @ A.T + transpose(A)
              w = B @ n @ v + B @ (x @ n)
              k = sum(m) + mean(v) + dot(v, x) + logsumexp(v) + sum(log_softmax(v))
              out = w * k + concat(v, x)[1:3] + reshape(m, [9])[2:4] + flatten(n)[0:2]
              output out
              loss mse(out, y)
            }"""),
        Arguments.of("indexing, slicing, concat", """
            model M {
              input xs[4, 3]
              target y[3]
              param W[3, 3]
              a = W @ xs[0] + W @ xs[3]
              b = xs[1:3]
              c = concat(a, b[0], b[1])
              output c
              loss mse(c[2:5] * sum(c), y)
            }"""),
        Arguments.of("losses", """
            model M {
              input x[3]
              target y[3]
              param W[3, 3]
              z = W @ x
              p = sigmoid(z) * 0.5 + 0.25
              q = softmax(z)
              output q
              loss mse(z, y) + bce(p, y) + bce_with_logits(z, y) + cross_entropy(q, y)
              # huber in its linear region (|d| > delta) and its quadratic one, away from the kink
              loss += huber(z + 5, y) + huber(z * 0.1, y, delta=0.5)
            }"""),
        Arguments.of("tied weights", """
            model Tied {
              input x[4]
              target y[4]
              param W[3, 4]
              h = tanh(W @ x)
              r = W.T @ h
              output r
              loss mse(r, y)
            }"""),
        Arguments.of("a layer in a loop body shares its params across steps", """
            model Cell {
              input xs[3, 2]
              target y[2]
              state s[4] = zeros
              for t in 0..3 {
                s = dense(concat(s, xs[t]), 4, tanh)
              }
              o = dense(s, 2)
              output o
              loss mse(o, y)
            }"""),
        Arguments.of("recurrent layers: lstm, gru, rnn", """
            model Rec {
              input xs[4, 3]
              target y[2]
              a = lstm(xs, 3)
              b = gru(a, 2)
              c = rnn(concat(a, b, axis=1), 2, act=tanh)
              o = dense(c[3], 2)
              output o
              loss mse(o, y)
            }"""),
        Arguments.of("layer norm", """
            model Ln {
              input x[5]
              target y[3]
              h = dense(x, 6, tanh)
              n = layer_norm(h)
              o = dense(n, 3)
              output o
              loss mse(o, y)
            }"""),
        Arguments.of("dropout (training masks fixed by the seed)", """
            model Drop {
              input x[6]
              target y[3]
              h = dense(x, 8, tanh)
              d = dropout(h, 0.5)
              s = dense(d, 5, sigmoid)
              e = dropout(s * 2, 0.3)
              o = dense(e, 3)
              output o
              loss mse(o, y)
            }"""),
        Arguments.of("conv and pools, stride 1 padding 0", convModel(1, 0, 3)),
        Arguments.of("conv and pools, stride 1 padding 1", convModel(1, 1, 3)),
        Arguments.of("conv and pools, stride 2 padding 0", convModel(2, 0, 2)),
        Arguments.of("conv and pools, stride 2 padding 1", convModel(2, 1, 3)),
        Arguments.of("conv and pools, kernel 1", convModel(1, 0, 1)));
  }

  /**
   * A model with conv2d, max and average pooling. Before max pooling, scaled tanh outputs (in
   * (-0.1, 0.1)) get a ramp whose values differ by at least 0.3 within any window, so every window's argmax is
   * fixed and finite differences never straddle a kink.
   */
  static String convModel(int stride, int padding, int kernel) {
    int side = (7 + 2 * padding - kernel) / stride + 1;
    return """
        model Conv {
          input img[2, 7, 7]
          target y[3]
          c = conv2d(img, 3, %d, stride=%d, padding=%d, act=tanh)
          const ramp[%d] = [%s]
          m = maxpool2d(c * 0.1 + reshape(ramp, [3, %d, %d]), 2, stride=1)
          a = avgpool2d(c, 2)
          f = concat(flatten(m) * 0.1, flatten(a))
          o = dense(f, 3)
          output o
          loss softmax_cross_entropy(o, y)
        }""".formatted(kernel, stride, padding, 3 * side * side, ramp(3 * side * side), side, side);
  }

  /** n distinct multiples of 0.3 in a scrambled order. */
  static String ramp(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) sb.append(i > 0 ? ", " : "").append(0.3 * ((i * 37) % n));
    return sb.toString();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void optimizedGradientsMatchFiniteDifferences(String name, String source) {
    Graph lowered = Models.lower(source);
    Graph backward = Optimizer.backward(lowered, true);
    int batch = 3;
    Map<String, double[]> params = Models.randomParams(lowered, name.hashCode(), 0.7);
    double[] xs = Models.random(name.hashCode() + 1L, batch * Models.inputSize(lowered), -1, 1);
    double[] ts = Models.random(name.hashCode() + 2L, batch * Models.targetSize(lowered), 0.1, 0.9);
    double err = FiniteDifferences.check(lowered, backward, params, xs, ts, batch);
    assertTrue(err < FiniteDifferences.TOLERANCE);
  }
}
