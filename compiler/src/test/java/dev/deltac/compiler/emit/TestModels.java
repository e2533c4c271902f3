package dev.deltac.compiler.emit;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.ir.Attr;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.GraphBuilder;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.ParamSpec;
import dev.deltac.compiler.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Whole models built the way Lowering builds them (dense = W @ x + b), for emitter tests. */
final class TestModels {
  private final GraphBuilder b = new GraphBuilder();
  private final String file;
  private final List<Node> inputs = new ArrayList<>();
  private final List<Node> targets = new ArrayList<>();
  private final List<Node> params = new ArrayList<>();
  private final List<ParamSpec> specs = new ArrayList<>();
  private final Map<String, Node> outputs = new LinkedHashMap<>();
  private int line = 1;

  TestModels(String file) {
    this.file = file;
  }

  SourceSpan span() {
    return SourceSpan.at(file, line++, 3);
  }

  Node input(String name, int... dims) {
    Node n = b.input(name, Shape.of(dims), span());
    inputs.add(n);
    return n;
  }

  Node target(String name, int... dims) {
    Node n = b.target(name, Shape.of(dims), span());
    targets.add(n);
    return n;
  }

  Node param(String name, int... dims) {
    SourceSpan s = span();
    Node n = b.param(name, Shape.of(dims), s);
    params.add(n);
    specs.add(new ParamSpec(name, Shape.of(dims), dims.length >= 2 ? "xavier" : "zeros",
        new double[0], s));
    return n;
  }

  GraphBuilder builder() {
    return b;
  }

  Node dense(String layer, Node x, int units, Op act) {
    Node w = param(layer + "W", units, x.size());
    Node bias = param(layer + "b", units);
    SourceSpan s = span();
    Node z = b.make(Op.ADD, s, b.make(Op.MATMUL, Attr.ints(0, 0), s, w, x), bias);
    return act == null ? z : b.make(act, s, z);
  }

  void output(String name, Node n) {
    outputs.put(name, n);
  }

  Graph model(String name, Node loss) {
    return new Graph(name, Graph.Kind.MODEL, inputs, targets, params, specs, outputs, loss,
        Map.of(), Map.of());
  }

  Node loss(Op op, Node p, Node y) {
    return b.make(op, span(), p, y);
  }

  /** The 2-4-1 sigmoid network with binary cross-entropy. */
  static Graph xor() {
    TestModels m = new TestModels("xor.nn");
    Node x = m.input("x", 2);
    Node y = m.target("y", 1);
    Node h = m.dense("", x, 4, Op.SIGMOID);
    Node yhat = m.dense("2", h, 1, Op.SIGMOID);
    m.output("yhat", yhat);
    return m.model("Xor", m.loss(Op.BCE, yhat, y));
  }

  /** An MLP with relu (or tanh) hidden layers and a softmax output with cross-entropy. */
  static Graph mlp(String name, Op act, int... sizes) {
    TestModels m = new TestModels(name.toLowerCase() + ".nn");
    Node x = m.input("x", sizes[0]);
    Node y = m.target("y", sizes[sizes.length - 1]);
    Node h = x;
    for (int l = 1; l < sizes.length - 1; l++) h = m.dense("h" + l + ".", h, sizes[l], act);
    Node z = m.dense("out.", h, sizes[sizes.length - 1], null);
    Node p = m.b.make(Op.SOFTMAX, m.span(), z);
    m.output("p", p);
    return m.model(name, m.loss(Op.CROSS_ENTROPY, p, y));
  }

  /** A tanh RNN over xs[steps, in], then a linear readout with mse. */
  static Graph rnn(String name, int steps, int in, int hidden, int out) {
    TestModels m = new TestModels("rnn.nn");
    Node xs = m.input("xs", steps, in);
    Node y = m.target("y", out);
    Node wx = m.param("Wx", hidden, in);
    Node wh = m.param("Wh", hidden, hidden);
    Node bh = m.param("bh", hidden);
    GraphBuilder b = m.b;
    Node h = b.constant(Shape.of(hidden), 0.0);
    for (int t = 0; t < steps; t++) {
      SourceSpan s = SourceSpan.at("rnn.nn", 7, 5);
      Node xt = b.make(Op.INDEX, Attr.ints(t), s, xs);
      Node z = b.add(b.add(b.make(Op.MATMUL, Attr.ints(0, 0), s, wx, xt),
          b.make(Op.MATMUL, Attr.ints(0, 0), s, wh, h)), bh);
      h = b.make(Op.TANH, s, z);
    }
    Node yhat = m.dense("out", h, out, null);
    m.output("yhat", yhat);
    return m.model(name, m.loss(Op.MSE, yhat, y));
  }

  /** conv2d (padding 1) + bias + relu, 2x2 max pool, flatten, dense, softmax cross-entropy. */
  static Graph conv() {
    return conv("Conv", 6, 2, 3);
  }

  /**
   * As {@link #conv()} on a {@code size}×{@code size} image with {@code filters} filters and
   * {@code classes} outputs: with a dense head of at least 1 024 weights the float32 batched pass
   * applies, and the convolution bias gradient is summed over a batch buffer.
   */
  static Graph conv(String name, int size, int filters, int classes) {
    TestModels m = new TestModels("conv.nn");
    GraphBuilder b = m.b;
    Node x = m.input("img", 1, size, size);
    Node y = m.target("label", classes);
    Node w = m.param("conv.W", filters, 1, 3, 3);
    Node bias = m.param("conv.b", filters);
    SourceSpan s = m.span();
    Node c = b.make(Op.CONV2D, Attr.ints(1, 1), s, x, w);
    Node planes = b.make(Op.OUTER, s, bias, b.constant(Shape.of(size * size), 1.0));
    Node a = b.make(Op.RELU, s, b.add(c, b.reshape(planes, Shape.of(filters, size, size))));
    Node pool = b.make(Op.MAXPOOL2D, Attr.ints(2, 2), m.span(), a);
    int flatSize = filters * (size / 2) * (size / 2);
    Node flat = b.reshape(pool, Shape.of(flatSize));
    Node z = m.dense("fc.", flat, classes, null);
    m.output("logits", z);
    return m.model(name, m.loss(Op.SOFTMAX_CE, z, y));
  }
}
