package dev.deltac.compiler.ir;

/**
 * The primitive operations of the IR. Every op works on one sample; the batch loop is added by
 * the code generator and the interpreter. Elementwise binary ops broadcast a scalar operand
 * against any shape; otherwise operand shapes are equal ({@code GraphBuilder.make} stretches
 * other operands by NumPy's rules with {@link #BROADCAST_TO} first).
 *
 * <p>Attributes ({@link Attr}) by op: leaves carry their name; {@code CONST} its values;
 * {@code LEAKY_RELU}, {@code ELU} and {@code HUBER} a scalar parameter; {@code MATMUL} two flags
 * (transpose left, transpose right); {@code INDEX} {@code [i]}; {@code SLICE} {@code [from, to]};
 * {@code PAD_FIRST} {@code [before, after]}; {@code RESHAPE}, {@code BROADCAST}, {@code BROADCAST_TO},
 * {@code SUM_TO}, {@code MAX_TO} and {@code LOGSUMEXP_TO} the target dims; convolution and pooling {@code [stride, padding]} or {@code [size, stride]}.
 */
public enum Op {
  // Leaves.
  INPUT(0, Kind.LEAF), TARGET(0, Kind.LEAF), PARAM(0, Kind.LEAF), CONST(0, Kind.LEAF),
  /**
   * The scalar cotangent that reverse mode seeds the loss with: 1 for the interpreter and for
   * functions; a model's generated code binds it to 1/batch, so that the accumulated gradients
   * are already the batch means (reverse mode is linear in the seed).
   */
  SEED(0, Kind.LEAF),

  // Elementwise, one operand.
  NEG(1, Kind.UNARY), EXP(1, Kind.UNARY), LOG(1, Kind.UNARY), SQRT(1, Kind.UNARY),
  ABS(1, Kind.UNARY), SIN(1, Kind.UNARY), COS(1, Kind.UNARY), TANH(1, Kind.UNARY),
  SIGMOID(1, Kind.UNARY), RELU(1, Kind.UNARY), LEAKY_RELU(1, Kind.UNARY), ELU(1, Kind.UNARY),
  GELU(1, Kind.UNARY), SOFTPLUS(1, Kind.UNARY), SQUARE(1, Kind.UNARY),
  /** -1, 0 or 1. */
  SIGN(1, Kind.UNARY),
  /** 1 where x &gt; 0, else 0: the derivative of relu. */
  STEP(1, Kind.UNARY),
  /** The derivative of the exact gelu, Φ(x) + x φ(x). */
  GELU_GRAD(1, Kind.UNARY),

  // Elementwise, two operands.
  ADD(2, Kind.BINARY), SUB(2, Kind.BINARY), MUL(2, Kind.BINARY), DIV(2, Kind.BINARY),
  POW(2, Kind.BINARY), MAX(2, Kind.BINARY), MIN(2, Kind.BINARY),
  /** Comparisons give masks of 1 and 0, used only as the condition of {@code WHERE}. */
  LT(2, Kind.BINARY), LE(2, Kind.BINARY), GT(2, Kind.BINARY), GE(2, Kind.BINARY),
  EQ(2, Kind.BINARY), NE(2, Kind.BINARY),
  /** where(mask, a, b): a where the mask is non-zero; all three broadcast. */
  WHERE(3, Kind.OTHER),

