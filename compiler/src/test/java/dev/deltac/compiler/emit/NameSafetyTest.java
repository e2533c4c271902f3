package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.check.JavaNames;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.runtime.Model;
import dev.deltac.runtime.Precision;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Any legal name is safe by construction: params, inputs, targets, bindings and model names drawn
 * from Java keywords that the language allows, {@code java.lang} classes, runtime classes, and
 * every name the emitter writes into generated code (taken from generated sources themselves),
 * compile and agree with the interpreter in float32 and float64, on the per-sample path (batch 1)
 * and the batched path (a product of 1 024 weights, batch 4).
 */
class NameSafetyTest {
  /** Java keywords and literals the language does not reserve. */
  private static final List<String> JAVA_KEYWORDS = List.of("abstract", "assert", "boolean",
      "break", "byte", "case", "catch", "char", "class", "continue", "default", "do", "double",
      "enum", "extends", "final", "finally", "float", "goto", "implements", "import", "instanceof",
      "int", "interface", "long", "native", "new", "package", "private", "protected", "public",
      "short", "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws",
      "transient", "try", "void", "volatile", "while", "null", "var", "yield", "record", "_");

  private static final List<String> JAVA_LANG = List.of("Math", "System", "Float", "Double",
      "Integer", "Long", "String", "Object", "Override", "Class", "Thread", "StrictMath", "Boolean",
      "Character", "Number", "Runnable", "Exception", "RuntimeException", "IllegalArgumentException",
      "IllegalStateException", "StringBuilder", "Iterable", "Comparable", "Void", "Error");

  private static final List<String> RUNTIME = List.of("MathFunctions", "Dropout", "DenseKernels",
      "ModelInfo", "TensorInfo", "Precision", "FloatModel", "DoubleModel", "FloatFunction",
      "DoubleFunction", "Initializers", "Arrays", "List", "java", "dev", "javax", "deltac", "runtime");

  /** Names the emitter has used for locals, parameters and members. */
  private static final List<String> EMITTER = List.of("i", "j", "k", "q", "s", "o", "x", "e", "d",
      "g", "u", "v", "f", "ch", "ei", "acc", "max", "lse", "sumExp", "logit", "out", "row", "grow",
      "vec", "r0", "s0", "vq", "sum", "firstSample", "inv", "batch", "inputBatch", "inputOff",
      "targetBatch", "targetOff", "inputGradients", "sample", "sampleOff", "outOff", "samples",
      "outs", "seed", "share", "src", "off", "text", "parts", "values", "args", "grad", "INFO",
      "INPUT_SIZE", "TARGET_SIZE", "OUTPUT_SIZE", "PARAM_COUNT", "ARG_COUNT", "maxBatch", "params",
      "grads", "dropoutSeed", "sampleIndex", "lossScale", "dscratch", "xp", "yy", "xx", "k0", "t0",
      "xs0", "f3", "b5", "K0", "h", "d_h", "W", "dW");

  /** Names of the language itself (keywords, builtins, layers, initializers) are not user names. */
  private static final Set<String> NOT_USER_NAMES = Set.of("model", "function", "input", "target",
      "param", "const", "state", "for", "in", "output", "loss", "return", "train", "if", "then",
      "else", "true", "false", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus",
      "exp", "log", "ln", "sqrt", "abs", "sin", "cos", "square", "max", "min", "pow", "clamp",
      "sum", "mean", "dot", "outer", "softmax", "log_softmax", "logsumexp", "transpose", "concat",
      "reshape", "flatten", "mse", "bce", "bce_with_logits", "cross_entropy",
      "softmax_cross_entropy", "huber", "dense", "conv2d", "maxpool2d", "avgpool2d", "layer_norm",
      "dropout", "where", "zeros", "ones", "normal", "uniform", "he", "xavier", "lecun");

  /** A dense layer of 32 × 32 weights (batched in float32) with its bias read after the product. */
  private static String wide(String model, List<String> n) {
    return "model " + model + " {\n"
        + "  input  " + n.get(0) + "[32]\n"
        + "  target " + n.get(1) + "[4]\n"
        + "  param  " + n.get(2) + "[32, 32]\n"
        + "  param  " + n.get(3) + "[32]\n"
        + "  param  " + n.get(4) + "[4, 32]\n"
        + "  " + n.get(5) + " = relu(" + n.get(2) + " @ " + n.get(0) + " + " + n.get(3) + ")\n"
        + "  " + n.get(6) + " = " + n.get(4) + " @ " + n.get(5) + "\n"
        + "  output " + n.get(6) + "\n"
        + "  loss mse(" + n.get(6) + ", " + n.get(1) + ")\n"
        + "}\n";
  }

  /** Small unrolled layers, the fused softmax loss, a sigmoid, a reduction and a loop. */
  private static String small(String model, List<String> n) {
    return "model " + model + " {\n"
        + "  input  " + n.get(0) + "[3]\n"
        + "  target " + n.get(1) + "[2]\n"
        + "  param  " + n.get(2) + "[4, 3]\n"
        + "  param  " + n.get(3) + "[4]\n"
        + "  param  " + n.get(4) + "[2, 4]\n"
        + "  state  " + n.get(7) + "[4] = zeros\n"
        + "  for t in 0..2 {\n"
        + "    " + n.get(7) + " = tanh(" + n.get(2) + " @ " + n.get(0) + " + " + n.get(3) + " * "
        + n.get(7) + ")\n"
        + "  }\n"
        + "  " + n.get(5) + " = sigmoid(" + n.get(7) + ") * sum(" + n.get(7) + ")\n"
        + "  " + n.get(6) + " = " + n.get(4) + " @ " + n.get(5) + "\n"
        + "  output " + n.get(6) + "\n"
        + "  loss softmax_cross_entropy(" + n.get(6) + ", " + n.get(1) + ")\n"
        + "}\n";
  }

