package dev.deltac.compiler.opt;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.types.Shape;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Floating-point operation estimates over a graph, per sample: a multiply-add counts two, an
 * elementwise op one per element, moves and leaves nothing. The reverse pass counts its
 * parameter-gradient products as accumulations (two per element), as the generated code does
 * when it sums them over the batch.
 */
public final class FlopCount {
  private FlopCount() {}

  /** Floating-point operations to compute the outputs and the loss. */
  public static long forward(Graph g) {
    return count(Graph.reachable(forwardRoots(g)), null);
  }

  /** Floating-point operations of the nodes only the gradients need. */
  public static long backward(Graph g) {
    BitSet fwd = Graph.ids(Graph.reachable(forwardRoots(g)));
    List<Node> roots = new ArrayList<>(g.paramGrads().values());
    roots.addAll(g.inputGrads().values());
    return count(Graph.reachable(roots), fwd);
  }

  private static List<Node> forwardRoots(Graph g) {
    List<Node> r = new ArrayList<>(g.outputs().values());
    if (g.loss() != null) r.add(g.loss());
    return r;
  }

  /** The work of one step of a loop body: every node its outputs need. */
  private static long body(Graph g) {
    return count(Graph.reachable(new ArrayList<>(g.outputs().values())), null);
  }

  private static long count(List<Node> nodes, BitSet skip) {
    long total = 0;
    for (Node n : nodes) {
      if (skip != null && skip.get(n.id())) continue;
      total += flops(n);
    }
    return total;
  }

  /**
   * The estimate for one node. One arm per op and no default: adding an op to {@link Op} fails
   * compilation here until it has a count.
   */
  static long flops(Node n) {
    long size = n.shape().sizeLong();
    return switch (n.op()) {
      case INPUT, TARGET, PARAM, CONST, SEED, INDEX, SLICE, PAD_FIRST, CONCAT, RESHAPE, PERMUTE, TRANSPOSE,
          BROADCAST, BROADCAST_TO, DROPOUT_MASK, GATHER, ONE_HOT, RUNNING_STAT -> 0;
      case BATCH_MEAN -> size;
      case GATHER_GRAD -> n.input(0).shape().sizeLong();
      case SOFTMAX_CE_ROWS, SOFTMAX_CE_ROWS_GRAD -> 4 * n.input(0).shape().sizeLong();
      case MATMUL -> {
        Shape a = n.input(0).shape();
        long inner = n.attr().intAt(0) == 1 && a.rank() == 2 ? a.dim(0) : a.dim(a.rank() - 1);
        yield 2 * inner * Math.max(1, size);
      }
      case BATCH_MATMUL -> {
        Shape a = n.input(0).shape();
        yield 2L * (n.attr().intAt(0) == 1 ? a.dim(1) : a.dim(2)) * size;
      }
      case OUTER -> 2 * size;
      case DELTA -> 2 * n.input(0).shape().sizeLong() + 2 * size;
      // Two flops per multiply-add of W_ih x and W_hh h per step, about ten per gate unit.
      case RECURRENT -> n.input(0).shape().dim(0)
          * (2L * n.input(1).shape().sizeLong() + 2L * n.input(2).shape().sizeLong() + 10L * n.input(3).size());
      case RECURRENT_GRAD -> n.input(0).shape().dim(0)
          * (4L * n.input(1).shape().sizeLong() + 4L * n.input(2).shape().sizeLong() + 10L * n.input(1).shape().dim(0));
      // The body's work per step; the reverse body recomputes the forward values too.
      case LOOP, LOOP_GRAD -> (long) (n.attr().intAt(1) - n.attr().intAt(0)) * body(n.attr().body().graph());
      case SUM, SUM_TO, MAX_TO, LOGSUMEXP -> n.input(0).shape().sizeLong();
      case LOGSUMEXP_TO -> 3 * n.input(0).shape().sizeLong();
      case SOFTMAX, LOG_SOFTMAX -> 3 * size;
      case CONV2D -> {
        Shape w = n.input(1).shape();
        yield 2 * size * w.dim(1) * w.dim(2) * w.dim(3);
      }
      case CONV2D_GRAD_INPUT, CONV2D_GRAD_KERNEL -> {
        Shape g = n.input(1).shape();
        Shape w = n.op() == Op.CONV2D_GRAD_INPUT ? n.input(0).shape() : n.shape();
        yield 2 * g.sizeLong() * w.dim(1) * w.dim(2) * w.dim(3);
      }
      case MSE, BCE, BCE_LOGITS, CROSS_ENTROPY, SOFTMAX_CE, HUBER -> 3 * n.input(0).shape().sizeLong();
      // One per output element: elementwise ops, where, pooling and its gradients.
      case NEG, EXP, LOG, SQRT, ABS, SIN, COS, TANH, SIGMOID, RELU, LEAKY_RELU, ELU, GELU, SOFTPLUS,
          SQUARE, SIGN, STEP, GELU_GRAD, ADD, SUB, MUL, DIV, POW, MAX, MIN, LT, LE, GT, GE, EQ, NE,
          WHERE, MAXPOOL2D, MAXPOOL2D_GRAD, AVGPOOL2D, AVGPOOL2D_GRAD -> size;
    };
  }
}
