package dev.deltac.compiler.interp;

import dev.deltac.compiler.ir.Attr;
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
  private Kernels() {}

  /** The value of {@code n} given its operands' values (in operand order). */
  public static double[] eval(Node n, double[][] in) {
    Op op = n.op();
    Attr attr = n.attr();
    int size = n.size();
    double[] out = new double[size];
    switch (op.kind) {
      case UNARY: {
        double[] a = in[0];
        for (int i = 0; i < size; i++) out[i] = unary(op, attr, a[i]);
        return out;
      }
      case BINARY: {
        double[] a = in[0];
        double[] b = in[1];
        for (int i = 0; i < size; i++) out[i] = binary(op, at(a, i), at(b, i));
        return out;
      }
      case LOSS:
        out[0] = loss(op, attr, in[0], in[1]);
        return out;
      default:
        break;
    }
    switch (op) {
      case CONST:
        return attr.doubles();
      case SEED:
        out[0] = 1;
        return out;
      case WHERE:
        for (int i = 0; i < size; i++) out[i] = at(in[0], i) != 0 ? at(in[1], i) : at(in[2], i);
        return out;
      case SUM: {
        double s = 0;
        for (double v : in[0]) s += v;
        out[0] = s;
        return out;
      }
      case BROADCAST:
        java.util.Arrays.fill(out, in[0][0]);
        return out;
      case SOFTMAX: {
        double lse = logSumExp(in[0]);
        for (int i = 0; i < size; i++) out[i] = Math.exp(in[0][i] - lse);
        return out;
      }
      case LOG_SOFTMAX: {
        double lse = logSumExp(in[0]);
        for (int i = 0; i < size; i++) out[i] = in[0][i] - lse;
        return out;
      }
      case LOGSUMEXP:
        out[0] = logSumExp(in[0]);
        return out;
      case MATMUL:
        return matmul(n, in[0], in[1]);
      case TRANSPOSE: {
        Shape s = n.input(0).shape();
        if (s.rank() < 2) return in[0].clone();
        int r = s.dim(0);
        int c = s.dim(1);
        for (int i = 0; i < r; i++) {
          for (int j = 0; j < c; j++) out[j * r + i] = in[0][i * c + j];
        }
        return out;
      }
      case OUTER: {
        double[] a = in[0];
        double[] b = in[1];
        for (int i = 0; i < a.length; i++) {
          for (int j = 0; j < b.length; j++) out[i * b.length + j] = a[i] * b[j];
        }
        return out;
      }
      case INDEX:
        System.arraycopy(in[0], attr.intAt(0) * size, out, 0, size);
        return out;
      case SLICE: {
        int row = n.input(0).shape().size() / n.input(0).shape().dim(0);
        System.arraycopy(in[0], attr.intAt(0) * row, out, 0, size);
        return out;
      }
      case PAD_FIRST: {
        int row = size / n.shape().dim(0);
        System.arraycopy(in[0], 0, out, attr.intAt(0) * row, in[0].length);
        return out;
      }
      case CONCAT: {
        int off = 0;
        for (double[] part : in) {
          System.arraycopy(part, 0, out, off, part.length);
          off += part.length;
        }
        return out;
      }
      case RESHAPE:
        return in[0].clone();
      case CONV2D:
        return Convolution.forward(n, in[0], in[1]);
      case CONV2D_GRAD_INPUT:
        return Convolution.inputGrad(n, in[0], in[1]);
      case CONV2D_GRAD_KERNEL:
        return Convolution.kernelGrad(n, in[0], in[1]);
      case MAXPOOL2D:
      case AVGPOOL2D:
        return Convolution.pool(n, in[0]);
      case MAXPOOL2D_GRAD:
        return Convolution.maxPoolGrad(n, in[0], in[1]);
      case AVGPOOL2D_GRAD:
        return Convolution.avgPoolGrad(n, in[0]);
      case DELTA:
        return delta(n, in[0], in[1], in[2]);
      case DROPOUT_MASK:
        throw new IllegalStateException("a dropout mask depends on the step and sample: the"
            + " interpreter evaluates it");
      default:
        throw new IllegalStateException("no kernel for " + op);
    }
  }

  private static double at(double[] a, int i) {
    return a.length == 1 ? a[0] : a[i];
  }

  static double unary(Op op, Attr attr, double x) {
    switch (op) {
      case NEG: return -x;
      case EXP: return Math.exp(x);
      case LOG: return Math.log(x);
      case SQRT: return Math.sqrt(x);
      case ABS: return Math.abs(x);
      case SIN: return Math.sin(x);
      case COS: return Math.cos(x);
      case TANH: return Math.tanh(x);
      case SIGMOID: return MathFunctions.sigmoid(x);
      case RELU: return x > 0 ? x : 0.0;
      case LEAKY_RELU: return x > 0 ? x : attr.doubleAt(0) * x;
      case ELU: return x > 0 ? x : attr.doubleAt(0) * Math.expm1(x);
      case GELU: return MathFunctions.gelu(x);
      case SOFTPLUS: return MathFunctions.softplus(x);
      case SQUARE: return x * x;
      case SIGN: return Math.signum(x);
      case STEP: return x > 0 ? 1.0 : 0.0;
      case GELU_GRAD: return MathFunctions.geluGrad(x);
      default: throw new IllegalStateException("not unary: " + op);
    }
  }

  static double binary(Op op, double a, double b) {
    switch (op) {
      case ADD: return a + b;
      case SUB: return a - b;
      case MUL: return a * b;
      case DIV: return a / b;
      case POW: return Math.pow(a, b);
      case MAX: return Math.max(a, b);
      case MIN: return Math.min(a, b);
      case LT: return a < b ? 1 : 0;
      case LE: return a <= b ? 1 : 0;
      case GT: return a > b ? 1 : 0;
      case GE: return a >= b ? 1 : 0;
      case EQ: return a == b ? 1 : 0;
      case NE: return a != b ? 1 : 0;
      default: throw new IllegalStateException("not binary: " + op);
    }
  }

  static double logSumExp(double[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) max = Math.max(max, x);
    if (Double.isInfinite(max)) return max;
    double s = 0;
    for (double x : v) s += Math.exp(x - max);
    return max + Math.log(s);
  }

  static double loss(Op op, Attr attr, double[] p, double[] y) {
    int n = p.length;
    double s = 0;
    switch (op) {
      case MSE:
        for (int i = 0; i < n; i++) s += (p[i] - y[i]) * (p[i] - y[i]);
        return s / n;
      case BCE:
        for (int i = 0; i < n; i++) s += y[i] * Math.log(p[i]) + (1 - y[i]) * Math.log(1 - p[i]);
        return -s / n;
      case BCE_LOGITS:
        for (int i = 0; i < n; i++) {
          double z = p[i];
          s += Math.max(z, 0) - z * y[i] + Math.log1p(Math.exp(-Math.abs(z)));
        }
        return s / n;
      case CROSS_ENTROPY:
        for (int i = 0; i < n; i++) s += y[i] * Math.log(p[i]);
        return -s;
      case SOFTMAX_CE: {
        double lse = logSumExp(p);
        for (int i = 0; i < n; i++) s += y[i] * (lse - p[i]);
        return s;
      }
      case HUBER: {
        double delta = attr.doubleAt(0);
        for (int i = 0; i < n; i++) {
          double d = Math.abs(p[i] - y[i]);
          s += d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
        }
        return s / n;
      }
      default:
        throw new IllegalStateException("not a loss: " + op);
    }
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
