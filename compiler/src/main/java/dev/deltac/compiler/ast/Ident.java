package dev.deltac.compiler.ast;

import dev.deltac.compiler.diag.SourceSpan;

/** A name as written in the source, with its position. */
public record Ident(String name, SourceSpan span) {
  @Override
  public String toString() {
    return name;
  }
}
