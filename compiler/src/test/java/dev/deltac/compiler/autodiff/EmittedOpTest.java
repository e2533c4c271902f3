package dev.deltac.compiler.autodiff;

import dev.deltac.compiler.ir.Op;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.emit.Harness;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.GraphBuilder;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.ParamSpec;
import dev.deltac.runtime.Model;
import dev.deltac.runtime.Precision;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op of {@link OpGradientTest}'s table, emitted and compiled: operand 0 is an input (so
 * input gradients are checked) and the others are params, or all operands are params; the loss
 * is {@code sum(R * op(...))} and the op's value is an output. Generated code against the
 * interpreter, in float64 (1e-12) and float32 (1e-4).
 */
class EmittedOpTest {
  static Stream<Arguments> cases() {
    // BATCH_MEAN couples the samples, so it is emitted only in a staged batch-coupled step, whose
    // forward means are always batch_norm's named statistics: batchnorm.BatchNormEmittedTest
    // runs those models' generated code against the interpreter over whole batches.
    return OpGradientTest.specs().filter(s -> s.op() != Op.BATCH_MEAN).flatMap(s -> Stream.of(Arguments.of(s, true, Precision.FLOAT64),
        Arguments.of(s, false, Precision.FLOAT64), Arguments.of(s, true, Precision.FLOAT32)));
  }

  @ParameterizedTest(name = "{0} input={1} {2}")
  @MethodSource("cases")
  void generatedCodeMatchesInterpreter(OpGradientTest.Spec spec, boolean firstIsInput, Precision p) {
    Random rnd = new Random(spec.name().hashCode());
    GraphBuilder b = new GraphBuilder();
    List<Node> operands = new ArrayList<>();
    List<Node> inputs = new ArrayList<>();
    List<Node> params = new ArrayList<>();
    List<ParamSpec> specs = new ArrayList<>();
    Map<String, double[]> values = new LinkedHashMap<>();
    int batch = 2;
    double[] xs = new double[0];
    for (int i = 0; i < spec.operands().size(); i++) {
      OpGradientTest.Operand o = spec.operands().get(i);
      if (i == 0 && firstIsInput) {
        Node x = b.input("x", o.shape(), SourceSpan.NONE);
        inputs.add(x);
        operands.add(x);
        xs = new double[batch * o.shape().size()];
        for (int k = 0; k < xs.length; k++) xs[k] = sample(o.domain(), rnd);
        continue;
      }
      String name = "p" + i;
      Node n = b.param(name, o.shape(), SourceSpan.NONE);
      params.add(n);
      operands.add(n);
      specs.add(new ParamSpec(name, o.shape(), "zeros", new double[0], SourceSpan.NONE));
      double[] v = new double[o.shape().size()];
      for (int k = 0; k < v.length; k++) v[k] = sample(o.domain(), rnd);
      values.put(name, v);
    }
    Node out = spec.build().apply(b, operands);
    double[] r = new double[out.size()];
    for (int k = 0; k < r.length; k++) r[k] = (float) (rnd.nextDouble() * 2 - 1);
    Node loss = b.sum(b.mul(out, b.constant(out.shape(), r)));
    Graph g = new Graph("Op", Graph.Kind.MODEL, inputs, List.of(), params, specs,
        Map.of("out", out), loss, Map.of(), Map.of());
    String cls = "Op" + Math.abs(spec.name().hashCode()) + (firstIsInput ? "I" : "P") + p.name();
    Model m = Harness.compile(g, cls, p, batch);
    Harness.check(g, m, values, xs, new double[0], batch, p == Precision.FLOAT64 ? 1e-12 : 1e-4);
  }

  private static double sample(OpGradientTest.Domain d, Random rnd) {
    double x = d.lo + (d.hi - d.lo) * rnd.nextDouble();
    return (float) (d == OpGradientTest.Domain.AWAY_FROM_ZERO && rnd.nextBoolean() ? -x : x);
  }
}
