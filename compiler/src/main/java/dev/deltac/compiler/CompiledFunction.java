package dev.deltac.compiler;

import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.opt.Optimizer;

/** One compiled {@code function}: its value and its gradient with respect to every argument. */
public final class CompiledFunction {
  private final String file;
  private final Graph lowered;
  private Graph gradient;

  CompiledFunction(String file, Graph lowered) {
    this.file = file;
    this.lowered = lowered;
  }

  public String name() {
    return lowered.name();
  }

  public String file() {
    return file;
  }

  public Graph lowered() {
    return lowered;
  }

  /** The optimized graph of the value and its gradient w.r.t. the arguments. */
  public synchronized Graph gradient() {
    if (gradient == null) gradient = Optimizer.backward(lowered, true);
    return gradient;
  }

  /** The float64 reference interpreter over {@link #gradient()}. */
  public Interpreter interpreter() {
    return new Interpreter(gradient());
  }
}
