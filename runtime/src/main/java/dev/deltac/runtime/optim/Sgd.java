package dev.deltac.runtime.optim;

import dev.deltac.runtime.Checks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with PyTorch's semantics ({@code torch.optim.SGD}, dampening 0):
 * <pre>
 *   g = grad + weightDecay * p
 *   b = momentum * b + g            (b starts at 0, so the first b is g)
 *   g = nesterov ? g + momentum * b : b
 *   p = p - lr * g
 * </pre>
 * Without momentum this is {@code p -= lr * (grad + weightDecay * p)}.
 */
public final class Sgd implements ElementwiseOptimizer {
  private double lr;
  private final double momentum;
  private final boolean nesterov;
  private final double weightDecay;
  private float[][] buf;
  private long steps;
  private float stepLr;

  public Sgd(double lr, double momentum, boolean nesterov, double weightDecay) {
    Checks.checkArgument(lr >= 0, "learning rate must be >= 0: %s", lr);
    Checks.checkArgument(momentum >= 0, "momentum must be >= 0: %s", momentum);
    Checks.checkArgument(!nesterov || momentum > 0, "nesterov needs a momentum > 0");
    Checks.checkArgument(weightDecay >= 0, "weight decay must be >= 0: %s", weightDecay);
    this.lr = lr;
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
  }

  /** The same optimizer with L2 weight decay added to the gradient. */
  public Sgd withWeightDecay(double wd) {
    return new Sgd(lr, momentum, nesterov, wd);
  }

  @Override
  public void beginStep(float[][] params, float[][] grads) {
    if (momentum != 0 && buf == null) buf = OptimState.zerosLike(params);
    OptimState.checkLayout(params, grads, buf);
    stepLr = (float) lr;
  }

  @Override
  public void update(float[][] params, float[][] grads, int block, int from, int to) {
    float[] p = params[block];
    float[] g = grads[block];
    float a = stepLr;
    float mu = (float) momentum;
    float wd = (float) weightDecay;
    if (momentum == 0) {
      for (int i = from; i < to; i++) p[i] -= a * (g[i] + wd * p[i]);
      return;
    }
    float[] m = buf[block];
    for (int i = from; i < to; i++) {
      float gi = g[i] + wd * p[i];
      float mi = mu * m[i] + gi;
      m[i] = mi;
      p[i] -= a * (nesterov ? gi + mu * mi : mi);
    }
  }

  @Override
  public void endStep() {
    steps++;
  }

  @Override
  public double learningRate() {
    return lr;
  }

  @Override
  public void setLearningRate(double lr) {
    this.lr = lr;
  }

  @Override
  public long steps() {
    return steps;
  }

  @Override
  public int stateArrays() {
    return momentum != 0 ? 1 : 0;
  }

  private Map<String, Double> hyper() {
    Map<String, Double> h = new LinkedHashMap<>();
    h.put("momentum", momentum);
    h.put("nesterov", nesterov ? 1.0 : 0.0);
    h.put("weight_decay", weightDecay);
    return h;
  }

  /** Slot {@code momentum} (none without momentum, or before the first step). */
  @Override
  public OptimState state() {
    List<OptimState.Slot> slots = buf == null ? List.of()
        : List.of(new OptimState.Slot("momentum", buf));
    return new OptimState("sgd", hyper(), steps, lr, slots);
  }

  @Override
  public void restore(OptimState s) {
    s.checkRestorable("sgd", hyper(), List.of("momentum"));
    buf = OptimState.restoreSlot(s, "momentum");
    steps = s.steps();
    lr = s.learningRate();
  }
}
