package dev.deltac.compiler.ir;

import java.util.List;

/**
 * The body of a rolled {@code for} loop (dsl.md section 9, "Loops at any length"): one step as a
 * graph of its own, run for t = from..to-1 by a {@link Op#LOOP} node, or its reverse run for t
 * = to-1 down to from by a {@link Op#LOOP_GRAD} node.
 *
 * <p>The leaves of {@link #graph()} are its {@code inputs()}, in this order (whatever their op;
 * a param the body reads is its own PARAM leaf, so generated code reads the model's storage):
 * the C carried values at the start of the step ({@code state}s the body assigns, and the
 * running {@code loss} when the body adds to it), the loop variable t (a scalar), the K
 * captures (outer values the body reads); a reverse body then has the C cotangents of the
 * carried values at the end of the step and one accumulator per {@link #active()} capture.
 *
 * <p>A forward body's outputs are {@code c0..c(C-1)}, the carried values at the end of the step.
 * A reverse body's are {@code d0..d(C-1)}, the cotangents of the carried values at its start,
 * then {@code g0..} for each active capture: the accumulator plus this step's contributions,
 * added in the order reverse mode adds them in the unrolled graph (so rolling changes no bit).
 *
 * @param carried C
 * @param captures K
 * @param reverse a reverse body
 * @param active the captures whose gradient a reverse body accumulates (empty for a forward body)
 */
public record LoopBody(Graph graph, int carried, int captures, boolean reverse, int[] active) {
  public LoopBody {
    active = active.clone();
    int expected = carried + 1 + captures + (reverse ? carried + active.length : 0);
    if (graph.inputs().size() != expected) {
      throw new IllegalArgumentException("loop body has " + graph.inputs().size() + " leaves, expected " + expected);
    }
  }

  public Node carriedIn(int i) {
    return graph.inputs().get(i);
  }

  public Node t() {
    return graph.inputs().get(carried);
  }

  public Node capture(int k) {
    return graph.inputs().get(carried + 1 + k);
  }

  /** Reverse body: the cotangent of carried value i at the end of the step. */
  public Node cotangent(int i) {
    return graph.inputs().get(carried + 1 + captures + i);
  }

  /** Reverse body: the accumulator of active capture j (capture {@code active()[j]}). */
  public Node accumulator(int j) {
    return graph.inputs().get(2 * carried + 1 + captures + j);
  }

  /** Forward body: carried value i at the end of the step. */
  public Node carriedOut(int i) {
    return graph.outputs().get("c" + i);
  }

  /** Reverse body: the cotangent of carried value i at the start of the step. */
  public Node carriedGrad(int i) {
    return graph.outputs().get("d" + i);
  }

  /** Reverse body: the accumulated gradient of active capture j. */
  public Node captureGrad(int j) {
    return graph.outputs().get("g" + j);
  }

  /** Elements of one row of the carried values (their sizes summed). */
  public int rowSize() {
    int n = 0;
    for (int i = 0; i < carried; i++) n += carriedIn(i).size();
    return n;
  }

  /** Offset of carried value i in a row. */
  public int offset(int i) {
    int n = 0;
    for (int k = 0; k < i; k++) n += carriedIn(k).size();
    return n;
  }

  /** The same body over a rewritten graph (same leaf layout). */
  public LoopBody with(Graph g) {
    return new LoopBody(g, carried, captures, reverse, active);
  }

  /** All leaves in order. */
  public List<Node> leaves() {
    return graph.inputs();
  }
}
