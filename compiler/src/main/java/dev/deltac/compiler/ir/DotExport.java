package dev.deltac.compiler.ir;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Graphviz DOT text of a graph. With {@code backward}, nodes of the reverse pass (those not
 * needed by the forward roots) are drawn in a second colour. Labels are escaped, so names from
 * the source cannot break the file.
 */
public final class DotExport {
  private DotExport() {}

  public static String toDot(Graph g) {
    Set<Integer> forward = new HashSet<>();
    java.util.List<Node> fwdRoots = new java.util.ArrayList<>(g.outputs().values());
    if (g.loss() != null) fwdRoots.add(g.loss());
    for (Node n : Graph.reachable(fwdRoots)) forward.add(n.id());
    StringBuilder sb = new StringBuilder();
    sb.append("digraph \"").append(escape(g.name())).append("\" {\n");
    sb.append("  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n");
    for (Node n : g.nodes()) {
      String fill = n.op().kind == Op.Kind.LEAF ? "#e8f0fe" : forward.contains(n.id()) ? "#ffffff" : "#fde7e7";
      String label = n.op().name().toLowerCase(Locale.ROOT);
      String a = n.attr().toString();
      if (!a.isEmpty()) label += " " + a;
      label += "\\n" + n.shape();
      sb.append("  n").append(n.id()).append(" [label=\"").append(escapeLabel(label))
          .append("\", fillcolor=\"").append(fill).append("\"];\n");
    }
    for (Node n : g.nodes()) {
      for (Node in : n.inputs()) sb.append("  n").append(in.id()).append(" -> n").append(n.id()).append(";\n");
    }
    roots(sb, g.outputs(), "output ");
    if (g.loss() != null) roots(sb, Map.of(g.kind() == Graph.Kind.MODEL ? "loss" : "value", g.loss()), "");
    roots(sb, g.paramGrads(), "d/d ");
    roots(sb, g.inputGrads(), "d/d ");
    return sb.append("}\n").toString();
  }

  private static void roots(StringBuilder sb, Map<String, Node> roots, String prefix) {
    for (Map.Entry<String, Node> e : roots.entrySet()) {
      String id = "r" + Integer.toHexString((prefix + e.getKey()).hashCode());
      sb.append("  ").append(id).append(" [shape=plaintext, style=\"\", label=\"")
          .append(escape(prefix + e.getKey())).append("\"];\n");
      sb.append("  n").append(e.getValue().id()).append(" -> ").append(id).append(";\n");
    }
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') sb.append('\\');
      if (c < 0x20) continue;
      sb.append(c);
    }
    return sb.toString();
  }

  /** Like {@link #escape} but keeps our own {@code \n} line breaks. */
  private static String escapeLabel(String s) {
    return escape(s.replace("\\n", "\u0001")).replace("\u0001", "\\n");
  }
}
