package dev.deltac.compiler.ir;

import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.check.Builtins;
import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.types.Shape;
import dev.deltac.compiler.types.ShapeRules;
import java.util.ArrayList;
import java.util.List;

/**
 * Lowers calls of built-in functions, losses and layers (dsl.md sections 4 and 5) to primitive
 * ops. Composite functions are written in terms of primitives ({@code mean} is a sum times
 * 1/n, {@code clamp} a min of a max, {@code layer_norm} its formula), so that they need no
 * derivative rule of their own.
 */
final class Calls {
  private final Lowering l;
  private final GraphBuilder b;
  private final Expr.Call call;
  private final SourceSpan span;

  private Calls(Lowering l, Expr.Call call) {
    this.l = l;
    this.b = l.builder();
    this.call = call;
    this.span = call.span();
  }

  static Node lower(Lowering l, Expr.Call call, String binding) {
    return new Calls(l, call).lower(binding);
  }

  private Node lower(String binding) {
    String f = call.callee().name();
    switch (f) {
      case "sigmoid": return unary(Op.SIGMOID);
      case "tanh": return unary(Op.TANH);
      case "relu": return unary(Op.RELU);
      case "exp": return unary(Op.EXP);
      case "log":
      case "ln": return unary(Op.LOG);
      case "sqrt": return unary(Op.SQRT);
      case "abs": return unary(Op.ABS);
      case "sin": return unary(Op.SIN);
      case "cos": return unary(Op.COS);
      case "square": return unary(Op.SQUARE);
      case "gelu": return unary(Op.GELU);
      case "softplus": return unary(Op.SOFTPLUS);
      case "leaky_relu":
        return b.make(Op.LEAKY_RELU, Attr.doubles(num(1, "alpha", 0.01)), span, arg(0));
      case "elu":
        return b.make(Op.ELU, Attr.doubles(num(1, "alpha", 1.0)), span, arg(0));
      case "max": return b.make(Op.MAX, span, arg(0), arg(1));
      case "min": return b.make(Op.MIN, span, arg(0), arg(1));
      case "pow": return b.make(Op.POW, span, arg(0), arg(1));
      case "clamp": {
        // PyTorch's clamp passes the whole gradient at a bound (x == lo or x == hi), unlike
        // max/min, which split it at a tie: the attribute marks first-operand-takes-ties.
        Attr firstTakesTies = Attr.ints(1);
        return b.make(Op.MIN, firstTakesTies, span, b.make(Op.MAX, firstTakesTies, span, arg(0), arg(1)), arg(2));
      }
      case "where": return b.make(Op.WHERE, span, arg(0), arg(1), arg(2));
      case "sum": {
        Node x = arg(0);
        Integer k = axis(x);
        return k == null ? b.make(Op.SUM, span, x) : alongAxis(Op.SUM_TO, x, k);
      }
      case "mean": {
        Node x = arg(0);
        Integer k = axis(x);
        if (k != null) {
          return b.make(Op.MUL, span, alongAxis(Op.SUM_TO, x, k), b.scalar(1.0 / x.shape().dim(k)));
        }
        return b.make(Op.MUL, span, b.make(Op.SUM, span, x), b.scalar(1.0 / x.size()));
      }
      case "amax": {
        Node x = arg(0);
        Integer k = axis(x);
        if (k != null) return alongAxis(Op.MAX_TO, x, k);
        return x.shape().isScalar() ? x : b.make(Op.MAX_TO, Attr.ints(new int[0]), span, x);
      }
      case "dot": return b.make(Op.MATMUL, Attr.ints(0, 0), span, arg(0), arg(1));
      case "outer": return b.make(Op.OUTER, span, arg(0), arg(1));
      case "softmax":
      case "log_softmax": {
        Node x = arg(0);
        Integer given = axis(x);
        int k = given == null ? x.shape().rank() - 1 : given;
        boolean soft = f.equals("softmax");
        if (x.shape().rank() == 1) return b.make(soft ? Op.SOFTMAX : Op.LOG_SOFTMAX, span, x);
        Node shifted = logSoftmaxAlong(x, k);
        return soft ? b.make(Op.EXP, span, shifted) : shifted;
      }
      case "logsumexp": {
        Node x = arg(0);
        Integer k = axis(x);
        if (k == null || x.shape().rank() == 1) return b.make(Op.LOGSUMEXP, span, x);
        return alongAxis(Op.LOGSUMEXP_TO, x, k);
      }
      case "transpose": return unary(Op.TRANSPOSE);
      case "concat": {
        List<Node> parts = new ArrayList<>();
        for (Expr a : call.args()) parts.add(l.lower(a));
        Builtins.BoundCall bound = l.boundCall(call);
        Expr axisArg = bound == null ? null : bound.arg("axis");
        int k = axisArg == null ? 0 : ShapeRules.axis("concat", parts.get(0).shape(), l.integer(axisArg));
        if (parts.size() == 1) return parts.get(0);
        if (k == 0) return b.make(Op.CONCAT, Attr.NONE, span, parts);
        // Along axis k: axis k moved first, concatenated, moved back.
        int r = parts.get(0).shape().rank();
        int[] front = new int[r];
        front[0] = k;
        for (int i = 0, j = 1; i < r; i++) if (i != k) front[j++] = i;
        int[] back = new int[r];
        for (int i = 0; i < r; i++) back[front[i]] = i;
        List<Node> moved = new ArrayList<>();
        for (Node p : parts) moved.add(b.make(Op.PERMUTE, Attr.ints(front), span, p));
        return b.make(Op.PERMUTE, Attr.ints(back), span, b.make(Op.CONCAT, Attr.NONE, span, moved));
      }
      case "causal_mask": {
        // (row, col) is 1 where col <= row: a comparison of two index vectors, broadcast.
        int t = l.integer(argExpr(0, "size"));
        double[] idx = new double[t];
        for (int i = 0; i < t; i++) idx[i] = i;
        return b.make(Op.LE, span, b.constant(Shape.of(t), idx), b.constant(Shape.of(t, 1), idx));
      }
      case "stack": {
        List<Node> parts = new ArrayList<>();
        for (Expr a : call.args()) {
          Node p = l.lower(a);
          int[] dims = new int[p.shape().rank() + 1];
          dims[0] = 1;
          System.arraycopy(p.shape().dims(), 0, dims, 1, p.shape().rank());
          parts.add(reshape(p, Shape.of(dims)));
        }
        return parts.size() == 1 ? parts.get(0) : b.make(Op.CONCAT, Attr.NONE, span, parts);
      }
      case "permute": {
        Node x = arg(0);
        Expr.ListLit list = (Expr.ListLit) argExpr(1, "axes");
        int[] p = new int[list.elements().size()];
        boolean identity = true;
        for (int i = 0; i < p.length; i++) {
          p[i] = ShapeRules.axis("permute", x.shape(), l.integer(list.elements().get(i)));
          identity &= p[i] == i;
        }
        return identity ? x : b.make(Op.PERMUTE, Attr.ints(p), span, x);
      }
      case "reshape": {
        Expr.ListLit dims = (Expr.ListLit) argExpr(1, "shape");
        int[] d = new int[dims.elements().size()];
        for (int i = 0; i < d.length; i++) d[i] = l.integer(dims.elements().get(i));
        return reshape(arg(0), Shape.of(d));
      }
      case "flatten": {
        Node x = arg(0);
        return reshape(x, Shape.of(x.size()));
      }
      // Integer values are carried as exact floats already; integer leaves get no gradient.
      case "float": return arg(0);
      case "one_hot": return b.make(Op.ONE_HOT, Attr.ints(l.integer(argExpr(1, "n"))), span, arg(0));
      case "embedding": {
        int v = l.integer(argExpr(1, "V"));
        int d = l.integer(argExpr(2, "d"));
        Node w = l.newParam(binding + ".W", Shape.of(v, d), span);
        return b.make(Op.GATHER, span, w, arg(0));
      }
      case "mse": return loss(Op.MSE, Attr.NONE);
      case "bce": return loss(Op.BCE, Attr.NONE);
      case "bce_with_logits": return loss(Op.BCE_LOGITS, Attr.NONE);
      case "cross_entropy": return classLoss(Op.CROSS_ENTROPY);
      case "softmax_cross_entropy": return classLoss(Op.SOFTMAX_CE);
      case "huber": return loss(Op.HUBER, Attr.doubles(num(2, "delta", 1.0)));
      case "dense": return dense(binding);
      case "conv2d": return conv2d(binding);
      case "maxpool2d": return pool(Op.MAXPOOL2D);
      case "avgpool2d": return pool(Op.AVGPOOL2D);
      case "layer_norm": return layerNorm(binding);
      case "batch_norm": return batchNorm(binding);
      case "lstm", "gru", "rnn": return recurrent(f, binding);
      case "dropout": return dropout();
      default:
        throw new IllegalStateException("no lowering for function " + f);
    }
  }

