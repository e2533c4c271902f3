package dev.deltac.compiler.opt;

import dev.deltac.compiler.autodiff.ReverseMode;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Op;

/**
 * The middle of the pipeline, from a lowered forward graph to the optimized graph that the
 * code generator and the interpreter run:
 *
 * <ol>
 *   <li>{@link LossFusion}: activation + matching loss become the stable fused loss;
 *   <li>{@link ReverseMode}: gradients of the per-sample loss w.r.t. params (and inputs);
 *   <li>{@link Simplify}: constant folding, identities, CSE and DCE;
 *   <li>{@link DeltaFusion}: the δ-recurrence of dense layers as one node.
 * </ol>
 */
public final class Optimizer {
  private Optimizer() {}

  /** The inference graph: no dropout ({@link Inference}), losses fused, simplified. */
  public static Graph forward(Graph lowered) {
    Graph g = LoopBodies.map(lowered, Op.LOOP, b -> Simplify.run(LossFusion.run(Inference.run(b))));
    return Simplify.run(LossFusion.run(Inference.run(g)));
  }

  /**
   * The optimized reverse-mode graph of the training step (dropout masks kept); with
   * {@code inputGradients}, dL/dinput too. A model's loss is seeded with the {@code SEED} leaf
   * (1 in the interpreter, 1/batch in generated models); a function's with the constant 1.
   */
  public static Graph backward(Graph lowered, boolean inputGradients) {
    return backward(lowered, inputGradients, lowered.kind() == Graph.Kind.MODEL);
  }

  private static Graph backward(Graph lowered, boolean inputGradients, boolean seeded) {
    // Loop bodies get the passes the unrolled graph would: fusions and simplification before
    // reverse mode, simplification and the δ fusion of the reverse bodies after.
    Graph pre = LoopBodies.map(lowered, Op.LOOP, b -> Simplify.run(LossFusion.run(b)));
    Graph g = ReverseMode.differentiate(Simplify.run(LossFusion.run(pre)), inputGradients, seeded);
    return LoopBodies.map(DeltaFusion.run(Simplify.run(g)), Op.LOOP_GRAD,
        b -> DeltaFusion.run(Simplify.run(b)));
  }

  /** The reverse-mode graph in inference mode (dropout off): a function's gradient (seed 1). */
  public static Graph inferenceBackward(Graph lowered) {
    return backward(Inference.run(lowered), true, false);
  }
}
