package dev.deltac.compiler.ir;

import dev.deltac.compiler.types.Shape;
import dev.deltac.compiler.types.ShapeRules;
import java.util.List;

/**
 * The geometry of a convolution or pooling window sliding over a {@code [channels, height, width]}
 * input: {@code filters} output planes (the channels themselves for pooling), a square window of
 * side {@code kernel}, {@code stride} and zero {@code padding} on every side (none for pooling).
 * Kernels are {@code [filters, channels, kernel, kernel]}, stored as rows of
 * {@code channels * kernel * kernel}.
 *
 * <p>{@link #of(Node)} is the one place that knows where each convolution and pooling op keeps
 * these numbers among its operands and attributes (see {@link Op}); the output size is
 * {@link ShapeRules#outSize}, the rule the shape checker uses. Immutable; the constructor rejects
 * a geometry with no output.
 */
public record ConvGeometry(
    int channels, int height, int width, int filters, int kernel, int stride, int padding) {

  public ConvGeometry {
    String what = describe(channels, height, width, filters, kernel, stride, padding);
    if (channels <= 0 || height <= 0 || width <= 0 || filters <= 0) {
      throw new IllegalArgumentException(what + ": channels, height, width and filters must be positive");
    }
    if (kernel <= 0 || stride <= 0) {
      throw new IllegalArgumentException(what + ": kernel and stride must be positive");
    }
    if (padding < 0) throw new IllegalArgumentException(what + ": padding must not be negative");
    if (ShapeRules.outSize(height, kernel, stride, padding) < 1
        || ShapeRules.outSize(width, kernel, stride, padding) < 1) {
      throw new IllegalArgumentException(what + ": the window is larger than the padded input");
    }
  }

  /** A pooling window: no padding, one output plane per channel. */
  public static ConvGeometry pool(int channels, int height, int width, int size, int stride) {
    return new ConvGeometry(channels, height, width, channels, size, stride, 0);
  }

  /**
   * The geometry of a {@link Op#CONV2D}, {@link Op#CONV2D_GRAD_INPUT}, {@link Op#CONV2D_GRAD_KERNEL},
   * pooling or pooling-gradient node. For the gradients, the incoming gradient must have the shape
   * of the forward output.
   */
  public static ConvGeometry of(Node n) {
    return of(n.op(), n.attr(), n.inputs());
  }

  /** As {@link #of(Node)}, from a node's parts (for shape inference, before the node exists). */
  static ConvGeometry of(Op op, Attr attr, List<Node> in) {
    return switch (op) {
      case CONV2D -> {
        Shape x = image(op, in.get(0));
        Shape w = kernel(op, in.get(1));
        yield new ConvGeometry(x.dim(0), x.dim(1), x.dim(2), w.dim(0), w.dim(2), attr.intAt(0),
            attr.intAt(1));
      }
      case CONV2D_GRAD_INPUT -> {
        Shape w = kernel(op, in.get(0));
        yield fits(op, new ConvGeometry(w.dim(1), attr.intAt(2), attr.intAt(3), w.dim(0), w.dim(2),
            attr.intAt(0), attr.intAt(1)), in.get(1));
      }
      case CONV2D_GRAD_KERNEL -> {
        Shape x = image(op, in.get(0));
        Shape g = image(op, in.get(1));
        yield fits(op, new ConvGeometry(x.dim(0), x.dim(1), x.dim(2), g.dim(0), attr.intAt(2),
            attr.intAt(0), attr.intAt(1)), in.get(1));
      }
      case MAXPOOL2D, AVGPOOL2D -> {
        Shape x = image(op, in.get(0));
        yield pool(x.dim(0), x.dim(1), x.dim(2), attr.intAt(0), attr.intAt(1));
      }
      case MAXPOOL2D_GRAD -> {
        Shape x = image(op, in.get(0));
        yield fits(op, pool(x.dim(0), x.dim(1), x.dim(2), attr.intAt(0), attr.intAt(1)), in.get(1));
      }
      case AVGPOOL2D_GRAD -> {
        Shape g = image(op, in.get(0));
        yield fits(op, pool(g.dim(0), attr.intAt(2), attr.intAt(3), attr.intAt(0), attr.intAt(1)),
            in.get(0));
      }
      // One arm per op and no default, so that a new windowed op must say here how its geometry is read.
      case INPUT, TARGET, PARAM, CONST, SEED, NEG, EXP, LOG, SQRT, ABS, SIN, COS, TANH, SIGMOID,
          RELU, LEAKY_RELU, ELU, GELU, SOFTPLUS, SQUARE, SIGN, STEP, GELU_GRAD, ADD, SUB, MUL, DIV,
          POW, MAX, MIN, LT, LE, GT, GE, EQ, NE, WHERE, SUM, BROADCAST, BROADCAST_TO, SUM_TO, MAX_TO, LOGSUMEXP_TO, SOFTMAX, LOG_SOFTMAX,
          LOGSUMEXP, MATMUL, BATCH_MATMUL, TRANSPOSE, OUTER, INDEX, SLICE, PAD_FIRST, CONCAT, RESHAPE, PERMUTE, GATHER, GATHER_GRAD, ONE_HOT, SOFTMAX_CE_ROWS, SOFTMAX_CE_ROWS_GRAD, MSE, BCE,
          BCE_LOGITS, CROSS_ENTROPY, SOFTMAX_CE, HUBER, DROPOUT_MASK, DELTA, BATCH_MEAN, RUNNING_STAT, RECURRENT, RECURRENT_GRAD, LOOP, LOOP_GRAD ->
          throw new IllegalArgumentException(op + " is not a convolution or pooling op");
    };
  }

  /**
   * The attributes of this convolution's {@link Op#CONV2D_GRAD_INPUT} node (stride, padding,
   * height, width): the inverse of what {@link #of(Node)} reads from one.
   */
  public Attr gradInputAttr() {
    return Attr.ints(stride, padding, height, width);
  }

  /** The attributes of this convolution's {@link Op#CONV2D_GRAD_KERNEL} node (stride, padding, kernel). */
  public Attr gradKernelAttr() {
    return Attr.ints(stride, padding, kernel);
  }

  /** The attributes of this pooling's {@link Op#AVGPOOL2D_GRAD} node (size, stride, height, width). */
  public Attr avgPoolGradAttr() {
    return Attr.ints(kernel, stride, height, width);
  }

  /** Output rows: {@code floor((height + 2 padding - kernel) / stride) + 1}. */
  public int outHeight() {
    return (int) ShapeRules.outSize(height, kernel, stride, padding);
  }

  /** Output columns: {@code floor((width + 2 padding - kernel) / stride) + 1}. */
  public int outWidth() {
    return (int) ShapeRules.outSize(width, kernel, stride, padding);
  }

  /** Rows of the input with its padding: {@code height + 2 padding}. */
  public int paddedHeight() {
    return height + 2 * padding;
  }

  /** Columns of the input with its padding: {@code width + 2 padding}. */
  public int paddedWidth() {
    return width + 2 * padding;
  }

  /** Elements of one window of one channel: {@code kernel * kernel}. */
  public int window() {
    return kernel * kernel;
  }

  /** Elements of one filter's kernel row: {@code channels * kernel * kernel}. */
  public int kernelRow() {
    return channels * kernel * kernel;
  }

  /** {@code [channels, height, width]}. */
  public Shape inputShape() {
    return Shape.of(channels, height, width);
  }

  /** {@code [filters, outHeight, outWidth]}. */
  public Shape outputShape() {
    return Shape.of(filters, outHeight(), outWidth());
  }

  /** {@code [filters, channels, kernel, kernel]}. */
  public Shape kernelShape() {
    return Shape.of(filters, channels, kernel, kernel);
  }

  private static Shape image(Op op, Node n) {
    if (n.shape().rank() != 3) {
      throw new IllegalArgumentException(op + ": operand " + n.shape() + " is not an image [c, h, w]");
    }
    return n.shape();
  }

  private static Shape kernel(Op op, Node n) {
    Shape w = n.shape();
    if (w.rank() != 4 || w.dim(2) != w.dim(3)) {
      throw new IllegalArgumentException(op + ": operand " + w + " is not a kernel [f, c, k, k]");
    }
    return w;
  }

  /** {@code geometry}, after checking that the gradient {@code g} has its output shape. */
  private static ConvGeometry fits(Op op, ConvGeometry geometry, Node g) {
    if (!g.shape().equals(geometry.outputShape())) {
      throw new IllegalArgumentException(op + ": gradient " + g.shape() + " does not fit " + geometry
          + ", whose output is " + geometry.outputShape());
    }
    return geometry;
  }

  private static String describe(int c, int h, int w, int f, int k, int s, int p) {
    return "convolution geometry [" + c + ", " + h + ", " + w + "] -> " + f + " (kernel " + k
        + ", stride " + s + ", padding " + p + ")";
  }

  @Override
  public String toString() {
    return describe(channels, height, width, filters, kernel, stride, padding);
  }
}
