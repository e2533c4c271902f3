package dev.deltac.runtime.optim;

import dev.deltac.runtime.Checks;

/**
 * The learning rate as a function of the optimizer step (0 for the first step). Schedules
 * compose: {@code LrSchedule.warmup(100, LrSchedule.cosine(0.1, 900, 0))} warms up linearly for
 * 100 steps, then follows the cosine from its own step 0.
 */
@FunctionalInterface
public interface LrSchedule {
  /** The learning rate of optimizer step {@code step} (0 for the first). */
  double at(long step);

  /** {@code lr} at every step. */
  static LrSchedule constant(double lr) {
    return step -> lr;
  }

  /** {@code lr * gamma^(step / every)}, PyTorch's {@code StepLR} counted in steps. */
  static LrSchedule step(double lr, long every, double gamma) {
    Checks.checkArgument(every > 0, "step schedule needs every > 0: %s", every);
    return step -> lr * Math.pow(gamma, (double) (step / every));
  }

  /**
   * Cosine annealing from {@code lr} at step 0 to {@code minLr} at {@code totalSteps}, then
   * {@code minLr}: {@code minLr + (lr - minLr) * (1 + cos(pi * step / totalSteps)) / 2}.
   */
  static LrSchedule cosine(double lr, long totalSteps, double minLr) {
    Checks.checkArgument(totalSteps > 0, "cosine schedule needs totalSteps > 0: %s", totalSteps);
    return step -> {
      if (step >= totalSteps) return minLr;
      return minLr + (lr - minLr) * (1 + Math.cos(Math.PI * step / totalSteps)) / 2;
    };
  }

  /**
   * Linear warm-up: {@code after.at(0) * (step + 1) / warmupSteps} for the first
   * {@code warmupSteps} steps, then {@code after.at(step - warmupSteps)}.
   */
  static LrSchedule warmup(long warmupSteps, LrSchedule after) {
    Checks.checkArgument(warmupSteps >= 0, "warm-up steps must be >= 0: %s", warmupSteps);
    return step -> step < warmupSteps
        ? after.at(0) * (step + 1) / warmupSteps
        : after.at(step - warmupSteps);
  }
}