  // Reductions and vector functions.
  /** Sum of all elements: a scalar. */
  SUM(1, Kind.OTHER),
  /** A scalar repeated to the shape in the attribute. */
  BROADCAST(1, Kind.OTHER),
  /**
   * NumPy broadcasting of a non-scalar operand to the shape in the attribute (aligned at the last
   * axis; size-1 and missing leading axes repeat). Binary ops and WHERE get their operands
   * stretched by it in {@code GraphBuilder.make}, so that they only ever see equal shapes or
   * scalars. Its transpose is SUM_TO.
   */
  BROADCAST_TO(1, Kind.OTHER),
  /**
   * Sum of the operand down to the shape in the attribute, which broadcasts to the operand's
   * (the transpose of BROADCAST_TO): each target element sums the operand's elements that map to
   * it, in the operand's row-major order ({@link BroadcastGeometry}).
   */
  SUM_TO(1, Kind.OTHER),
  /**
   * The largest element of the operand down to the shape in the attribute, as SUM_TO (amax
   * along axes; the gradient is split evenly among tied maxima, as PyTorch's amax).
   */
  MAX_TO(1, Kind.OTHER),
  /**
   * log Σ exp of the operand down to the shape in the attribute, as SUM_TO, computed stably
   * (max + log Σ exp(x - max), the max taken per target element).
   */
  LOGSUMEXP_TO(1, Kind.OTHER),
  SOFTMAX(1, Kind.OTHER), LOG_SOFTMAX(1, Kind.OTHER), LOGSUMEXP(1, Kind.OTHER),
  /** Matrix product in all four forms of dsl.md, with optional transposition of either side. */
  MATMUL(2, Kind.OTHER),
  TRANSPOSE(1, Kind.OTHER), OUTER(2, Kind.OTHER),
  /**
   * A batch of matrix products: operands (a [B, m, k], b [B, k, n]) → [B, m, n], product i of
   * slice i of each; attr two flags (transpose the last two axes of a, of b) as MATMUL. NumPy's
   * {@code matmul} of rank 3 or more lowers onto it, with broadcast batch axes stretched by
   * BROADCAST_TO and merged into B by reshapes (so its gradient sums back over them).
   */
  BATCH_MATMUL(2, Kind.OTHER),

  // Structure.
  /** x[i] along the first axis. */
  INDEX(1, Kind.OTHER),
  /** x[a:b] along the first axis. */
  SLICE(1, Kind.OTHER),
  /** Zero padding along the first axis: the transpose of INDEX and SLICE. */
  PAD_FIRST(1, Kind.OTHER),
  /** Concatenation along the first axis; any number of operands. */
  CONCAT(-1, Kind.OTHER),
  RESHAPE(1, Kind.OTHER),
  /**
   * PyTorch's {@code permute}: attr {@code [p0, ..., p(r-1)]}, output axis i is input axis p_i
   * (a permutation of 0..r-1, not the identity). Its transpose is the inverse permutation.
   */
  PERMUTE(1, Kind.OTHER),

  // Integer indices (dsl.md section 9); index operands are integer leaves or parts of them.
  /** Rows of a table at indices: operands (E [V, d...], ids [s...]) → [s..., d...]. */
  GATHER(2, Kind.OTHER),
  /**
   * The gradient of GATHER for its table: operands (g [s..., d...], ids [s...]), attr [V] →
   * [V, d...], zero except the rows at ids, which add up their rows of g in index order (so a
   * repeated index accumulates).
   */
  GATHER_GRAD(2, Kind.OTHER),
  /** one_hot: operand ids [s...], attr [n] → [s..., n] of 0 and 1. */
  ONE_HOT(1, Kind.OTHER),
  /**
   * softmax cross-entropy of each row against a class index, averaged: operands (z [T, C],
   * labels [T]) → (1/T) Σ_t (logsumexp(z_t) - z_t[label_t]), PyTorch's
   * {@code cross_entropy(z, labels)} with mean reduction.
   */
  SOFTMAX_CE_ROWS(2, Kind.OTHER),
  /** Its gradient for z: operands (z, labels) → [T, C], (softmax(z_t) - one_hot(label_t)) / T. */
  SOFTMAX_CE_ROWS_GRAD(2, Kind.OTHER),

  // Per-sample losses (scalars).
  MSE(2, Kind.LOSS), BCE(2, Kind.LOSS), BCE_LOGITS(2, Kind.LOSS), CROSS_ENTROPY(2, Kind.LOSS),
  SOFTMAX_CE(2, Kind.LOSS), HUBER(2, Kind.LOSS),

  // Convolution and pooling on [c, h, w]; ConvGeometry.of reads their geometry.
  /** conv2d(x[c,h,w], W[f,c,k,k]) without bias; attr [stride, padding]. */
  CONV2D(2, Kind.OTHER),
  /** d/dx of CONV2D: operands (W, g); attr [stride, padding, h, w] (input spatial size). */
  CONV2D_GRAD_INPUT(2, Kind.OTHER),
  /** d/dW of CONV2D: operands (x, g); attr [stride, padding, k]. */
  CONV2D_GRAD_KERNEL(2, Kind.OTHER),
  /** attr [size, stride]. */
  MAXPOOL2D(1, Kind.OTHER),
  /** operands (x, g): routes g to the argmax of each window; attr [size, stride]. */
  MAXPOOL2D_GRAD(2, Kind.OTHER),
  AVGPOOL2D(1, Kind.OTHER),
  /** operand g; attr [size, stride, h, w]. */
  AVGPOOL2D_GRAD(1, Kind.OTHER),

