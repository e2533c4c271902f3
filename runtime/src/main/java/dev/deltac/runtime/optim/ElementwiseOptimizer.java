package dev.deltac.runtime.optim;

/**
 * An optimizer whose update of a parameter element reads only that element's parameter,
 * gradient and state, plus constants fixed for the step. A step can then be cut into element
 * ranges run in any order, on any threads, with the same result bit for bit:
 * {@link #beginStep}, then {@link #update} over disjoint ranges covering every block, then
 * {@link #endStep}. {@link #step} does exactly that on the calling thread.
 */
public interface ElementwiseOptimizer extends Optimizer {
  /**
   * Starts a step: allocates the state on the first step, checks the layout and fixes this
   * step's constants (learning rate, bias corrections).
   */
  void beginStep(float[][] params, float[][] grads);

  /**
   * Updates elements {@code [from, to)} of block {@code block}. Between {@link #beginStep} and
   * {@link #endStep}, calls on disjoint ranges may run concurrently.
   */
  void update(float[][] params, float[][] grads, int block, int from, int to);

  /** Ends the step (counts it). */
  void endStep();

  @Override
  default void step(float[][] params, float[][] grads) {
    beginStep(params, grads);
    for (int b = 0; b < params.length; b++) update(params, grads, b, 0, params[b].length);
    endStep();
  }
}
