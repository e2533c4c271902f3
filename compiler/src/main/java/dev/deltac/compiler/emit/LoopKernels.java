package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Node;

/** Rolled loops in generated code (placeholder). */
final class LoopKernels {
  private LoopKernels() {}

  static void forward(NodeKernels k, Access a, Node n, Expr o, Code c) {
    throw new IllegalStateException("not yet");
  }

  static void backward(NodeKernels k, Access a, Node n, Expr o, Code c) {
    throw new IllegalStateException("not yet");
  }
}
