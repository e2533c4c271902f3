package dev.deltac.cli.gradients;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.types.Shape;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed and validated {@code CASE.json} of {@code deltac gradients} (api.md): parameter
 * values by name in their shapes, and a batch of samples by input and target name; for a
 * function, its arguments. Every name and shape is checked against the graph, with one message
 * naming the JSON path.
 */
public final class GradientCase {
  private final String precision;
  private final Map<String, double[]> params;
  private final double[] xs;
  private final double[] ts;
  private final int batch;

  private GradientCase(String precision, Map<String, double[]> params, double[] xs, double[] ts,
      int batch) {
    this.precision = precision;
    this.params = params;
    this.xs = xs;
    this.ts = ts;
    this.batch = batch;
  }

  public String precision() {
    return precision;
  }

  public Map<String, double[]> params() {
    return params;
  }

  public double[] xs() {
    return xs;
  }

  public double[] ts() {
    return ts;
  }

  public int batch() {
    return batch;
  }

  /** The {@code model} or {@code function} named in the case, or null when absent. */
  public static String declName(String json) throws CaseException {
    JsonObject root = parseObject(json);
    for (String key : new String[] {"model", "function"}) {
      if (root.has(key)) return string(root.get(key), "$." + key);
    }
    return null;
  }

  /** Parses {@code json} for {@code graph} (a model or a function). */
  public static GradientCase parse(String json, Graph graph) throws CaseException {
    JsonObject root = parseObject(json);
    boolean function = graph.kind() == Graph.Kind.FUNCTION;
    Set<String> allowed = function ? Set.of("function", "precision", "args")
        : Set.of("model", "precision", "params", "batch");
    for (String key : root.keySet()) {
      if (!allowed.contains(key)) {
        throw new CaseException("$." + key + ": unknown key (expected one of " + allowed + ")");
      }
    }
    String precision = root.has("precision") ? string(root.get("precision"), "$.precision") : "float32";
    if (!precision.equals("float32") && !precision.equals("float64")) {
      throw new CaseException("$.precision: expected \"float32\" or \"float64\", got \"" + precision + "\"");
    }
    if (function) {
      JsonObject args = object(root.get("args"), "$.args");
      checkNames(args, graph.inputs(), "$.args", "argument");
      double[] xs = packed(args, graph.inputs(), "$.args", "argument");
      return new GradientCase(precision, Map.of(), xs, new double[0], 1);
    }
    Map<String, double[]> params = new LinkedHashMap<>();
    JsonObject ps = object(root.get("params"), "$.params");
    checkNames(ps, graph.params(), "$.params", "param");
    for (Node p : graph.params()) {
      String name = p.attr().name();
      params.put(name, tensor(ps.get(name), p.shape(), "$.params." + name, "param " + name));
    }
    JsonElement batchEl = root.get("batch");
    if (batchEl == null || !batchEl.isJsonArray() || batchEl.getAsJsonArray().isEmpty()) {
      throw new CaseException("$.batch: expected a non-empty array of samples");
    }
    JsonArray samples = batchEl.getAsJsonArray();
    List<Node> inAndOut = new ArrayList<>(graph.inputs());
    inAndOut.addAll(graph.targets());
    int inSize = size(graph.inputs());
    int tSize = size(graph.targets());
    double[] xs = new double[samples.size() * inSize];
    double[] ts = new double[samples.size() * tSize];
    for (int s = 0; s < samples.size(); s++) {
      String path = "$.batch[" + s + "]";
      JsonObject sample = object(samples.get(s), path);
      checkNames(sample, inAndOut, path, "input or target");
      System.arraycopy(packed(sample, graph.inputs(), path, "input"), 0, xs, s * inSize, inSize);
      System.arraycopy(packed(sample, graph.targets(), path, "target"), 0, ts, s * tSize, tSize);
    }
    return new GradientCase(precision, params, xs, ts, samples.size());
  }

  private static JsonObject parseObject(String json) throws CaseException {
    try {
      JsonReader reader = new JsonReader(new StringReader(json));
      reader.setStrictness(Strictness.STRICT);
      JsonElement root = JsonParser.parseReader(reader);
      if (!root.isJsonObject()) throw new CaseException("$: expected a JSON object");
      if (reader.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
        throw new CaseException("$: unexpected text after the JSON object");
      }
      return root.getAsJsonObject();
    } catch (JsonParseException | java.io.IOException | IllegalStateException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      String m = cause.getMessage() == null ? cause.toString() : cause.getMessage();
      int see = m.indexOf("\nSee ");
      throw new CaseException("malformed JSON: " + (see >= 0 ? m.substring(0, see) : m));
    }
  }

