package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.load.ModelLoader;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Model;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.TensorInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Emits, compiles and runs a model, and compares it with the reference interpreter. */
public final class Harness {
  private Harness() {}

  /** The three graphs the emitter takes, from a lowered graph. */
  public static String source(Graph lowered, String pkg, String name, Precision p) {
    return source(lowered, pkg, name, p, "test.nn");
  }

  public static String source(Graph lowered, String pkg, String name, Precision p, String file) {
    return JavaEmitter.emitModel(Optimizer.forward(lowered), Optimizer.backward(lowered, false),
        Optimizer.backward(lowered, true), new EmitOptions(pkg, name, p, file));
  }

  public static Model compile(Graph lowered, String name, Precision p, int maxBatch) {
    String src = source(lowered, "gen", name, p);
    return ModelLoader.newModel("gen." + name, src, maxBatch);
  }

  /** Random values for every param, rounded to float so both precisions see the same numbers. */
  public static Map<String, double[]> randomParams(Graph g, Random rnd, double scale) {
    Map<String, double[]> v = new LinkedHashMap<>();
    for (Node p : g.params()) v.put(p.attr().name(), random(p.size(), rnd, -scale, scale));
    return v;
  }

  public static double[] random(int n, Random rnd, double lo, double hi) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
    return v;
  }

  public static void setParams(Model m, Map<String, double[]> values) {
    for (TensorInfo t : m.info().params()) {
      double[] v = values.get(t.name());
      int bs = t.blockSize();
      for (int b = 0; b < t.blockCount(); b++) {
        for (int i = 0; i < bs; i++) {
          if (m instanceof DoubleModel dm) dm.params()[t.firstBlock() + b][i] = v[b * bs + i];
          else ((FloatModel) m).params()[t.firstBlock() + b][i] = (float) v[b * bs + i];
        }
      }
    }
  }

  static double[] grad(Model m, TensorInfo t) {
    double[] out = new double[t.size()];
    int bs = t.blockSize();
    for (int b = 0; b < t.blockCount(); b++) {
      for (int i = 0; i < bs; i++) {
        out[b * bs + i] = m instanceof DoubleModel dm ? dm.grads()[t.firstBlock() + b][i]
            : ((FloatModel) m).grads()[t.firstBlock() + b][i];
      }
    }
    return out;
  }

  static float[] f(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
    return f;
  }

  static double[] d(float[] f, int from, int len) {
    double[] d = new double[len];
    for (int i = 0; i < len; i++) d[i] = f[from + i];
    return d;
  }

  static double[] d(double[] a, int from, int len) {
    double[] d = new double[len];
    System.arraycopy(a, from, d, 0, len);
    return d;
  }

  /**
   * Runs the generated model (lossAndGradient with and without input gradients, loss,
   * predictBatch) and the interpreter on the same batch, and checks every number.
   */
  public static void check(Graph lowered, Model m, Map<String, double[]> params, double[] xs,
      double[] ts, int batch, double tol) {
    setParams(m, params);
    Graph ref = Optimizer.backward(lowered, true);
    Interpreter.Result r = new Interpreter(ref).run(params, xs, ts, batch);
    int in = m.info().inputSize();
    int out = m.info().outputSize();
    String name = m.info().name();
    double lossIn;
    double lossNoIn;
    double lossFwd;
    double[] outs;
    double[] ig;
    if (m instanceof DoubleModel dm) {
      lossNoIn = dm.lossAndGradient(xs, 0, ts, 0, batch, false);
      for (TensorInfo t : m.info().params()) close(name + " grad " + t.name(), r.paramGrads().get(t.name()), grad(m, t), tol);
      lossIn = dm.lossAndGradient(xs, 0, ts, 0, batch, true);
      ig = d(dm.inputGradients(), 0, batch * in);
      lossFwd = dm.loss(xs, ts, batch);
      double[] o = new double[batch * out];
      dm.predictBatch(xs, o, batch);
      outs = o;
    } else {
      FloatModel fm = (FloatModel) m;
      float[] fx = f(xs);
      float[] ft = f(ts);
      lossNoIn = fm.lossAndGradient(fx, 0, ft, 0, batch, false);
      for (TensorInfo t : m.info().params()) close(name + " grad " + t.name(), r.paramGrads().get(t.name()), grad(m, t), tol);
      lossIn = fm.lossAndGradient(fx, 0, ft, 0, batch, true);
      ig = d(fm.inputGradients(), 0, batch * in);
      lossFwd = fm.loss(fx, ft, batch);
      float[] o = new float[batch * out];
      fm.predictBatch(fx, o, batch);
      outs = d(o, 0, o.length);
    }
    close(name + " loss", new double[] {r.loss()}, new double[] {lossNoIn}, tol);
    close(name + " loss (with input gradients)", new double[] {r.loss()}, new double[] {lossIn}, tol);
    close(name + " loss (forward)", new double[] {r.loss()}, new double[] {lossFwd}, tol);
    for (TensorInfo t : m.info().params()) close(name + " grad " + t.name() + " (with inputs)", r.paramGrads().get(t.name()), grad(m, t), tol);
    for (int s = 0; s < batch; s++) {
      close(name + " outputs of sample " + s, r.outputs()[s], d(outs, s * out, out), tol);
      if (in > 0) close(name + " input gradients of sample " + s, r.inputGrads()[s], d(ig, s * in, in), tol);
    }
  }

  /** max |a - e| &lt;= tol * max(max |e|, 1e-6). */
  public static void close(String what, double[] expected, double[] actual, double tol) {
    assertEquals(expected.length, actual.length, what + ": length");
    double scale = 1e-6;
    for (double e : expected) scale = Math.max(scale, Math.abs(e));
    double worst = 0;
    int at = -1;
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(expected[i] - actual[i]);
      if (!(diff <= worst)) {
        worst = diff;
        at = i;
      }
    }
    if (!(worst <= tol * scale)) {
      fail(what + ": relative difference " + worst / scale + " > " + tol + " at [" + at + "]: expected "
          + expected[at] + ", got " + actual[at]);
    }
  }
}
