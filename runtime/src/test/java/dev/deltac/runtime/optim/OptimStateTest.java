package dev.deltac.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class OptimStateTest {
  private static float[][] params() {
    return new float[][] {{0.5f, -1f, 2f}, {0.25f}};
  }

  private static float[][] grads(int step) {
    return new float[][] {{0.1f * step, -0.3f, 0.7f / step}, {step % 2 == 0 ? 1f : -2f}};
  }

  /** Steps 1..total straight, and with a state snapshot taken after {@code cut} steps. */
  private static void continuesBitForBit(Supplier<Optimizer> make, int cut, int total) {
    float[][] p1 = params();
    Optimizer a = make.get();
    for (int t = 1; t <= total; t++) a.step(p1, grads(t));

    float[][] p2 = params();
    Optimizer b = make.get();
    for (int t = 1; t <= cut; t++) b.step(p2, grads(t));
    OptimState s = b.state();
    b.step(p2, grads(99)); // the snapshot must not share storage with b
    Optimizer c = make.get();
    c.restore(s);
    float[][] p3 = params();
    // the parameters at the cut, recomputed
    Optimizer d = make.get();
    for (int t = 1; t <= cut; t++) d.step(p3, grads(t));
    for (int t = cut + 1; t <= total; t++) c.step(p3, grads(t));
    for (int i = 0; i < p1.length; i++) assertArrayEquals(p1[i], p3[i]);
    assertEquals(total, c.steps());
  }

  @Test
  void adamSgdAndAdamwContinueFromASnapshotBitForBit() {
    continuesBitForBit(() -> Optimizer.adam(0.01), 3, 7);
    continuesBitForBit(() -> Optimizer.adamw(0.01), 1, 5);
    continuesBitForBit(() -> Optimizer.sgd(0.1, 0.9, true), 4, 6);
    continuesBitForBit(() -> Optimizer.sgd(0.1), 2, 3);
    continuesBitForBit(() -> Optimizer.adam(0.01), 0, 2); // before the first step: no slots
  }

  @Test
  void aSnapshotHoldsStepsRateAndMoments() {
    Adam a = Optimizer.adam(0.01);
    assertEquals(List.of(), a.state().slots());
    float[][] p = params();
    a.step(p, grads(1));
    a.setLearningRate(0.005);
    OptimState s = a.state();
    assertEquals("adam", s.kind());
    assertEquals(1, s.steps());
    assertEquals(0.005, s.learningRate());
    // m = (1 - beta1) * g after one step
    assertEquals(0.1f * 0.1f, s.slot("m").blocks()[0][0], 1e-9);
    assertEquals("adam(beta1=0.9, beta2=0.999, eps=1.0E-8, weight_decay=0.0)", s.describe());
  }

  @Test
  void anotherKindOrOtherHyperParametersAreRefused() {
    Adam a = Optimizer.adam(0.01);
    a.step(params(), grads(1));
    OptimState s = a.state();
    String e = assertThrows(IllegalArgumentException.class,
        () -> Optimizer.adam(0.01, 0.8, 0.999, 1e-8).restore(s)).getMessage();
    assertEquals("the saved optimizer state is for adam(beta1=0.9, beta2=0.999, eps=1.0E-8,"
        + " weight_decay=0.0), but this optimizer is adam(beta1=0.8, beta2=0.999, eps=1.0E-8,"
        + " weight_decay=0.0)", e);
    e = assertThrows(IllegalArgumentException.class, () -> Optimizer.adamw(0.01).restore(s))
        .getMessage();
    assertTrue(e.contains("but this optimizer is adamw("), e);
    Optimizer custom = new Optimizer() {
      @Override
      public void step(float[][] params, float[][] grads) {}

      @Override
      public double learningRate() {
        return 0;
      }

      @Override
      public void setLearningRate(double lr) {}

      @Override
      public long steps() {
        return 0;
      }
    };
    assertThrows(UnsupportedOperationException.class, custom::state);
  }
}
