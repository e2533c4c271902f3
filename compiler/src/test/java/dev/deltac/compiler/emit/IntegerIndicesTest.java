package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.autodiff.FiniteDifferences;
import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.compiler.testing.Models;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Model;
import dev.deltac.runtime.Precision;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Integer inputs and targets (dsl.md section 9): finite differences of the optimized gradients,
 * generated code against the interpreter in both precisions, and the run-time index checks.
 * Integer values are drawn in their range, with repeats, so gathers accumulate.
 */
class IntegerIndicesTest {
  static final String FLOAT_OF_INTS = """
      model IntIn {
        input ids: int[3]
        input x: float[2]
        target y[2]
        h = dense(concat(x, float(ids) * 0.1), 2, tanh)
        output h, ids
        loss mse(h, y)
      }""";

  static final String EMBEDDING = """
      model Emb {
        input ids: int[6]
        target y[6, 3]
        e = embedding(ids, 5, 3)
        output e
        loss mse(e, y)
      }""";

  /**
   * Softmax along the last axis under a causal mask (attention's) and along axis 0, lowered to
   * exp(x - broadcast_to(logsumexp_to(x))), which the generated code computes as e / Σe from the
   * e the log-sum-exp kept; the dense layer over [4, 16] (1 024 multiply-adds) runs batched.
   */
  static final String AXIS_SOFTMAX = """
      model AxisSoftmax {
        input x[4, 16]
        target tags: int[4]
        s = x @ permute(x, [1, 0]) * 2
        a = softmax(where(causal_mask(4), s, -1e9))
        b = softmax(x * 3, axis=0)
        z = dense(a @ x + b, 16)
        output z, a, b
        loss softmax_cross_entropy(z, tags)
      }""";

  @Test
  void softmaxAlongAnAxisDividesTheKeptExps() {
    Graph lowered = Models.lower(AXIS_SOFTMAX);
    for (Precision p : Precision.values()) {
      String src = Harness.source(lowered, "t", "AxisSoftmax" + p, p);
      // both softmaxes, in the loss, training and prediction passes: no second exp per element
      assertTrue(src.contains("read by nothing but the softmax exp"), p + " fused");
      assertTrue(!src.matches("(?s).*Math\\.exp\\([^;]*broadcast_to.*"), p + " no exp of x - broadcast lse");
      assertTrue(src.contains("Math.exp(a_where["), p + " the log-sum-exp's exps");
    }
  }

  static final String CLASS_INDEX = """
      model Cls {
        input x[3]
        target label: int
        z = dense(x, 4)
        output z
        loss softmax_cross_entropy(z, label)
      }""";

  static final String SEQUENCE = """
      model Seq {
        input ids: int[5]
        target tags: int[5]
        emb = embedding(ids, 6, 4)
        param W[4, 3]
        logits = emb @ W
        output logits
        loss softmax_cross_entropy(logits, tags)
      }""";

  static Stream<Arguments> models() {
    return Stream.of(Arguments.of("float of ints", FLOAT_OF_INTS, 4),
        Arguments.of("embedding", EMBEDDING, 0),
        Arguments.of("gather, one_hot, indexed ids", """
            model Gather {
              input ids: int[2, 3]
              input x[4]
              target t: int[3]
              target y[2]
              param E[7, 4] = normal(0, 0.5)
              rows = E[ids]
              first = ids[0]
              picked = E[first]
              oh = one_hot(ids[0], 7)
              z = sum(rows[1] @ x) * 0.1 + sum(picked) + sum(oh @ E) * 0.5
              d = dense(concat(x, float(ids[1])), 2, tanh)
              h = d * z
              output h, oh
              loss mse(h, y) + sum(E[t[1:3]] * E[ids[1]][0:2]) * 0.1 + sum(one_hot(t, 7) @ E) * 0.2
            }""", 0),
        Arguments.of("integer values subscripted on several axes", """
            model Subscripts {
              input ids: int[2, 3]
              target t: int[3]
              param E[4, 5] = normal(0, 0.5)
              e = E[ids[1, 0:1]]
              z = E[ids[:, 2]]
              logits = concat(e, z) + one_hot(ids[0, :], 5)
              output logits
              loss softmax_cross_entropy(logits, t[0:3]) + softmax_cross_entropy(logits[0], t[1])
            }""", 0),
        Arguments.of("class index: softmax_cross_entropy [C]", CLASS_INDEX, 0),
        Arguments.of("class index: softmax_cross_entropy [T, C]", SEQUENCE, 0),
        Arguments.of("class index: cross_entropy [C] fused and [T, C]", """
            model Ce {
              input x[3]
              input ids: int[4]
              target label: int
              target tags: int[4]
              z = dense(x, 5)
              p = softmax(z)
              emb = embedding(ids, 7, 5)
              q = sigmoid(emb)
              output p
              loss cross_entropy(p, label) + cross_entropy(q, tags)
            }""", 0),
        Arguments.of("embedding into a batched dense layer", """
            model Batched {
              input ids: int[4]
              target tag: int
              e = embedding(ids, 10, 40)
              h = dense(flatten(e), 8, tanh)
              o = dense(h, 3)
              output o
              loss softmax_cross_entropy(o, tag)
            }""", 0),
        Arguments.of("softmax along axes: e / sum(e) from the log-sum-exp's kept e", AXIS_SOFTMAX, 0),
        Arguments.of("large rows (arraycopy gathers)", """
            model Wide {
              input ids: int[4]
              target y[4, 20]
              param E[3, 20] = normal(0, 1)
              w = embedding(ids, 6, 20)
              output w
              loss mse(E[ids] * w, y)
            }""", 0));
  }

