package dev.deltac.compiler.testing;

import dev.deltac.runtime.FloatModel;

/** Test helpers for data-parallel determinism tests: a plain SGD update and the params as one array. */
public final class SgdSteps {
  private SgdSteps() {}

  /** params -= lr · grads, element by element. */
  public static void sgd(FloatModel m, float lr) {
    for (int b = 0; b < m.params().length; b++) {
      for (int j = 0; j < m.params()[b].length; j++) m.params()[b][j] -= lr * m.grads()[b][j];
    }
  }

  /** Every param, in order, in one array. */
  public static float[] flatParams(FloatModel m) {
    int n = 0;
    for (float[] p : m.params()) n += p.length;
    float[] out = new float[n];
    int o = 0;
    for (float[] p : m.params()) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }
}
