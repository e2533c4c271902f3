package dev.deltac.compiler.interp;

import dev.deltac.compiler.ir.RunningStats;
import dev.deltac.runtime.RunningStatistics;
import java.util.List;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.GraphInfo;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.Initializers;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.TensorInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reference interpreter behind the runtime's {@link DoubleModel} interface, so that generic
 * code (gradient check, checkpoints, {@code deltac gradients}) runs on it exactly as on a
 * generated class. Slow and allocating; for checking, never for training.
 */
public final class InterpretedModel implements DoubleModel {
  private final Graph graph;
  private final Interpreter interpreter;
  private final Interpreter inference;
  private final ModelInfo info;
  private final int maxBatch;
  private final double[][] params;
  private final double[][] grads;
  private final double[][] buffers;
  private final List<RunningStats.Stat> stats;
  private final double[] inputGrads;
  private long dropoutSeed;

  /** {@code graph} must be differentiated with input gradients. */
  public InterpretedModel(Graph graph, int maxBatch) {
    this(graph, maxBatch, null);
  }

  private InterpretedModel(Graph graph, int maxBatch, double[][] sharedParams) {
    this(graph, maxBatch, sharedParams, null);
  }

  private InterpretedModel(Graph graph, int maxBatch, double[][] sharedParams, double[][] sharedBuffers) {
    if (graph.kind() != Graph.Kind.MODEL || graph.inputGrads().size() != graph.inputs().size()) {
      throw new IllegalArgumentException("needs a model graph differentiated w.r.t. its inputs");
    }
    this.graph = graph;
    this.interpreter = new Interpreter(graph);
    this.inference = new Interpreter(graph).training(false);
    this.info = GraphInfo.of(graph, Precision.FLOAT64);
    this.maxBatch = maxBatch;
    this.params = sharedParams != null ? sharedParams : blocks(info);
    this.grads = blocks(info);
    this.stats = RunningStats.of(graph);
    if (sharedBuffers != null) {
      this.buffers = sharedBuffers;
    } else {
      this.buffers = new double[info.buffers().size()][];
      for (TensorInfo t : info.buffers()) buffers[t.firstBlock()] = new double[t.size()];
      Initializers.resetBuffers(info, null, buffers);
    }
    this.inputGrads = new double[maxBatch * info.inputSize()];
  }

  private static double[][] blocks(ModelInfo info) {
    double[][] b = new double[info.blockCount()][];
    for (TensorInfo t : info.params()) {
      for (int i = 0; i < t.blockCount(); i++) b[t.firstBlock() + i] = new double[t.blockSize()];
    }
    return b;
  }

  @Override
  public ModelInfo info() {
    return info;
  }

  @Override
  public int maxBatch() {
    return maxBatch;
  }

  @Override
  public void initParams(long seed) {
    Initializers.initialize(this, seed);
  }

  @Override
  public void setDropoutSeed(long seed) {
    this.dropoutSeed = seed;
  }

  @Override
  public InterpretedModel replica() {
    return new InterpretedModel(graph, maxBatch, params, buffers);
  }

  @Override
  public double[][] params() {
    return params;
  }

  @Override
  public double[][] grads() {
    return grads;
  }

  @Override
  public double[][] buffers() {
    return buffers;
  }

  @Override
  public boolean batchCoupled() {
    return RunningStats.coupled(graph);
  }

  private Map<String, double[]> bufferValues() {
    Map<String, double[]> m = new LinkedHashMap<>();
    for (TensorInfo t : info.buffers()) m.put(t.name(), buffers[t.firstBlock()]);
    return m;
  }

  /** The parameters as flat row-major arrays by name, as the interpreter takes them. */
  public Map<String, double[]> paramValues() {
    Map<String, double[]> m = new LinkedHashMap<>();
    for (TensorInfo t : info.params()) {
      double[] flat = new double[t.size()];
      for (int i = 0; i < t.blockCount(); i++) {
        System.arraycopy(params[t.firstBlock() + i], 0, flat, i * t.blockSize(), t.blockSize());
      }
      m.put(t.name(), flat);
    }
    return m;
  }