  /**
   * Packed random values for {@code leaves}: floats in [lo, hi), integers in 0..bound-1 (their
   * bound, or {@code anyBound} when they index nothing), repeated across elements.
   */
  static double[] values(List<Node> leaves, int batch, Random rnd, double lo, double hi, int anyBound) {
    int size = 0;
    for (Node n : leaves) size += n.size();
    double[] v = new double[batch * size];
    for (int s = 0; s < batch; s++) {
      int o = s * size;
      for (Node n : leaves) {
        int bound = n.isInteger() && n.indexBound() > 0 ? n.indexBound() : anyBound;
        for (int i = 0; i < n.size(); i++) {
          // Every second element repeats the previous index, so gathers see repeated rows.
          v[o + i] = !n.isInteger() ? lo + (hi - lo) * rnd.nextDouble()
              : i % 2 == 1 ? v[o + i - 1] : rnd.nextInt(bound);
        }
        o += n.size();
      }
    }
    return v;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void gradientsMatchFiniteDifferences(String name, String source, int anyBound) {
    finiteDifferences(Models.lower(source), name, 3, anyBound);
  }

  /**
   * Checks the optimized backward graph of {@code lowered} against finite differences at random
   * inputs in [-1, 1], targets in [0.1, 0.9] (indices below their bound, or {@code anyBound}) and
   * params scaled 0.7, all seeded by {@code name}.
   */
  static void finiteDifferences(Graph lowered, String name, int batch, int anyBound) {
    Random rnd = new Random(name.hashCode());
    double[] xs = values(lowered.inputs(), batch, rnd, -1, 1, anyBound);
    double[] ts = values(lowered.targets(), batch, rnd, 0.1, 0.9, anyBound);
    FiniteDifferences.check(lowered, Optimizer.backward(lowered, true),
        Models.randomParams(lowered, name.hashCode(), 0.7), xs, ts, batch);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void generatedCodeMatchesInterpreter(String name, String source, int anyBound) {
    Graph lowered = Models.lower(source);
    for (Precision p : Precision.values()) {
      Random rnd = new Random(name.hashCode());
      int batch = 3;
      Model m = Harness.compile(lowered, lowered.name() + p, p, 4);
      double[] xs = values(lowered.inputs(), batch, rnd, -1, 1, anyBound);
      double[] ts = values(lowered.targets(), batch, rnd, 0.1, 0.9, anyBound);
      Harness.check(lowered, m, Harness.randomParams(lowered, rnd, 0.5), xs, ts, batch,
          p == Precision.FLOAT64 ? 1e-12 : 1e-4);
    }
  }

  /** Input gradients of integer inputs are zero: they are indices. */
  @Test
  void integerInputsHaveNoGradient() {
    Graph lowered = Models.lower(FLOAT_OF_INTS);
    Graph backward = Optimizer.backward(lowered, true);
    Node g = backward.inputGrads().get("ids");
    assertTrue(g.isConst(0.0), g.toString());
  }

  @Test
  void aValueThatIsNotAnIntegerIsAClearError() {
    Graph lowered = Models.lower(FLOAT_OF_INTS);
    double[] xs = {0, 1, 2, 0.5, 0.5, /* sample 1 */ 0, 1.5, 2, 0.5, 0.5};
    double[] ts = new double[4];
    Model m = Harness.compile(lowered, "IntInCheck", Precision.FLOAT64, 4);
    Harness.setParams(m, Harness.randomParams(lowered, new Random(1), 0.5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ((DoubleModel) m).lossAndGradient(xs, 0, ts, 0, 2, false));
    assertEquals("input `ids`[1] of sample 1 is 1.5, which is not an integer", e.getMessage());
    Model f = Harness.compile(lowered, "IntInCheckF", Precision.FLOAT32, 4);
    float[] fx = Harness.f(xs);
    IllegalArgumentException fe = assertThrows(IllegalArgumentException.class,
        () -> ((FloatModel) f).predictBatch(fx, new float[2 * f.info().outputSize()], 2));
    assertEquals(e.getMessage(), fe.getMessage());
    IllegalArgumentException ie = assertThrows(IllegalArgumentException.class,
        () -> new Interpreter(Optimizer.forward(lowered)).run(
            Harness.randomParams(lowered, new Random(1), 0.5), xs, ts, 2));
    assertEquals(e.getMessage(), ie.getMessage());
  }

  @Test
  void anIndexOutsideItsRangeIsAClearError() {
    Graph lowered = Models.lower(EMBEDDING);
    double[] xs = {0, 1, 4, 3, 2, 1, /* sample 1 */ 0, 1, 5, 3, 2, 1};
    double[] ts = new double[2 * 18];
    String expected = "input `ids`[2] of sample 1 is 5, which is outside the range 0..4 it indexes";
    for (Precision p : Precision.values()) {
      Model m = Harness.compile(lowered, "EmbCheck" + p, p, 4);
      Harness.setParams(m, params(lowered));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
        if (m instanceof DoubleModel dm) dm.lossAndGradient(xs, 0, ts, 0, 2, true);
        else ((FloatModel) m).lossAndGradient(Harness.f(xs), 0, Harness.f(ts), 0, 2, false);
      });
      assertEquals(expected, e.getMessage());
    }
    double[] neg = {0, 1, 4, 3, -1, 1};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Interpreter(Optimizer.forward(lowered)).run(params(lowered), neg, new double[18], 1));
    assertEquals("input `ids`[4] of sample 0 is -1, which is outside the range 0..4 it indexes", e.getMessage());
  }

