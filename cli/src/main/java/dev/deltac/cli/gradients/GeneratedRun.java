package dev.deltac.cli.gradients;

import dev.deltac.compiler.CompiledFunction;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.runtime.DoubleFunction;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.FloatFunction;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.TensorInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a case on the generated class, in float32 or float64, and returns the answer in the same
 * form as the interpreter's, so that both print through one report.
 */
public final class GeneratedRun {
  private GeneratedRun() {}

  public static Interpreter.Result model(CompiledModel m, GradientCase c) {
    int batch = c.batch();
    if ("float64".equals(c.precision())) {
      DoubleModel model = m.newDoubleModel(batch);
      ModelInfo info = model.info();
      setBlocks(info, c.params(), model.params());
      double loss = model.lossAndGradient(c.xs(), 0, c.ts(), 0, batch, true);
      double[] outs = new double[batch * info.outputSize()];
      model.predictBatch(c.xs(), outs, batch);
      return new Interpreter.Result(loss, trainingOutputs(m, model, c, split(outs, batch)), flat(info, model.grads()),
          split(model.inputGradients(), batch, info.inputSize()));
    }
    FloatModel model = m.newModel(batch);
    ModelInfo info = model.info();
    setBlocks(info, c.params(), model.params());
    float[] xs = toFloat(c.xs());
    double loss = model.lossAndGradient(xs, 0, toFloat(c.ts()), 0, batch, true);
    float[] outs = new float[batch * info.outputSize()];
    model.predictBatch(xs, outs, batch);
    return new Interpreter.Result(loss, trainingOutputs(m, model, c, split(toDouble(outs), batch)),
        flat(info, model.grads()),
        split(toDouble(model.inputGradients()), batch, info.inputSize()));
  }

  /**
   * The outputs of training mode (api.md): for a batch-coupled model (batch_norm) those of the
   * batch statistics, which {@code predict} (running statistics) does not give; they come from
   * the float64 interpreter of the same graph. Other models: the predictions.
   */
  private static double[][] trainingOutputs(CompiledModel m, dev.deltac.runtime.Model model,
      GradientCase c, double[][] predicted) {
    if (!model.batchCoupled()) return predicted;
    return m.interpreter().run(c.params(), c.xs(), c.ts(), c.batch()).outputs();
  }

  public static Interpreter.Result function(CompiledFunction f, GradientCase c) {
    double[] grad = new double[c.xs().length];
    double value;
    if ("float64".equals(c.precision())) {
      DoubleFunction fn = f.newDoubleFunction();
      value = fn.gradient(c.xs(), grad);
    } else {
      FloatFunction fn = f.newFunction();
      float[] g = new float[grad.length];
      value = fn.gradient(toFloat(c.xs()), g);
      grad = toDouble(g);
    }
    return new Interpreter.Result(value, new double[0][], Map.of(), new double[][] {grad});
  }

  private static void setBlocks(ModelInfo info, Map<String, double[]> values, Object blocks) {
    for (TensorInfo t : info.params()) {
      double[] v = values.get(t.name());
      for (int b = 0; b < t.blockCount(); b++) {
        int off = b * t.blockSize();
        if (blocks instanceof double[][] d) {
          System.arraycopy(v, off, d[t.firstBlock() + b], 0, t.blockSize());
        } else {
          float[] row = ((float[][]) blocks)[t.firstBlock() + b];
          for (int i = 0; i < row.length; i++) row[i] = (float) v[off + i];
        }
      }
    }
  }

  private static Map<String, double[]> flat(ModelInfo info, Object blocks) {
    Map<String, double[]> m = new LinkedHashMap<>();
    for (TensorInfo t : info.params()) {
      double[] v = new double[t.size()];
      for (int b = 0; b < t.blockCount(); b++) {
        for (int i = 0; i < t.blockSize(); i++) {
          v[b * t.blockSize() + i] = blocks instanceof double[][] d
              ? d[t.firstBlock() + b][i] : ((float[][]) blocks)[t.firstBlock() + b][i];
        }
      }
      m.put(t.name(), v);
    }
    return m;
  }

  private static double[][] split(double[] v, int batch) {
    return split(v, batch, batch == 0 ? 0 : v.length / batch);
  }

  private static double[][] split(double[] v, int batch, int size) {
    double[][] out = new double[batch][];
    for (int s = 0; s < batch; s++) out[s] = java.util.Arrays.copyOfRange(v, s * size, (s + 1) * size);
    return out;
  }

  private static float[] toFloat(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
    return f;
  }

  private static double[] toDouble(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) d[i] = v[i];
    return d;
  }
}
