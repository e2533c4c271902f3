package dev.deltac.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.ir.Attr;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.GraphBuilder;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.ParamSpec;
import dev.deltac.compiler.types.Shape;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One row per differentiable primitive: operand shapes and domains, and how to build the op.
 * Each row becomes a graph {@code loss = sum(R * op(params...))} with a fixed random R, whose
 * reverse-mode gradient is compared with finite differences at random points away from kinks.
 */
class OpGradientTest {
  /** Where an operand's random values come from. */
  enum Domain {
    ANY(-2, 2), POSITIVE(0.5, 2.5), UNIT(0.1, 0.9), AWAY_FROM_ZERO(0.3, 2);

    final double lo;
    final double hi;

    Domain(double lo, double hi) {
      this.lo = lo;
      this.hi = hi;
    }
  }

  record Operand(Shape shape, Domain domain) {}

  record Spec(String name, Op op, List<Operand> operands,
      BiFunction<GraphBuilder, List<Node>, Node> build) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Operand op(Domain d, int... dims) {
    return new Operand(Shape.of(dims), d);
  }

  static Spec spec(Op op, Attr attr, Operand... operands) {
    return new Spec(op.name().toLowerCase() + (attr == Attr.NONE ? "" : "<" + attr + ">"), op,
        List.of(operands), (b, ns) -> b.make(op, attr, SourceSpan.NONE, ns));
  }

  static Spec spec(Op op, Operand... operands) {
    return spec(op, Attr.NONE, operands);
  }

  static Spec custom(String name, Op op, BiFunction<GraphBuilder, List<Node>, Node> build,
      Operand... operands) {
    return new Spec(name, op, List.of(operands), build);
  }

