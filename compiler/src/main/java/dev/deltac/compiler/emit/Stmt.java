package dev.deltac.compiler.emit;

import com.palantir.javapoet.TypeName;
import java.util.List;

/** A statement of generated kernel code, as a tree (see {@link Expr} and {@link Render}). */
sealed interface Stmt {
  /**
   * {@code target op value;} with {@code op} one of {@code = += -= *= /=}. The first-sample
   * rewrite of the gradient pass turns a gradient's first {@code +=} into {@code =} on this.
   */
  record Assign(Expr target, String op, Expr value) implements Stmt {}

  /** {@code type name = init;} ({@code init} may be null), a new local in the enclosing block. */
  record Decl(TypeName type, Local local, Expr init) implements Stmt {}

  /** An expression evaluated for its effect: a call. */
  record Eval(Expr call) implements Stmt {}

  /** {@code for (int v = from; v < to; v += step) body}, the loop variable local to the loop. */
  record For(Local var, Expr from, Expr to, int step, Block body) implements Stmt {}

  /** {@code if (cond) then else orElse}; {@code orElse} may be null. */
  record If(Expr cond, Block then, Block orElse) implements Stmt {}

  /** {@code return value;} ({@code value} may be null). */
  record Return(Expr value) implements Stmt {}

  /** {@code continue;} (the innermost loop's next iteration). */
  record Continue() implements Stmt {}

  /** A line comment; the text is made safe by {@link SourceText#comment}. */
  record Comment(String text) implements Stmt {}

  /** A braced block: a scope of its own for the locals it declares. */
  record Block(List<Stmt> body) implements Stmt {
    public Block {
      body = List.copyOf(body);
    }
  }
}
