package dev.deltac.compiler.ast;

import dev.deltac.compiler.diag.SourceSpan;
import java.util.List;

/** Top-level declarations: a {@code model} or a {@code function}. */
public sealed interface Decl {
  Ident name();

  SourceSpan span();

  /** {@code model NAME { stmts }}. */
  record Model(Ident name, List<Stmt> body, SourceSpan span) implements Decl {
    public Model {
      body = List.copyOf(body);
    }
  }

  /** {@code function NAME(args) { stmts; return EXPR }}. */
  record Function(Ident name, List<Arg> args, List<Stmt> body, SourceSpan span) implements Decl {
    public Function {
      args = List.copyOf(args);
      body = List.copyOf(body);
    }
  }

  /** A function argument with an optional shape ({@code a[3]}); empty shape is a scalar. */
  record Arg(Ident name, List<Dim> shape, SourceSpan span) {
    public Arg {
      shape = List.copyOf(shape);
    }
  }
}
