package dev.deltac.compiler.interp;

import dev.deltac.compiler.ir.Op;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs an IR graph in float64, one sample at a time: the trusted oracle for derivative rules and
 * for generated code. Batch semantics follow dsl.md: the batch loss is the mean of the
 * per-sample losses, so parameter gradients are averaged and each sample's input gradient is its
 * per-sample gradient divided by the batch size.
 */
public final class Interpreter {
  private final Graph graph;
  private long dropoutSeed;
  private boolean training = true;

  public Interpreter(Graph graph) {
    this.graph = graph;
  }

  public Graph graph() {
    return graph;
  }

  /** In inference mode every dropout mask is 1; training mode (the default) draws them. */
  public Interpreter training(boolean on) {
    this.training = on;
    return this;
  }

  /** Seeds dropout masks, as {@code Model.setDropoutSeed} does for generated classes. */
  public void setDropoutSeed(long seed) {
    this.dropoutSeed = seed;
  }

  private Map<String, double[]> runningStats = Map.of();
  private final Map<String, double[]> batchStats = new LinkedHashMap<>();

  /**
   * The running statistics of batch_norm by name (flat, one value per channel), read by
   * inference: the named batch statistics in inference mode and the {@code RUNNING_STAT} leaves.
   */
  public void setRunningStats(Map<String, double[]> stats) {
    this.runningStats = stats;
  }

  /**
   * The batch statistics of the last training-mode run by running-statistic name (the batch
   * mean, and the biased batch variance), one value per channel.
   */
  public Map<String, double[]> batchStatistics() {
    return batchStats;
  }

  /** The loss, outputs and gradients of one batch. */
  public record Result(double loss, double[][] outputs, Map<String, double[]> paramGrads,
      double[][] inputGrads) {}

  /**
   * Values of every node (by id) for one sample; inputs and targets are read packed from
   * {@code x[xOff...]} and {@code t[tOff...]} (t may be null when no node needs a target).
   */
  public Map<Integer, double[]> evaluate(Map<String, double[]> params, double[] x, int xOff,
      double[] t, int tOff) {
    return evaluate(params, x, xOff, t, tOff, 0);
  }

  /** As above, for the sample at index {@code sample} of its batch array (dropout masks). */
  public Map<Integer, double[]> evaluate(Map<String, double[]> params, double[] x, int xOff,
      double[] t, int tOff, int sample) {
    Map<Integer, double[]> values = new HashMap<>();
    bindPacked(values, graph.inputs(), x, xOff, sample);
    if (t != null) bindPacked(values, graph.targets(), t, tOff, sample);
    for (Node p : graph.params()) {
      double[] v = params.get(p.attr().name());
      if (v == null) throw new IllegalArgumentException("no value for param " + p.attr().name());
      if (v.length != p.size()) {
        throw new IllegalArgumentException("param " + p.attr().name() + " needs " + p.size()
            + " values, got " + v.length);
      }
      values.put(p.id(), v);
    }
    for (Node n : graph.nodes()) {
      if (values.containsKey(n.id())) continue;
      if (n.op() == dev.deltac.compiler.ir.Op.DROPOUT_MASK) {
        values.put(n.id(), mask(n, sample));
        continue;
      }
      double[][] in = new double[n.inputs().size()][];
      for (int i = 0; i < in.length; i++) in[i] = values.get(n.input(i).id());
      values.put(n.id(), Kernels.eval(n, in));
    }
    return values;
  }

  /**
   * Values of every node for every sample of a batch, node by node over the whole batch (the
   * samples are coupled by {@link Op#BATCH_MEAN}: its value is the mean of its operand over all
   * samples, summed in sample order).
   */
  public List<Map<Integer, double[]>> evaluateBatch(Map<String, double[]> params, double[] xs,
      double[] ts, int batch, int firstSample) {
    int inSize = packedSize(graph.inputs());
    int tSize = packedSize(graph.targets());
    List<Map<Integer, double[]>> all = new java.util.ArrayList<>();
    for (int s = 0; s < batch; s++) {
      Map<Integer, double[]> values = new HashMap<>();
      bindPacked(values, graph.inputs(), xs, s * inSize, firstSample + s);
      if (ts != null) bindPacked(values, graph.targets(), ts, s * tSize, firstSample + s);
      for (Node p : graph.params()) values.put(p.id(), paramValue(params, p));
      all.add(values);
    }
    batchStats.clear();
    for (Node n : graph.nodes()) {
      if (all.get(0).containsKey(n.id())) continue;
      if (n.op() == Op.RUNNING_STAT || (n.op() == Op.BATCH_MEAN && n.attr().name() != null && !training)) {
        double[] v = runningStats.get(n.attr().name());
        if (v == null || v.length != n.size()) {
          throw new IllegalArgumentException("no running statistic " + n.attr().name() + " of " + n.size() + " values");
        }
        for (Map<Integer, double[]> values : all) values.put(n.id(), v);
        continue;
      }
      if (n.op() == Op.BATCH_MEAN) {
        double[] m = new double[n.size()];
        for (Map<Integer, double[]> values : all) {
          double[] a = values.get(n.input(0).id());
          for (int i = 0; i < m.length; i++) m[i] += a[i];
        }
        for (int i = 0; i < m.length; i++) m[i] /= batch;
        if (n.attr().name() != null) batchStats.put(n.attr().name(), m);
        for (Map<Integer, double[]> values : all) values.put(n.id(), m);
        continue;
      }
      for (int s = 0; s < batch; s++) {
        Map<Integer, double[]> values = all.get(s);
        if (n.op() == Op.DROPOUT_MASK) {
          values.put(n.id(), mask(n, firstSample + s));
          continue;
        }
        double[][] in = new double[n.inputs().size()][];
        for (int i = 0; i < in.length; i++) in[i] = values.get(n.input(i).id());
        values.put(n.id(), Kernels.eval(n, in));
      }
    }
    return all;
  }

