package dev.deltac.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
  @Test
  void constantNeverChanges() {
    LrSchedule s = LrSchedule.constant(0.3);
    assertEquals(0.3, s.at(0));
    assertEquals(0.3, s.at(1_000_000));
  }

  @Test
  void stepDecaysEveryNSteps() {
    LrSchedule s = LrSchedule.step(1.0, 10, 0.5);
    assertEquals(1.0, s.at(0));
    assertEquals(1.0, s.at(9));
    assertEquals(0.5, s.at(10));
    assertEquals(0.25, s.at(25));
  }

  @Test
  void cosineGoesFromLrToMin() {
    LrSchedule s = LrSchedule.cosine(1.0, 100, 0.1);
    assertEquals(1.0, s.at(0), 1e-12);
    assertEquals(0.55, s.at(50), 1e-12); // 0.1 + 0.9 * (1 + cos(pi/2)) / 2
    assertEquals(0.1 + 0.9 * (1 + Math.cos(Math.PI / 4)) / 2, s.at(25), 1e-12);
    assertEquals(0.1, s.at(100), 1e-12);
    assertEquals(0.1, s.at(500), 1e-12);
  }

  @Test
  void warmupThenCosine() {
    LrSchedule s = LrSchedule.warmup(4, LrSchedule.cosine(0.8, 10, 0));
    assertEquals(0.2, s.at(0), 1e-12);
    assertEquals(0.4, s.at(1), 1e-12);
    assertEquals(0.8, s.at(3), 1e-12);
    assertEquals(0.8, s.at(4), 1e-12); // cosine's step 0
    assertEquals(0.4, s.at(9), 1e-12); // cosine's step 5 of 10
    assertEquals(0.0, s.at(14), 1e-12);
  }
}
