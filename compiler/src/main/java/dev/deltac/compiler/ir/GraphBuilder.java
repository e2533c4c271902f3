package dev.deltac.compiler.ir;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Makes IR nodes: infers each node's shape from its operands and attributes, and hash-conses,
 * so that an op applied twice to the same operands is one node (common-subexpression
 * elimination by construction). Not thread-safe; one builder per compilation.
 */
public final class GraphBuilder {
  private final Map<Key, Node> interned = new HashMap<>();
  private int nextId;
  /** Every node made, by id. */
  private final List<Node> made = new ArrayList<>();

  private record Key(Op op, List<Integer> inputs, Attr attr, Shape shape) {}

  public Node input(String name, Shape shape, SourceSpan span) {
    return leaf(Op.INPUT, name, shape, span);
  }

  public Node target(String name, Shape shape, SourceSpan span) {
    return leaf(Op.TARGET, name, shape, span);
  }

  /**
   * An integer input or target leaf ({@link Op#INPUT} or {@link Op#TARGET}): its values are
   * indices, carried as exact floating-point values, in 0..bound-1 ({@code bound} 0: any
   * integer). Its attr is the name and {@code [bound]}; see {@link Node#isInteger()}.
   */
  public Node integerLeaf(Op op, String name, int bound, Shape shape, SourceSpan span) {
    if (op != Op.INPUT && op != Op.TARGET) throw new IllegalArgumentException("not an input or target: " + op);
    return intern(op, List.of(), Attr.of(name, new int[] {bound}, new double[0]), shape, span);
  }

  public Node param(String name, Shape shape, SourceSpan span) {
    return leaf(Op.PARAM, name, shape, span);
  }

  /** A running statistic of batch_norm ({@link Op#RUNNING_STAT}), model state that is not trained. */
  public Node runningStat(String name, Shape shape, SourceSpan span) {
    return leaf(Op.RUNNING_STAT, name, shape, span);
  }

  private Node leaf(Op op, String name, Shape shape, SourceSpan span) {
    return intern(op, List.of(), Attr.name(name), shape, span);
  }

  /** The loss seed ({@link Op#SEED}), a scalar. */
  public Node seed() {
    return leaf(Op.SEED, "seed", Shape.SCALAR, SourceSpan.NONE);
  }

  /** A constant tensor of {@code shape}; {@code values} has shape.size() elements, or one. */
  public Node constant(Shape shape, double... values) {
    double[] v = values;
    if (values.length == 1 && shape.size() != 1) {
      v = new double[shape.size()];
      Arrays.fill(v, values[0]);
    }
    if (v.length != shape.size()) {
      throw new IllegalArgumentException(
          "constant of shape " + shape + " needs " + shape.size() + " values, got " + v.length);
    }
    return intern(Op.CONST, List.of(), Attr.doubles(v), shape, SourceSpan.NONE);
  }

  public Node scalar(double v) {
    return constant(Shape.SCALAR, v);
  }

  public Node make(Op op, Attr attr, SourceSpan span, Node... operands) {
    return make(op, attr, span, List.of(operands));
  }

  public Node make(Op op, Attr attr, SourceSpan span, List<Node> operands) {
    Objects.requireNonNull(op, "op == null");
    if (op.kind == Op.Kind.LEAF) throw new IllegalArgumentException("use the leaf factories for " + op);
    if (op.arity >= 0 && operands.size() != op.arity) {
      throw new IllegalArgumentException(op + " takes " + op.arity + " operands, got " + operands.size());
    }
    if (op.arity < 0 && operands.isEmpty()) throw new IllegalArgumentException(op + " needs operands");
    if (op.arity == 0 && op != Op.DROPOUT_MASK) throw new IllegalArgumentException(op + " is not made here");
    if (op.kind == Op.Kind.BINARY || op == Op.WHERE) operands = conform(op, operands, span);
    Shape shape = ShapeInference.infer(op, attr, operands);
    return intern(op, operands, attr, shape, span);
  }

  /**
   * NumPy broadcasting for elementwise ops: every operand that is neither a scalar nor of the
   * result's shape is stretched to it ({@link Op#BROADCAST_TO}; a size-1 operand becomes a
   * scalar view, one with the result's element count a reshape view), so that binary ops and
   * WHERE only ever see equal shapes or scalars (the scalar path is unchanged).
   */
  private List<Node> conform(Op op, List<Node> operands, SourceSpan span) {
    Shape out = Shape.SCALAR;
    boolean mixed = false;
    for (Node n : operands) {
      if (n.shape().isScalar()) continue;
      if (!out.isScalar() && !out.equals(n.shape())) mixed = true;
      out = dev.deltac.compiler.types.ShapeRules.broadcast(op.name(), out, n.shape());
    }
    if (!mixed) return operands;
    List<Node> conformed = new ArrayList<>(operands.size());
    for (Node n : operands) conformed.add(stretch(n, out, span));
    return conformed;
  }

  private Node stretch(Node n, Shape to, SourceSpan span) {
    if (n.shape().isScalar() || n.shape().equals(to)) return n;
    if (n.size() == 1) return make(Op.RESHAPE, Attr.ints(new int[0]), span, n);
    if (n.size() == to.size()) return make(Op.RESHAPE, Attr.ints(to.dims()), span, n);
    return make(Op.BROADCAST_TO, Attr.ints(to.dims()), span, n);
  }