  /** Sets every parameter from flat row-major arrays by name. */
  public void setParamValues(Map<String, double[]> values) {
    for (TensorInfo t : info.params()) {
      double[] flat = values.get(t.name());
      for (int i = 0; i < t.blockCount(); i++) {
        System.arraycopy(flat, i * t.blockSize(), params[t.firstBlock() + i], 0, t.blockSize());
      }
    }
  }

  @Override
  public void predict(double[] x, int xOff, double[] out, int outOff) {
    double[] xs = java.util.Arrays.copyOfRange(x, xOff, xOff + info.inputSize());
    double[] ts = new double[info.targetSize()];
    inference.setRunningStats(bufferValues());
    double[] o = inference.run(paramValues(), xs, ts, 1).outputs()[0];
    System.arraycopy(o, 0, out, outOff, o.length);
  }

  private void checkBatch(int batch) {
    if (batch < 1 || batch > maxBatch) {
      throw new IllegalArgumentException("batch " + batch + " is not between 1 and the maximum"
          + " batch " + maxBatch + " of model " + info.name());
    }
  }

  @Override
  public void predictBatch(double[] xs, double[] outs, int batch) {
    checkBatch(batch);
    for (int s = 0; s < batch; s++) predict(xs, s * info.inputSize(), outs, s * info.outputSize());
  }

  @Override
  public double loss(double[] xs, int xOff, double[] ts, int tOff, int batch) {
    checkBatch(batch);
    double[] x = java.util.Arrays.copyOfRange(xs, xOff, xOff + batch * info.inputSize());
    double[] t = java.util.Arrays.copyOfRange(ts, tOff, tOff + batch * info.targetSize());
    inference.setRunningStats(bufferValues());
    return inference.run(paramValues(), x, t, batch).loss();
  }

  @Override
  public double lossAndGradient(double[] xs, int xOff, double[] ts, int tOff, int batch,
      boolean inputGradients) {
    checkBatch(batch);
    for (RunningStats.Stat s : stats) RunningStatistics.checkValues(s.name(), batch, s.count());
    Interpreter.Result r = run(xs, xOff, ts, tOff, batch);
    // A training step updates the running statistics from the batch's (as PyTorch's forward).
    for (int k = 0; k < stats.size(); k++) {
      RunningStats.Stat s = stats.get(k);
      double[] v = interpreter.batchStatistics().get(s.name());
      if (v != null) RunningStatistics.update(buffers[k], v, s.momentum(), s.variance(), batch * s.count());
    }
    for (TensorInfo t : info.params()) {
      double[] g = r.paramGrads().get(t.name());
      for (int i = 0; i < t.blockCount(); i++) {
        System.arraycopy(g, i * t.blockSize(), grads[t.firstBlock() + i], 0, t.blockSize());
      }
    }
    if (inputGradients) {
      for (int s = 0; s < batch; s++) {
        System.arraycopy(r.inputGrads()[s], 0, inputGrads, s * info.inputSize(), info.inputSize());
      }
    }
    return r.loss();
  }

  /** Loss, outputs and every gradient of one batch, as the interpreter gives them. */
  public Interpreter.Result run(double[] xs, int xOff, double[] ts, int tOff, int batch) {
    double[] x = java.util.Arrays.copyOfRange(xs, xOff, xOff + batch * info.inputSize());
    double[] t = java.util.Arrays.copyOfRange(ts, tOff, tOff + batch * info.targetSize());
    interpreter.setDropoutSeed(dropoutSeed);
    int first = info.inputSize() == 0 ? 0 : xOff / info.inputSize();
    return interpreter.run(paramValues(), x, t, batch, first);
  }

  @Override
  public double[] inputGradients() {
    return inputGrads;
  }
}
