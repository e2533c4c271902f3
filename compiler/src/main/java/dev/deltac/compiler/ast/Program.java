package dev.deltac.compiler.ast;

import java.util.List;

/** A parsed {@code .nn} file: its declarations in source order, and the text it came from. */
public record Program(String file, String source, List<Decl> decls) {
  public Program {
    decls = List.copyOf(decls);
  }
}
