package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.load.GeneratedCodeException;
import dev.deltac.compiler.load.JavacLoader;
import dev.deltac.compiler.load.ModelLoader;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.runtime.DoubleFunction;
import dev.deltac.runtime.FloatFunction;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Model;
import dev.deltac.runtime.Precision;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hostile names, javac compilation of the same sources, functions, and loader behaviour. */
class NamesAndJavacTest {
  /** Params named like Java keywords, clashing after mangling, or carrying comment and unicode-escape text. */
  static Graph hostile() {
    TestModels m = new TestModels("evil*/\\u000a.nn");
    Node x = m.input("int", 3);
    Node y = m.target("class", 2);
    Node w = m.param("h.W", 4, 3);
    Node w2 = m.param("h_W", 4, 3);
    Node b = m.param("_", 4);
    Node evil = m.param("x*/\\u000a\"\n", 2, 4);
    Node k = m.param("i", 2);
    var g = m.builder();
    SourceSpan s = m.span();
    Node z = g.add(g.add(g.matmul(w, x, false, false), g.matmul(w2, x, false, false)), b);
    Node h = g.make(Op.TANH, s, z);
    Node out = g.add(g.matmul(evil, h, false, false), k);
    m.output("return", out);
    return m.model("Hostile", m.loss(Op.MSE, out, y));
  }

  @Test
  void hostileNamesCompileAndRunWithJaninoAndJavac() {
    Graph g = hostile();
    for (Precision p : Precision.values()) {
      String cls = "Hostile" + p.name();
      String src = Harness.source(g, "gen", cls, p, "evil*/\\u000a\n.nn");
      assertFalse(hasUnicodeEscape(src), "a unicode escape survived into the source");
      Random rnd = new Random(5);
      double[] xs = Harness.random(6, rnd, -1, 1);
      double[] ts = Harness.random(4, rnd, -1, 1);
      Map<String, double[]> params = Harness.randomParams(g, rnd, 0.5);
      double tol = p == Precision.FLOAT64 ? 1e-12 : 1e-4;
      Model janino = ModelLoader.newModel("gen." + cls, src, 2);
      Harness.check(g, janino, params, xs, ts, 2, tol);
      Model javac = ModelLoader.newModel(JavacLoader.compile("gen." + cls, src).type(), 2);
      Harness.check(g, javac, params, xs, ts, 2, tol);
      assertEquals("x*/\\u000a\"\n", janino.info().params().get(3).name());
    }
  }

  /** A backslash-u that javac would decode: one preceded by an even number of backslashes. */
  static boolean hasUnicodeEscape(String src) {
    for (int i = src.indexOf("\\u"); i >= 0; i = src.indexOf("\\u", i + 1)) {
      int k = i - 1;
      while (k >= 0 && src.charAt(k) == '\\') k--;
      if ((i - 1 - k) % 2 == 0) return true;
    }
    return false;
  }

  @Test
  void javacCompilesTheSameSourcesAsJanino() {
    for (String res : List.of("models/xor.nn", "models/fashion_mlp.nn", "examples/tiny_rnn.nn")) {
      Graph g = NnFiles.resource(res);
      String cls = g.name() + "Javac";
      String src = Harness.source(g, "gen", cls, Precision.FLOAT64);
      Model m = ModelLoader.newModel(JavacLoader.compile("gen." + cls, src).type(), 2);
      Random rnd = new Random(3);
      Harness.check(g, m, Harness.randomParams(g, rnd, 0.3),
          Harness.random(2 * m.info().inputSize(), rnd, 0, 1),
          Harness.random(2 * m.info().targetSize(), rnd, 0, 1), 2, 1e-12);
    }
  }

  @Test
  void functionsGiveValueAndGradient() throws Exception {
    Graph g = NnFiles.resource("models/function_f.nn");
    Graph value = Optimizer.forward(g);
    Graph grad = Optimizer.backward(g, true);
    double[] args = {1.5, 0.7};
    Interpreter.Result r = new Interpreter(grad).run(Map.of(), args, new double[0], 1);
    String d = JavaEmitter.emitFunction(value, grad, new EmitOptions("gen", "FD", Precision.FLOAT64, "function_f.nn"));
    DoubleFunction fd = (DoubleFunction) ModelLoader.newFunction("gen.FD", d);
    double[] gd = new double[2];
    Harness.close("value", new double[] {r.loss()}, new double[] {fd.value(args)}, 1e-12);
    Harness.close("gradient value", new double[] {r.loss()}, new double[] {fd.gradient(args, gd)}, 1e-12);
    Harness.close("gradient", r.inputGrads()[0], gd, 1e-12);
    String f = JavaEmitter.emitFunction(value, grad, new EmitOptions("gen", "FF", Precision.FLOAT32, "function_f.nn"));
    FloatFunction ff = (FloatFunction) JavacLoader.compile("gen.FF", f).type().getConstructors()[0].newInstance();
    float[] gf = new float[2];
    ff.gradient(new float[] {1.5f, 0.7f}, gf);
    Harness.close("float gradient", r.inputGrads()[0], new double[] {gf[0], gf[1]}, 1e-4);
    assertEquals(2, ff.info().inputSize());
  }

  @Test
  void replicaSharesParamsButNotGradients() {
    Graph g = NnFiles.resource("models/xor.nn");
    FloatModel m = (FloatModel) Harness.compile(g, "XorReplica", Precision.FLOAT32, 4);
    FloatModel r = m.replica();
    assertTrue(m.params()[0] == r.params()[0], "params are shared");
    assertFalse(m.grads()[0] == r.grads()[0], "grads are not shared");
    assertEquals(4, r.maxBatch());
    assertEquals(7, m.params().length);
    assertEquals(17, m.info().paramCount());
    assertThrows(IllegalArgumentException.class, () -> m.loss(new float[10], new float[5], 5));
  }

  @Test
  void compileErrorsAreWrappedWithTheGeneratedLine() {
    String bad = "package gen;\npublic final class Broken {\n  int x = nope;\n}\n";
    GeneratedCodeException e = assertThrows(GeneratedCodeException.class,
        () -> ModelLoader.load("gen.Broken", bad));
    assertEquals(3, e.line());
    assertTrue(e.getMessage().startsWith("generated code for gen.Broken does not compile (a deltac bug): Broken.java:3:"),
        e.getMessage());
    assertTrue(e.getMessage().contains("int x = nope;"), e.getMessage());
  }

  @Test
  void compiledClassesAreCachedBySource() {
    Graph g = NnFiles.resource("models/xor.nn");
    String src = Harness.source(g, "gen", "XorCached", Precision.FLOAT32);
    Class<?> a = ModelLoader.load("gen.XorCached", src);
    Class<?> b = ModelLoader.load("gen.XorCached", src);
    assertTrue(a == b);
    String src64 = Harness.source(g, "gen", "XorCached", Precision.FLOAT64);
    assertFalse(a == ModelLoader.load("gen.XorCached", src64));
  }
}
