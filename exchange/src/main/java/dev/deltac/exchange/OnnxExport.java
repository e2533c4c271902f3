package dev.deltac.exchange;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.types.Shape;
import dev.deltac.exchange.onnx.OnnxProto.AttributeProto;
import dev.deltac.exchange.onnx.OnnxProto.GraphProto;
import dev.deltac.exchange.onnx.OnnxProto.ModelProto;
import dev.deltac.exchange.onnx.OnnxProto.NodeProto;
import dev.deltac.exchange.onnx.OnnxProto.OperatorSetIdProto;
import dev.deltac.exchange.onnx.OnnxProto.StringStringEntryProto;
import dev.deltac.exchange.onnx.OnnxProto.TensorProto;
import dev.deltac.exchange.onnx.OnnxProto.TensorShapeProto;
import dev.deltac.exchange.onnx.OnnxProto.TypeProto;
import dev.deltac.exchange.onnx.OnnxProto.ValueInfoProto;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.data.Standardization;
import dev.deltac.runtime.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The inference graph of a model (what {@code predict} computes: {@link CompiledModel#forward()}
 * from its outputs back, dropout off; rolled {@code for} loops unrolled, {@link
 * CompiledModel#forwardUnrolled()}) as an ONNX model, opset {@value #OPSET}, with the model's
 * tensors as initializers under their {@code .nn} names and shapes.
 *
 * <p>The IR works on one sample; in ONNX every value that depends on an input gets a leading,
 * dynamic batch axis {@code N}, and values that depend only on params and constants stay without
 * it (ONNX broadcasting lines them up at the last axis, as the IR's scalar broadcast does; a
 * batched scalar is unsqueezed to the operand's rank). Graph inputs and outputs carry the
 * {@code .nn} names; float inputs are float32 {@code [N, dims...]}, integer inputs int64.
 * Internal values are named {@code #id} after the IR node ({@code #} cannot occur in a
 * {@code .nn} name). With a {@link Standardization} (a checkpoint of {@code deltac train
 * --standardize}), the graph standardizes its float inputs first, as {@code predict} does.
 *
 * <p>Op mapping: elementwise ops to their ONNX namesakes (gelu as {@code 0.5 x (1 + erf(x/√2))},
 * square as {@code Mul}); {@code @} and {@code outer} to {@code Gemm} (batched vector times a
 * weight matrix) or {@code Einsum}; reductions to {@code Reduce*} over the per-sample axes;
 * softmax over the whole per-sample tensor to {@code Softmax} on a flattened view; indexing to
 * {@code Gather}/{@code Slice}; embeddings to {@code Gather}, {@code one_hot} to {@code OneHot};
 * {@code conv2d} and the pools to {@code Conv}, {@code MaxPool} and {@code AveragePool};
 * batch_norm's running statistics are initializers under their names ({@code b0.running_mean});
 * {@code lstm}, {@code gru}, {@code rnn} to {@code LSTM}, {@code GRU}, {@code RNN} (gate blocks
 * reordered in the graph to ONNX's order). Ops that
 * only occur in training graphs (losses, gradients, fused δ nodes) have no ONNX form here: an
 * inference graph that reaches one fails naming the op and its {@code .nn} line.
 */
public final class OnnxExport {
  /** The opset written. */
  public static final int OPSET = 17;
  /** The IR version of opset 17. */
  static final int IR_VERSION = 8;
  /** The name of the dynamic batch axis. */
  public static final String BATCH = "N";

  private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
  private static final int INT64 = TensorProto.DataType.INT64_VALUE;
  private static final int BOOL = TensorProto.DataType.BOOL_VALUE;

  /** An ONNX value: its name, whether it has the batch axis, and its element type. */
  private record Val(String name, boolean batched, int type) {}

  private final CompiledModel compiled;
  private final Graph graph;
  private final Map<String, NamedTensor> tensors = new HashMap<>();
  private final GraphProto.Builder g = GraphProto.newBuilder();
  private final Map<Node, Val> vals = new HashMap<>();
  private Val firstBatched;
  private int fresh;

  private final Standardization standardization;

  private OnnxExport(CompiledModel compiled, List<NamedTensor> values, Standardization standardization) {
    this.compiled = compiled;
    this.standardization = standardization;
    this.graph = compiled.forwardUnrolled();
    for (NamedTensor t : values) tensors.put(t.name(), t);
  }

  /** Writes the ONNX model of {@code compiled} with {@code model}'s parameters to {@code path}. */
  public static void write(Path path, CompiledModel compiled, FloatModel model) throws IOException {
    write(path, compiled, model, null);
  }

  /**
   * Like {@link #write(Path, CompiledModel, FloatModel)}, the graph first standardizing its
   * float inputs as {@code standardization} does (null: none), as {@code deltac predict} does
   * with a checkpoint of {@code deltac train --standardize}.
   */
  public static void write(Path path, CompiledModel compiled, FloatModel model,
      Standardization standardization) throws IOException {
    byte[] bytes = new OnnxExport(compiled, ModelTensors.of(model), standardization).model().toByteArray();
    AtomicFiles.write(path, ByteBuffer.wrap(bytes));
  }

  /** The ONNX model's bytes. */
  public static byte[] toBytes(CompiledModel compiled, FloatModel model) throws ExchangeException {
    return build(compiled, ModelTensors.of(model)).toByteArray();
  }

  /** The ONNX model's bytes, its float inputs standardized first ({@code standardization} may be null). */
  public static byte[] toBytes(CompiledModel compiled, FloatModel model, Standardization standardization)
      throws ExchangeException {
    return new OnnxExport(compiled, ModelTensors.of(model), standardization).model().toByteArray();
  }

  /** The ONNX model of {@code compiled} with the tensors given (by {@code .nn} name). */
  public static ModelProto build(CompiledModel compiled, List<NamedTensor> values) throws ExchangeException {
    return new OnnxExport(compiled, values, null).model();
  }

  private ModelProto model() throws ExchangeException {
    g.setName(graph.name());
    if (graph.outputs().isEmpty()) {
      throw new ExchangeException(where(null) + "model " + graph.name() + " has no output to export");
    }
    int offset = 0;
    for (Node in : graph.inputs()) {
      boolean integer = in.isInteger();
      Val v = new Val(in.attr().name(), true, integer ? INT64 : FLOAT);
      g.addInput(valueInfo(v.name(), v.type(), in.shape()));
      if (firstBatched == null) firstBatched = v;
      vals.put(in, integer || standardization == null ? v : standardized(v, in, offset));
      offset += in.size();
    }
    List<Node> order = Graph.reachable(new ArrayList<>(graph.outputs().values()));
    for (Node n : order) {
      if (!vals.containsKey(n)) vals.put(n, emit(n));
    }
    for (Map.Entry<String, Node> o : graph.outputs().entrySet()) {
      Node n = o.getValue();
      Val v = vals.get(n);
      if (!v.batched()) v = batchLike(v, n.shape());
      // an output that is an input (output ids) is that graph value itself
      if (!v.name().equals(o.getKey())) node("Identity", List.of(v.name()), o.getKey(), null);
      g.addOutput(valueInfo(o.getKey(), v.type(), n.shape()));
    }
    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("deltac")
        .setProducerVersion(version())
        .setDocString("model " + graph.name() + " from " + Path.of(compiled.file()).getFileName()
            + ": inference graph (predict); batch axis " + BATCH)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .addMetadataProps(StringStringEntryProto.newBuilder().setKey("deltac.model").setValue(graph.name()))
        .setGraph(g)
        .build();
  }

  /**
   * {@code (x - mean) / scale} over the input's positions of the packed input (float32 here;
   * predict computes it in float64 and rounds: the two differ by a rounding at most).
   */
  private Val standardized(Val x, Node in, int offset) {
    double[] mean = standardization.mean();
    double[] scale = standardization.scale();
    float[] m = new float[in.size()];
    float[] sc = new float[in.size()];
    boolean identity = true;
    for (int j = 0; j < m.length; j++) {
      m[j] = (float) mean[offset + j];
      sc[j] = (float) scale[offset + j];
      identity &= m[j] == 0 && sc[j] == 1;
    }
    if (identity) return x;
    String mn = "#mean_" + x.name();
    String sn = "#scale_" + x.name();
    g.addInitializer(floatTensor(mn, in.shape().dims(), m));
    g.addInitializer(floatTensor(sn, in.shape().dims(), sc));
    String centered = tmp();
    node("Sub", List.of(x.name(), mn), centered, null);
    String out = "#standardized_" + x.name();
    node("Div", List.of(centered, sn), out, null);
    return new Val(out, true, FLOAT);
  }

  private static String version() {
    String v = OnnxExport.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private String where(Node n) {
    String file = Path.of(compiled.file()).getFileName().toString();
    if (n == null || n.span() == SourceSpan.NONE) return file + ": ";
    return file + ":" + n.span().line() + ":" + n.span().column() + ": ";
  }

  private ExchangeException unsupported(Node n) {
    return new ExchangeException(where(n) + "op " + n.op().name().toLowerCase(Locale.ROOT)
        + " has no ONNX form in Deltac's exporter (model " + graph.name() + ", line "
        + n.span().line() + ")");
  }

  // ---------------------------------------------------------------------------------------------

  /** The type of a target's stand-in: inference has no targets, so nothing may use one. */
  private static final int NO_VALUE = -1;

  private Val emit(Node n) throws ExchangeException {
    Op op = n.op();
    String out = "#" + n.id();
    for (Node i : n.inputs()) {
      if (i.op() == Op.RECURRENT && !(op == Op.SLICE && n.attr().intAt(1) <= recurrentValueSize(i))) {
        // the tape beyond the hidden states is the backward pass's: inference never reads it
        throw unsupported(n);
      }
      if (vals.get(i).type() == NO_VALUE) {
        throw new ExchangeException(where(n) + "op " + n.op().name().toLowerCase(Locale.ROOT)
            + " (line " + n.span().line() + ") reads target " + i.attr().name()
            + ", which the inference graph does not have: an output of model " + graph.name()
            + " depends on a target, so it has no ONNX form");
      }
    }
    switch (op) {
      case TARGET:
        return new Val(n.attr().name(), true, NO_VALUE);
      case PARAM: {
        String name = n.attr().name();
        NamedTensor t = tensors.get(name);
        if (t == null) throw new ExchangeException(where(n) + "no values for param " + name);
        g.addInitializer(floatTensor(name, t.shape(), t.values()));
        return new Val(name, false, FLOAT);
      }
      case RUNNING_STAT: {
        // batch_norm's running statistic (model state, not trained): an initializer by its name
        String name = n.attr().name();
        NamedTensor t = tensors.get(name);
        if (t == null) throw new ExchangeException(where(n) + "no values for running statistic " + name);
        if (t.values().length != n.size()) {
          throw new ExchangeException(where(n) + "running statistic " + name + " has " + t.values().length
              + " values, the graph reads " + n.size());
        }
        if (!statsWritten.contains(name)) {
          g.addInitializer(floatTensor(name, n.shape().dims(), t.values()));
          statsWritten.add(name);
        }
        return new Val(name, false, FLOAT);
      }
      case RECURRENT: return recurrent(n, out);
      case CONST: {
        float[] v = new float[n.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) n.attr().doubleAt(i);
        g.addInitializer(floatTensor(out, n.shape().dims(), v));
        return new Val(out, false, FLOAT);
      }
      case INPUT:
        return vals.get(n);
      case NEG: return unary("Neg", n, out);
      case EXP: return unary("Exp", n, out);
      case LOG: return unary("Log", n, out);
      case SQRT: return unary("Sqrt", n, out);
      case ABS: return unary("Abs", n, out);
      case SIN: return unary("Sin", n, out);
      case COS: return unary("Cos", n, out);
      case TANH: return unary("Tanh", n, out);
      case SIGMOID: return unary("Sigmoid", n, out);
      case RELU: return unary("Relu", n, out);
      case SIGN: return unary("Sign", n, out);
      case SOFTPLUS: return unary("Softplus", n, out);
      case LEAKY_RELU: {
        Val x = in(n, 0);
        node("LeakyRelu", List.of(x.name()), out, List.of(floatAttr("alpha", n.attr().doubleAt(0))));
        return new Val(out, x.batched(), FLOAT);
      }
      case ELU: {
        Val x = in(n, 0);
        node("Elu", List.of(x.name()), out, List.of(floatAttr("alpha", n.attr().doubleAt(0))));
        return new Val(out, x.batched(), FLOAT);
      }
      case SQUARE: {
        Val x = in(n, 0);
        node("Mul", List.of(x.name(), x.name()), out, null);
        return new Val(out, x.batched(), FLOAT);
      }
      case STEP: {
        Val x = in(n, 0);
        String gt = tmp();
        node("Greater", List.of(x.name(), scalar(0f)), gt, null);
        node("Cast", List.of(gt), out, List.of(intAttr("to", FLOAT)));
        return new Val(out, x.batched(), FLOAT);
      }
      case GELU: {
        Val x = in(n, 0);
        String s = tmp();
        String e = tmp();
        String p = tmp();
        String h = tmp();
        node("Mul", List.of(x.name(), scalar((float) (1 / Math.sqrt(2)))), s, null);
        node("Erf", List.of(s), e, null);
        node("Add", List.of(e, scalar(1f)), p, null);
        node("Mul", List.of(x.name(), scalar(0.5f)), h, null);
        node("Mul", List.of(h, p), out, null);
        return new Val(out, x.batched(), FLOAT);
      }
      case ADD: return binary("Add", n, out);
      case SUB: return binary("Sub", n, out);
      case MUL: return binary("Mul", n, out);
      case DIV: return binary("Div", n, out);
      case POW: return binary("Pow", n, out);
      case MAX: return binary("Max", n, out);
      case MIN: return binary("Min", n, out);
      case LT: return compare("Less", n, out, false);
      case LE: return compare("LessOrEqual", n, out, false);
      case GT: return compare("Greater", n, out, false);
      case GE: return compare("GreaterOrEqual", n, out, false);
      case EQ: return compare("Equal", n, out, false);
      case NE: return compare("Equal", n, out, true);
      case WHERE: {
        List<String> ops = aligned(n);
        String cond = tmp();
        node("Cast", List.of(ops.get(0)), cond, List.of(intAttr("to", BOOL)));
        node("Where", List.of(cond, ops.get(1), ops.get(2)), out, null);
        return new Val(out, anyBatched(n), FLOAT);
      }
      case SUM: return reduceAll("ReduceSum", n, out);
      case LOGSUMEXP: return reduceAll("ReduceLogSumExp", n, out);
      case SUM_TO: return reduceTo("ReduceSum", n, out);
      case MAX_TO: return reduceTo("ReduceMax", n, out);
      case LOGSUMEXP_TO: return reduceTo("ReduceLogSumExp", n, out);
      case BROADCAST: {
        Val x = raw(n, 0);
        String s = x.batched() ? unsqueezeTail(x.name(), n.shape().rank()) : x.name();
        node("Expand", List.of(s, ints(expandShape(x.batched(), n.shape().dims()))), out, null);
        return new Val(out, x.batched(), x.type());
      }
      case BROADCAST_TO: {
        Val x = raw(n, 0);
        String s = x.name();
        int lack = n.shape().rank() - n.input(0).shape().rank();
        if (x.batched() && lack > 0) s = unsqueeze(s, range(1, lack));
        node("Expand", List.of(s, ints(expandShape(x.batched(), n.shape().dims()))), out, null);
        return new Val(out, x.batched(), x.type());
      }
      case SOFTMAX: return softmax("Softmax", n, out);
      case LOG_SOFTMAX: return softmax("LogSoftmax", n, out);
      case MATMUL: return matmul(n, out);
      case BATCH_MATMUL: {
        // a [B, m, k] @ b [B, k, n] per sample, flags transposing the last two axes
        Val a = in(n, 0);
        Val b = in(n, 1);
        boolean ta = n.attr().intAt(0) != 0;
        boolean tb = n.attr().intAt(1) != 0;
        boolean batched = a.batched() || b.batched();
        String eq = (a.batched() ? "z" : "") + (ta ? "bkm" : "bmk") + "," + (b.batched() ? "z" : "")
            + (tb ? "bnk" : "bkn") + "->" + (batched ? "z" : "") + "bmn";
        node("Einsum", List.of(a.name(), b.name()), out, List.of(stringAttr("equation", eq)));
        return new Val(out, batched, FLOAT);
      }
      case OUTER: {
        Val a = in(n, 0);
        Val b = in(n, 1);
        String eq = (a.batched() ? "z" : "") + "i," + (b.batched() ? "z" : "") + "j->"
            + (a.batched() || b.batched() ? "z" : "") + "ij";
        node("Einsum", List.of(a.name(), b.name()), out, List.of(stringAttr("equation", eq)));
        return new Val(out, a.batched() || b.batched(), FLOAT);
      }
      case TRANSPOSE: {
        Val x = raw(n, 0);
        if (n.input(0).shape().rank() < 2) return x;
        int[] perm = x.batched() ? new int[] {0, 2, 1} : new int[] {1, 0};
        node("Transpose", List.of(x.name()), out, List.of(intsAttr("perm", perm)));
        return new Val(out, x.batched(), x.type());
      }
      case PERMUTE: {
        Val x = raw(n, 0);
        int[] p = n.attr().ints();
        int[] perm = new int[p.length + (x.batched() ? 1 : 0)];
        int k = 0;
        if (x.batched()) perm[k++] = 0;
        for (int a : p) perm[k++] = a + (x.batched() ? 1 : 0);
        node("Transpose", List.of(x.name()), out, List.of(intsAttr("perm", perm)));
        return new Val(out, x.batched(), x.type());
      }
      case INDEX: {
        Val x = raw(n, 0);
        String idx = tmp();
        g.addInitializer(TensorProto.newBuilder().setName(idx).setDataType(INT64).addInt64Data(n.attr().intAt(0)));
        node("Gather", List.of(x.name(), idx), out, List.of(intAttr("axis", x.batched() ? 1 : 0)));
        return new Val(out, x.batched(), x.type());
      }
      case SLICE: {
        Val x = raw(n, 0);
        node("Slice", List.of(x.name(), ints(n.attr().intAt(0)), ints(n.attr().intAt(1)), ints(x.batched() ? 1 : 0)),
            out, null);
        return new Val(out, x.batched(), x.type());
      }
      case CONCAT: {
        boolean batched = anyBatched(n);
        boolean integer = true;
        for (int i = 0; i < n.inputs().size(); i++) integer &= raw(n, i).type() == INT64;
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
          Val v = integer ? raw(n, i) : in(n, i);
          parts.add(batched && !v.batched() ? batchLike(v, n.input(i).shape()).name() : v.name());
        }
        node("Concat", parts, out, List.of(intAttr("axis", batched ? 1 : 0)));
        return new Val(out, batched, integer ? INT64 : FLOAT);
      }
      case RESHAPE: {
        Val x = raw(n, 0);
        node("Reshape", List.of(x.name(), ints(expandShapeMinus(x.batched(), n.shape().dims()))), out, null);
        return new Val(out, x.batched(), x.type());
      }
      case GATHER: {
        Val table = in(n, 0);
        Val ids = raw(n, 1);
        if (table.batched()) throw unsupported(n);
        node("Gather", List.of(table.name(), ids.name()), out, List.of(intAttr("axis", 0)));
        return new Val(out, ids.batched(), FLOAT);
      }
      case ONE_HOT: {
        Val ids = raw(n, 0);
        String values = tmp();
        g.addInitializer(floatTensor(values, new int[] {2}, new float[] {0f, 1f}));
        node("OneHot", List.of(ids.name(), ints(n.attr().intAt(0)), values), out, List.of(intAttr("axis", -1)));
        return new Val(out, ids.batched(), FLOAT);
      }
      case CONV2D: {
        Val x = in(n, 0);
        Val w = in(n, 1);
        if (w.batched()) throw unsupported(n);
        int stride = n.attr().intAt(0);
        int pad = n.attr().intAt(1);
        int k = n.input(1).shape().dim(2);
        String xin = x.batched() ? x.name() : unsqueeze(x.name(), new int[] {0});
        String y = x.batched() ? out : tmp();
        node("Conv", List.of(xin, w.name()), y, List.of(intsAttr("kernel_shape", k, k),
            intsAttr("strides", stride, stride), intsAttr("pads", pad, pad, pad, pad)));
        if (!x.batched()) node("Squeeze", List.of(y, ints(0)), out, null);
        return new Val(out, x.batched(), FLOAT);
      }
      case MAXPOOL2D:
      case AVGPOOL2D: {
        Val x = in(n, 0);
        int size = n.attr().intAt(0);
        int stride = n.attr().intAt(1);
        String xin = x.batched() ? x.name() : unsqueeze(x.name(), new int[] {0});
        String y = x.batched() ? out : tmp();
        node(op == Op.MAXPOOL2D ? "MaxPool" : "AveragePool", List.of(xin), y,
            List.of(intsAttr("kernel_shape", size, size), intsAttr("strides", stride, stride)));
        if (!x.batched()) node("Squeeze", List.of(y, ints(0)), out, null);
        return new Val(out, x.batched(), FLOAT);
      }
      default:
        // Training-only ops: losses, gradients, dropout masks, fused δ nodes, targets, the seed.
        throw unsupported(n);
    }
  }

  private final java.util.Set<String> statsWritten = new java.util.HashSet<>();

  /** T·H: the hidden states at the front of a RECURRENT node's tape. */
  private static int recurrentValueSize(Node tape) {
    return tape.input(0).shape().dim(0) * tape.attr().intAt(0);
  }

  /**
   * lstm, gru, rnn as ONNX's LSTM, GRU, RNN (one direction, zero initial state). The value
   * stands for the tape, but holds only its first T·H elements, the hidden states {@code [N,
   * T·H]}: inference reads nothing else (a SLICE within them, checked in {@link #emit}). The
   * weights keep PyTorch's layout as initializers; the gate blocks are reordered in the graph
   * (LSTM i,f,g,o → ONNX i,o,f,c; GRU r,z,n → z,r,h with {@code linear_before_reset=1}, which is
   * PyTorch's n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))).
   */
  private Val recurrent(Node n, String out) throws ExchangeException {
    String cell = n.attr().name();
    int h = n.attr().intAt(0);
    int t = n.input(0).shape().dim(0);
    for (int i = 1; i < 5; i++) {
      if (vals.get(n.input(i)).batched()) throw unsupported(n);
    }
    Val xv = in(n, 0);
    if (!xv.batched()) xv = batchLike(xv, n.input(0).shape());
    String onnxOp;
    int[] blocks;
    List<AttributeProto> attrs = new ArrayList<>();
    attrs.add(intAttr("hidden_size", h));
    switch (cell) {
      case "lstm" -> {
        onnxOp = "LSTM";
        blocks = new int[] {0, 3, 1, 2};
      }
      case "gru" -> {
        onnxOp = "GRU";
        blocks = new int[] {1, 0, 2};
        attrs.add(intAttr("linear_before_reset", 1));
      }
      case "rnn_tanh", "rnn_relu" -> {
        onnxOp = "RNN";
        blocks = new int[] {0};
        attrs.add(stringsAttr("activations", cell.equals("rnn_relu") ? "Relu" : "Tanh"));
      }
      default -> throw unsupported(n);
    }
    int[] rows = new int[blocks.length * h];
    for (int b = 0; b < blocks.length; b++) {
      for (int j = 0; j < h; j++) rows[b * h + j] = blocks[b] * h + j;
    }
    String rowIdx = ints(rows);
    String[] gathered = new String[4];
    for (int i = 0; i < 4; i++) {
      gathered[i] = tmp();
      node("Gather", List.of(in(n, i + 1).name(), rowIdx), gathered[i], List.of(intAttr("axis", 0)));
    }
    String w = unsqueeze(gathered[0], new int[] {0});
    String r = unsqueeze(gathered[1], new int[] {0});
    String bias = tmp();
    node("Concat", List.of(gathered[2], gathered[3]), bias, List.of(intAttr("axis", 0)));
    String b = unsqueeze(bias, new int[] {0});
    String x = tmp();
    node("Transpose", List.of(xv.name()), x, List.of(intsAttr("perm", 1, 0, 2)));   // [T, N, n]
    String y = tmp();
    NodeProto.Builder nb = NodeProto.newBuilder().setOpType(onnxOp).setName(y)
        .addAllInput(List.of(x, w, r, b)).addOutput(y).addAllAttribute(attrs);
    g.addNode(nb);                                                                     // [T, 1, N, H]
    String sq = tmp();
    node("Squeeze", List.of(y, ints(1)), sq, null);
    String tr = tmp();
    node("Transpose", List.of(sq), tr, List.of(intsAttr("perm", 1, 0, 2)));            // [N, T, H]
    node("Reshape", List.of(tr, ints(-1, t * h)), out, null);
    return new Val(out, true, FLOAT);
  }

  /** Operand i as it is (integer values stay int64: structure ops and indices). */
  private Val raw(Node n, int i) {
    return vals.get(n.input(i));
  }

  private final Map<String, Val> casts = new HashMap<>();

  /** Operand i as float32: an integer value ({@code float(ids)}) is cast once. */
  private Val in(Node n, int i) {
    Val v = vals.get(n.input(i));
    if (v.type() == FLOAT) return v;
    Val c = casts.get(v.name());
    if (c == null) {
      String out = tmp();
      node("Cast", List.of(v.name()), out, List.of(intAttr("to", FLOAT)));
      c = new Val(out, v.batched(), FLOAT);
      casts.put(v.name(), c);
    }
    return c;
  }

  private boolean anyBatched(Node n) {
    for (Node i : n.inputs()) {
      if (vals.get(i).batched()) return true;
    }
    return false;
  }

  private Val unary(String onnx, Node n, String out) {
    Val x = in(n, 0);
    node(onnx, List.of(x.name()), out, null);
    return new Val(out, x.batched(), FLOAT);
  }

  /**
   * The operands' names with every batched scalar unsqueezed to the result's rank when the
   * result is not a scalar (the IR broadcasts scalars; ONNX aligns at the last axis).
   */
  private List<String> aligned(Node n) {
    int rank = n.shape().rank();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < n.inputs().size(); i++) {
      Val v = in(n, i);
      boolean scalar = n.input(i).shape().isScalar();
      names.add(v.batched() && scalar && rank > 0 ? unsqueezeTail(v.name(), rank) : v.name());
    }
    return names;
  }

  private Val binary(String onnx, Node n, String out) {
    node(onnx, aligned(n), out, null);
    return new Val(out, anyBatched(n), FLOAT);
  }

  private Val compare(String onnx, Node n, String out, boolean negate) {
    String b = tmp();
    node(onnx, aligned(n), b, null);
    if (negate) {
      String nb = tmp();
      node("Not", List.of(b), nb, null);
      b = nb;
    }
    node("Cast", List.of(b), out, List.of(intAttr("to", FLOAT)));
    return new Val(out, anyBatched(n), FLOAT);
  }

  private Val reduceAll(String onnx, Node n, String out) {
    Val x = in(n, 0);
    int rank = n.input(0).shape().rank();
    if (rank == 0) {
      node("Identity", List.of(x.name()), out, null);
      return new Val(out, x.batched(), x.type());
    }
    int[] axes = x.batched() ? range(1, rank) : range(0, rank);
    reduce(onnx, x.name(), axes, false, out);
    return new Val(out, x.batched(), FLOAT);
  }

  private Val reduceTo(String onnx, Node n, String out) {
    Val x = in(n, 0);
    int[] from = n.input(0).shape().dims();
    int[] to = n.shape().dims();
    int lead = from.length - to.length;
    List<Integer> axes = new ArrayList<>();
    for (int a = 0; a < from.length; a++) {
      int t = a < lead ? 1 : to[a - lead];
      if (t == 1 && from[a] != 1) axes.add(a + (x.batched() ? 1 : 0));
    }
    String r = x.name();
    if (!axes.isEmpty()) {
      r = tmp();
      int[] ax = axes.stream().mapToInt(Integer::intValue).toArray();
      reduce(onnx, x.name(), ax, true, r);
    }
    node("Reshape", List.of(r, ints(expandShapeMinus(x.batched(), to))), out, null);
    return new Val(out, x.batched(), FLOAT);
  }

  /** Opset 17: ReduceSum takes its axes as an input, the other reductions as an attribute. */
  private void reduce(String onnx, String x, int[] axes, boolean keep, String out) {
    if (onnx.equals("ReduceSum")) {
      node(onnx, List.of(x, ints(axes)), out, List.of(intAttr("keepdims", keep ? 1 : 0)));
    } else {
      node(onnx, List.of(x), out, List.of(intsAttr("axes", axes), intAttr("keepdims", keep ? 1 : 0)));
    }
  }

  /** Softmax over every element of the per-sample tensor, as the IR's SOFTMAX. */
  private Val softmax(String onnx, Node n, String out) {
    Val x = in(n, 0);
    int rank = n.shape().rank();
    if (rank == 1) {
      node(onnx, List.of(x.name()), out, List.of(intAttr("axis", -1)));
      return new Val(out, x.batched(), FLOAT);
    }
    String flat = tmp();
    node("Reshape", List.of(x.name(), ints(x.batched() ? new int[] {-1, n.size()} : new int[] {n.size()})), flat, null);
    String s = tmp();
    node(onnx, List.of(flat), s, List.of(intAttr("axis", -1)));
    node("Reshape", List.of(s, ints(expandShapeMinus(x.batched(), n.shape().dims()))), out, null);
    return new Val(out, x.batched(), FLOAT);
  }

  /** {@code @} in its four forms with the transposition flags. */
  private Val matmul(Node n, String out) {
    Val a = in(n, 0);
    Val b = in(n, 1);
    int ra = n.input(0).shape().rank();
    int rb = n.input(1).shape().rank();
    boolean ta = n.attr().intAt(0) != 0 && ra == 2;
    boolean tb = n.attr().intAt(1) != 0 && rb == 2;
    if (a.batched() && !b.batched() && ra == 1 && rb == 2) {
      // x W or x W^T with x [N, k]: one Gemm, the weight as stored.
      node("Gemm", List.of(a.name(), b.name()), out, List.of(intAttr("transB", tb ? 1 : 0)));
      return new Val(out, true, FLOAT);
    }
    if (!a.batched() && b.batched() && ra == 2 && rb == 1) {
      // W x with x [N, k]: x W^T.
      node("Gemm", List.of(b.name(), a.name()), out, List.of(intAttr("transB", ta ? 0 : 1)));
      return new Val(out, true, FLOAT);
    }
    String la = ra == 2 ? (ta ? "km" : "mk") : "k";
    String lb = rb == 2 ? (tb ? "nk" : "kn") : "k";
    String lo = (ra == 2 ? "m" : "") + (rb == 2 ? "n" : "");
    boolean batched = a.batched() || b.batched();
    String eq = (a.batched() ? "z" : "") + la + "," + (b.batched() ? "z" : "") + lb + "->" + (batched ? "z" : "") + lo;
    node("Einsum", List.of(a.name(), b.name()), out, List.of(stringAttr("equation", eq)));
    return new Val(out, batched, FLOAT);
  }

  // ---------------------------------------------------------------------------------------------

  /** An unbatched value stretched to {@code [N, shape...]} with N from the first input. */
  private Val batchLike(Val v, Shape shape) throws ExchangeException {
    if (firstBatched == null) {
      throw new ExchangeException(where(null) + "model " + graph.name() + " has no input to take the batch size from");
    }
    String n = tmp();
    node("Shape", List.of(firstBatched.name()), n, List.of(intAttr("start", 0), intAttr("end", 1)));
    String dims = tmp();
    node("Concat", List.of(n, ints(shape.dims())), dims, List.of(intAttr("axis", 0)));
    String out = tmp();
    node("Expand", List.of(v.name(), dims), out, null);
    return new Val(out, true, v.type());
  }

  private String unsqueezeTail(String x, int count) {
    return unsqueeze(x, range(1, count));
  }

  private String unsqueeze(String x, int[] axes) {
    String out = tmp();
    node("Unsqueeze", List.of(x, ints(axes)), out, null);
    return out;
  }

  private static int[] range(int from, int count) {
    int[] r = new int[count];
    for (int i = 0; i < count; i++) r[i] = from + i;
    return r;
  }

  private static int[] expandShape(boolean batched, int[] dims) {
    if (!batched) return dims;
    int[] r = new int[dims.length + 1];
    r[0] = 1;
    System.arraycopy(dims, 0, r, 1, dims.length);
    return r;
  }

  private static int[] expandShapeMinus(boolean batched, int[] dims) {
    int[] r = expandShape(batched, dims);
    if (batched) r[0] = -1;
    return r;
  }

  private String tmp() {
    return "#t" + (fresh++);
  }

  private final Map<String, String> intConsts = new HashMap<>();

  /** An int64 1-D initializer (shared by value). */
  private String ints(int... v) {
    String key = java.util.Arrays.toString(v);
    String name = intConsts.get(key);
    if (name == null) {
      name = "#i" + intConsts.size();
      TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64).addDims(v.length);
      for (int x : v) t.addInt64Data(x);
      g.addInitializer(t);
      intConsts.put(key, name);
    }
    return name;
  }

  private final Map<Float, String> floatConsts = new HashMap<>();

  /** A float32 scalar initializer (shared by value). */
  private String scalar(float v) {
    String name = floatConsts.get(v);
    if (name == null) {
      name = "#f" + floatConsts.size();
      g.addInitializer(floatTensor(name, new int[0], new float[] {v}));
      floatConsts.put(v, name);
    }
    return name;
  }

  private static TensorProto floatTensor(String name, int[] shape, float[] values) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT);
    for (int d : shape) t.addDims(d);
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) b.putFloat(v);
    t.setRawData(com.google.protobuf.ByteString.copyFrom(b.array()));
    return t.build();
  }

  private void node(String opType, List<String> inputs, String output, List<AttributeProto> attrs) {
    NodeProto.Builder nb = NodeProto.newBuilder().setOpType(opType).setName(output).addAllInput(inputs).addOutput(output);
    if (attrs != null) nb.addAllAttribute(attrs);
    g.addNode(nb);
  }

  private static ValueInfoProto valueInfo(String name, int type, Shape shape) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
    for (int d : shape.dims()) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    return ValueInfoProto.newBuilder().setName(name)
        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(s)))
        .build();
  }

  private static AttributeProto intAttr(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
  }

  private static AttributeProto intsAttr(String name, int... v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (int x : v) a.addInts(x);
    return a.build();
  }

  private static AttributeProto floatAttr(String name, double v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF((float) v).build();
  }

  private static AttributeProto stringsAttr(String name, String... v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
    for (String x : v) a.addStrings(com.google.protobuf.ByteString.copyFromUtf8(x));
    return a.build();
  }

  private static AttributeProto stringAttr(String name, String v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
        .setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
  }
}