  /** The {@code axis} argument as an index from 0 (a negative one counts from the end), or null. */
  private Integer axis(Node x) {
    Expr e = argExprOrNull(1, "axis");
    return e == null ? null : ShapeRules.axis(call.callee().name(), x.shape(), l.integer(e));
  }

  /**
   * A reduction of x along axis k ({@code SUM_TO}, {@code MAX_TO} or {@code LOGSUMEXP_TO} down
   * to the shape with axis k of size 1), then that axis removed.
   */
  private Node alongAxis(Op op, Node x, int k) {
    Shape keep = ShapeRules.keepAxis(x.shape(), k);
    Node r;
    if (keep.equals(x.shape())) {
      r = x; // an axis of size 1: the sum, max or log-sum-exp of one element is that element
    } else if (op == Op.SUM_TO) {
      r = b.sumTo(x, keep);
    } else {
      r = b.make(op, Attr.ints(keep.dims()), span, x);
    }
    return reshape(r, ShapeRules.reduceAxis(call.callee().name(), x.shape(), k));
  }

  /** log_softmax along axis {@code k} of a tensor: x - logsumexp(x, k, keepdims) broadcast back. */
  private Node logSoftmaxAlong(Node x, int k) {
    Shape keep = ShapeRules.keepAxis(x.shape(), k);
    Node lse = keep.equals(x.shape()) ? x : b.make(Op.LOGSUMEXP_TO, Attr.ints(keep.dims()), span, x);
    return b.make(Op.SUB, span, x, lse);
  }

