package dev.deltac.compiler.autodiff;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.ir.Attr;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.GraphBuilder;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.ParamSpec;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.compiler.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random small models built from random smooth ops over random operands (fan-out included,
 * since operands are drawn from every value made so far), differentiated, optimized and checked
 * against finite differences like the per-op tests.
 */
class RandomGraphGradientTest {
  private static final int N = 3;

  @Property(tries = 60, seed = "20261125")
  void randomModelsHaveCorrectGradients(@ForAll long seed, @ForAll @IntRange(min = 2, max = 12) int ops) {
    Random rnd = new Random(seed);
    GraphBuilder b = new GraphBuilder();
    List<Node> params = new ArrayList<>();
    List<ParamSpec> specs = new ArrayList<>();
    Map<String, double[]> values = new LinkedHashMap<>();
    Shape vec = Shape.of(N);
    Shape mat = Shape.of(N, N);
    for (int i = 0; i < 3; i++) {
      Shape s = i == 2 ? mat : vec;
      String name = "p" + i;
      params.add(b.param(name, s, SourceSpan.NONE));
      specs.add(new ParamSpec(name, s, "zeros", new double[0], SourceSpan.NONE));
      double[] v = new double[s.size()];
      for (int k = 0; k < v.length; k++) v[k] = rnd.nextDouble() * 2 - 1;
      values.put(name, v);
    }
    Node x = b.input("x", vec, SourceSpan.NONE);
    Node w = params.get(2);
    List<Node> pool = new ArrayList<>(List.of(params.get(0), params.get(1), x));
    for (int i = 0; i < ops; i++) {
      Node a = pool.get(rnd.nextInt(pool.size()));
      Node c = pool.get(rnd.nextInt(pool.size()));
      pool.add(randomOp(b, rnd, a, c, w));
    }
    Node last = pool.get(pool.size() - 1);
    Node y = b.target("y", vec, SourceSpan.NONE);
    Node loss = rnd.nextBoolean()
        ? b.make(Op.MSE, SourceSpan.NONE, last, y)
        : b.make(Op.SOFTMAX_CE, SourceSpan.NONE, last, y);
    Graph g = new Graph("random" + seed, Graph.Kind.MODEL, List.of(x), List.of(y), params, specs,
        Map.of("out", last), loss, Map.of(), Map.of());
    double[] xs = new double[2 * N];
    double[] ts = new double[2 * N];
    for (int k = 0; k < xs.length; k++) {
      xs[k] = rnd.nextDouble() * 2 - 1;
      ts[k] = rnd.nextDouble();
    }
    FiniteDifferences.check(g, Optimizer.backward(g, true), values, xs, ts, 2);
  }

  /** One smooth op, with its operands mapped into its domain. */
  private static Node randomOp(GraphBuilder b, Random rnd, Node a, Node c, Node w) {
    switch (rnd.nextInt(12)) {
      case 0: return b.add(a, c);
      case 1: return b.sub(a, c);
      case 2: return b.mul(a, c);
      case 3: return b.div(a, b.add(b.unary(Op.SQUARE, c), b.scalar(1)));
      case 4: return b.unary(Op.TANH, a);
      case 5: return b.unary(Op.SIGMOID, a);
      case 6: return b.unary(Op.LOG, b.add(b.unary(Op.SOFTPLUS, a), b.scalar(0.1)));
      case 7: return b.unary(Op.SQRT, b.add(b.unary(Op.SQUARE, a), b.scalar(1)));
      case 8: return b.matmul(w, a, rnd.nextBoolean(), false);
      case 9: return b.unary(Op.SOFTMAX, a);
      case 10: return b.mul(b.unary(Op.SIN, a), b.make(Op.LOGSUMEXP, SourceSpan.NONE, c));
      default: return b.make(Op.MATMUL, Attr.ints(0, 0), SourceSpan.NONE, b.unary(Op.EXP, b.mul(a, b.scalar(0.5))), w);
    }
  }
}
