package dev.deltac.runtime.train;

import static dev.deltac.runtime.train.TrainerTest.blobs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.data.Augmentation;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.io.Checkpoint;
import dev.deltac.runtime.io.CheckpointException;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.testing.SoftmaxRegression;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints of the whole training state, and runs that stop and resume to the same bits. */
class TrainerResumeTest {
  private static final byte[] SOURCE = "model SoftmaxRegression { ... }".getBytes(
      StandardCharsets.UTF_8);
  // 7 batches of 16 per epoch, the last one of 9
  private static final Dataset TRAIN = blobs(105, 1, 0);
  // labels rotated: the validation loss soon rises, so early stopping counts and restores
  private static final Dataset VAL = blobs(40, 2, 1);

  @TempDir Path dir;

  /** Whether the runs of a test flip and shift their 2x2 "images". */
  private boolean augmented;

  /** Thrown by a listener to stop a run the hard way, as a crash would. */
  static final class Killed extends RuntimeException {
    Killed() {
      super("killed", null, false, false);
    }
  }

  private static SoftmaxRegression model(long init) {
    SoftmaxRegression m = new SoftmaxRegression(TrainerTest.N, TrainerTest.K, 16);
    m.initParams(init);
    return m;
  }

  private Trainer.Builder builder(SoftmaxRegression m, Supplier<Optimizer> opt,
      Path ckpt, int every, boolean early) {
    Trainer.Builder b = Trainer.builder(m).optimizer(opt.get()).batchSize(16).epochs(6).seed(3)
        .threads(2).validation(VAL).checkpoints(ckpt, every).source("test.nn", SOURCE)
        .waitForCheckpoints(every == 1); // every step: each kill point has its checkpoint
    if (early) b.earlyStopping(2, 0, true);
    if (augmented) b.augmentation(new Augmentation(true, 1, 1, 2, 2));
    return b;
  }

  /** Trains straight through and returns the final checkpoint's bytes. */
  private byte[] straight(Supplier<Optimizer> opt, int every, boolean early) throws Exception {
    Path p = dir.resolve("straight.ckpt");
    try (Trainer t = builder(model(42), opt, p, every, early).build()) {
      t.fit(TRAIN);
    }
    return Files.readAllBytes(p);
  }

  /**
   * Trains until a listener kills the run after {@code killStep} steps (or at the end of epoch
   * {@code killEpoch}), then resumes from the checkpoint on disk in a fresh model and trainer;
   * returns the final checkpoint's bytes.
   */
  private byte[] interrupted(Supplier<Optimizer> opt, int every, boolean early, long killStep,
      int killEpoch) throws Exception {
    Path p = dir.resolve("interrupted.ckpt");
    Files.deleteIfExists(p);
    TrainingListener killer = new TrainingListener() {
      @Override
      public void onBatchEnd(long step, int samples, double loss) {
        if (step == killStep) throw new Killed();
      }

      @Override
      public void onEpochEnd(EpochMetrics m) {
        if (m.epoch() == killEpoch) throw new Killed();
      }
    };
    try (Trainer t = builder(model(42), opt, p, every, early).listener(killer).build()) {
      assertThrows(Killed.class, () -> t.fit(TRAIN));
    }
    // a differently initialized model: every parameter must come from the checkpoint
    SoftmaxRegression m = model(7);
    try (Trainer t = builder(m, opt, p, every, early).threads(3).build()) {
      t.resume(TRAIN, p);
    }
    return Files.readAllBytes(p);
  }

  @Test
  void resumesToTheSameBitsFromAnyKillPointWithAdamAndEarlyStopping() throws Exception {
    Supplier<Optimizer> adam = () -> Optimizer.adam(0.05);
    byte[] expected = straight(adam, 3, true);
    Checkpoint c = Checkpoint.parse("straight", expected);
    assertTrue(c.finished());
    // kill points: first step (no checkpoint yet but the epoch start), mid-epoch after a
    // checkpoint, right after a checkpoint step, the last batch of an epoch, an epoch end
    for (long k : new long[] {2, 4, 6, 7, 11, 16}) {
      assertArrayEquals(expected, interrupted(adam, 3, true, k, -1), "killed at step " + k);
    }
    assertArrayEquals(expected, interrupted(adam, 3, true, -1, 1), "killed at the end of epoch 1");
  }

  @Test
  void resumesAnAugmentedRunToTheSameBitsAndRefusesOtherAugmentation() throws Exception {
    augmented = true;
    Supplier<Optimizer> adam = () -> Optimizer.adam(0.05);
    byte[] expected = straight(adam, 3, false);
    for (long k : new long[] {4, 7, 16}) {
      assertArrayEquals(expected, interrupted(adam, 3, false, k, -1), "killed at step " + k);
    }
    augmented = false;
    assertFalse(java.util.Arrays.equals(expected, straight(adam, 3, false)));
    augmented = true;
    Path p = dir.resolve("interrupted.ckpt");
    Files.deleteIfExists(p);
    try (Trainer t = builder(model(42), adam, p, 3, false).listener(new TrainingListener() {
      @Override
      public void onBatchEnd(long step, int samples, double loss) {
        if (step == 4) throw new Killed();
      }
    }).build()) {
      assertThrows(Killed.class, () -> t.fit(TRAIN));
    }
    try (Trainer t = builder(model(42), adam, p, 3, false)
        .augmentation(new Augmentation(true, 0, 1, 2, 2)).build()) {
      CheckpointException e = assertThrows(CheckpointException.class, () -> t.resume(TRAIN, p));
      assertTrue(e.getMessage().contains("augment=flip,shift=1,image=1x2x2 then,"
          + " flip,image=1x2x2 now"), e.getMessage());
    }
  }

