package dev.deltac.compiler.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.deltac.compiler.ast.Decl;
import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Lowering;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Test helpers: parse and lower {@code .nn} text, and make random parameter values. */
public final class Models {
  private Models() {}

  /** The lowered graph of the first declaration in {@code source}; fails on any diagnostic. */
  public static Graph lower(String source) {
    FrontendResult r = Frontend.parse("test.nn", source);
    if (!r.ok()) fail("model does not check:\n" + r.diagnostics().format());
    Decl d = r.program().decls().get(0);
    return Lowering.lower(d, r.check());
  }

  /** As {@link #lower(String)}, with {@code for} loops rolled or unrolled as {@code loops} says. */
  public static Graph lower(String source, Lowering.Loops loops) {
    FrontendResult r = Frontend.parse("test.nn", source);
    if (!r.ok()) fail("model does not check:\n" + r.diagnostics().format());
    Decl d = r.program().decls().get(0);
    return Lowering.lower(d, r.check(), loops);
  }

  /** A model from {@code src/test/resources/models}. */
  public static String resource(String name) {
    try (InputStream in = Models.class.getResourceAsStream("/models/" + name)) {
      if (in == null) throw new IllegalArgumentException("no test model " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Random values in [-scale, scale) for every param, seeded. */
  public static Map<String, double[]> randomParams(Graph g, long seed, double scale) {
    Random rnd = new Random(seed);
    Map<String, double[]> m = new LinkedHashMap<>();
    for (var p : g.params()) {
      double[] v = new double[p.size()];
      for (int i = 0; i < v.length; i++) v[i] = (rnd.nextDouble() * 2 - 1) * scale;
      m.put(p.attr().name(), v);
    }
    return m;
  }

  /** {@code n} random values in [lo, hi), seeded. */
  public static double[] random(long seed, int n, double lo, double hi) {
    Random rnd = new Random(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * rnd.nextDouble();
    return v;
  }

  /** Per-sample packed input size of a graph. */
  public static int inputSize(Graph g) {
    int n = 0;
    for (var x : g.inputs()) n += x.size();
    return n;
  }

  /** Per-sample packed target size of a graph. */
  public static int targetSize(Graph g) {
    int n = 0;
    for (var t : g.targets()) n += t.size();
    return n;
  }
}
