package dev.deltac.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.testing.SoftmaxRegression;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The parallel reduction and optimizer step, forced onto tiny models with chunks of 4 elements
 * and no size threshold, against the serial path and across thread counts.
 */
class ParallelGradientTest {
  static final int N = TrainerTest.N;
  static final int K = TrainerTest.K;

  /** 25 steps of batches of 11 (shards 3+3+3+2) with the given optimizer; returns the params. */
  static float[][] train(int threads, boolean chunked, Supplier<Optimizer> optimizer) {
    SoftmaxRegression m = TrainerTest.model();
    Dataset data = TrainerTest.blobs(275, 5, 0);
    Optimizer opt = optimizer.get();
    try (ParallelGradient pg = chunked
        ? new ParallelGradient(m, 3, threads, 4, 0)
        : new ParallelGradient(m, 3, threads)) {
      float[] xs = new float[11 * N];
      float[] ts = new float[11 * K];
      for (int step = 0; step < 25; step++) {
        System.arraycopy(data.inputs(), step * 11 * N, xs, 0, xs.length);
        System.arraycopy(data.targets(), step * 11 * K, ts, 0, ts.length);
        pg.compute(xs, ts, 11);
        assertEquals(-1, pg.firstNonFiniteGradientBlock());
        assertEquals(-1, pg.update(opt));
      }
    }
    return m.params();
  }

  /** The one-pass reduction of up to four shards makes the bits of one shard at a time. */
  @Test
  void reduceGroupMatchesReduceShardOneShardAtATime() {
    java.util.Random r = new java.util.Random(9);
    int len = 37;
    int batch = 250;
    int[] n = {64, 64, 64, 58, 64, 64, 64, 58};
    float[][] g = new float[8][len];
    for (float[] a : g) {
      for (int j = 0; j < len; j++) a[j] = (r.nextFloat() - 0.5f) * (float) Math.pow(10, r.nextInt(9) - 4);
    }
    for (int shards = 1; shards <= 8; shards++) {
      float[] want = new float[len];
      float[] got = new float[len];
      java.util.Arrays.fill(got, 123f); // shard 0 assigns
      for (int i = 0; i < shards; i++) {
        ParallelGradient.reduceShard(want, g[i], i, n[i], batch, 2, len - 3);
      }
      for (int i = 0; i < shards; i += 4) {
        int k = Math.min(4, shards - i);
        int last = i + k - 1;
        float[] w = new float[4];
        int[] at = new int[4];
        for (int q = 0; q < 4; q++) {
          at[q] = Math.min(i + q, last);
          w[q] = (float) n[at[q]] / batch;
        }
        ParallelGradient.reduceGroup(got, i == 0, k, g[at[0]], w[0], g[at[1]], w[1], g[at[2]],
            w[2], g[at[3]], w[3], 2, len - 3);
      }
      for (int j = 2; j < len - 3; j++) {
        assertEquals(Float.floatToRawIntBits(want[j]), Float.floatToRawIntBits(got[j]),
            shards + " shards, element " + j);
      }
      assertEquals(123f, got[0]);
      assertEquals(123f, got[len - 1]);
    }
  }

  @Test
  void chunkedStepsAreBitIdenticalToTheSerialOnesWhateverTheThreads() {
    for (Supplier<Optimizer> opt : java.util.List.<Supplier<Optimizer>>of(
        () -> Optimizer.sgd(0.3), () -> Optimizer.sgd(0.2, 0.9, true),
        () -> Optimizer.adam(0.05), () -> Optimizer.adamw(0.05))) {
      float[][] serial = train(1, false, opt);
      for (int threads : new int[] {1, 2, 3}) {
        float[][] p = train(threads, true, opt);
        for (int b = 0; b < serial.length; b++) {
          assertArrayEquals(serial[b], p[b], "block " + b + ", " + threads + " threads");
        }
      }
      assertTrue(serial[0][0] != TrainerTest.model().params()[0][0], "the steps changed W");
    }
  }

  @Test
  void nonFiniteGradientsAreFoundDuringTheReduction() {
    SoftmaxRegression m = TrainerTest.model();
    Dataset data = TrainerTest.blobs(11, 5, 0);
    data.inputs()[7 * N + 2] = Float.POSITIVE_INFINITY;
    try (ParallelGradient pg = new ParallelGradient(m, 3, 2, 4, 0)) {
      pg.compute(data.inputs(), data.targets(), 11);
      assertEquals(0, pg.firstNonFiniteGradientBlock()); // every row of W is NaN
      data.inputs()[7 * N + 2] = 0.5f;
      pg.compute(data.inputs(), data.targets(), 11);
      assertEquals(-1, pg.firstNonFiniteGradientBlock());
    }
  }

  @Test
  void updateReportsTheFirstNonFiniteParameterBlock() {
    SoftmaxRegression m = TrainerTest.model();
    Dataset data = TrainerTest.blobs(11, 5, 0);
    try (ParallelGradient pg = new ParallelGradient(m, 3, 2, 4, 0)) {
      pg.compute(data.inputs(), data.targets(), 11);
      // blocks: the 3 rows of W, then the bias
      m.params()[3][2] = Float.NEGATIVE_INFINITY;
      assertEquals(3, pg.update(Optimizer.sgd(0.1)));
      m.params()[1][1] = Float.NaN;
      assertEquals(1, pg.update(Optimizer.adam(0.1)));
      m.params()[0][3] = Float.POSITIVE_INFINITY;
      assertEquals(0, pg.update(Optimizer.sgd(0.1, 0.9, false)));
    }
  }

