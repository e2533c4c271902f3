package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Graph;
import java.util.Objects;

/**
 * Stage 7 of the pipeline: turns optimized IR graphs into the Java source of one specialized
 * class. The output compiles with Janino ({@code dev.deltac.compiler.load.ModelLoader}) and with
 * javac, and depends only on the runtime library.
 *
 * <p>Typical use, from a lowered graph:
 *
 * <pre>{@code
 * String src = JavaEmitter.emitModel(Optimizer.forward(g), Optimizer.backward(g, false),
 *     Optimizer.backward(g, true), EmitOptions.of("Xor").withSourceFile("xor.nn"));
 * }</pre>
 */
public final class JavaEmitter {
  private JavaEmitter() {}

  /**
   * The class of a model.
   *
   * @param forward the forward graph (outputs and per-sample loss), for predict and loss
   * @param backward the reverse-mode graph with param gradients, for lossAndGradient
   * @param backwardWithInputs the same with input gradients too, for lossAndGradient(..., true)
   */
  public static String emitModel(Graph forward, Graph backward, Graph backwardWithInputs,
      EmitOptions options) {
    Objects.requireNonNull(options, "options == null");
    check(forward, Graph.Kind.MODEL, "forward");
    check(backward, Graph.Kind.MODEL, "backward");
    check(backwardWithInputs, Graph.Kind.MODEL, "backwardWithInputs");
    return new ModelEmitter(forward, backward, backwardWithInputs, options).emit();
  }

  /**
   * The class of a function.
   *
   * @param value the forward graph, whose loss is the function's value
   * @param gradient the reverse-mode graph with input gradients
   */
  public static String emitFunction(Graph value, Graph gradient, EmitOptions options) {
    Objects.requireNonNull(options, "options == null");
    Objects.requireNonNull(value, "value == null");
    Objects.requireNonNull(gradient, "gradient == null");
    if (value.loss() == null) throw new IllegalArgumentException("function " + value.name() + " has no value");
    return FunctionEmitter.emit(value, gradient, options);
  }

  private static void check(Graph g, Graph.Kind kind, String what) {
    Objects.requireNonNull(g, what + " == null");
    if (g.kind() != kind) throw new IllegalArgumentException(what + " is a " + g.kind() + " graph");
  }
}