  private Node unary(Op op) {
    return b.make(op, span, arg(0));
  }

  private Node reshape(Node x, Shape to) {
    return x.shape().equals(to) ? x : b.make(Op.RESHAPE, Attr.ints(to.dims()), span, x);
  }

  /**
   * A loss that may take class-index targets. With {@code [C]} and an integer label it is the
   * loss against one_hot(label, C), which picks -log_softmax(z)[label] (or -log p[label]) and
   * keeps the fused closed-form gradient softmax(z) - one_hot; with {@code [T, C]} and integer
   * labels {@code [T]} it is the mean over the T rows of the per-row losses (PyTorch's mean
   * reduction): {@link Op#SOFTMAX_CE_ROWS}, whose gradient is (softmax - one_hot) / T per row,
   * or for {@code cross_entropy} -(1/T) Σ one_hot ⊙ ln p.
   */
  private Node classLoss(Op op) {
    Expr labels = argExpr(1, "y");
    if (!l.isInteger(labels)) {
      Node z = arg(0);
      if (op != Op.SOFTMAX_CE || z.shape().rank() == 1) return loss(op, Attr.NONE);
      // Float targets on [..., C]: cross_entropy(softmax(z), y) with the softmax along the last
      // axis (section 9's default), -Σ y ⊙ (z - logsumexp(z, -1)), summed over every position
      // as cross_entropy's -Σ y ln p. Its gradient, softmax(z) Σ_row y - y per row, stays stable.
      Node logp = logSoftmaxAlong(z, z.shape().rank() - 1);
      return b.make(Op.MUL, span, b.make(Op.SUM, span, b.make(Op.MUL, span, arg(1), logp)), b.scalar(-1));
    }
    Node p = arg(0);
    Node y = l.lower(labels);
    int classes = p.shape().dim(p.shape().rank() - 1);
    Node oneHot = b.make(Op.ONE_HOT, Attr.ints(classes), span, y);
    if (p.shape().rank() == 1) return b.make(op, Attr.NONE, span, p, oneHot);
    int rows = p.shape().dim(0);
    // One node over all rows: its kernel loops, so the code does not grow with T.
    if (op == Op.SOFTMAX_CE) return b.make(Op.SOFTMAX_CE_ROWS, Attr.NONE, span, p, y);
    if (op == Op.CROSS_ENTROPY) {
      // -(1/T) Σ one_hot ⊙ ln p as xlogy: the picked -ln p[label] per row, as
      // nll_loss(log(p), labels), finite where another class has p = 0.
      return b.make(Op.MUL, span, b.make(Op.CROSS_ENTROPY, Attr.NONE, span, p, oneHot),
          b.scalar(1.0 / rows));
    }
    throw new IllegalStateException("no class-index form of " + op);
  }

