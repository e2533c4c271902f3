package dev.deltac.runtime;

/**
 * A generated {@code function} in float64. Arguments are packed in declaration order
 * ({@code info().inputs()}); the gradient is packed the same way.
 */
public interface DoubleFunction {
  ModelInfo info();

  double value(double[] args);

  /** Writes df/d(args) into {@code grad} and returns f. */
  double gradient(double[] args, double[] grad);
}
