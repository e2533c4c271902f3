package dev.deltac.compiler.check;

import java.util.LinkedHashMap;
import java.util.Map;

/** Names visible at a point: a declaration's top level, or the body of a {@code for}. */
final class Scope {
  final Scope parent;
  final Map<String, Symbol> names = new LinkedHashMap<>();
  /** Iterations of the enclosing loops (1 at top level), for buffer sizes. */
  final long iterations;

  Scope(Scope parent, long iterations) {
    this.parent = parent;
    this.iterations = iterations;
  }

  Symbol lookup(String name) {
    for (Scope s = this; s != null; s = s.parent) {
      Symbol sym = s.names.get(name);
      if (sym != null) return sym;
    }
    return null;
  }

  boolean inLoop() {
    return parent != null;
  }

  void visible(java.util.Collection<String> out) {
    for (Scope s = this; s != null; s = s.parent) out.addAll(s.names.keySet());
  }
}
