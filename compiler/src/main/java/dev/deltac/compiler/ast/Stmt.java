package dev.deltac.compiler.ast;

import dev.deltac.compiler.diag.SourceSpan;
import java.util.List;

/** Statements of model and function bodies (dsl.md sections 2, 6, 7). */
public sealed interface Stmt {
  SourceSpan span();

  /**
   * {@code input NAME[d1, ..., dk]}, {@code input NAME: float[...]} or {@code input NAME: int[...]};
   * an empty shape is a scalar. {@code integer}: the values are class indices (dsl.md section 9).
   */
  record Input(Ident name, List<Dim> shape, boolean integer, SourceSpan span) implements Stmt {
    public Input {
      shape = List.copyOf(shape);
    }

    public Input(Ident name, List<Dim> shape, SourceSpan span) {
      this(name, shape, false, span);
    }
  }

  /** {@code target NAME[...]}, {@code target NAME: int[...]}. */
  record Target(Ident name, List<Dim> shape, boolean integer, SourceSpan span) implements Stmt {
    public Target {
      shape = List.copyOf(shape);
    }

    public Target(Ident name, List<Dim> shape, SourceSpan span) {
      this(name, shape, false, span);
    }
  }

  /** {@code param NAME[...] (= INIT)?}; {@code init} is null when absent (the default applies). */
  record Param(Ident name, List<Dim> shape, Init init, SourceSpan span) implements Stmt {
    public Param {
      shape = List.copyOf(shape);
    }
  }

  /**
   * {@code const NAME = NUMBER} (empty shape, one value) or {@code const NAME[n] = [v1, ..., vn]}.
   */
  record Const(Ident name, List<Dim> shape, List<Expr> values, SourceSpan span) implements Stmt {
    public Const {
      shape = List.copyOf(shape);
      values = List.copyOf(values);
    }
  }

  /** {@code NAME = EXPR}: a binding, or an assignment to a state inside {@code for}. */
  record Bind(Ident name, Expr value, SourceSpan span) implements Stmt {}

  /**
   * {@code state NAME[...] = EXPR}. The start is either an expression or an initializer name
   * ({@code zeros}, {@code ones}, {@code const(v)}); the checker decides which.
   */
  record State(Ident name, List<Dim> shape, Expr start, SourceSpan span) implements Stmt {
    public State {
      shape = List.copyOf(shape);
    }
  }

  /** {@code for VAR in FROM..TO { ... }}, {@code TO} exclusive. */
  record For(Ident var, Dim from, Dim to, List<Stmt> body, SourceSpan span) implements Stmt {
    public For {
      body = List.copyOf(body);
    }
  }

  /** {@code output a, b}. */
  record Output(List<Ident> names, SourceSpan span) implements Stmt {
    public Output {
      names = List.copyOf(names);
    }
  }

  /** {@code loss EXPR} or, with {@code accumulate}, {@code loss += EXPR}. */
  record Loss(Expr value, boolean accumulate, SourceSpan span) implements Stmt {}

  /** {@code train { key value ... }}. */
  record Train(List<TrainSetting> settings, SourceSpan span) implements Stmt {
    public Train {
      settings = List.copyOf(settings);
    }
  }

  /** {@code return EXPR} in a function. */
  record Return(Expr value, SourceSpan span) implements Stmt {}
}