  private Node loss(Op op, Attr attr) {
    return b.make(op, attr, span, arg(0), arg(1));
  }

  /** dense(x, units, act?): W[units, n] (he for the relu family, else xavier), b[units]. */
  private Node dense(String binding) {
    Node x = arg(0);
    int units = l.integer(argExpr(1, "units"));
    String act = activationName(2);
    Shape xs = x.shape();
    int n = xs.dim(xs.rank() - 1);
    Node w = l.newParam(binding + ".W", Shape.of(units, n), span);
    Node bias = l.newParam(binding + ".b", Shape.of(units), span);
    if (xs.rank() == 1) {
      Node z = b.make(Op.ADD, span, b.make(Op.MATMUL, Attr.ints(0, 0), span, w, x), bias);
      return activate(act, z);
    }
    // [..., n]: all rows at once, x W^T + b over [rows, n] (torch.nn.Linear), then the leading axes back.
    int rows = x.size() / n;
    Node flat = reshape(x, Shape.of(rows, n));
    Node z = b.make(Op.ADD, span, b.make(Op.MATMUL, Attr.ints(0, 1), span, flat, w), bias);
    int[] dims = xs.dims().clone();
    dims[dims.length - 1] = units;
    return reshape(activate(act, z), Shape.of(dims));
  }

  /** conv2d(x, filters, kernel, stride=1, padding=0, act=none): W[f, c, k, k], b[f]. */
  private Node conv2d(String binding) {
    Node x = arg(0);
    int filters = l.integer(argExpr(1, "filters"));
    int k = l.integer(argExpr(2, "kernel"));
    int stride = (int) num(3, "stride", 1);
    int padding = (int) num(4, "padding", 0);
    String act = activationName(5);
    Node w = l.newParam(binding + ".W", Shape.of(filters, x.shape().dim(0), k, k), span);
    Node bias = l.newParam(binding + ".b", Shape.of(filters), span);
    Node conv = b.make(Op.CONV2D, Attr.ints(stride, padding), span, x, w);
    Shape out = conv.shape();
    int plane = out.dim(1) * out.dim(2);
    // The bias broadcast over each output plane: outer(b, ones) reshaped to [f, h', w'].
    Node planes = b.make(Op.OUTER, span, bias, b.constant(Shape.of(plane), 1.0));
    return activate(act, b.make(Op.ADD, span, conv, reshape(planes, out)));
  }

  private Node pool(Op op) {
    Node x = arg(0);
    int size = l.integer(argExpr(1, "size"));
    int stride = (int) num(2, "stride", size);
    return b.make(op, Attr.ints(size, stride), span, x);
  }

