package dev.deltac.runtime;

/**
 * A generated {@code function} in float32. Arguments are packed in declaration order
 * ({@code info().inputs()}); the gradient is packed the same way.
 */
public interface FloatFunction {
  ModelInfo info();

  float value(float[] args);

  /** Writes df/d(args) into {@code grad} and returns f. */
  float gradient(float[] args, float[] grad);
}