  private static final List<String> PLAIN = List.of("x", "y", "W1", "b1", "W2", "h", "z", "st");

  /** Every identifier the emitter writes for the two templates with plain names. */
  private static List<String> generatedNames() {
    Set<String> out = new LinkedHashSet<>();
    Pattern id = Pattern.compile("\\b[A-Za-z_][A-Za-z0-9_]*\\b");
    for (String text : List.of(wide("Plain", PLAIN), small("Plain", PLAIN))) {
      Graph g = NnFiles.lower("plain.nn", text, null);
      for (Precision p : Precision.values()) {
        Matcher m = id.matcher(Harness.source(g, "gen", "Plain", p, "plain.nn"));
        while (m.find()) out.add(m.group());
      }
    }
    return new ArrayList<>(out);
  }

  private static final List<String> POOL = pool();

  private static List<String> pool() {
    Set<String> all = new LinkedHashSet<>();
    all.addAll(JAVA_KEYWORDS);
    all.addAll(JAVA_LANG);
    all.addAll(RUNTIME);
    all.addAll(EMITTER);
    all.addAll(generatedNames());
    all.removeAll(NOT_USER_NAMES);
    return new ArrayList<>(all);
  }

  private static boolean classNameOk(String s) {
    return JavaNames.problem(s) == null;
  }

  @Provide
  Arbitrary<List<String>> names() {
    return Arbitraries.of(POOL).list().ofSize(8).uniqueElements();
  }

  @Provide
  Arbitrary<String> modelNames() {
    return Arbitraries.of(POOL).filter(NameSafetyTest::classNameOk);
  }

  @Property(tries = 24, seed = "20261207")
  void anyLegalNamesCompileAndRun(@ForAll("names") List<String> n, @ForAll("modelNames") String model) {
    run(model, wide(model, n));
    run(model, small(model, n));
  }

  @Test
  void thePoolHoldsEveryGeneratedName() {
    assertTrue(POOL.containsAll(List.of("Math", "System", "o", "class", "maxBatch", "INFO")));
    assertTrue(POOL.size() > 150, "pool of " + POOL.size());
  }

  // Regression cases of the issue that asked for this.

  @Test
  void aBiasNamedOAfterAWideProduct() {
    run("Wide", wide("Wide", List.of("x", "y", "W", "o", "V", "h", "z", "st")));
  }

  /** The batched drivers' parameters and locals as bias names (one hid the bias: a wrong gradient). */
  @Test
  void biasesNamedAfterTheBatchedDriversLocals() {
    for (String b : List.of("inputBatch", "samples", "batch", "inputOff", "e", "off", "firstSample")) {
      run("Wide", wide("Wide", List.of("x", "y", "W", b, "V", "h", "z", "st")));
    }
  }

  @Test
  void paramsNamedSystemAndMath() {
    run("Sys", wide("Sys", List.of("x", "y", "System", "Math", "Float", "h", "z", "st")));
    run("Sys", small("Sys", List.of("x", "y", "System", "Math", "Float", "h", "z", "st")));
  }

  @Test
  void keywordNamesInAModelNamedLikeAGradientField() {
    List<String> n = List.of("abstract", "assert", "boolean", "break", "byte", "samples", "from", "batches");
    run("dW2", wide("dW2", n));
    run("dW2", small("dW2", n));
  }

  @Test
  void modelsNamedLikeTheClassesTheGeneratedCodeUses() {
    for (String model : List.of("String", "Object", "System", "Float", "Double", "Long", "Class",
        "Override", "Arrays", "FloatModel", "DoubleModel", "MathFunctions", "DenseKernels",
        "Initializers", "ModelInfo", "TensorInfo", "Precision", "Dropout")) {
      assertTrue(classNameOk(model), model);
      run(model, wide(model, List.of("x", "y", "W", "b", "V", "h", "z", "st")));
      run(model, small(model, List.of("x", "y", model, "b", "V", "h", "z", "st")));
    }
  }

  @Test
  void aModelNamedMath() {
    assertTrue(classNameOk("Math"));
    run("Math", wide("Math", List.of("x", "y", "W", "b", "V", "h", "z", "st")));
    run("Math", small("Math", List.of("x", "y", "Math", "b", "V", "h", "z", "st")));
  }

  private static void run(String model, String text) {
    Graph g = NnFiles.lower(model + ".nn", text, null);
    for (Precision p : Precision.values()) {
      Random rnd = new Random(7);
      int in = 0;
      for (var x : g.inputs()) in += x.size();
      int tg = 0;
      for (var t : g.targets()) tg += t.size();
      Map<String, double[]> params = Harness.randomParams(g, rnd, 0.3);
      double tol = p == Precision.FLOAT64 ? 1e-12 : 1e-4;
      Model m = Harness.compile(g, model, p, 4);
      for (int batch : new int[] {1, 4}) {
        double[] xs = Harness.random(batch * in, rnd, -1, 1);
        double[] ts = Harness.random(batch * tg, rnd, 0, 1);
        Harness.check(g, m, params, xs, ts, batch, tol);
      }
    }
  }
}
