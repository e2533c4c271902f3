package dev.deltac.cli.gradients;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.types.Shape;
import java.util.Map;

/**
 * Formats the answer of {@code deltac gradients} (api.md): loss, outputs per sample, the
 * gradient of the mean loss by param, and d(mean loss)/d(input) per sample; for a function, its
 * value and gradient by argument. Tensors are nested arrays in their shapes; scalars are plain
 * numbers.
 */
public final class GradientReport {
  private GradientReport() {}

  public static String model(Graph g, Interpreter.Result r) {
    JsonObject root = new JsonObject();
    root.add("loss", num(r.loss()));
    JsonArray outputs = new JsonArray();
    for (double[] out : r.outputs()) outputs.add(unpack(g.outputs(), out));
    root.add("outputs", outputs);
    JsonObject grads = new JsonObject();
    for (Node p : g.params()) {
      grads.add(p.attr().name(), tensor(r.paramGrads().get(p.attr().name()), 0, p.shape()));
    }
    root.add("gradients", grads);
    JsonArray inputGrads = new JsonArray();
    // Integer inputs are indices: they have no gradient and are left out (api.md, second edition).
    for (double[] ig : r.inputGrads()) inputGrads.add(unpackLeaves(g, ig, true));
    root.add("inputGradients", inputGrads);
    return toJson(root);
  }

  public static String function(Graph g, Interpreter.Result r) {
    JsonObject root = new JsonObject();
    root.add("value", num(r.loss()));
    // The batch is one sample, and the input gradient of a one-sample mean is the gradient.
    root.add("gradients", unpackLeaves(g, r.inputGrads()[0], false));
    return toJson(root);
  }

  private static JsonObject unpackLeaves(Graph g, double[] packed, boolean skipIntegers) {
    JsonObject o = new JsonObject();
    int off = 0;
    for (Node x : g.inputs()) {
      if (!(skipIntegers && x.isInteger())) o.add(x.attr().name(), tensor(packed, off, x.shape()));
      off += x.size();
    }
    return o;
  }

  private static JsonObject unpack(Map<String, Node> named, double[] packed) {
    JsonObject o = new JsonObject();
    int off = 0;
    for (Map.Entry<String, Node> e : named.entrySet()) {
      // An integer input listed as an output is written as JSON integers.
      o.add(e.getKey(), e.getValue().isInteger() ? integers(packed, off, e.getValue().shape())
          : tensor(packed, off, e.getValue().shape()));
      off += e.getValue().size();
    }
    return o;
  }

  /** A tensor of integer values (exact in the packed doubles) as JSON integers. */
  static JsonElement integers(double[] v, int off, Shape shape) {
    double[] rounded = new double[shape.size()];
    for (int i = 0; i < rounded.length; i++) rounded[i] = v[off + i];
    JsonElement t = tensor(rounded, 0, shape);
    return asIntegers(t);
  }

  private static JsonElement asIntegers(JsonElement e) {
    if (e.isJsonArray()) {
      JsonArray a = new JsonArray();
      for (JsonElement x : e.getAsJsonArray()) a.add(asIntegers(x));
      return a;
    }
    double d = e.getAsDouble();
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? new JsonPrimitive((long) d) : e;
  }

  static JsonElement tensor(double[] v, int off, Shape shape) {
    if (shape.isScalar()) return num(v[off]);
    return nest(v, off, shape.dims(), 0);
  }

  private static JsonElement nest(double[] v, int off, int[] dims, int axis) {
    JsonArray a = new JsonArray();
    int stride = 1;
    for (int i = axis + 1; i < dims.length; i++) stride *= dims[i];
    for (int i = 0; i < dims[axis]; i++) {
      a.add(axis == dims.length - 1 ? num(v[off + i]) : nest(v, off + i * stride, dims, axis + 1));
    }
    return a;
  }

  /** A JSON number; non-finite values, which JSON cannot hold, become the strings "NaN" etc. */
  private static JsonElement num(double d) {
    return Double.isFinite(d) ? new JsonPrimitive(d) : new JsonPrimitive(Double.toString(d));
  }

  private static String toJson(JsonObject root) {
    return new GsonBuilder().setPrettyPrinting().create().toJson(root);
  }
}
