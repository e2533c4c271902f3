package dev.deltac.runtime.optim;

/** Shared helpers for optimizer state. */
final class OptimState {
  private OptimState() {}

  static float[][] zerosLike(float[][] blocks) {
    float[][] z = new float[blocks.length][];
    for (int b = 0; b < blocks.length; b++) z[b] = new float[blocks[b].length];
    return z;
  }

  static void checkLayout(float[][] params, float[][] grads, float[][] state) {
    if (grads.length != params.length) {
      throw new IllegalArgumentException("params have " + params.length + " blocks, grads "
          + grads.length);
    }
    if (state != null && state.length != params.length) {
      throw new IllegalArgumentException("optimizer state was made for " + state.length
          + " blocks, params have " + params.length);
    }
  }
}