  private static double[] paramValue(Map<String, double[]> params, Node p) {
    double[] v = params.get(p.attr().name());
    if (v == null) throw new IllegalArgumentException("no value for param " + p.attr().name());
    if (v.length != p.size()) {
      throw new IllegalArgumentException("param " + p.attr().name() + " needs " + p.size()
          + " values, got " + v.length);
    }
    return v;
  }

  private double[] mask(Node n, int sample) {
    double[] m = new double[n.size()];
    if (!training) {
      java.util.Arrays.fill(m, 1.0);
      return m;
    }
    int id = n.attr().intAt(0);
    double rate = n.attr().doubleAt(0);
    for (int i = 0; i < m.length; i++) {
      m[i] = dev.deltac.runtime.Dropout.scale(dropoutSeed, sample, id, i, rate);
    }
    return m;
  }

  private static void bindPacked(Map<Integer, double[]> values, List<Node> leaves, double[] src,
      int off, int sample) {
    for (Node leaf : leaves) {
      if (leaf.isInteger()) {
        dev.deltac.runtime.Indices.check(src, off, leaf.size(), leaf.indexBound(),
            leaf.op() == dev.deltac.compiler.ir.Op.INPUT ? "input" : "target", leaf.attr().name(), sample);
      }
      double[] v = new double[leaf.size()];
      System.arraycopy(src, off, v, 0, v.length);
      values.put(leaf.id(), v);
      off += v.length;
    }
  }

  /** Runs a batch packed back to back from offset 0. */
  public Result run(Map<String, double[]> params, double[] xs, double[] ts, int batch) {
    return run(params, xs, ts, batch, 0);
  }

  /**
   * Runs a batch packed from offset 0 whose first sample has index {@code firstSample} in the
   * batch array it was cut from (it seeds the dropout masks, as in generated classes).
   */
  public Result run(Map<String, double[]> params, double[] xs, double[] ts, int batch,
      int firstSample) {
    int inSize = packedSize(graph.inputs());
    int tSize = packedSize(graph.targets());
    int outSize = 0;
    for (Node o : graph.outputs().values()) outSize += o.size();
    double loss = 0;
    double[][] outputs = new double[batch][];
    double[][] inputGrads = new double[batch][];
    Map<String, double[]> grads = new LinkedHashMap<>();
    graph.paramGrads().forEach((name, node) -> grads.put(name, new double[node.size()]));
    List<Map<Integer, double[]>> all = null;
    for (Node n : graph.nodes()) {
      if (n.op() == Op.BATCH_MEAN || n.op() == Op.RUNNING_STAT) {
        all = evaluateBatch(params, xs, ts, batch, firstSample);
        break;
      }
    }
    for (int s = 0; s < batch; s++) {
      Map<Integer, double[]> v = all != null ? all.get(s)
          : evaluate(params, xs, s * inSize, ts, s * tSize, firstSample + s);
      if (graph.loss() != null) loss += v.get(graph.loss().id())[0];
      double[] out = new double[outSize];
      int off = 0;
      for (Node o : graph.outputs().values()) {
        System.arraycopy(v.get(o.id()), 0, out, off, o.size());
        off += o.size();
      }
      outputs[s] = out;
      for (Map.Entry<String, Node> e : graph.paramGrads().entrySet()) {
        double[] acc = grads.get(e.getKey());
        double[] g = v.get(e.getValue().id());
        for (int i = 0; i < acc.length; i++) acc[i] += g[i];
      }
      if (!graph.inputGrads().isEmpty()) {
        double[] ig = new double[inSize];
        off = 0;
        for (Node x : graph.inputs()) {
          double[] g = v.get(graph.inputGrads().get(x.attr().name()).id());
          for (int i = 0; i < g.length; i++) ig[off + i] = g[i] / batch;
          off += x.size();
        }
        inputGrads[s] = ig;
      }
    }
    for (double[] acc : grads.values()) {
      for (int i = 0; i < acc.length; i++) acc[i] /= batch;
    }
    return new Result(loss / batch, outputs, grads, inputGrads);
  }

  private static int packedSize(List<Node> leaves) {
    int n = 0;
    for (Node l : leaves) n += l.size();
    return n;
  }
}
