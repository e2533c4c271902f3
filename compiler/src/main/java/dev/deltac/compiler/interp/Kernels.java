package dev.deltac.compiler.interp;

import dev.deltac.compiler.ir.Attr;
import dev.deltac.compiler.ir.BroadcastGeometry;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.types.Shape;
import dev.deltac.runtime.MathFunctions;

/**
 * The reference semantics of every IR op in float64, on row-major arrays. Used by the
 * interpreter, by constant folding, and as the oracle the generated code is tested against.
 * Written for clarity, not speed.
 */
public final class Kernels {
  /** From this many elements on, an mse sums in four lanes, element i into lane i mod 4. */
  public static final int MSE_LANES_FROM = 16;
  private Kernels() {}

  /**
   * The value of {@code n} given its operands' values (in operand order). One arm per op and no
   * default: adding an op to {@link Op} fails compilation here until it has reference semantics
   * (or is declared to have none).
   */
  /**
   * Row-wise softmax cross-entropy against class indices (and its gradient): row t of z [T, C]
   * has lse_t = m + ln Σ e^(z_tj - m) with m its maximum; the value is (Σ_t lse_t - z_t[label_t]) / T
   * and the gradient (e^(z_tj - lse_t) - [j = label_t]) / T.
   */
  private static double[] softmaxCeRows(Node n, double[] z, double[] labels) {
    int rows = labels.length;
    int classes = z.length / rows;
    boolean grad = n.op() == Op.SOFTMAX_CE_ROWS_GRAD;
    double[] out = new double[grad ? z.length : 1];
    double s = 0;
    for (int t = 0; t < rows; t++) {
      int base = t * classes;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < classes; j++) max = Math.max(max, z[base + j]);
      double sumExp = 0;
      for (int j = 0; j < classes; j++) sumExp += Math.exp(z[base + j] - max);
      double lse = max + Math.log(sumExp);
      int label = index(labels[t], classes);
      if (grad) {
        for (int j = 0; j < classes; j++) out[base + j] = Math.exp(z[base + j] - lse) / rows;
        out[base + label] -= 1.0 / rows;
      } else {
        s += lse - z[base + label];
      }
    }
    if (!grad) out[0] = s / rows;
    return out;
  }

  /** An index value, checked (integer leaves are checked where loaded; this guards the rest). */
  private static int index(double v, int bound) {
    if (!(v >= 0 && v < bound && v == Math.rint(v))) {
      throw new IllegalArgumentException("index " + v + " outside 0.." + (bound - 1));
    }
    return (int) v;
  }

  public static double[] eval(Node n, double[][] in) {
    Op op = n.op();
    Attr attr = n.attr();
    int size = n.size();
    return switch (op) {
      case NEG, EXP, LOG, SQRT, ABS, SIN, COS, TANH, SIGMOID, RELU, LEAKY_RELU, ELU, GELU, SOFTPLUS,
          SQUARE, SIGN, STEP, GELU_GRAD -> {
        double[] a = in[0];
        double[] out = new double[size];
        for (int i = 0; i < size; i++) out[i] = unary(op, attr, a[i]);
        yield out;
      }
      case ADD, SUB, MUL, DIV, POW, MAX, MIN, LT, LE, GT, GE, EQ, NE -> {
        double[] a = in[0];
        double[] b = in[1];
        double[] out = new double[size];
        for (int i = 0; i < size; i++) out[i] = binary(op, at(a, i), at(b, i));
        yield out;
      }
      case MSE, BCE, BCE_LOGITS, CROSS_ENTROPY, SOFTMAX_CE, HUBER ->
          new double[] {loss(op, attr, in[0], in[1])};
      case CONST -> attr.doubles();
      case SEED -> new double[] {1};
      case WHERE -> {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) out[i] = at(in[0], i) != 0 ? at(in[1], i) : at(in[2], i);
        yield out;
      }
      case SUM -> {
        double s = 0;
        for (double v : in[0]) s += v;
        yield new double[] {s};
      }
      case BROADCAST -> {
        double[] out = new double[size];
        java.util.Arrays.fill(out, in[0][0]);
        yield out;
      }
      case BROADCAST_TO -> {
        int[] map = BroadcastGeometry.of(n.input(0).shape(), n.shape()).smallIndexOfLarge();
        double[] out = new double[size];
        for (int o = 0; o < size; o++) out[o] = in[0][map[o]];
        yield out;
      }
      case SUM_TO -> {
        // Each target element sums its sources in the operand's row-major order.
        int[] map = BroadcastGeometry.of(n.shape(), n.input(0).shape()).smallIndexOfLarge();
        double[] out = new double[size];
        for (int o = 0; o < map.length; o++) out[map[o]] += in[0][o];
        yield out;
      }
      case MAX_TO -> {
        int[] map = BroadcastGeometry.of(n.shape(), n.input(0).shape()).smallIndexOfLarge();
        double[] out = new double[size];
        java.util.Arrays.fill(out, Double.NEGATIVE_INFINITY);
        for (int o = 0; o < map.length; o++) out[map[o]] = Math.max(out[map[o]], in[0][o]);
        yield out;
      }
      case LOGSUMEXP_TO -> {
        // MathFunctions.logSumExp per target element, its sources in row-major order.
        int[] map = BroadcastGeometry.of(n.shape(), n.input(0).shape()).smallIndexOfLarge();
        double[] max = new double[size];
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int o = 0; o < map.length; o++) max[map[o]] = Math.max(max[map[o]], in[0][o]);
        double[] s = new double[size];
        for (int o = 0; o < map.length; o++) s[map[o]] += Math.exp(in[0][o] - max[map[o]]);
        double[] out = new double[size];
        for (int i = 0; i < size; i++) out[i] = Double.isInfinite(max[i]) ? max[i] : max[i] + Math.log(s[i]);
        yield out;
      }
      case SOFTMAX -> {
        double lse = MathFunctions.logSumExp(in[0]);
        double[] out = new double[size];
        for (int i = 0; i < size; i++) out[i] = Math.exp(in[0][i] - lse);
        yield out;
      }
      case LOG_SOFTMAX -> {
        double lse = MathFunctions.logSumExp(in[0]);
        double[] out = new double[size];
        for (int i = 0; i < size; i++) out[i] = in[0][i] - lse;
        yield out;
      }
      case LOGSUMEXP -> new double[] {MathFunctions.logSumExp(in[0])};
      case MATMUL -> matmul(n, in[0], in[1]);
      case BATCH_MATMUL -> batchMatmul(n, in[0], in[1]);
      case TRANSPOSE -> transpose(n, in[0]);
      case OUTER -> {
        double[] a = in[0];
        double[] b = in[1];
        double[] out = new double[size];
        for (int i = 0; i < a.length; i++) {
          for (int j = 0; j < b.length; j++) out[i * b.length + j] = a[i] * b[j];
        }
        yield out;
      }
      case INDEX -> {
        double[] out = new double[size];
        System.arraycopy(in[0], attr.intAt(0) * size, out, 0, size);
        yield out;
      }
      case SLICE -> {
        int row = n.input(0).shape().size() / n.input(0).shape().dim(0);
        double[] out = new double[size];
        System.arraycopy(in[0], attr.intAt(0) * row, out, 0, size);
        yield out;
      }
      case PAD_FIRST -> {
        int row = size / n.shape().dim(0);
        double[] out = new double[size];
        System.arraycopy(in[0], 0, out, attr.intAt(0) * row, in[0].length);
        yield out;
      }
      case CONCAT -> {
        double[] out = new double[size];
        int off = 0;
        for (double[] part : in) {
          System.arraycopy(part, 0, out, off, part.length);
          off += part.length;
        }
        yield out;
      }
      case RESHAPE -> in[0].clone();
      case PERMUTE -> {
        int[] map = BroadcastGeometry.permutation(n.input(0).shape(), attr.ints()).smallIndexOfLarge();
        double[] out = new double[size];
        for (int o = 0; o < size; o++) out[o] = in[0][map[o]];
        yield out;
      }
      case GATHER -> {
        int row = n.input(0).shape().size() / n.input(0).shape().dim(0);
        double[] ids = in[1];
        double[] out = new double[size];
        for (int i = 0; i < ids.length; i++) System.arraycopy(in[0], index(ids[i], n.input(0).shape().dim(0)) * row, out, i * row, row);
        yield out;
      }
      case GATHER_GRAD -> {
        double[] ids = in[1];
        int row = in[0].length / ids.length;
        double[] out = new double[size];
        for (int i = 0; i < ids.length; i++) {
          int r = index(ids[i], attr.intAt(0));
          for (int k = 0; k < row; k++) out[r * row + k] += in[0][i * row + k];
        }
        yield out;
      }
      case SOFTMAX_CE_ROWS, SOFTMAX_CE_ROWS_GRAD -> softmaxCeRows(n, in[0], in[1]);
      case ONE_HOT -> {
        int classes = attr.intAt(0);
        double[] out = new double[size];
        for (int i = 0; i < in[0].length; i++) out[i * classes + index(in[0][i], classes)] = 1;
        yield out;
      }
      case CONV2D -> Convolution.forward(n, in[0], in[1]);
      case CONV2D_GRAD_INPUT -> Convolution.inputGrad(n, in[0], in[1]);
      case CONV2D_GRAD_KERNEL -> Convolution.kernelGrad(n, in[0], in[1]);
      case MAXPOOL2D, AVGPOOL2D -> Convolution.pool(n, in[0]);
      case MAXPOOL2D_GRAD -> Convolution.maxPoolGrad(n, in[0], in[1]);
      case AVGPOOL2D_GRAD -> Convolution.avgPoolGrad(n, in[0]);
      case DELTA -> delta(n, in[0], in[1], in[2]);
      case BATCH_MEAN, RUNNING_STAT -> throw new IllegalStateException(op + " needs the whole batch"
          + " (Interpreter binds it)");
      case RECURRENT -> Recurrence.forward(n, in[0], in[1], in[2], in[3], in[4]);
      case RECURRENT_GRAD -> Recurrence.backward(n, in[0], in[1], in[2], in[3], in[4]);
      case LOOP -> Loops.forward(n, in);
      case LOOP_GRAD -> Loops.backward(n, in);
      case DROPOUT_MASK -> throw new IllegalStateException("a dropout mask depends on the step and"
          + " sample: the interpreter evaluates it");
      case INPUT, TARGET, PARAM -> throw new IllegalStateException("no kernel for " + op
          + ": the interpreter binds leaves");
    };
  }

  private static double at(double[] a, int i) {
    return a.length == 1 ? a[0] : a[i];
  }

  private static double[] transpose(Node n, double[] a) {
    Shape s = n.input(0).shape();
    if (s.rank() < 2) return a.clone();
    int r = s.dim(0);
    int c = s.dim(1);
    double[] out = new double[n.size()];
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) out[j * r + i] = a[i * c + j];
    }
    return out;
  }

  /** The value of unary op {@code op} at x. One arm per op and no default, as {@link #eval}. */
  static double unary(Op op, Attr attr, double x) {
    return switch (op) {
      case NEG -> -x;
      case EXP -> Math.exp(x);
      case LOG -> Math.log(x);
      case SQRT -> Math.sqrt(x);
      case ABS -> Math.abs(x);
      case SIN -> Math.sin(x);
      case COS -> Math.cos(x);
      case TANH -> Math.tanh(x);
      case SIGMOID -> MathFunctions.sigmoid(x);
      case RELU -> MathFunctions.relu(x);
      case LEAKY_RELU -> MathFunctions.leakyRelu(x, attr.doubleAt(0));
      case ELU -> MathFunctions.elu(x, attr.doubleAt(0));
      case GELU -> MathFunctions.gelu(x);
      case SOFTPLUS -> MathFunctions.softplus(x);
      case SQUARE -> x * x;
      case SIGN -> Math.signum(x);
      case STEP -> MathFunctions.step(x);
      case GELU_GRAD -> MathFunctions.geluGrad(x);
      case INPUT, TARGET, PARAM, CONST, SEED, ADD, SUB, MUL, DIV, POW, MAX, MIN, LT, LE, GT, GE,
          EQ, NE, WHERE, SUM, BROADCAST, BROADCAST_TO, SUM_TO, MAX_TO, LOGSUMEXP_TO, SOFTMAX, LOG_SOFTMAX, LOGSUMEXP, MATMUL, BATCH_MATMUL, TRANSPOSE,
          OUTER, INDEX, SLICE, PAD_FIRST, CONCAT, RESHAPE, PERMUTE, GATHER, GATHER_GRAD, ONE_HOT, SOFTMAX_CE_ROWS, SOFTMAX_CE_ROWS_GRAD, MSE, BCE, BCE_LOGITS, CROSS_ENTROPY,
          SOFTMAX_CE, HUBER, CONV2D, CONV2D_GRAD_INPUT, CONV2D_GRAD_KERNEL, MAXPOOL2D,
          MAXPOOL2D_GRAD, AVGPOOL2D, AVGPOOL2D_GRAD, DROPOUT_MASK, DELTA, BATCH_MEAN, RUNNING_STAT, RECURRENT, RECURRENT_GRAD, LOOP, LOOP_GRAD ->
          throw new IllegalStateException("not unary: " + op);
    };
  }

  /** The value of binary op {@code op} on a and b; one arm per op, as {@link #unary}. */
  static double binary(Op op, double a, double b) {
    return switch (op) {
      case ADD -> a + b;
      case SUB -> a - b;
      case MUL -> a * b;
      case DIV -> a / b;
      case POW -> Math.pow(a, b);
      case MAX -> Math.max(a, b);
      case MIN -> Math.min(a, b);
      case LT -> a < b ? 1 : 0;
      case LE -> a <= b ? 1 : 0;
      case GT -> a > b ? 1 : 0;
      case GE -> a >= b ? 1 : 0;
      case EQ -> a == b ? 1 : 0;
      case NE -> a != b ? 1 : 0;
      case INPUT, TARGET, PARAM, CONST, SEED, NEG, EXP, LOG, SQRT, ABS, SIN, COS, TANH, SIGMOID,
          RELU, LEAKY_RELU, ELU, GELU, SOFTPLUS, SQUARE, SIGN, STEP, GELU_GRAD, WHERE, SUM,
          BROADCAST, BROADCAST_TO, SUM_TO, MAX_TO, LOGSUMEXP_TO, SOFTMAX, LOG_SOFTMAX, LOGSUMEXP, MATMUL, BATCH_MATMUL, TRANSPOSE, OUTER, INDEX, SLICE,
          PAD_FIRST, CONCAT, RESHAPE, PERMUTE, GATHER, GATHER_GRAD, ONE_HOT, SOFTMAX_CE_ROWS, SOFTMAX_CE_ROWS_GRAD, MSE, BCE, BCE_LOGITS, CROSS_ENTROPY, SOFTMAX_CE, HUBER,
          CONV2D, CONV2D_GRAD_INPUT, CONV2D_GRAD_KERNEL, MAXPOOL2D, MAXPOOL2D_GRAD, AVGPOOL2D,
          AVGPOOL2D_GRAD, DROPOUT_MASK, DELTA, BATCH_MEAN, RUNNING_STAT, RECURRENT, RECURRENT_GRAD, LOOP, LOOP_GRAD ->
          throw new IllegalStateException("not binary: " + op);
    };
  }

  /**
   * The per-sample loss {@code op} of predictions p against targets y, summed left to right in
   * double; one arm per op, as {@link #unary}.
   */
  static double loss(Op op, Attr attr, double[] p, double[] y) {
    int n = p.length;
    return switch (op) {
      case MSE -> {
        if (n < MSE_LANES_FROM) {
          double s = 0;
          for (int i = 0; i < n; i++) s += (p[i] - y[i]) * (p[i] - y[i]);
          yield s / n;
        }
        // As the generated code: element i into sum i mod 4, then (s0 + s1) + (s2 + s3).
        double[] s = new double[4];
        for (int i = 0; i < n; i++) s[i & 3] += (p[i] - y[i]) * (p[i] - y[i]);
        yield ((s[0] + s[1]) + (s[2] + s[3])) / n;
      }
      case BCE -> {
        double s = 0;
        for (int i = 0; i < n; i++) s += y[i] * Math.log(p[i]) + (1 - y[i]) * Math.log(1 - p[i]);
        yield -s / n;
      }
      case BCE_LOGITS -> {
        double s = 0;
        for (int i = 0; i < n; i++) s += MathFunctions.bceWithLogits(p[i], y[i]);
        yield s / n;
      }
      case CROSS_ENTROPY -> {
        double s = 0;
        // xlogy: a zero target contributes 0, even where p is 0
        for (int i = 0; i < n; i++) s += y[i] == 0 ? 0 : y[i] * Math.log(p[i]);
        yield -s;
      }
      case SOFTMAX_CE -> {
        double lse = MathFunctions.logSumExp(p);
        double s = 0;
        for (int i = 0; i < n; i++) s += y[i] * (lse - p[i]);
        yield s;
      }
      case HUBER -> {
        double delta = attr.doubleAt(0);
        double s = 0;
        for (int i = 0; i < n; i++) s += MathFunctions.huber(p[i] - y[i], delta);
        yield s / n;
      }
      case INPUT, TARGET, PARAM, CONST, SEED, NEG, EXP, LOG, SQRT, ABS, SIN, COS, TANH, SIGMOID,
          RELU, LEAKY_RELU, ELU, GELU, SOFTPLUS, SQUARE, SIGN, STEP, GELU_GRAD, ADD, SUB, MUL,
          DIV, POW, MAX, MIN, LT, LE, GT, GE, EQ, NE, WHERE, SUM, BROADCAST, BROADCAST_TO, SUM_TO, MAX_TO, LOGSUMEXP_TO, SOFTMAX, LOG_SOFTMAX,
          LOGSUMEXP, MATMUL, BATCH_MATMUL, TRANSPOSE, OUTER, INDEX, SLICE, PAD_FIRST, CONCAT, RESHAPE, PERMUTE, GATHER, GATHER_GRAD, ONE_HOT, SOFTMAX_CE_ROWS, SOFTMAX_CE_ROWS_GRAD, CONV2D,
          CONV2D_GRAD_INPUT, CONV2D_GRAD_KERNEL, MAXPOOL2D, MAXPOOL2D_GRAD, AVGPOOL2D,
          AVGPOOL2D_GRAD, DROPOUT_MASK, DELTA, BATCH_MEAN, RUNNING_STAT, RECURRENT, RECURRENT_GRAD, LOOP, LOOP_GRAD ->
          throw new IllegalStateException("not a loss: " + op);
    };
  }

  private static double[] matmul(Node n, double[] a, double[] b) {
    Shape sa = n.input(0).shape();
    Shape sb = n.input(1).shape();
    boolean ta = n.attr().intAt(0) != 0;
    boolean tb = n.attr().intAt(1) != 0;
    // View both sides as matrices: a vector on the left is a row, on the right a column.
    int ar = sa.rank() == 2 ? sa.dim(0) : 1;
    int ac = sa.rank() == 2 ? sa.dim(1) : sa.dim(0);
    int br = sb.rank() == 2 ? sb.dim(0) : sb.dim(0);
    int bc = sb.rank() == 2 ? sb.dim(1) : 1;
    int m = ta && sa.rank() == 2 ? ac : ar;
    int k = ta && sa.rank() == 2 ? ar : ac;
    int p = tb && sb.rank() == 2 ? br : bc;
    double[] out = new double[m * p];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < p; j++) {
        double s = 0;
        for (int q = 0; q < k; q++) {
          double x = ta && sa.rank() == 2 ? a[q * ac + i] : a[i * ac + q];
          double y = tb && sb.rank() == 2 ? b[j * bc + q] : b[q * bc + j];
          s += x * y;
        }
        out[i * p + j] = s;
      }
    }
    return out;
  }

  /** Product i of slice i of each operand, each summed as {@link #matmul} does (q ascending). */
  private static double[] batchMatmul(Node n, double[] a, double[] b) {
    Shape sa = n.input(0).shape();
    Shape sb = n.input(1).shape();
    boolean ta = n.attr().intAt(0) != 0;
    boolean tb = n.attr().intAt(1) != 0;
    int batch = sa.dim(0);
    int ac = sa.dim(2);
    int bc = sb.dim(2);
    int m = ta ? sa.dim(2) : sa.dim(1);
    int k = ta ? sa.dim(1) : sa.dim(2);
    int p = tb ? sb.dim(1) : sb.dim(2);
    int aStride = sa.dim(1) * sa.dim(2);
    int bStride = sb.dim(1) * sb.dim(2);
    double[] out = new double[batch * m * p];
    for (int s = 0; s < batch; s++) {
      int ao = s * aStride;
      int bo = s * bStride;
      int oo = s * m * p;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < p; j++) {
          double sum = 0;
          for (int q = 0; q < k; q++) {
            double x = ta ? a[ao + q * ac + i] : a[ao + i * ac + q];
            double y = tb ? b[bo + j * bc + q] : b[bo + q * bc + j];
            sum += x * y;
          }
          out[oo + i * p + j] = sum;
        }
      }
    }
    return out;
  }

  private static double[] delta(Node n, double[] w, double[] d, double[] h) {
    Shape sw = n.input(0).shape();
    int rows = sw.dim(0);
    int cols = sw.dim(1);
    double[] out = new double[cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) out[j] += w[i * cols + j] * d[i];
    }
    String act = n.attr().name();
    for (int j = 0; j < cols; j++) out[j] *= activationSlope(act, h[j]);
    return out;
  }

  /** φ'(z) written through the activation's output h = φ(z). */
  public static double activationSlope(String activation, double h) {
    switch (activation) {
      case "sigmoid": return h * (1 - h);
      case "tanh": return 1 - h * h;
      case "relu": return h > 0 ? 1 : 0;
      case "identity": return 1;
      default: throw new IllegalStateException("no slope for " + activation);
    }
  }
}