  // Randomness.
  /**
   * A dropout mask: 0 with probability {@code rate}, else {@code 1 / (1 - rate)}, drawn per
   * training step, sample and element ({@code dev.deltac.runtime.Dropout}); no operands; attr
   * ints {@code [maskId, dims...]}, doubles {@code [rate]}. Inference graphs replace it by 1.
   */
  DROPOUT_MASK(0, Kind.OTHER),

  // Batch statistics (batch_norm, dsl.md section 9).
  /**
   * The mean of the operand over the samples of the batch (in a data-parallel step: of the whole
   * batch, every shard's sum reduced in shard order), the same value for every sample; same
   * shape. It couples the samples: a node that depends on it needs every sample's operand first.
   * Its vector-Jacobian rule is itself ({@code BATCH_MEAN} of the cotangent). A batch_norm
   * statistic carries the name of the running statistic it updates ({@code h.running_mean} or
   * {@code h.running_var}), ints {@code [count, variance]} (count: the values per channel of one
   * sample, L or H·W; variance 1 for the variance, which the running update makes unbiased with
   * the batch's B·count) and doubles {@code [momentum]}; in inference it is replaced by that
   * running statistic. A cotangent's mean has no name.
   */
  BATCH_MEAN(1, Kind.OTHER),
  /**
   * A running statistic ({@code h.running_mean[C]}): model state that is not trained, read by
   * inference graphs in place of the named {@code BATCH_MEAN}; attr name.
   */
  RUNNING_STAT(0, Kind.LEAF),

  // Recurrent layers (dsl.md section 9), run by dev.deltac.runtime.kernels.RecurrentKernels.
  /**
   * lstm, gru or rnn over a sequence: operands (xs [T, n], W_ih [g, n], W_hh [g, H], b_ih [g],
   * b_hh [g]); attr name the cell ({@code lstm}, {@code gru}, {@code rnn_tanh}, {@code
   * rnn_relu}), ints [H] → the tape, a flat vector: the hidden states [T, H] first, then the
   * per-step values the backward pass reads (RecurrentKernels' layout). The layer's value is
   * the tape's first T·H elements.
   */
  RECURRENT(5, Kind.OTHER),
  /**
   * Its gradient: operands (xs, W_ih, W_hh, tape, g) with g the cotangent of the hidden states
   * (its first T·H elements are read); attr as RECURRENT → flat [dxs, dW_ih, dW_hh, db_ih,
   * db_hh].
   */
  RECURRENT_GRAD(5, Kind.OTHER),

  // Rolled loops (dsl.md section 9, "Loops at any length"), see ir.LoopBody.
  /**
   * A rolled {@code for} loop: operands (the C carried values' starts, the K captures); attr
   * {@link Attr#loop} (the body, {@code [from, to]}) → flat [(T+1)·row]: row s holds the
   * carried values at the start of step from+s, the last row their final values.
   */
  LOOP(-1, Kind.OTHER),
  /**
   * Its gradient: operands (the LOOP node, the cotangent of its value, the K captures, one
   * initial accumulator per active capture); attr {@link Attr#loop} of the reverse body →
   * flat [cotangents of the carried starts (row), then each active capture's gradient]. Each
   * step recomputes its forward values from the carried values in the LOOP's rows. Only the
   * last row's cotangent is read: the lowering reads nothing else of a LOOP.
   */
  LOOP_GRAD(-1, Kind.OTHER),

  // Fused nodes made by the optimizer.
  /**
   * The δ-recurrence {@code (W^T δ) ⊙ φ'(h)} with φ' written through the layer output h;
   * operands (W, δ, h); attr name is the activation (sigmoid, tanh, relu, identity).
   */
  DELTA(3, Kind.OTHER);

  /** Operand count, or -1 for any number. */
  public final int arity;

  public final Kind kind;

  Op(int arity, Kind kind) {
    this.arity = arity;
    this.kind = kind;
  }

  public boolean isElementwise() {
    return kind == Kind.UNARY || kind == Kind.BINARY || this == WHERE;
  }

  public boolean isComparison() {
    return ordinal() >= LT.ordinal() && ordinal() <= NE.ordinal();
  }

  /** What family an op belongs to. */
  public enum Kind { LEAF, UNARY, BINARY, LOSS, OTHER }
}
