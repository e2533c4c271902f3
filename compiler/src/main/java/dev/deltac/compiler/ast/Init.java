package dev.deltac.compiler.ast;

import dev.deltac.compiler.diag.SourceSpan;
import java.util.List;

/** An initializer: {@code he}, {@code normal(0, 0.1)}, {@code const(0.5)}, ... */
public record Init(Ident name, List<Expr> args, SourceSpan span) {
  public Init {
    args = List.copyOf(args);
  }
}