  private static void checkNames(JsonObject obj, List<Node> known, String path, String what)
      throws CaseException {
    List<String> names = new ArrayList<>();
    for (Node n : known) names.add(n.attr().name());
    for (String key : obj.keySet()) {
      if (!names.contains(key)) {
        throw new CaseException(path + "." + key + ": unknown " + what + " (expected one of " + names + ")");
      }
    }
  }

  private static double[] packed(JsonObject obj, List<Node> leaves, String path, String what)
      throws CaseException {
    double[] out = new double[size(leaves)];
    int off = 0;
    for (Node leaf : leaves) {
      String name = leaf.attr().name();
      double[] v = tensor(obj.get(name), leaf.shape(), path + "." + name, what + " " + name);
      if (leaf.isInteger()) integers(obj.get(name), path + "." + name);
      System.arraycopy(v, 0, out, off, v.length);
      off += v.length;
    }
    return out;
  }

  /** An integer input or target holds JSON integers (api.md, second edition): 3, not 3.0. */
  private static void integers(JsonElement el, String path) throws CaseException {
    if (el.isJsonArray()) {
      JsonArray a = el.getAsJsonArray();
      for (int i = 0; i < a.size(); i++) integers(a.get(i), path + "[" + i + "]");
      return;
    }
    String text = el.getAsJsonPrimitive().getAsString();
    if (!text.matches("-?[0-9]+")) {
      throw new CaseException(path + ": expected an integer, found " + text);
    }
  }

  private static int size(List<Node> leaves) {
    int n = 0;
    for (Node l : leaves) n += l.size();
    return n;
  }

  /** Reads nested arrays of exactly {@code shape} (a plain number for a scalar). */
  static double[] tensor(JsonElement el, Shape shape, String path, String what) throws CaseException {
    if (el == null || el.isJsonNull()) throw new CaseException(path + ": missing " + what + shape);
    double[] out = new double[shape.size()];
    fill(el, shape, 0, out, new int[] {0}, path, what);
    return out;
  }

  private static void fill(JsonElement el, Shape shape, int axis, double[] out, int[] pos,
      String path, String what) throws CaseException {
    if (axis == shape.rank()) {
      out[pos[0]++] = number(el, path);
      return;
    }
    if (!el.isJsonArray()) {
      throw new CaseException(path + ": " + what + " must have shape " + shape
          + (axis == 0 ? "" : " (found a non-array at depth " + axis + ")"));
    }
    JsonArray arr = el.getAsJsonArray();
    if (arr.size() != shape.dim(axis)) {
      throw new CaseException(path + ": " + what + " must have shape " + shape + ", but axis "
          + axis + " has " + arr.size() + " elements instead of " + shape.dim(axis));
    }
    for (int i = 0; i < arr.size(); i++) {
      fill(arr.get(i), shape, axis + 1, out, pos, path + "[" + i + "]", what);
    }
  }

  private static double number(JsonElement el, String path) throws CaseException {
    if (el.isJsonPrimitive() && el.getAsJsonPrimitive().isNumber()) return el.getAsDouble();
    throw new CaseException(path + ": expected a number, found " + describe(el));
  }

  private static String string(JsonElement el, String path) throws CaseException {
    if (el.isJsonPrimitive() && el.getAsJsonPrimitive().isString()) return el.getAsString();
    throw new CaseException(path + ": expected a string, found " + describe(el));
  }

  private static JsonObject object(JsonElement el, String path) throws CaseException {
    if (el != null && el.isJsonObject()) return el.getAsJsonObject();
    throw new CaseException(path + ": expected an object, found " + describe(el));
  }

  private static String describe(JsonElement el) {
    if (el == null || el.isJsonNull()) return "nothing";
    if (el.isJsonArray()) return "an array";
    if (el.isJsonObject()) return "an object";
    JsonPrimitive p = el.getAsJsonPrimitive();
    return p.isString() ? "a string" : p.isBoolean() ? "a boolean" : "a number";
  }
}