  @Test
  void aFailingShardIsRethrownAndThePoolStaysUsable() {
    SoftmaxRegression m = TrainerTest.model();
    Dataset data = TrainerTest.blobs(11, 5, 0);
    try (ParallelGradient pg = new ParallelGradient(m, 3, 2, 4, 0)) {
      float[] shortInputs = new float[5 * N]; // shards 2 and 3 read past the end
      assertThrows(RuntimeException.class,
          () -> pg.compute(shortInputs, data.targets(), 11));
      double loss = pg.compute(data.inputs(), data.targets(), 11);
      double ref = TrainerTest.model().lossAndGradient(data.inputs(), data.targets(), 11);
      assertEquals(ref, loss, 1e-6);
    }
  }

  /**
   * A model whose shard at sample 0 takes {@code millis} (and then fails when {@code fail}), so
   * the other thread finishes first and sleeps at the shard barrier (after its 50 us spin).
   */
  private static final class SlowFirstShard implements dev.deltac.runtime.FloatModel {
    final dev.deltac.runtime.FloatModel m;
    final int millis;
    volatile boolean fail;

    SlowFirstShard(dev.deltac.runtime.FloatModel m, int millis) {
      this.m = m;
      this.millis = millis;
    }

    @Override
    public dev.deltac.runtime.ModelInfo info() {
      return m.info();
    }

    @Override
    public int maxBatch() {
      return m.maxBatch();
    }

    @Override
    public void initParams(long seed) {
      m.initParams(seed);
    }

    @Override
    public float[][] params() {
      return m.params();
    }

    @Override
    public float[][] grads() {
      return m.grads();
    }

    @Override
    public void predict(float[] x, int xOff, float[] out, int outOff) {
      m.predict(x, xOff, out, outOff);
    }

    @Override
    public void predictBatch(float[] xs, float[] outs, int batch) {
      m.predictBatch(xs, outs, batch);
    }

    @Override
    public float loss(float[] xs, int xOff, float[] ts, int tOff, int batch) {
      return m.loss(xs, xOff, ts, tOff, batch);
    }

    @Override
    public float lossAndGradient(float[] xs, int xOff, float[] ts, int tOff, int batch,
        boolean inputGradients) {
      if (xOff == 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(millis * 1_000_000L);
        if (fail) throw new IllegalStateException("slow shard failed");
      }
      return m.lossAndGradient(xs, xOff, ts, tOff, batch, inputGradients);
    }

    @Override
    public float[] inputGradients() {
      return m.inputGradients();
    }

    @Override
    public SlowFirstShard replica() {
      SlowFirstShard r = new SlowFirstShard(m.replica(), millis);
      r.fail = fail;
      return r;
    }
  }

  /**
   * A thread out of shards sleeps at the barrier while the slow shard runs, and goes on when it
   * ends or fails: the same bits as one thread, the failure rethrown, and the next step runs.
   */
  @Test
  void threadsSleepingAtTheShardBarrierSeeTheLastShardEndOrFail() {
    Dataset data = TrainerTest.blobs(12, 5, 0);
    SoftmaxRegression serial = TrainerTest.model();
    try (ParallelGradient one = new ParallelGradient(serial, 6, 1, 4, 0)) {
      one.compute(data.inputs(), data.targets(), 12);
    }
    float[][] want = serial.grads();
    SlowFirstShard slow = new SlowFirstShard(TrainerTest.model(), 3);
    try (ParallelGradient two = new ParallelGradient(slow, 6, 2, 4, 0)) {
      assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
        for (int step = 0; step < 20; step++) {
          two.compute(data.inputs(), data.targets(), 12);
          for (int b = 0; b < want.length; b++) {
            assertArrayEquals(want[b], slow.grads()[b], "step " + step + ", block " + b);
          }
        }
      });
    }
    SlowFirstShard failing = new SlowFirstShard(TrainerTest.model(), 3);
    failing.fail = true; // its replicas fail too
    try (ParallelGradient two = new ParallelGradient(failing, 6, 2, 4, 0)) {
      assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
        for (int step = 0; step < 20; step++) {
          IllegalStateException e = assertThrows(IllegalStateException.class,
              () -> two.compute(data.inputs(), data.targets(), 12));
          assertEquals("slow shard failed", e.getMessage());
        }
      });
    }
  }

  @Test
  void stepsAllocateNothingOnAnyThread() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    SoftmaxRegression m = TrainerTest.model();
    Dataset data = TrainerTest.blobs(11, 5, 0);
    Optimizer opt = Optimizer.adam(1e-3);
    try (ParallelGradient pg = new ParallelGradient(m, 3, 2, 4, 0)) {
      for (int i = 0; i < 20_000; i++) {
        pg.compute(data.inputs(), data.targets(), 11);
        pg.update(opt);
      }
      long[] ids = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t == Thread.currentThread() || t.getName().startsWith("deltac-train"))
          .mapToLong(Thread::getId).toArray();
      assertEquals(2, ids.length);
      // steady state allocates nothing; a JIT transient (a deoptimization rematerializing a
      // scalar-replaced object) may, so a round of 2 000 steps with 0 bytes is required
      long[] before = new long[ids.length];
      long[] after = new long[ids.length];
      String last = "";
      for (int round = 0; round < 20; round++) {
        for (int t = 0; t < ids.length; t++) before[t] = mx.getThreadAllocatedBytes(ids[t]);
        for (int i = 0; i < 2_000; i++) {
          pg.compute(data.inputs(), data.targets(), 11);
          pg.update(opt);
        }
        for (int t = 0; t < ids.length; t++) after[t] = mx.getThreadAllocatedBytes(ids[t]);
        long first = after[0] - before[0];
        long second = after[1] - before[1];
        if (first == 0 && second == 0) return;
        last = first + " bytes on thread " + ids[0] + ", " + second + " on thread " + ids[1];
      }
      throw new AssertionError("every round of 2 000 steps allocated; the last: " + last);
    }
  }
}
