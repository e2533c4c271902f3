package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code deltac gradients}: api.md's JSON contract, end to end through {@link Main}. */
class GradientsCommandTest {
  private static final String XOR_CASE = """
      { "model": "Xor", "precision": "float64",
        "params": { "W1": [[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2], [0.1, -0.7]],
                    "b1": [0.1, -0.1, 0.2, 0], "W2": [[0.7, -0.5, 0.4, 0.6]], "b2": [0.05] },
        "batch": [ { "x": [1, 0], "y": [1] }, { "x": [0, 0], "y": [0] } ] }
      """;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(new PrintWriter(out), new PrintWriter(err), args);
  }

  @Test
  void functionValueAndGradientMatchTheClosedFormAtOneTwo() {
    assertEquals(0, run("gradients", "../samples/function/f.nn", "--case",
        "../samples/function/case.json"), err::toString);
    JsonObject o = JsonParser.parseString(out.toString()).getAsJsonObject();
    double e2 = Math.exp(2);
    assertEquals(Math.log(1 + e2), o.get("value").getAsDouble(), 1e-15);
    JsonObject g = o.getAsJsonObject("gradients");
    assertEquals((1 - 2 * e2) / (1 + e2), g.get("x").getAsDouble(), 1e-15);
    assertEquals(e2 / (1 + e2), g.get("y").getAsDouble(), 1e-15);
    assertEquals(2, o.keySet().size(), o.toString());
  }

  @Test
  void xorCaseGivesTheMeanLossAndGradientsInParamShapes(@TempDir Path dir) throws Exception {
    Path c = dir.resolve("case.json");
    Files.writeString(c, XOR_CASE);
    assertEquals(0, run("gradients", "../samples/xor/xor.nn", "--case", c.toString()), err::toString);
    JsonObject o = JsonParser.parseString(out.toString()).getAsJsonObject();
    // By hand: sample 1 as in the worked example, sample 2 with x = 0 (so z1 = b1).
    double l1 = -Math.log(yhat(new double[] {0.6, 0.2, -0.4, 0.1}));
    double l2 = -Math.log(1 - yhat(new double[] {0.1, -0.1, 0.2, 0.0}));
    assertEquals((l1 + l2) / 2, o.get("loss").getAsDouble(), 1e-14);
    JsonArray outputs = o.getAsJsonArray("outputs");
    assertEquals(2, outputs.size());
    assertEquals(1, outputs.get(0).getAsJsonObject().getAsJsonArray("yhat").size());
    JsonObject g = o.getAsJsonObject("gradients");
    assertEquals(4, g.getAsJsonArray("W1").size());
    assertEquals(2, g.getAsJsonArray("W1").get(0).getAsJsonArray().size());
    // x[1] is 0 in both samples, so the second column of dW1 is exactly zero.
    for (int i = 0; i < 4; i++) {
      assertEquals(0.0, g.getAsJsonArray("W1").get(i).getAsJsonArray().get(1).getAsDouble(), 0.0);
    }
    JsonArray ig = o.getAsJsonArray("inputGradients");
    assertEquals(2, ig.size());
    assertEquals(2, ig.get(0).getAsJsonObject().getAsJsonArray("x").size());
  }

  private static double yhat(double[] z1) {
    double[] w2 = {0.7, -0.5, 0.4, 0.6};
    double z2 = 0.05;
    for (int i = 0; i < 4; i++) z2 += w2[i] / (1 + Math.exp(-z1[i]));
    return 1 / (1 + Math.exp(-z2));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"b2\": [0.05]|\"b2\": [0.05, 1]|$.params.b2: param b2 must have shape [1], but axis 0 has 2 elements instead of 1",
      "\"W1\"|\"W9\"|$.params.W9: unknown param (expected one of [W1, b1, W2, b2])",
      "\"x\": [1, 0]|\"x\": [1, \"a\"]|$.batch[0].x[1]: expected a number, found a string",
      "\"y\": [1] }, {|\"y\": [1], \"z\": 3 }, {|$.batch[0].z: unknown input or target (expected one of [x, y])",
      "\"float64\"|\"float16\"|$.precision: expected \"float32\" or \"float64\", got \"float16\"",
      "\"batch\": [|\"batch\": [ ], \"oops\": [|$.oops: unknown key",
      "] } ] }|] } ]|malformed JSON: End of input at line 5 column 1 path $.batch"})
  void badCasesExitOneWithOneClearLine(String from, String to, String message, @TempDir Path dir)
      throws Exception {
    Path c = dir.resolve("case.json");
    assertTrue(XOR_CASE.contains(from), from);
    Files.writeString(c, XOR_CASE.replace(from, to));
    assertEquals(1, run("gradients", "../samples/xor/xor.nn", "--case", c.toString()));
    String e = err.toString().strip();
    assertTrue(e.contains(message), e);
    assertEquals(1, e.lines().count(), e);
    assertEquals("", out.toString());
  }

  @ParameterizedTest
  @CsvSource({"float64, 1e-12", "float32, 1e-4"})
  void generatedClassAgreesWithTheInterpreter(String precision, double tolerance, @TempDir Path dir)
      throws Exception {
    Path c = dir.resolve("case.json");
    Files.writeString(c, XOR_CASE.replace("float64", precision));
    assertEquals(0, run("gradients", "../samples/xor/xor.nn", "--case", c.toString()), err::toString);
    JsonObject generated = JsonParser.parseString(out.toString()).getAsJsonObject();
    out.getBuffer().setLength(0);
    assertEquals(0, run("gradients", "--interpret", "../samples/xor/xor.nn", "--case", c.toString()));
    JsonObject interpreted = JsonParser.parseString(out.toString()).getAsJsonObject();
    assertClose(interpreted, generated, tolerance, "$");
  }

  /** Every number of {@code a} and {@code b} within relative {@code tol}, same structure. */
  private static void assertClose(com.google.gson.JsonElement a, com.google.gson.JsonElement b,
      double tol, String path) {
    if (a.isJsonObject()) {
      assertEquals(a.getAsJsonObject().keySet(), b.getAsJsonObject().keySet(), path);
      for (String k : a.getAsJsonObject().keySet()) {
        assertClose(a.getAsJsonObject().get(k), b.getAsJsonObject().get(k), tol, path + "." + k);
      }
    } else if (a.isJsonArray()) {
      assertEquals(a.getAsJsonArray().size(), b.getAsJsonArray().size(), path);
      for (int i = 0; i < a.getAsJsonArray().size(); i++) {
        assertClose(a.getAsJsonArray().get(i), b.getAsJsonArray().get(i), tol, path + "[" + i + "]");
      }
    } else {
      double x = a.getAsDouble();
      double y = b.getAsDouble();
      assertTrue(Math.abs(x - y) <= tol * Math.max(1e-3, Math.abs(x)), path + ": " + x + " vs " + y);
    }
  }

  /**
   * api.md, second edition: with batch_norm, loss, outputs and gradients are those of training
   * mode (batch statistics), and CASE.json leaves the running statistics out. Against the
   * PyTorch fixture of BatchNorm1d on [C, L] (compiler/src/test/resources/batchnorm), generated
   * float64 and interpreter alike.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void batchNormCaseGivesTrainingModeValuesAsPyTorch(boolean interpret, @TempDir Path dir) throws Exception {
    java.util.Map<String, double[]> f = new java.util.HashMap<>();
    for (String line : Files.readAllLines(Path.of("../compiler/src/test/resources/batchnorm/bn1d_sequence.txt"))) {
      if (line.startsWith("#")) continue;
      String[] p = line.trim().split(" ");
      double[] v = new double[p.length - 1];
      for (int i = 1; i < p.length; i++) v[i - 1] = Double.parseDouble(p[i]);
      f.put(p[0], v);
    }
    int batch = (int) f.get("batch")[0];
    Path nn = dir.resolve("bn.nn");
    Files.writeString(nn, """
        model BnSequence {
          input x[3, 5]
          target y[3, 5]
          n = batch_norm(x, momentum=0.3, eps=1e-3)
          output n
          loss mse(n, y)
        }""");
    JsonObject cs = new JsonObject();
    cs.addProperty("precision", "float64");
    JsonObject params = new JsonObject();
    params.add("n.gain", new com.google.gson.Gson().toJsonTree(f.get("gain")));
    params.add("n.bias", new com.google.gson.Gson().toJsonTree(f.get("bias")));
    cs.add("params", params);
    com.google.gson.JsonArray samples = new com.google.gson.JsonArray();
    for (int s = 0; s < batch; s++) {
      JsonObject o = new JsonObject();
      o.add("x", new com.google.gson.Gson().toJsonTree(rows(f.get("xa"), s)));
      o.add("y", new com.google.gson.Gson().toJsonTree(rows(f.get("ya"), s)));
      samples.add(o);
    }
    cs.add("batch", samples);
    Path c = dir.resolve("case.json");
    Files.writeString(c, cs.toString());
    String[] args = interpret ? new String[] {"gradients", "--interpret", nn.toString(), "--case", c.toString()}
        : new String[] {"gradients", nn.toString(), "--case", c.toString()};
    assertEquals(0, run(args), err::toString);
    JsonObject o = JsonParser.parseString(out.toString()).getAsJsonObject();
    assertEquals(f.get("loss")[0], o.get("loss").getAsDouble(), 1e-7 * f.get("loss")[0]);
    for (int s = 0; s < batch; s++) {
      double[][] n = new com.google.gson.Gson().fromJson(
          o.getAsJsonArray("outputs").get(s).getAsJsonObject().get("n"), double[][].class);
      double[][] dx = new com.google.gson.Gson().fromJson(
          o.getAsJsonArray("inputGradients").get(s).getAsJsonObject().get("x"), double[][].class);
      double[][] outT = rows(f.get("out"), s);
      double[][] dxT = rows(f.get("dx"), s);
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 5; j++) {
          assertEquals(outT[i][j], n[i][j], 1e-7 * Math.max(1e-3, Math.abs(outT[i][j])), "output");
          assertEquals(dxT[i][j], dx[i][j], 1e-7 * Math.max(1e-3, Math.abs(dxT[i][j])), "input gradient");
        }
      }
    }
    double[] dg = new com.google.gson.Gson().fromJson(o.getAsJsonObject("gradients").get("n.gain"), double[].class);
    for (int i = 0; i < 3; i++) assertEquals(f.get("dgain")[i], dg[i], 1e-7 * Math.abs(f.get("dgain")[i]));
  }

  private static double[][] rows(double[] flat, int sample) {
    double[][] r = new double[3][5];
    for (int i = 0; i < 3; i++) System.arraycopy(flat, sample * 15 + i * 5, r[i], 0, 5);
    return r;
  }

  @Test
  void aMissingCaseFileIsOneLine() {
    assertEquals(1, run("gradients", "../samples/xor/xor.nn", "--case", "no-such.json"));
    assertEquals("deltac gradients: no-such.json: no such file", err.toString().strip());
  }

  private static final String INTS = """
      model Ints {
        input ids: int[3]
        input x: float[2]
        target y[2]
        h = dense(concat(x, float(ids) * 0.1), 2)
        output h, ids
        loss mse(h, y)
      }
      """;

  private static final String INTS_CASE = """
      { "precision": "float64",
        "params": { "h.W": [[0.1, 0.2, 0.3, 0.4, 0.5], [-0.1, -0.2, -0.3, -0.4, -0.5]], "h.b": [0, 0.1] },
        "batch": [ { "ids": [2, 0, 2], "x": [0.5, -0.5], "y": [1, 0] } ] }
      """;

  /** api.md, second edition: integer values are JSON integers; inputGradients lists float inputs only. */
  @Test
  void integerInputsAreJsonIntegersAndHaveNoInputGradients(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("ints.nn");
    Files.writeString(nn, INTS);
    Path c = dir.resolve("case.json");
    Files.writeString(c, INTS_CASE);
    assertEquals(0, run("gradients", nn.toString(), "--case", c.toString()), err::toString);
    JsonObject o = JsonParser.parseString(out.toString()).getAsJsonObject();
    JsonObject ig = o.getAsJsonArray("inputGradients").get(0).getAsJsonObject();
    assertEquals(java.util.Set.of("x"), ig.keySet());
    assertEquals("[2,0,2]", o.getAsJsonArray("outputs").get(0).getAsJsonObject().get("ids").toString());
    // d loss / d h.W[0][2] = (h0 - y0) * 2/2 * float(ids[0]) * 0.1, with h0 = 0.05 - 0.1 + 0.06 + 0 + 0.1
    double h0 = 0.1 * 0.5 + 0.2 * -0.5 + 0.3 * 0.2 + 0.4 * 0 + 0.5 * 0.2;
    assertEquals((h0 - 1) * 0.2, o.getAsJsonObject("gradients").getAsJsonArray("h.W").get(0)
        .getAsJsonArray().get(2).getAsDouble(), 1e-12);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "[2, 0, 2]|[2, 0.5, 2]|$.batch[0].ids[1]: expected an integer, found 0.5",
      "[2, 0, 2]|[2, 0, 2.0]|$.batch[0].ids[2]: expected an integer, found 2.0"})
  void nonIntegerIndicesAreOneClearLine(String from, String to, String message, @TempDir Path dir)
      throws Exception {
    Path nn = dir.resolve("ints.nn");
    Files.writeString(nn, INTS);
    Path c = dir.resolve("case.json");
    Files.writeString(c, INTS_CASE.replace(from, to));
    assertEquals(1, run("gradients", nn.toString(), "--case", c.toString()));
    String e = err.toString().strip();
    assertTrue(e.contains(message), e);
    assertEquals(1, e.lines().count(), e);
  }
}
