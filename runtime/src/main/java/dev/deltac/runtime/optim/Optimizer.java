package dev.deltac.runtime.optim;

/**
 * Updates parameter blocks in place from gradient blocks of the same layout. State (momentum,
 * moments) is allocated on the first step, sized like the blocks, and reused: a step allocates
 * nothing. The learning rate is set from outside (see {@link LrSchedule}) before each step.
 */
public interface Optimizer {
  /** One update of {@code params} from {@code grads} with the current learning rate. */
  void step(float[][] params, float[][] grads);

  double learningRate();

  void setLearningRate(double lr);

  /** Steps taken so far. */
  long steps();

  /**
   * Per-element state arrays the optimizer allocates on its first step, each the size of the
   * parameters (Adam 2, SGD with momentum 1, plain SGD 0), for memory planning.
   */
  default int stateArrays() {
    return 0;
  }

  /**
   * A copy of the whole state (steps, learning rate, moments), for checkpoints. Optimizers of
   * other kinds than the built-in ones cannot be checkpointed unless they implement this and
   * {@link #restore}.
   */
  default OptimState state() {
    throw new UnsupportedOperationException(getClass().getName()
        + " cannot be checkpointed: it does not implement Optimizer.state() and restore()");
  }

  /**
   * Continues from {@code state}, a snapshot of an optimizer of the same kind and
   * hyper-parameters (else an IllegalArgumentException says what differs).
   */
  default void restore(OptimState state) {
    throw new UnsupportedOperationException(getClass().getName()
        + " cannot be checkpointed: it does not implement Optimizer.state() and restore()");
  }

  /** Plain SGD. */
  static Sgd sgd(double lr) {
    return new Sgd(lr, 0, false, 0);
  }

  /** SGD with momentum, as PyTorch's {@code SGD(lr, momentum, nesterov=...)}. */
  static Sgd sgd(double lr, double momentum, boolean nesterov) {
    return new Sgd(lr, momentum, nesterov, 0);
  }

  /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
  static Adam adam(double lr) {
    return new Adam(lr, 0.9, 0.999, 1e-8, 0, false);
  }

  static Adam adam(double lr, double beta1, double beta2, double eps) {
    return new Adam(lr, beta1, beta2, eps, 0, false);
  }

  /** AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
  static Adam adamw(double lr) {
    return new Adam(lr, 0.9, 0.999, 1e-8, 0.01, true);
  }

  static Adam adamw(double lr, double beta1, double beta2, double eps, double weightDecay) {
    return new Adam(lr, beta1, beta2, eps, weightDecay, true);
  }
}