  /** The smallest range an integer input indexes is the one checked. */
  @Test
  void theSmallestRangeIsChecked() {
    Graph lowered = Models.lower("""
        model Two {
          input ids: int[2]
          target y[2, 3]
          param A[9, 3]
          param B[4, 3]
          loss mse(A[ids] + B[ids], y)
          output ids
        }""");
    assertEquals(4, lowered.inputs().get(0).indexBound());
    Graph subscripted = Models.lower("""
        model Sub {
          input ids: int[2, 2]
          target y[3]
          param A[9, 3]
          param B[4, 3]
          loss mse(A[ids[0, 1]] + sum(B[ids[:, 0]], axis=0), y)
          output ids
        }""");
    assertEquals(4, subscripted.inputs().get(0).indexBound(), "a subscript of the ids keeps their range");
  }

  /** -log_softmax(z)[label] and, over rows, its mean: PyTorch's cross_entropy with class indices. */
  @Test
  void classIndexLossesAreTheNegativeLogSoftmaxAtTheLabel() {
    Graph cls = Models.lower(CLASS_INDEX);
    Map<String, double[]> pc = params(cls);
    double[] x = {0.3, -0.7, 0.9, /* sample 1 */ -0.2, 0.5, 0.1};
    double[] label = {2, 0};
    Interpreter.Result r = new Interpreter(Optimizer.forward(cls)).run(pc, x, label, 2);
    double expected = 0;
    for (int s = 0; s < 2; s++) expected += nll(r.outputs()[s], 0, 4, (int) label[s]) / 2;
    assertEquals(expected, r.loss(), 1e-12);

    Graph seq = Models.lower(SEQUENCE);
    Map<String, double[]> ps = params(seq);
    double[] ids = {0, 5, 5, 2, 1};
    double[] tags = {2, 0, 1, 1, 2};
    Interpreter.Result q = new Interpreter(Optimizer.forward(seq)).run(ps, ids, tags, 1);
    double mean = 0;
    for (int t = 0; t < 5; t++) mean += nll(q.outputs()[0], t * 3, 3, (int) tags[t]);
    assertEquals(mean / 5, q.loss(), 1e-12);
  }

