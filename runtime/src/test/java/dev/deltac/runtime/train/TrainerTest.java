package dev.deltac.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.Params;
import dev.deltac.runtime.Rng;
import dev.deltac.runtime.data.Augmentation;
import dev.deltac.runtime.data.Batches;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.optim.GradientClipping;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.testing.SoftmaxRegression;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {
  static final int N = 4;
  static final int K = 3;

  /** Three Gaussian blobs in 4-D, centred at 2 * e_c; {@code flip} rotates the labels. */
  static Dataset blobs(int count, long seed, int flip) {
    Rng r = new Rng(seed);
    float[] xs = new float[count * N];
    float[] ts = new float[count * K];
    for (int i = 0; i < count; i++) {
      int c = r.nextInt(K);
      for (int j = 0; j < N; j++) xs[i * N + j] = (float) (r.nextGaussian() * 0.7);
      xs[i * N + c] += 2f;
      ts[i * K + (c + flip) % K] = 1f;
    }
    return new Dataset(xs, ts, count, N, K);
  }

  static SoftmaxRegression model() {
    SoftmaxRegression m = new SoftmaxRegression(N, K, 16);
    m.initParams(42);
    return m;
  }

  static float[][] train(int threads, int batch, int shard) {
    SoftmaxRegression m = model();
    try (Trainer t = Trainer.builder(m).optimizer(Optimizer.adam(0.05)).batchSize(batch)
        .shardSize(shard).epochs(4).seed(9).threads(threads).build()) {
      t.fit(blobs(203, 1, 0));
    }
    return m.params();
  }

  @Test
  void learnsSeparableBlobs() {
    SoftmaxRegression m = model();
    try (Trainer t = Trainer.builder(m).optimizer(Optimizer.sgd(0.5, 0.9, true)).batchSize(20)
        .epochs(15).validation(blobs(300, 2, 0)).threads(2).build()) {
      TrainingResult r = t.fit(blobs(600, 1, 0));
      EpochMetrics last = r.last();
      assertEquals(15, r.history().size());
      assertTrue(last.validationAccuracy() > 0.95, "accuracy " + last.validationAccuracy());
      assertTrue(last.validationLoss() < r.history().get(0).validationLoss());
      assertTrue(last.trainLoss() < 0.3, "train loss " + last.trainLoss());
      assertEquals(15 * 30, r.steps());
      assertTrue(Double.isNaN(last.trainAccuracy()));
    }
  }

  @Test
  void bitIdenticalWhateverTheThreadCount() {
    float[][] one = train(1, 40, 6); // 7 shards per batch, the last batch 3 shards
    float[][] two = train(2, 40, 6);
    float[][] three = train(3, 40, 6);
    for (int b = 0; b < one.length; b++) {
      assertArrayEquals(one[b], two[b]);
      assertArrayEquals(one[b], three[b]);
    }
  }

  static float[][] trainAugmented(int threads) {
    SoftmaxRegression m = model();
    try (Trainer t = Trainer.builder(m).optimizer(Optimizer.adam(0.05)).batchSize(40)
        .shardSize(6).epochs(3).seed(9).threads(threads)
        .augmentation(new Augmentation(true, 1, 1, 2, 2)).build()) {
      t.fit(blobs(203, 1, 0));
    }
    return m.params();
  }

  @Test
  void augmentedTrainingIsBitIdenticalWhateverTheThreadCountAndAugmentsEachStepsBatch() {
    float[][] one = trainAugmented(1);
    float[][] two = trainAugmented(2);
    float[][] three = trainAugmented(3);
    for (int b = 0; b < one.length; b++) {
      assertArrayEquals(one[b], two[b]);
      assertArrayEquals(one[b], three[b]);
    }
    // the same as augmenting each step's batch by hand, and not the same as not augmenting
    SoftmaxRegression ref = model();
    Dataset data = blobs(203, 1, 0);
    Batches batches = new Batches(data, 40, false);
    Augmentation aug = new Augmentation(true, 1, 1, 2, 2);
    Optimizer adam = Optimizer.adam(0.05);
    long step = 0;
    for (int epoch = 0; epoch < 3; epoch++) {
      batches.shuffle(9, epoch);
      for (int n; (n = batches.next()) > 0; ) {
        aug.apply(batches.inputs(), n, 9, ++step);
        ref.lossAndGradient(batches.inputs(), batches.targets(), n);
        adam.step(ref.params(), ref.grads());
      }
    }
    float[][] plain = train(1, 40, 6);
    boolean differs = false;
    for (int b = 0; b < one.length; b++) {
      for (int i = 0; i < one[b].length; i++) {
        assertEquals(ref.params()[b][i], one[b][i], 1e-5, "block " + b + " [" + i + "]");
      }
      differs |= !java.util.Arrays.equals(plain[b], one[b]);
    }
    assertTrue(differs);
  }

  @Test
  void oneShardEqualsAHandWrittenLoop() {
    Dataset data = blobs(50, 3, 0);
    SoftmaxRegression m = model();
    try (Trainer t = Trainer.builder(m).optimizer(Optimizer.sgd(0.1)).batchSize(10)
        .shardSize(10).epochs(2).seed(5).threads(2).build()) {
      t.fit(data);
    }
    SoftmaxRegression ref = model();
    Batches batches = new Batches(data, 10, false);
    Optimizer sgd = Optimizer.sgd(0.1);
    for (int epoch = 0; epoch < 2; epoch++) {
      batches.shuffle(5, epoch);
      for (int n; (n = batches.next()) > 0; ) {
        ref.lossAndGradient(batches.inputs(), batches.targets(), n);
        sgd.step(ref.params(), ref.grads());
      }
    }
    for (int b = 0; b < m.params().length; b++) assertArrayEquals(ref.params()[b], m.params()[b]);
  }

  @Test
  void shardsAreWeightedBySize() {
    // a batch of 7 with shards of 3: 3 + 3 + 1; the reduced gradient is the full batch's
    Dataset data = blobs(7, 4, 0);
    SoftmaxRegression m = model();
    SoftmaxRegression whole = model();
    try (ParallelGradient pg = new ParallelGradient(m, 3, 2)) {
      double loss = pg.compute(data.inputs(), data.targets(), 7);
      double ref = whole.lossAndGradient(data.inputs(), data.targets(), 7);
      assertEquals(ref, loss, 1e-6);
      assertEquals(3, pg.shardCount(7));
      for (int b = 0; b < m.grads().length; b++) {
        assertArrayEquals(whole.grads()[b], m.grads()[b], 1e-6f);
      }
    }
  }

  @Test
  void listenersSeeEveryEpochAndStep() {
    List<String> events = new ArrayList<>();
    List<Long> steps = new ArrayList<>();
    TrainingListener l = new TrainingListener() {
      @Override
      public void onTrainingStart(TrainingPlan plan) {
        events.add("start " + plan.epochs() + "x" + plan.batchesPerEpoch() + " acc="
            + plan.hasAccuracy());
      }

      @Override
      public void onEpochStart(int epoch) {
        events.add("epoch " + epoch);
      }

      @Override
      public void onBatchEnd(long step, int samples, double loss) {
        steps.add(step);
        assertTrue(loss > 0 && samples > 0);
      }

      @Override
      public void onEpochEnd(EpochMetrics m) {
        events.add("end " + m.epoch() + " steps=" + m.steps());
      }

      @Override
      public void onTrainingEnd(TrainingResult r) {
        events.add("done " + r.steps());
      }
    };
    try (Trainer t = Trainer.builder(model()).optimizer(Optimizer.sgd(0.1)).batchSize(8)
        .epochs(2).validation(blobs(10, 5, 0)).listener(l).threads(1).build()) {
      t.fit(blobs(20, 1, 0));
    }
    assertEquals(List.of("start 2x3 acc=true", "epoch 0", "end 0 steps=3", "epoch 1",
        "end 1 steps=6", "done 6"), events);
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), steps);
  }

  @Test
  void earlyStoppingRestoresTheBestEpoch() {
    // validation labels are rotated: the better the model fits training, the worse validation
    SoftmaxRegression m = model();
    List<float[][]> snapshots = new ArrayList<>();
    TrainingListener snap = new TrainingListener() {
      @Override
      public void onEpochEnd(EpochMetrics e) {
        snapshots.add(Params.copyOf(m.params()));
      }
    };
    try (Trainer t = Trainer.builder(m).optimizer(Optimizer.sgd(0.2)).batchSize(10).epochs(50)
        .validation(blobs(100, 2, 1)).earlyStopping(2, 0, true).listener(snap).threads(1)
        .build()) {
      TrainingResult r = t.fit(blobs(200, 1, 0));
      assertTrue(r.stoppedEarly());
      assertTrue(r.restoredBest());
      assertEquals(r.bestEpoch() + 3, r.history().size());
      float[][] best = snapshots.get(r.bestEpoch());
      for (int b = 0; b < best.length; b++) assertArrayEquals(best[b], m.params()[b]);
      assertEquals(r.history().get(r.bestEpoch()).validationLoss(), r.bestLoss());
    }
  }

  @Test
  void requestStopEndsAfterTheEpoch() {
    Trainer[] holder = new Trainer[1];
    TrainingListener stopAtTwo = new TrainingListener() {
      @Override
      public void onEpochEnd(EpochMetrics m) {
        if (m.epoch() == 1) holder[0].requestStop();
      }
    };
    try (Trainer t = Trainer.builder(model()).optimizer(Optimizer.sgd(0.1)).epochs(10)
        .listener(stopAtTwo).threads(1).build()) {
      holder[0] = t;
      TrainingResult r = t.fit(blobs(20, 1, 0));
      assertEquals(2, r.history().size());
      assertTrue(r.stoppedEarly());
      assertFalse(r.restoredBest());
    }
  }

  @Test
  void nanGradientStopsWithStepAndTensor() {
    Dataset data = blobs(30, 1, 0);
    data.inputs()[12 * N + 1] = Float.NaN; // sample 12: in the second batch of 10
    try (Trainer t = Trainer.builder(model()).optimizer(Optimizer.sgd(0.1)).batchSize(10)
        .shuffle(false).epochs(1).threads(2).shardSize(4).build()) {
      TrainingException e = assertThrows(TrainingException.class, () -> t.fit(data));
      assertEquals("step 2: gradient of W is NaN", e.getMessage());
      assertEquals(2, e.step());
    }
  }

  @Test
  void overflowingParametersAreNamed() {
    try (Trainer t = Trainer.builder(model()).optimizer(Optimizer.sgd(1e38)).batchSize(10)
        .epochs(1).threads(1).build()) {
      Dataset big = blobs(30, 1, 0);
      for (int i = 0; i < big.inputs().length; i++) big.inputs()[i] *= 1000; // gradients ~ 1e3
      TrainingException e = assertThrows(TrainingException.class, () -> t.fit(big));
      assertTrue(e.getMessage().matches("step 1: parameter W became -?Infinity after the"
          + " optimizer step \\(learning rate 1.0E38\\)"), e.getMessage());
    }
  }

  @Test
  void clipNormBoundsTheStep() {
    SoftmaxRegression m = model();
    float[][] before = Params.copyOf(m.params());
    try (Trainer t = Trainer.builder(m).optimizer(Optimizer.sgd(1)).clipNorm(0.01).batchSize(10)
        .epochs(1).threads(1).build()) {
      t.fit(blobs(10, 1, 0));
    }
    float[][] delta = new float[before.length][];
    for (int b = 0; b < before.length; b++) {
      delta[b] = new float[before[b].length];
      for (int j = 0; j < delta[b].length; j++) delta[b][j] = m.params()[b][j] - before[b][j];
    }
    assertEquals(0.01, GradientClipping.globalNorm(delta), 1e-5);
  }

  @Test
  void mismatchedDataIsRejected() {
    Dataset wrong = Dataset.of(new float[][] {{1, 2}}, new float[][] {{1}});
    try (Trainer t = Trainer.builder(model()).optimizer(Optimizer.sgd(0.1)).threads(1).build()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> t.fit(wrong));
      assertEquals("the training data has 2 inputs and 1 targets per sample, but model"
          + " SoftmaxRegression takes 4 and 3", e.getMessage());
      assertFalse(e.getMessage().isEmpty());
    }
  }
}