  /** x stretched to {@code shape} by NumPy's rules; x itself when it has that shape. */
  public Node broadcastTo(Node x, Shape shape) {
    if (x.shape().equals(shape)) return x;
    if (x.shape().isScalar()) return broadcast(x, shape);
    if (x.size() == shape.size()) return reshape(x, shape);
    return make(Op.BROADCAST_TO, Attr.ints(shape.dims()), SourceSpan.NONE, x);
  }

  /**
   * g summed down to {@code shape}, which broadcasts to g's shape (the transpose of
   * {@link #broadcastTo}); g itself when it has that shape.
   */
  public Node sumTo(Node g, Shape shape) {
    if (g.shape().equals(shape)) return g;
    if (shape.size() == 1) return reshape(sum(g), shape);
    if (g.size() == shape.size()) return reshape(g, shape);
    return make(Op.SUM_TO, Attr.ints(shape.dims()), SourceSpan.NONE, g);
  }

  public Node make(Op op, SourceSpan span, Node... operands) {
    return make(op, Attr.NONE, span, operands);
  }

  /** Re-makes {@code like} (its op, attr and span) over new operands. */
  public Node remake(Node like, List<Node> operands) {
    if (like.op().kind == Op.Kind.LEAF) {
      if (like.op() == Op.CONST) return label(constant(like.shape(), like.attr().doubles()), like.label());
      if (like.isInteger()) return integerLeaf(like.op(), like.attr().name(), like.indexBound(), like.shape(), like.span());
      return leaf(like.op(), like.attr().name(), like.shape(), like.span());
    }
    return label(make(like.op(), like.attr(), like.span(), operands), like.label());
  }

  // Shorthands used by lowering and by the derivative rules.

  public Node add(Node a, Node b) {
    return make(Op.ADD, SourceSpan.NONE, a, b);
  }

  public Node sub(Node a, Node b) {
    return make(Op.SUB, SourceSpan.NONE, a, b);
  }

  public Node mul(Node a, Node b) {
    return make(Op.MUL, SourceSpan.NONE, a, b);
  }

  public Node div(Node a, Node b) {
    return make(Op.DIV, SourceSpan.NONE, a, b);
  }

  public Node neg(Node a) {
    return make(Op.NEG, SourceSpan.NONE, a);
  }

  public Node unary(Op op, Node a) {
    return make(op, SourceSpan.NONE, a);
  }

  public Node sum(Node a) {
    return make(Op.SUM, SourceSpan.NONE, a);
  }

  public Node broadcast(Node scalar, Shape shape) {
    if (shape.isScalar()) return scalar;
    return make(Op.BROADCAST, Attr.ints(shape.dims()), SourceSpan.NONE, scalar);
  }

  public Node matmul(Node a, Node b, boolean transposeLeft, boolean transposeRight) {
    return make(Op.MATMUL, Attr.ints(transposeLeft ? 1 : 0, transposeRight ? 1 : 0),
        SourceSpan.NONE, a, b);
  }

  public Node where(Node mask, Node a, Node b) {
    return make(Op.WHERE, SourceSpan.NONE, mask, a, b);
  }

  public Node reshape(Node a, Shape shape) {
    if (a.shape().equals(shape)) return a;
    return make(Op.RESHAPE, Attr.ints(shape.dims()), SourceSpan.NONE, a);
  }

  /** Sums a list of gradient contributions in a fixed order; null if empty. */
  public Node sumAll(List<Node> terms) {
    Node acc = null;
    for (Node t : terms) acc = acc == null ? t : add(acc, t);
    return acc;
  }

  /**
   * Names a value for generated code ({@link Node#label}); a node keeps its first name. Returns
   * {@code n}.
   */
  public Node label(Node n, String name) {
    if (name != null) n.labelIfAbsent(name);
    return n;
  }

  /**
   * Sets the span that nodes made without one get from now on (the derivative rules run with the
   * span of the node they differentiate, so that backward code cites its {@code .nn} line), and
   * returns the previous one.
   */
  public SourceSpan defaultSpan(SourceSpan span) {
    SourceSpan old = defaultSpan;
    defaultSpan = span == null ? SourceSpan.NONE : span;
    return old;
  }

  private SourceSpan defaultSpan = SourceSpan.NONE;

  /** True when this builder made {@code n}. */
  public boolean owns(Node n) {
    return n.id() < made.size() && made.get(n.id()) == n;
  }

  /** The id the next new node will get (a mark for {@link #labelSince}). */
  public int mark() {
    return nextId;
  }

  /**
   * Names the nodes made since {@code mark} that have no name yet after the value they help
   * compute: {@code h_matmul}, {@code h_add} for the pieces of {@code h = sigmoid(W @ x + b)}.
   */
  public void labelSince(int mark, String name) {
    for (int id = mark; id < made.size(); id++) {
      Node n = made.get(id);
      if (n.label() == null && n.op().kind != Op.Kind.LEAF) {
        n.labelIfAbsent(name + "_" + n.op().name().toLowerCase(java.util.Locale.ROOT));
      }
    }
  }

  private Node intern(Op op, List<Node> operands, Attr attr, Shape shape, SourceSpan span) {
    if (span == null || span == SourceSpan.NONE) span = defaultSpan;
    List<Integer> ids = new ArrayList<>(operands.size());
    for (Node n : operands) ids.add(n.id());
    Key key = new Key(op, ids, attr, shape);
    Node existing = interned.get(key);
    if (existing != null) return existing;
    Node n = new Node(nextId++, op, operands, shape, attr, span);
    made.add(n);
    interned.put(key, n);
    return n;
  }
}
