package dev.deltac.compiler.ir;

import java.util.Map;

/**
 * A readable, stable text dump of a graph: one node per line in topological order, then its
 * roots. Node numbers are renumbered from 0 in dump order so that dumps are stable across
 * passes and usable as golden files.
 */
public final class IrPrinter {
  private IrPrinter() {}

  public static String print(Graph g) {
    Map<Integer, Integer> number = new java.util.HashMap<>();
    for (Node n : g.nodes()) number.put(n.id(), number.size());
    StringBuilder sb = new StringBuilder();
    sb.append(g.kind() == Graph.Kind.MODEL ? "model " : "function ").append(g.name()).append('\n');
    for (Node n : g.nodes()) {
      sb.append("  %").append(number.get(n.id())).append(' ').append(n.shape()).append(" = ")
          .append(n.op().name().toLowerCase(java.util.Locale.ROOT));
      String a = n.attr().toString();
      if (!a.isEmpty()) sb.append('<').append(a).append('>');
      sb.append('(');
      for (int i = 0; i < n.inputs().size(); i++) {
        sb.append(i > 0 ? ", " : "").append('%').append(number.get(n.input(i).id()));
      }
      sb.append(")\n");
    }
    g.outputs().forEach((k, v) -> root(sb, "output " + k, v, number));
    if (g.loss() != null) root(sb, g.kind() == Graph.Kind.MODEL ? "loss" : "value", g.loss(), number);
    g.paramGrads().forEach((k, v) -> root(sb, "grad " + k, v, number));
    g.inputGrads().forEach((k, v) -> root(sb, "grad input " + k, v, number));
    return sb.toString();
  }

  private static void root(StringBuilder sb, String label, Node n, Map<Integer, Integer> number) {
    sb.append("  ").append(label).append(" = %").append(number.get(n.id())).append('\n');
  }
}