  static Stream<Spec> specs() {
    Domain any = Domain.ANY;
    Domain pos = Domain.POSITIVE;
    Domain away = Domain.AWAY_FROM_ZERO;
    List<Spec> s = new ArrayList<>();
    for (Op u : List.of(Op.NEG, Op.EXP, Op.SIN, Op.COS, Op.TANH, Op.SIGMOID, Op.GELU,
        Op.SOFTPLUS, Op.SQUARE)) {
      s.add(spec(u, op(any, 5)));
    }
    s.add(spec(Op.LOG, op(pos, 5)));
    s.add(spec(Op.SQRT, op(pos, 5)));
    s.add(spec(Op.ABS, op(away, 5)));
    s.add(custom("relu", Op.RELU, (b, n) -> b.unary(Op.RELU, b.sub(n.get(0), b.constant(
        Shape.of(6), 1, 1, 1, 0, 0, 0))), op(Domain.UNIT, 6)));
    s.add(custom("leaky_relu", Op.LEAKY_RELU, (b, n) -> b.make(Op.LEAKY_RELU, Attr.doubles(0.1),
        SourceSpan.NONE, b.sub(n.get(0), b.constant(Shape.of(6), 1, 1, 1, 0, 0, 0))),
        op(Domain.UNIT, 6)));
    s.add(custom("elu", Op.ELU, (b, n) -> b.make(Op.ELU, Attr.doubles(1.5), SourceSpan.NONE,
        b.sub(n.get(0), b.constant(Shape.of(6), 1, 1, 1, 0, 0, 0))), op(Domain.UNIT, 6)));
    for (Op bin : List.of(Op.ADD, Op.SUB, Op.MUL)) {
      s.add(spec(bin, op(any, 2, 3), op(any, 2, 3)));
      s.add(custom(bin.name().toLowerCase() + " scalar-left", bin,
          (b, n) -> b.make(bin, SourceSpan.NONE, n.get(0), n.get(1)), op(any), op(any, 4)));
      s.add(custom(bin.name().toLowerCase() + " scalar-right", bin,
          (b, n) -> b.make(bin, SourceSpan.NONE, n.get(0), n.get(1)), op(any, 4), op(any)));
    }
    s.add(spec(Op.DIV, op(any, 4), op(away, 4)));
    s.add(spec(Op.DIV, op(any, 4), op(away)));
    s.add(spec(Op.POW, op(pos, 4), op(any, 4)));
    s.add(custom("pow const exponent", Op.POW, (b, n) -> b.make(Op.POW, SourceSpan.NONE, n.get(0),
        b.scalar(3)), op(any, 4)));
    s.add(custom("max", Op.MAX, (b, n) -> b.make(Op.MAX, SourceSpan.NONE, n.get(0),
        b.add(n.get(1), b.constant(Shape.of(4), 3, -3, 3, -3))), op(any, 4), op(any, 4)));
    s.add(custom("min", Op.MIN, (b, n) -> b.make(Op.MIN, SourceSpan.NONE, n.get(0),
        b.add(n.get(1), b.constant(Shape.of(4), 3, -3, 3, -3))), op(any, 4), op(any, 4)));
    s.add(custom("where", Op.WHERE, (b, n) -> b.where(b.make(Op.GT, SourceSpan.NONE,
        b.constant(Shape.of(4), 1, -1, 1, -1), b.scalar(0)), n.get(0), n.get(1)), op(any, 4),
        op(any, 4)));
    s.add(custom("if scalar condition", Op.WHERE, (b, n) -> b.where(b.make(Op.LT, SourceSpan.NONE,
        b.scalar(1), b.scalar(2)), n.get(0), n.get(1)), op(any, 3), op(any, 3)));
    s.add(spec(Op.SUM, op(any, 2, 3)));
    s.add(custom("broadcast", Op.BROADCAST, (b, n) -> b.broadcast(n.get(0), Shape.of(2, 2)), op(any)));
    // NumPy broadcasting: both directions of each pattern, through the elementwise ops.
    int[][][] pairs = {{{3, 4}, {4}}, {{4}, {3, 4}}, {{3, 4}, {3, 1}}, {{3, 1}, {3, 4}},
        {{3, 1}, {1, 4}}, {{2, 3, 4}, {3, 1}}, {{1, 3, 1}, {2, 1, 4}}, {{3, 4}, {1}},
        {{2, 3, 4}, {2, 1, 4}}};
    for (int[][] pr : pairs) {
      for (Op bin : List.of(Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MAX)) {
        String name = bin.name().toLowerCase() + " broadcast " + Shape.of(pr[0]) + " " + Shape.of(pr[1]);
        Op first = bin == Op.ADD || bin == Op.SUB ? Op.BROADCAST_TO : bin;
        s.add(custom(name, first, (b, n) -> b.make(bin, SourceSpan.NONE, n.get(0), n.get(1)),
            op(bin == Op.DIV || bin == Op.MAX ? Domain.AWAY_FROM_ZERO : any, pr[0]),
            op(bin == Op.DIV ? Domain.POSITIVE : any, pr[1])));
      }
    }
    s.add(custom("broadcast_to [3] to [2, 3]", Op.BROADCAST_TO,
        (b, n) -> b.broadcastTo(n.get(0), Shape.of(2, 3)), op(any, 3)));
    s.add(custom("sum_to [2, 3, 4] to [3, 1]", Op.SUM_TO,
        (b, n) -> b.sumTo(n.get(0), Shape.of(3, 1)), op(any, 2, 3, 4)));
    s.add(custom("sum_to [2, 3, 4] to [2, 1, 4]", Op.SUM_TO,
        (b, n) -> b.sumTo(n.get(0), Shape.of(2, 1, 4)), op(any, 2, 3, 4)));
    s.add(custom("where broadcast mask [4], values [3, 4] and [3, 1]", Op.WHERE,
        (b, n) -> b.where(b.make(Op.GT, SourceSpan.NONE, b.constant(Shape.of(4), 1, -1, 1, -1),
            b.scalar(0)), n.get(0), n.get(1)), op(any, 3, 4), op(any, 3, 1)));
    s.add(custom("where broadcast mask [3, 1], values [4] and [3, 4]", Op.WHERE,
        (b, n) -> b.where(b.make(Op.GT, SourceSpan.NONE, b.constant(Shape.of(3, 1), 1, -1, 1),
            b.scalar(0)), n.get(0), n.get(1)), op(any, 4), op(any, 3, 4)));
    // Reductions along axes (amax on distinct values, away from ties).
    s.add(spec(Op.MAX_TO, Attr.ints(2, 1, 4), op(any, 2, 3, 4)));
    s.add(spec(Op.MAX_TO, Attr.ints(new int[0]), op(any, 3, 4)));
    s.add(spec(Op.MAX_TO, Attr.ints(1, 4), op(any, 3, 4)));
    s.add(spec(Op.LOGSUMEXP_TO, Attr.ints(3, 1), op(any, 3, 4)));
    s.add(spec(Op.LOGSUMEXP_TO, Attr.ints(2, 1, 4), op(any, 2, 3, 4)));
    s.add(spec(Op.SOFTMAX, op(any, 5)));
    s.add(spec(Op.LOG_SOFTMAX, op(any, 5)));
    s.add(spec(Op.LOGSUMEXP, op(any, 5)));
    for (int ta = 0; ta < 2; ta++) {
      for (int tb = 0; tb < 2; tb++) {
        Attr t = Attr.ints(ta, tb);
        s.add(spec(Op.MATMUL, t, op(any, ta == 1 ? 4 : 3, ta == 1 ? 3 : 4),
            op(any, tb == 1 ? 2 : 4, tb == 1 ? 4 : 2)));
      }
      Attr t = Attr.ints(ta, 0);
      s.add(spec(Op.MATMUL, t, op(any, ta == 1 ? 4 : 3, ta == 1 ? 3 : 4), op(any, 4)));
      s.add(spec(Op.MATMUL, Attr.ints(0, ta), op(any, 3), op(any, ta == 1 ? 2 : 3, ta == 1 ? 3 : 2)));
    }
    s.add(spec(Op.MATMUL, Attr.ints(0, 0), op(any, 4), op(any, 4)));
    for (int ta = 0; ta < 2; ta++) {
      for (int tb = 0; tb < 2; tb++) {
        s.add(spec(Op.BATCH_MATMUL, Attr.ints(ta, tb), op(any, 2, ta == 1 ? 4 : 3, ta == 1 ? 3 : 4),
            op(any, 2, tb == 1 ? 5 : 4, tb == 1 ? 4 : 5)));
      }
    }
    s.add(spec(Op.TRANSPOSE, op(any, 2, 3)));
    s.add(spec(Op.OUTER, op(any, 3), op(any, 2)));
    s.add(spec(Op.INDEX, Attr.ints(1), op(any, 3, 2)));
    s.add(spec(Op.SLICE, Attr.ints(1, 3), op(any, 4, 2)));
    s.add(spec(Op.PAD_FIRST, Attr.ints(1, 2), op(any, 2, 2)));
    s.add(custom("concat", Op.CONCAT, (b, n) -> b.make(Op.CONCAT, Attr.NONE, SourceSpan.NONE, n),
        op(any, 2), op(any, 3), op(any, 1)));
    s.add(spec(Op.RESHAPE, Attr.ints(3, 2), op(any, 2, 3)));
    s.add(spec(Op.PERMUTE, Attr.ints(1, 0), op(any, 2, 3)));
    s.add(spec(Op.PERMUTE, Attr.ints(2, 0, 1), op(any, 2, 3, 4)));
    s.add(spec(Op.PERMUTE, Attr.ints(1, 2, 0), op(any, 2, 1, 4)));
    s.add(custom("softmax_ce_rows", Op.SOFTMAX_CE_ROWS, (b, n) -> b.make(Op.SOFTMAX_CE_ROWS, Attr.NONE,
        SourceSpan.NONE, n.get(0), b.constant(Shape.of(4), 2, 0, 2, 1)), op(any, 4, 3)));
    // Gathers with repeated indices (their gradients accumulate) and a multi-axis index.
    s.add(custom("gather", Op.GATHER, (b, n) -> b.make(Op.GATHER, Attr.NONE, SourceSpan.NONE, n.get(0),
        b.constant(Shape.of(5), 2, 0, 2, 1, 2)), op(any, 3, 2)));
    s.add(custom("gather 2-d indices", Op.GATHER, (b, n) -> b.make(Op.GATHER, Attr.NONE, SourceSpan.NONE,
        n.get(0), b.constant(Shape.of(2, 2), 3, 3, 0, 3)), op(any, 4, 3)));
    s.add(custom("gather rank 3 table", Op.GATHER, (b, n) -> b.make(Op.GATHER, Attr.NONE, SourceSpan.NONE,
        n.get(0), b.constant(Shape.of(3), 1, 1, 0)), op(any, 2, 2, 3)));
    // Recurrent layers: the hidden states, the first T·H elements of the tape (the only part
    // any graph reads, and the only part whose cotangent the rule takes).
    for (Object[] cell : new Object[][] {{"lstm", 4}, {"gru", 3}, {"rnn_tanh", 1}, {"rnn_relu", 1}}) {
      int t = 4;
      int n = 3;
      int h = 2;
      int g = (Integer) cell[1] * h;
      s.add(custom("recurrent " + cell[0], Op.RECURRENT, (b, ns) -> b.make(Op.SLICE, Attr.ints(0, t * h),
          SourceSpan.NONE, b.make(Op.RECURRENT, Attr.of((String) cell[0], new int[] {h}, new double[0]),
              SourceSpan.NONE, ns)), op(any, t, n), op(any, g, n), op(any, g, h), op(any, g), op(any, g)));
    }
    // A rolled loop: h' = tanh(W h + xs[t] * t) over t = 0..2, from a start h0; the final row
    // (the only part a lowered graph reads, and the only part whose cotangent the rule takes).
    s.add(custom("loop", Op.LOOP, (b, ns) -> {
      GraphBuilder bb = new GraphBuilder();
      Node h = bb.input("loop.h", Shape.of(2), SourceSpan.NONE);
      Node t = bb.input("loop.t", Shape.SCALAR, SourceSpan.NONE);
      Node w = bb.param("p1", Shape.of(2, 2), SourceSpan.NONE);
      Node xs = bb.input("loop.xs", Shape.of(3, 2), SourceSpan.NONE);
      Node row = bb.make(Op.GATHER, Attr.NONE, SourceSpan.NONE, xs, t);
      Node next = bb.unary(Op.TANH, bb.add(bb.matmul(w, h, false, false), bb.mul(row, t)));
      Graph g = new Graph("body", Graph.Kind.FUNCTION, List.of(h, t, w, xs), List.of(), List.of(),
          List.of(), Map.of("c0", next), null, Map.of(), Map.of());
      dev.deltac.compiler.ir.LoopBody body = new dev.deltac.compiler.ir.LoopBody(g, 1, 2, false, new int[0]);
      Node loop = b.make(Op.LOOP, Attr.loop(body, 0, 3), SourceSpan.NONE, ns);
      return b.make(Op.SLICE, Attr.ints(6, 8), SourceSpan.NONE, loop);
    }, op(any, 2), op(any, 2, 2), op(any, 3, 2)));
    s.add(spec(Op.MSE, op(any, 4), op(any, 4)));
    s.add(spec(Op.BCE, op(Domain.UNIT, 4), op(Domain.UNIT, 4)));
    s.add(spec(Op.BCE_LOGITS, op(any, 4), op(Domain.UNIT, 4)));
    s.add(spec(Op.CROSS_ENTROPY, op(Domain.UNIT, 4), op(Domain.UNIT, 4)));
    s.add(spec(Op.SOFTMAX_CE, op(any, 4), op(Domain.UNIT, 4)));
    s.add(custom("huber", Op.HUBER, (b, n) -> b.make(Op.HUBER, Attr.doubles(1.0), SourceSpan.NONE,
        n.get(0), b.add(n.get(1), b.constant(Shape.of(4), 0, 0, 3, -3))), op(any, 4),
        op(Domain.UNIT, 4)));
    for (int[] sp : new int[][] {{1, 0}, {1, 1}, {2, 0}, {2, 1}}) {
      for (int k : new int[] {1, 2, 3}) {
        s.add(spec(Op.CONV2D, Attr.ints(sp[0], sp[1]), op(any, 2, 5, 6), op(any, 3, 2, k, k)));
      }
    }
    // Larger and non-square planes for the specialized kernels: a 5x5 window with padding 2,
    // padding wider than the window, stride 2 with padding, more channels than filters.
    s.add(spec(Op.CONV2D, Attr.ints(1, 2), op(any, 3, 9, 11), op(any, 4, 3, 5, 5)));
    s.add(spec(Op.CONV2D, Attr.ints(1, 3), op(any, 2, 4, 7), op(any, 2, 2, 2, 2)));
    s.add(spec(Op.CONV2D, Attr.ints(2, 1), op(any, 2, 9, 8), op(any, 3, 2, 3, 3)));
    s.add(spec(Op.CONV2D, Attr.ints(1, 1), op(any, 6, 12, 10), op(any, 3, 6, 3, 3)));
    s.add(custom("maxpool2d", Op.MAXPOOL2D, (b, n) -> b.make(Op.MAXPOOL2D, Attr.ints(2, 2),
        SourceSpan.NONE, b.add(n.get(0), b.constant(Shape.of(2, 4, 4), distinct(32)))),
        op(Domain.UNIT, 2, 4, 4)));
    s.add(spec(Op.AVGPOOL2D, Attr.ints(2, 1), op(any, 2, 4, 5)));
    // One sample here, where the batch mean is the identity; its coupling of the samples is
    // checked over batches in batchnorm.BatchNormGradientTest.
    s.add(spec(Op.BATCH_MEAN, Attr.NONE, op(any, 3, 2)));
    return s.stream();
  }