  /**
   * lstm, gru and rnn: one RECURRENT node (the tape); the layer's value, the hidden states
   * [T, H], is the tape's first T·H elements.
   */
  private Node recurrent(String f, String binding) {
    Node xs = arg(0);
    int h = l.integer(argExpr(1, "H"));
    String cell = f;
    if (f.equals("rnn")) {
      Expr act = argExprOrNull(2, "act");
      cell = act instanceof Expr.Name a && a.name().equals("relu") ? "rnn_relu" : "rnn_tanh";
    }
    int g = (f.equals("lstm") ? 4 : f.equals("gru") ? 3 : 1) * h;
    int t = xs.shape().dim(0);
    Node wih = l.newParam(binding + ".W_ih", Shape.of(g, xs.shape().dim(1)), span);
    Node whh = l.newParam(binding + ".W_hh", Shape.of(g, h), span);
    Node bih = l.newParam(binding + ".b_ih", Shape.of(g), span);
    Node bhh = l.newParam(binding + ".b_hh", Shape.of(g), span);
    Node tape = b.make(Op.RECURRENT, Attr.of(cell, new int[] {h}, new double[0]), span, xs, wih, whh, bih, bhh);
    return reshape(b.make(Op.SLICE, Attr.ints(0, t * h), span, tape), Shape.of(t, h));
  }

  /** layer_norm(x) = (x - mean) / sqrt(var + 1e-5) * gain + bias, biased variance. */
  private Node layerNorm(String binding) {
    Node x = arg(0);
    if (x.shape().rank() > 1) return layerNormRows(binding, x);
    int n = x.size();
    Node gain = l.newParam(binding + ".gain", x.shape(), span);
    Node bias = l.newParam(binding + ".bias", x.shape(), span);
    Node inv = b.scalar(1.0 / n);
    Node mean = b.mul(b.sum(x), inv);
    Node d = b.sub(x, mean);
    Node var = b.mul(b.sum(b.unary(Op.SQUARE, d)), inv);
    Node std = b.unary(Op.SQRT, b.add(var, b.scalar(1e-5)));
    return b.make(Op.ADD, span, b.mul(b.div(d, std), gain), bias);
  }

  /**
   * layer_norm over the last axis of {@code [..., n]}: the mean and the biased variance of each
   * row (SUM_TO down to {@code [..., 1]}), broadcast back; gain and bias {@code [n]} broadcast over
   * the rows (torch.nn.LayerNorm(n), eps 1e-5).
   */
  private Node layerNormRows(String binding, Node x) {
    Shape xs = x.shape();
    int n = xs.dim(xs.rank() - 1);
    Node gain = l.newParam(binding + ".gain", Shape.of(n), span);
    Node bias = l.newParam(binding + ".bias", Shape.of(n), span);
    int[] keep = xs.dims().clone();
    keep[keep.length - 1] = 1;
    Shape rowShape = Shape.of(keep);
    Node inv = b.scalar(1.0 / n);
    Node mean = b.mul(b.sumTo(x, rowShape), inv);
    Node d = b.make(Op.SUB, span, x, mean);
    Node var = b.mul(b.sumTo(b.unary(Op.SQUARE, d), rowShape), inv);
    Node std = b.unary(Op.SQRT, b.add(var, b.scalar(1e-5)));
    return b.make(Op.ADD, span, b.make(Op.MUL, span, b.make(Op.DIV, span, d, std), gain), bias);
  }