  private static double nll(double[] z, int off, int n, int label) {
    double m = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) m = Math.max(m, z[off + i]);
    double s = 0;
    for (int i = 0; i < n; i++) s += Math.exp(z[off + i] - m);
    return m + Math.log(s) - z[off + label];
  }

  /** Labels out of the class range are the target's clear error. */
  @Test
  void aLabelOutsideTheClassesIsAClearError() {
    Graph cls = Models.lower(CLASS_INDEX);
    Model m = Harness.compile(cls, "ClsCheck", Precision.FLOAT32, 4);
    Harness.setParams(m, params(cls));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ((FloatModel) m).loss(new float[] {1, 2, 3}, new float[] {4}, 1));
    assertEquals("target `label` of sample 0 is 4, which is outside the range 0..3 it indexes", e.getMessage());
  }

  /** Accuracy against class indices: argmax of each output row equals its label. */
  @Test
  void accuracyOfClassIndexTargetsIsArgmaxAgainstTheLabel() {
    Graph seq = Models.lower(SEQUENCE);
    FloatModel m = (FloatModel) Harness.compile(seq, "SeqAcc", Precision.FLOAT32, 4);
    Harness.setParams(m, params(seq));
    assertTrue(m.info().targets().get(0).integer());
    assertEquals(6, m.info().inputs().get(0).indexBound());
    float[] ids = {0, 5, 5, 2, 1, /* sample 1 */ 3, 3, 4, 0, 1};
    float[] out = new float[2 * 15];
    m.predictBatch(ids, out, 2);
    float[] tags = new float[10];
    for (int k = 0; k < 10; k++) {
      int best = 0;
      for (int j = 1; j < 3; j++) if (out[k * 3 + j] > out[k * 3 + best]) best = j;
      // 7 of the 10 labels are the argmax, 3 are not
      tags[k] = k % 4 == 1 ? (best + 1) % 3 : best;
    }
    dev.deltac.runtime.data.Dataset d = new dev.deltac.runtime.data.Dataset(ids, tags, 2, 5, 5);
    assertTrue(dev.deltac.runtime.train.Metrics.hasAccuracy(m.info(), d));
    assertEquals(0.7, dev.deltac.runtime.train.Metrics.accuracy(m, d), 1e-12);
  }

  static Map<String, double[]> params(Graph g) {
    return Harness.randomParams(g, new Random(7), 0.5);
  }

  /**
   * cross_entropy with a class index where another class has p exactly 0 (a softmax that
   * underflowed): finite, -ln p[label], as PyTorch's nll_loss(log(p), label); the gradient is
   * -1/(B p[label]) at the label and 0 elsewhere, for [C] and for [T, C] rows.
   */
  @Test
  void crossEntropyWithAZeroProbabilityElsewhereIsFinite() {
    Graph lowered = Models.lower("""
        model Zero {
          input p[3]
          input q[2, 3]
          target label: int
          target tags: int[2]
          output p
          loss cross_entropy(p, label) + cross_entropy(q, tags)
        }""");
    double[] xs = {0, 0.25, 0.75, /* q */ 0.5, 0, 0.5, 0, 1, 0};
    double[] ts = {2, /* tags */ 0, 1};
    double expected = -Math.log(0.75) + (-Math.log(0.5) - Math.log(1)) / 2;
    Interpreter.Result r = new Interpreter(Optimizer.backward(lowered, true)).run(Map.of(), xs, ts, 1);
    assertEquals(expected, r.loss(), 1e-15);
    double[] g = r.inputGrads()[0];
    double[] want = {0, 0, -1 / 0.75, -0.5 / 0.5, 0, 0, 0, -0.5, 0};
    for (int i = 0; i < want.length; i++) assertEquals(want[i], g[i], 1e-15, "element " + i);
    for (Precision prec : Precision.values()) {
      Model m = Harness.compile(lowered, "Zero" + prec, prec, 2);
      Harness.check(lowered, m, Map.of(), xs, ts, 1, prec == Precision.FLOAT64 ? 1e-15 : 1e-6);
    }
  }
}
