package dev.deltac.compiler.interp;

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
    for (int s = 0; s < batch; s++) {
      Map<Integer, double[]> v = evaluate(params, xs, s * inSize, ts, s * tSize, firstSample + s);
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