  /**
   * batch_norm(x) on [C], [C, L] or [C, H, W] in training form (torch.nn.BatchNorm1d/2d in
   * training mode): each channel's mean and biased variance over the batch and over L or H, W,
   * written with {@link Op#BATCH_MEAN} of the per-sample channel means, so that reverse mode
   * gives the batch-coupled gradient with no rule of its own. The two statistics carry the names
   * of the running statistics they update; inference graphs read those instead
   * ({@code opt.Inference}). The variance is two-pass (the mean first), as the reference.
   */
  private Node batchNorm(String binding) {
    Node x = arg(0);
    Shape s = x.shape();
    int c = s.dim(0);
    int count = x.size() / c;
    double momentum = num(1, "momentum", 0.1);
    double eps = num(2, "eps", 1e-5);
    int[] cdims = new int[s.rank()];
    java.util.Arrays.fill(cdims, 1);
    cdims[0] = c;
    Shape cs = Shape.of(cdims);
    Node gain = l.newParam(binding + ".gain", Shape.of(c), span);
    Node bias = l.newParam(binding + ".bias", Shape.of(c), span);
    Node inv = b.scalar(1.0 / count);
    Node sampleMean = count == 1 ? x : b.mul(b.make(Op.SUM_TO, Attr.ints(cdims), span, x), inv);
    Node mean = b.make(Op.BATCH_MEAN, Attr.of(binding + ".running_mean", new int[] {count, 0},
        new double[] {momentum}), span, sampleMean);
    Node d = b.sub(x, mean);
    Node sq = b.unary(Op.SQUARE, d);
    Node sampleVar = count == 1 ? sq : b.mul(b.make(Op.SUM_TO, Attr.ints(cdims), span, sq), inv);
    Node var = b.make(Op.BATCH_MEAN, Attr.of(binding + ".running_var", new int[] {count, 1},
        new double[] {momentum}), span, sampleVar);
    Node std = b.unary(Op.SQRT, b.add(var, b.scalar(eps)));
    Node g = s.rank() == 1 ? gain : b.reshape(gain, cs);
    Node bb = s.rank() == 1 ? bias : b.reshape(bias, cs);
    return b.make(Op.ADD, span, b.mul(b.div(d, std), g), bb);
  }

  /** dropout(x, rate): x times a fresh mask (inverted dropout); identity at inference. */
  private Node dropout() {
    Node x = arg(0);
    double rate = num(1, "rate", 0.5);
    int[] ints = new int[x.shape().rank() + 1];
    ints[0] = l.nextMaskId();
    System.arraycopy(x.shape().dims(), 0, ints, 1, x.shape().rank());
    Node mask = b.make(Op.DROPOUT_MASK, Attr.of(null, ints, new double[] {rate}), span);
    return b.make(Op.MUL, span, x, mask);
  }

  private String activationName(int position) {
    Expr a = argExprOrNull(position, "act");
    if (a == null) return "none";
    if (a instanceof Expr.Name n) return n.name();
    throw new IllegalStateException("activation must be a name: " + a);
  }

  private Node activate(String act, Node z) {
    switch (act) {
      case "none":
      case "identity":
      case "linear": return z;
      case "relu": return b.make(Op.RELU, span, z);
      case "sigmoid": return b.make(Op.SIGMOID, span, z);
      case "tanh": return b.make(Op.TANH, span, z);
      case "gelu": return b.make(Op.GELU, span, z);
      case "softplus": return b.make(Op.SOFTPLUS, span, z);
      case "elu": return b.make(Op.ELU, Attr.doubles(1.0), span, z);
      case "leaky_relu": return b.make(Op.LEAKY_RELU, Attr.doubles(0.01), span, z);
      case "softmax": return b.make(Op.SOFTMAX, span, z);
      case "log_softmax": return b.make(Op.LOG_SOFTMAX, span, z);
      default: throw new IllegalStateException("unknown activation " + act);
    }
  }

  private Node arg(int position) {
    return l.lower(argExpr(position, null));
  }

  private Expr argExpr(int position, String name) {
    Expr e = argExprOrNull(position, name);
    if (e == null) throw new IllegalStateException("missing argument " + position + " of " + call);
    return e;
  }

  /**
   * The argument for the parameter named {@code name} (or, without one, the parameter at
   * {@code position} of the signature), given by position or by name; null when left to its
   * default. Reads the checker's binding when there is one.
   */
  private Expr argExprOrNull(int position, String name) {
    Builtins.BoundCall bound = l.boundCall(call);
    if (bound != null && !bound.signature().variadic()) {
      Builtins.Signature sig = bound.signature();
      String p = name != null && sig.param(name).isPresent() ? name
          : position < sig.params().size() ? sig.paramNames().get(position) : null;
      return p == null ? null : bound.arg(p);
    }
    if (name != null) {
      for (Expr.NamedArg na : call.named()) {
        if (na.name().name().equals(name)) return na.value();
      }
    }
    return position < call.args().size() ? call.args().get(position) : null;
  }

  private double num(int position, String name, double dflt) {
    Expr e = argExprOrNull(position, name);
    return e == null ? dflt : l.number(e);
  }
}
