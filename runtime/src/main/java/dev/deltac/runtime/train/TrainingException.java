package dev.deltac.runtime.train;

/**
 * Training cannot go on: a loss, gradient or parameter became NaN or infinite, or a worker
 * failed. The message names the step (1-based) and, where it applies, the parameter tensor:
 * {@code step 123: gradient of W1 is NaN}.
 */
public class TrainingException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long step;

  /** A failure at optimizer step {@code step} (1-based; 0 outside a step). */
  public TrainingException(long step, String message) {
    super("step " + step + ": " + message);
    this.step = step;
  }

  /** A failure at optimizer step {@code step}, and its cause. */
  public TrainingException(long step, String message, Throwable cause) {
    super("step " + step + ": " + message, cause);
    this.step = step;
  }

  /** The optimizer step (1-based) at which training stopped. */
  public long step() {
    return step;
  }
}
