package dev.deltac.compiler.opt;

import dev.deltac.compiler.ir.Attr;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.LoopBody;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.Rewriter;
import java.util.function.UnaryOperator;

/** Runs an optimization pass over the body graphs of a graph's rolled loops. */
final class LoopBodies {
  private LoopBodies() {}

  /** {@code g} with {@code pass} applied to the body of every {@code op} node (LOOP or LOOP_GRAD). */
  static Graph map(Graph g, Op op, UnaryOperator<Graph> pass) {
    boolean any = false;
    for (var n : g.nodes()) any |= n.op() == op;
    if (!any) return g;
    return Rewriter.rewrite(g, (b, old, ops) -> {
      if (old.op() != op) return null;
      LoopBody body = old.attr().body();
      LoopBody mapped = body.with(pass.apply(body.graph()));
      return b.make(op, Attr.loop(mapped, old.attr().intAt(0), old.attr().intAt(1)), old.span(), ops);
    });
  }
}
