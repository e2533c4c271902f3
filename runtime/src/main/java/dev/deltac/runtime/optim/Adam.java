package dev.deltac.runtime.optim;

import dev.deltac.runtime.Checks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam and AdamW with PyTorch's semantics ({@code torch.optim.Adam}, {@code AdamW}), bias
 * corrected. At step t (from 1):
 * <pre>
 *   AdamW:  p = p * (1 - lr * weightDecay)            (decoupled decay)
 *   Adam:   g = grad + weightDecay * p                (L2 decay, when weightDecay &gt; 0)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 */
public final class Adam implements ElementwiseOptimizer {
  private double lr;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final boolean decoupled;
  private float[][] m;
  private float[][] v;
  private long steps;
  // this step's constants, set by beginStep
  private float stepSize;
  private float bc2;
  private float decay;

  public Adam(double lr, double beta1, double beta2, double eps, double weightDecay,
      boolean decoupled) {
    Checks.checkArgument(lr >= 0, "learning rate must be >= 0: %s", lr);
    Checks.checkArgument(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1): %s", beta1);
    Checks.checkArgument(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1): %s", beta2);
    Checks.checkArgument(eps >= 0, "eps must be >= 0: %s", eps);
    Checks.checkArgument(weightDecay >= 0, "weight decay must be >= 0: %s", weightDecay);
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.decoupled = decoupled;
  }

  @Override
  public void beginStep(float[][] params, float[][] grads) {
    if (m == null) {
      m = OptimState.zerosLike(params);
      v = OptimState.zerosLike(params);
    }
    OptimState.checkLayout(params, grads, m);
    long t = steps + 1;
    double bc1 = 1 - Math.pow(beta1, t);
    stepSize = (float) (lr / bc1);
    bc2 = (float) Math.sqrt(1 - Math.pow(beta2, t));
    decay = decoupled ? (float) (1 - lr * weightDecay) : 1f;
  }

  @Override
  public void update(float[][] params, float[][] grads, int block, int from, int to) {
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float c1 = (float) (1 - beta1);
    float c2 = (float) (1 - beta2);
    float e = (float) eps;
    float l2 = decoupled ? 0f : (float) weightDecay;
    float step = stepSize;
    float bc = bc2;
    float dc = decay;
    float[] p = params[block];
    float[] g = grads[block];
    float[] mb = m[block];
    float[] vb = v[block];
    for (int i = from; i < to; i++) {
      float pi = p[i] * dc;
      float gi = g[i] + l2 * pi;
      float mi = b1 * mb[i] + c1 * gi;
      float vi = b2 * vb[i] + c2 * gi * gi;
      mb[i] = mi;
      vb[i] = vi;
      p[i] = pi - step * mi / ((float) Math.sqrt(vi) / bc + e);
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
    return 2;
  }

  private String kind() {
    return decoupled ? "adamw" : "adam";
  }

  private Map<String, Double> hyper() {
    Map<String, Double> h = new LinkedHashMap<>();
    h.put("beta1", beta1);
    h.put("beta2", beta2);
    h.put("eps", eps);
    h.put("weight_decay", weightDecay);
    return h;
  }

  /** Slots {@code m} and {@code v} (none before the first step). */
  @Override
  public OptimState state() {
    List<OptimState.Slot> slots = m == null ? List.of()
        : List.of(new OptimState.Slot("m", m), new OptimState.Slot("v", v));
    return new OptimState(kind(), hyper(), steps, lr, slots);
  }

  @Override
  public void restore(OptimState s) {
    s.checkRestorable(kind(), hyper(), List.of("m", "v"));
    m = OptimState.restoreSlot(s, "m");
    v = OptimState.restoreSlot(s, "v");
    steps = s.steps();
    lr = s.learningRate();
  }
}
