package dev.deltac.compiler.emit;

/**
 * A local variable (or method parameter) of generated code. Its Java name is chosen when the
 * method is rendered ({@link Render}): {@code hint} if free in that scope, else a variant, never
 * a field's name, a type's simple name or a keyword. {@code serial} tells apart the locals of one
 * kernel that share a hint; kernels built the same way get equal locals, so equal code.
 */
record Local(String hint, int serial) {
  /** A method parameter or a local outside any kernel, with a fixed hint. */
  static Local of(String hint) {
    return new Local(hint, -1);
  }
}
