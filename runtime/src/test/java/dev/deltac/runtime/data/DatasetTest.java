package dev.deltac.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DatasetTest {
  /** Sample i has inputs (i, 10 i) and target i. */
  static Dataset counting(int n) {
    float[][] xs = new float[n][];
    float[][] ts = new float[n][];
    for (int i = 0; i < n; i++) {
      xs[i] = new float[] {i, 10 * i};
      ts[i] = new float[] {i};
    }
    return Dataset.of(xs, ts);
  }

  @Test
  void ofPacksRowsBackToBack() {
    Dataset d = counting(3);
    assertEquals(3, d.count());
    assertEquals(2, d.inputSize());
    assertEquals(1, d.targetSize());
    assertArrayEquals(new float[] {0, 0, 1, 10, 2, 20}, d.inputs());
    assertThrows(IllegalArgumentException.class,
        () -> Dataset.of(new float[][] {{1}, {1, 2}}, new float[][] {{0}, {0}}));
  }

  @Test
  void shuffleIsSeededAndKeepsPairsTogether() {
    Dataset a = counting(50).shuffled(7);
    Dataset b = counting(50).shuffled(7);
    Dataset c = counting(50).shuffled(8);
    assertArrayEquals(a.inputs(), b.inputs());
    assertFalse(Arrays.equals(a.inputs(), c.inputs()));
    Set<Float> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      assertEquals(a.targets()[i] * 10, a.inputs()[2 * i + 1]);
      seen.add(a.targets()[i]);
    }
    assertEquals(50, seen.size());
  }

  @Test
  void splitTakesTheLastFractionForValidation() {
    Dataset.Split s = counting(10).split(0.2);
    assertEquals(8, s.train().count());
    assertEquals(2, s.validation().count());
    assertArrayEquals(new float[] {8, 9}, s.validation().targets());
    Dataset.Split r = counting(10).split(0.3, 1);
    assertEquals(7, r.train().count());
    assertNotEquals(9f, r.validation().targets()[2]); // shuffled first (seed 1)
  }

  @Test
  void detectsOneHotAndBinaryTargets() {
    Dataset oneHot = Dataset.of(new float[][] {{1}, {2}}, new float[][] {{0, 1}, {1, 0}});
    Dataset soft = Dataset.of(new float[][] {{1}}, new float[][] {{0.5f, 0.5f}});
    assertTrue(oneHot.targetsAreOneHot());
    assertFalse(soft.targetsAreOneHot());
    assertTrue(Dataset.of(new float[][] {{1}, {2}}, new float[][] {{0}, {1}}).targetsAreBinary());
    assertFalse(counting(3).targetsAreBinary());
  }

  @Test
  void batchesCopyIntoTheSameBuffers() {
    Batches b = new Batches(counting(5), 2, false);
    float[] xs = b.inputs();
    assertEquals(3, b.batchesPerEpoch());
    assertEquals(2, b.next());
    assertArrayEquals(new float[] {0, 0, 1, 10}, b.inputs());
    assertEquals(2, b.next());
    assertEquals(1, b.next());
    assertEquals(4f, b.targets()[0]);
    assertEquals(0, b.next());
    assertSame(xs, b.inputs());
  }

  @Test
  void dropLastSkipsTheShortBatch() {
    Batches b = new Batches(counting(5), 2, true);
    assertEquals(2, b.batchesPerEpoch());
    assertEquals(2, b.next());
    assertEquals(2, b.next());
    assertEquals(0, b.next());
  }

  @Test
  void shuffledEpochsAreReproducibleAndCoverEverySample() {
    Batches a = new Batches(counting(9), 4, false);
    Batches b = new Batches(counting(9), 4, false);
    a.shuffle(3, 1);
    b.shuffle(3, 0);
    b.shuffle(3, 1); // the order depends on (seed, epoch) only
    Set<Float> seen = new HashSet<>();
    boolean moved = false;
    int pos = 0;
    for (int n; (n = a.next()) > 0; ) {
      assertEquals(n, b.next());
      assertArrayEquals(a.targets(), b.targets());
      for (int i = 0; i < n; i++) {
        seen.add(a.targets()[i]);
        moved |= a.targets()[i] != pos++;
      }
    }
    assertEquals(9, seen.size());
    assertTrue(moved);
  }
}
