package dev.deltac.compiler;

import dev.deltac.compiler.check.TrainSpec;
import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.opt.Optimizer;

/**
 * One compiled model: its lowered graph, the optimized forward and reverse-mode graphs (made on
 * first use), the defaults of its {@code train} block, and its interpreter.
 */
public final class CompiledModel {
  private final String file;
  private final Graph lowered;
  private final TrainSpec train;
  private Graph forward;
  private Graph backward;
  private Graph backwardWithInputs;

  CompiledModel(String file, Graph lowered, TrainSpec train) {
    this.file = file;
    this.lowered = lowered;
    this.train = train;
  }

  public String name() {
    return lowered.name();
  }

  /** The {@code .nn} file it came from. */
  public String file() {
    return file;
  }

  /** The lowered graph, before fusion and differentiation. */
  public Graph lowered() {
    return lowered;
  }

  /** The {@code train} block's settings; fields are null when not given. */
  public TrainSpec train() {
    return train;
  }

  /** Outputs and loss, with fused losses: what {@code predict} and {@code loss} run. */
  public synchronized Graph forward() {
    if (forward == null) forward = Optimizer.forward(lowered);
    return forward;
  }

  /** The optimized reverse-mode graph, gradients w.r.t. params only: the training step. */
  public synchronized Graph backward() {
    if (backward == null) backward = Optimizer.backward(lowered, false);
    return backward;
  }

  /** The optimized reverse-mode graph with gradients w.r.t. inputs too. */
  public synchronized Graph backwardWithInputs() {
    if (backwardWithInputs == null) backwardWithInputs = Optimizer.backward(lowered, true);
    return backwardWithInputs;
  }

  /** The float64 reference interpreter over {@link #backwardWithInputs()}. */
  public Interpreter interpreter() {
    return new Interpreter(backwardWithInputs());
  }
}