  @Test
  void resumesToTheSameBitsWithSgdMomentumAndEveryStepCheckpoints() throws Exception {
    Supplier<Optimizer> sgd = () -> Optimizer.sgd(0.2, 0.9, true);
    byte[] expected = straight(sgd, 1, false);
    for (long k : new long[] {1, 9, 23, 41}) {
      assertArrayEquals(expected, interrupted(sgd, 1, false, k, -1), "killed at step " + k);
    }
  }

  @Test
  void theStateIsSavedWhereTheRunStopped() throws Exception {
    Path p = dir.resolve("s.ckpt");
    TrainingListener killer = new TrainingListener() {
      @Override
      public void onBatchEnd(long step, int samples, double loss) {
        if (step == 11) throw new Killed();
      }
    };
    SoftmaxRegression m = model(42);
    try (Trainer t = builder(m, () -> Optimizer.adamw(0.05), p, 3, true).listener(killer)
        .waitForCheckpoints(true).build()) {
      assertThrows(Killed.class, () -> t.fit(TRAIN));
    }
    Checkpoint c = Checkpoint.read(p);
    TrainingState s = c.trainingState(p, m.info());
    // step 9 was the last multiple of 3: epoch 1 (7 batches each), its 2nd batch done
    assertEquals(9, s.step());
    assertEquals(1, s.epoch());
    assertEquals(2, s.batch());
    assertEquals(1, s.history().size());
    assertEquals(0, s.bestEpoch());
    assertEquals(0, s.patienceCount());
    assertTrue(s.epochLossSum() > 0);
    assertFalse(s.finished());
    assertEquals("adamw", s.optimizer().kind());
    assertEquals(9, s.optimizer().steps());
    assertEquals(2, s.optimizer().slots().size());
    assertTrue(s.config().startsWith("epochs=6, batch=16, seed=3, shuffle=true, shard=16"),
        s.config());
    assertEquals(105, s.trainSamples());
    assertEquals(40, s.validationSamples());
    assertTrue(Double.isNaN(s.history().get(0).seconds()));
    // 15 params; m and v; the best params: 4 float32 arrays of 15, plus the fingerprint etc.
    assertTrue(c.fingerprint().hasSource());
    assertEquals("SoftmaxRegression", c.fingerprint().modelName());
  }

  @Test
  void aFinishedRunResumesToItsResultWithoutTraining() throws Exception {
    byte[] expected = straight(() -> Optimizer.adam(0.05), 0, true);
    Path p = dir.resolve("straight.ckpt");
    SoftmaxRegression m = model(7);
    TrainingResult r;
    long[] steps = {0};
    try (Trainer t = builder(m, () -> Optimizer.adam(0.05), p, 0, true)
        .listener(new TrainingListener() {
          @Override
          public void onBatchEnd(long step, int samples, double loss) {
            steps[0]++;
          }
        }).build()) {
      r = t.resume(TRAIN, p);
    }
    assertEquals(0, steps[0]);
    assertArrayEquals(expected, Files.readAllBytes(p));
    assertTrue(r.stoppedEarly(), "the rotated validation labels stop it early");
    assertTrue(r.restoredBest());
    assertEquals(Checkpoint.parse("x", expected).values("W")[0], m.params()[0][0], 0.0);
  }

  @Test
  void otherSettingsDataModelOrSourceAreRefused() throws Exception {
    straight(() -> Optimizer.adam(0.05), 3, true);
    Path p = dir.resolve("straight.ckpt");
    String e = resumeError(builder(model(0), () -> Optimizer.adam(0.05), p, 3, true)
        .batchSize(8), TRAIN, p);
    assertTrue(e.contains("was written by a run with other settings: batch=16 then, 8 now"), e);
    e = resumeError(builder(model(0), () -> Optimizer.adam(0.05), p, 3, true), blobs(105, 5, 0),
        p);
    assertTrue(e.contains("was written by a run on other data (105 training and 40 validation"),
        e);
    e = resumeError(builder(model(0), () -> Optimizer.sgd(0.05), p, 3, true), TRAIN, p);
    assertTrue(e.endsWith("the saved optimizer state is for adam(beta1=0.9, beta2=0.999,"
        + " eps=1.0E-8, weight_decay=0.0), but this optimizer is sgd(momentum=0.0,"
        + " nesterov=0.0, weight_decay=0.0)"), e);
    e = resumeError(builder(model(0), () -> Optimizer.adam(0.05), p, 3, true)
        .source("test.nn", "model SoftmaxRegression { changed }".getBytes(
            StandardCharsets.UTF_8)), TRAIN, p);
    assertTrue(e.startsWith("checkpoint " + p + " was written from another version of test.nn"
        + " (the source has changed since: SHA-256 "), e);
    SoftmaxRegression other = SoftmaxRegression.named("Other", TrainerTest.N, TrainerTest.K, 16);
    e = assertThrows(CheckpointException.class, () -> {
      try (Trainer t = Trainer.builder(other).optimizer(Optimizer.adam(0.05)).build()) {
        t.resume(TRAIN, p);
      }
    }).getMessage();
    assertEquals("checkpoint " + p + " was written for model SoftmaxRegression but this is Other",
        e);
    Checkpoint.write(p, model(1));
    e = resumeError(builder(model(0), () -> Optimizer.adam(0.05), p, 3, true), TRAIN, p);
    assertEquals("checkpoint " + p + " holds parameters only, no training state to resume", e);
  }

  private static String resumeError(Trainer.Builder b, Dataset train, Path p) {
    return assertThrows(CheckpointException.class, () -> {
      try (Trainer t = b.build()) {
        t.resume(train, p);
      }
    }).getMessage();
  }
}
