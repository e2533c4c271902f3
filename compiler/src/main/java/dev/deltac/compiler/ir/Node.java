package dev.deltac.compiler.ir;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.types.Shape;
import java.util.List;
import java.util.Objects;

/**
 * One SSA value of the IR: an op applied to earlier nodes, with a static shape and the source
 * span it came from. Immutable. Ids are unique within the {@link GraphBuilder} that made the
 * node and increase in creation order, so sorting by id is a topological order.
 */
public final class Node {
  private final int id;
  private final Op op;
  private final List<Node> inputs;
  private final Shape shape;
  private final Attr attr;
  private final SourceSpan span;
  /**
   * The user's name for this value (a binding such as {@code h}, {@code h_t3} inside a loop, or
   * {@code d_h} for its gradient), used to name buffers in generated code. Not part of the node's
   * identity: set at most once, by {@link GraphBuilder#label}.
   */
  private String label;

  Node(int id, Op op, List<Node> inputs, Shape shape, Attr attr, SourceSpan span) {
    this.id = id;
    this.op = Objects.requireNonNull(op, "op == null");
    this.inputs = List.copyOf(inputs);
    this.shape = Objects.requireNonNull(shape, "shape == null");
    this.attr = Objects.requireNonNull(attr, "attr == null");
    this.span = span == null ? SourceSpan.NONE : span;
  }

  public int id() {
    return id;
  }

  public Op op() {
    return op;
  }

  public List<Node> inputs() {
    return inputs;
  }

  public Node input(int i) {
    return inputs.get(i);
  }

  public Shape shape() {
    return shape;
  }

  public int size() {
    return shape.size();
  }

  public Attr attr() {
    return attr;
  }

  public SourceSpan span() {
    return span;
  }

  /** The user's name for this value, or null (see {@link GraphBuilder#label}). */
  public String label() {
    return label;
  }

  void labelIfAbsent(String name) {
    if (label == null) label = name;
  }

  /** True for a CONST node whose every element is {@code v}. */
  /** An integer input or target: its values are indices (dsl.md section 9), with no gradient. */
  public boolean isInteger() {
    return (op == Op.INPUT || op == Op.TARGET) && attr.intCount() > 0;
  }

  /** For an integer leaf: the exclusive bound of its values, or 0 when any integer is allowed. */
  public int indexBound() {
    return attr.intAt(0);
  }

  public boolean isConst(double v) {
    if (op != Op.CONST) return false;
    for (int i = 0; i < attr.doubleCount(); i++) {
      if (attr.doubleAt(i) != v) return false;
    }
    return true;
  }

  /** {@code %12}. */
  public String ref() {
    return "%" + id;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(ref()).append(' ').append(shape).append(" = ")
        .append(op.name().toLowerCase(java.util.Locale.ROOT));
    String a = attr.toString();
    if (!a.isEmpty()) sb.append('<').append(a).append('>');
    sb.append('(');
    for (int i = 0; i < inputs.size(); i++) sb.append(i > 0 ? ", " : "").append(inputs.get(i).ref());
    return sb.append(')').toString();
  }
}
