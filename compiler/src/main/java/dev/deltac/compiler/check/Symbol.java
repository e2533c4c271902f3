package dev.deltac.compiler.check;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.types.Shape;

/**
 * A resolved name. {@code shape} is null only when the defining expression had an error (then the
 * pipeline stops before the IR). {@code definition} is what defines it: the {@code Stmt} (input,
 * target, param, const, bind, state, for), the {@code Decl.Arg} of a function, or the
 * {@link LayerParam} for a layer's {@code h.W}.
 */
public record Symbol(String name, Kind kind, Shape shape, SourceSpan span, Object definition) {
  public enum Kind {
    INPUT("input"), TARGET("target"), PARAM("param"), LAYER_PARAM("layer param"), CONST("const"),
    BINDING("binding"), STATE("state"), LOOP_VAR("loop variable"), ARG("argument");

    public final String label;

    Kind(String label) {
      this.label = label;
    }
  }
}