  /** Values far apart (0.5 apart), so a 0.8-wide perturbation never changes a window's argmax. */
  static double[] distinct(int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = ((i * 7) % n) * 1.0;
    return v;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void reverseModeMatchesFiniteDifferences(Spec spec) {
    Random rnd = new Random(spec.name().hashCode());
    GraphBuilder b = new GraphBuilder();
    List<Node> params = new ArrayList<>();
    List<ParamSpec> specs = new ArrayList<>();
    Map<String, double[]> values = new LinkedHashMap<>();
    for (int i = 0; i < spec.operands().size(); i++) {
      Operand o = spec.operands().get(i);
      String name = "p" + i;
      params.add(b.param(name, o.shape(), SourceSpan.NONE));
      specs.add(new ParamSpec(name, o.shape(), "zeros", new double[0], SourceSpan.NONE));
      double[] v = new double[o.shape().size()];
      for (int k = 0; k < v.length; k++) {
        double x = o.domain().lo + (o.domain().hi - o.domain().lo) * rnd.nextDouble();
        v[k] = o.domain() == Domain.AWAY_FROM_ZERO && rnd.nextBoolean() ? -x : x;
      }
      values.put(name, v);
    }
    Node out = spec.build().apply(b, params);
    double[] r = new double[out.size()];
    for (int k = 0; k < r.length; k++) r[k] = rnd.nextDouble() * 2 - 1;
    Node loss = b.sum(b.mul(out, b.constant(out.shape(), r)));
    Graph g = new Graph("op_" + spec.name(), Graph.Kind.MODEL, List.of(), List.of(), params,
        specs, Map.of(), loss, Map.of(), Map.of());
    double err = FiniteDifferences.check(g, values, new double[0], new double[0], 1);
    assertTrue(err < FiniteDifferences.TOLERANCE, spec.name() + ": " + err);
  }

  @Test
  void exactlyTheLeavesMasksComparisonsAndGradientKernelsHaveNoRule() {
    // The compiler makes every op choose (an exhaustive switch); this pins which ops chose "none",
    // so that a differentiable op cannot silently lose its rule.
    Set<Op> none = EnumSet.noneOf(Op.class);
    for (Op op : Op.values()) {
      if (Rules.get(op) == null) none.add(op);
    }
    assertEquals(EnumSet.of(Op.INPUT, Op.TARGET, Op.PARAM, Op.CONST, Op.SEED, Op.SIGN, Op.STEP,
        Op.GELU_GRAD, Op.LT, Op.LE, Op.GT, Op.GE, Op.EQ, Op.NE, Op.CONV2D_GRAD_INPUT,
        Op.CONV2D_GRAD_KERNEL, Op.MAXPOOL2D_GRAD, Op.AVGPOOL2D_GRAD, Op.DELTA, Op.DROPOUT_MASK,
        Op.GATHER_GRAD, Op.ONE_HOT, Op.SOFTMAX_CE_ROWS_GRAD, Op.RUNNING_STAT, Op.RECURRENT_GRAD, Op.LOOP_GRAD), none);
    for (Op op : none) assertTrue(Rules.isNonDifferentiable(op), op.toString());
  }

  @Test
  void everyDifferentiableOpIsCoveredByASpecRow() {
    Set<Op> covered = EnumSet.noneOf(Op.class);
    specs().forEach(s -> covered.add(s.op()));
    Set<Op> uncovered = EnumSet.noneOf(Op.class);
    for (Op op : Op.values()) {
      if (Rules.get(op) != null && !covered.contains(op)) uncovered.add(op);
    }
    assertTrue(uncovered.isEmpty(), "differentiable ops with no gradient test: " + uncovered);
  }
}
