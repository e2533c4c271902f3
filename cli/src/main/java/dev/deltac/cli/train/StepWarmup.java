package dev.deltac.cli.train;

import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.MemoryLimitException;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.train.Trainer;
import dev.deltac.runtime.train.TrainingException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Trains a throwaway instance of the generated class on the first batches of the data until the
 * JIT has compiled its step, so that the real run's first steps do not run in the interpreter and
 * in C1's profiling code.
 *
 * <p>Why: the first epoch of {@code deltac train samples/words/words.nn} spent its first hundreds
 * of steps at 10-70 times the warm step's time while C2 compiled the generated segment methods
 * (each hot loop first on its own, by on-stack replacement, then the whole method), and the held-out
 * pass after the first epoch ran its own, still cold, forward methods. The warm-up runs the code
 * the run will: a {@link Trainer} with the run's optimizer, schedule, batch size, thread count and
 * clipping, on a model of its own (its own parameters, gradients, optimizer state and seeded
 * shuffles), in rounds of {@link #ROUND_STEPS} steps (fewer in a short run: the warm-up takes at
 * most a {@link #RUN_SHARE}th of the run's steps), each followed by its held-out pass on a slice of
 * the held-out data. It stops when a round is no faster than the ones before while the JIT
 * compiled for less than a quarter of it, or after {@link #MAX_SECONDS}. It touches neither the
 * real model's parameters nor any random state of the run: the run's values are the same with
 * and without it (only when the JIT compiles changes).
 *
 * <p>Off by default; {@code -Ddeltac.stepWarmup=true} turns it on. It makes the run's "trained
 * in" time that of warm code, but the throwaway steps cost about what they save: the words
 * transformer's one-epoch command took 22.5-32.5 s with it and 21.5-22.6 s without (session 6,
 * load 7.5, the launcher's JIT flag in both). It stays as a tool for measuring warm epochs; {@code -Ddeltac.warmupLog=true} prints each round's time and JIT time.
 */
final class StepWarmup {
  /** Steps per round: enough for the step's methods to reach C2's thresholds in the first round. */
  static final int ROUND_STEPS = 64;
  /** The warm-up takes at most this share of the run's steps (a short run gets a short warm-up). */
  static final int RUN_SHARE = 4;
  /** Held-out samples evaluated after each round. */
  static final int HELD_OUT_SAMPLES = 512;
  static final int MIN_ROUNDS = 3;
  static final double MAX_SECONDS = 20;
  private static final boolean LOG = Boolean.getBoolean("deltac.warmupLog");

  /** What the warm-up did: its wall time and the throwaway steps. */
  record Report(double seconds, long steps) {
    @Override
    public String toString() {
      return TrainingRun.fmt("warmed up in %.2f s (%d steps on a throwaway copy)", seconds, steps);
    }
  }

  private StepWarmup() {}

  /**
   * Warms the step of the models {@code newModel} makes, trained by {@code trainer} (the run's
   * settings without epochs, validation or listeners; {@code batch} samples a step) on {@code
   * train}'s first samples and evaluated on {@code val}'s (null: none), for a run of {@code
   * runSteps} steps. Returns null when the run is too short for three rounds or the heap has no
   * room for a second copy of the model.
   */
  static Report run(Supplier<FloatModel> newModel, Function<FloatModel, Trainer.Builder> trainer,
      int batch, long seed, Dataset train, Dataset val, long runSteps) {
    long t0 = System.nanoTime();
    long maxSteps = runSteps / RUN_SHARE;
    int roundSteps = (int) Math.min(ROUND_STEPS, maxSteps / MIN_ROUNDS);
    int samples = (int) Math.min(train.count(), (long) roundSteps * batch);
    if (roundSteps < 1 || samples < batch) return null;
    FloatModel scratch;
    try {
      scratch = newModel.get();
    } catch (MemoryLimitException e) {
      return null; // no room for a second copy: the run warms up as it trains
    }
    Trainer.Builder b = trainer.apply(scratch).epochs(1);
    Dataset part = train.head(samples);
    if (val != null && val.count() > 0) b.validation(val.head(HELD_OUT_SAMPLES));
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
    long steps = 0;
    double fastest = Double.POSITIVE_INFINITY;
    scratch.initParams(seed);
    try (Trainer t = b.build()) {
      for (int round = 0; ; round++) {
        long r0 = System.nanoTime();
        long c0 = timed ? jit.getTotalCompilationTime() : 0;
        try {
          steps += t.fit(part).steps();
        } catch (TrainingException e) {
          break; // the run itself will meet it and say so
        }
        double roundMillis = (System.nanoTime() - r0) / 1e6;
        double compileMillis = timed ? jit.getTotalCompilationTime() - c0 : 0;
        if (LOG) System.err.printf("warm-up round %d: %.0f ms, JIT %.0f ms%n", round, roundMillis, compileMillis);
        // Done when a round was no faster than the fastest before it (by 10 %) while the JIT
        // compiled for less than a quarter of it; a compile still running is not counted yet.
        boolean flat = roundMillis > 0.9 * fastest;
        fastest = Math.min(fastest, roundMillis);
        if (round + 1 >= MIN_ROUNDS && flat && compileMillis < 0.25 * roundMillis) break;
        if ((System.nanoTime() - t0) / 1e9 > MAX_SECONDS || steps + roundSteps > maxSteps) break;
      }
    }
    return new Report((System.nanoTime() - t0) / 1e9, steps);
  }
}
