package dev.deltac.compiler.interp;

import dev.deltac.compiler.ir.LoopBody;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import java.util.HashMap;
import java.util.Map;

/**
 * Rolled loops ({@link Op#LOOP}, {@link Op#LOOP_GRAD}) in the reference interpreter: the body
 * graph is evaluated once per step, node by node, with its leaves bound to the carried values,
 * t and the captures (see {@link LoopBody} for the layout).
 */
final class Loops {
  private Loops() {}

  /** LOOP: operands (carried starts, captures) → the rows of carried values. */
  static double[] forward(Node n, double[][] in) {
    LoopBody body = n.attr().body();
    int from = n.attr().intAt(0);
    int to = n.attr().intAt(1);
    int row = body.rowSize();
    int c = body.carried();
    double[] out = new double[(to - from + 1) * row];
    for (int i = 0; i < c; i++) System.arraycopy(in[i], 0, out, body.offset(i), in[i].length);
    Map<Integer, double[]> bound = new HashMap<>();
    for (int k = 0; k < body.captures(); k++) bound.put(body.capture(k).id(), in[c + k]);
    for (int t = from; t < to; t++) {
      int base = (t - from) * row;
      for (int i = 0; i < c; i++) bound.put(body.carriedIn(i).id(), part(out, base + body.offset(i), body.carriedIn(i).size()));
      bound.put(body.t().id(), new double[] {t});
      Map<Integer, double[]> v = evaluate(body, bound);
      for (int i = 0; i < c; i++) {
        double[] o = v.get(body.carriedOut(i).id());
        System.arraycopy(o, 0, out, base + row + body.offset(i), o.length);
      }
    }
    return out;
  }

  /** LOOP_GRAD: operands (the LOOP's rows, their cotangent, captures, accumulators). */
  static double[] backward(Node n, double[][] in) {
    LoopBody body = n.attr().body();
    int from = n.attr().intAt(0);
    int to = n.attr().intAt(1);
    int row = body.rowSize();
    int c = body.carried();
    int k = body.captures();
    int[] active = body.active();
    double[] rows = in[0];
    double[] g = in[1];
    Map<Integer, double[]> bound = new HashMap<>();
    for (int j = 0; j < k; j++) bound.put(body.capture(j).id(), in[2 + j]);
    double[][] ct = new double[c][];
    for (int i = 0; i < c; i++) ct[i] = part(g, (to - from) * row + body.offset(i), body.carriedIn(i).size());
    double[][] acc = new double[active.length][];
    for (int j = 0; j < active.length; j++) acc[j] = in[2 + k + j];
    for (int t = to - 1; t >= from; t--) {
      int base = (t - from) * row;
      for (int i = 0; i < c; i++) {
        bound.put(body.carriedIn(i).id(), part(rows, base + body.offset(i), body.carriedIn(i).size()));
        bound.put(body.cotangent(i).id(), ct[i]);
      }
      for (int j = 0; j < active.length; j++) bound.put(body.accumulator(j).id(), acc[j]);
      bound.put(body.t().id(), new double[] {t});
      Map<Integer, double[]> v = evaluate(body, bound);
      double[][] next = new double[c][];
      for (int i = 0; i < c; i++) next[i] = v.get(body.carriedGrad(i).id());
      for (int j = 0; j < active.length; j++) acc[j] = v.get(body.captureGrad(j).id());
      ct = next;
    }
    int size = row;
    for (int j : active) size += body.capture(j).size();
    double[] out = new double[size];
    for (int i = 0; i < c; i++) System.arraycopy(ct[i], 0, out, body.offset(i), ct[i].length);
    int off = row;
    for (double[] a : acc) {
      System.arraycopy(a, 0, out, off, a.length);
      off += a.length;
    }
    return out;
  }

  private static double[] part(double[] a, int off, int n) {
    double[] p = new double[n];
    System.arraycopy(a, off, p, 0, n);
    return p;
  }

  private static Map<Integer, double[]> evaluate(LoopBody body, Map<Integer, double[]> bound) {
    Map<Integer, double[]> values = new HashMap<>(bound);
    for (Node m : body.graph().nodes()) {
      if (values.containsKey(m.id())) continue;
      if (m.op().kind == Op.Kind.LEAF && m.op() != Op.CONST) {
        throw new IllegalStateException("unbound leaf in a loop body: " + m);
      }
      double[][] in = new double[m.inputs().size()][];
      for (int i = 0; i < in.length; i++) in[i] = values.get(m.input(i).id());
      values.put(m.id(), Kernels.eval(m, in));
    }
    return values;
  }
}
