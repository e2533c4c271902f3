package dev.deltac.runtime.check;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.Params;
import dev.deltac.runtime.Rng;
import dev.deltac.runtime.TensorInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares a float64 model's compiled gradient with central differences
 * {@code D(h) = (L(w + h) - L(w - h)) / 2h}, one parameter element at a time, extrapolated
 * (Richardson) from the steps eps and 2 eps: {@code (4 D(eps) - D(2 eps)) / 3}, the five-point
 * stencil. Its truncation error is O(eps^4) instead of O(eps^2), so a step of 1e-4 leaves both
 * truncation and float64 rounding (about 1e-16 |L| / eps) far below the 1e-7 tolerance, where
 * the plain two-point difference at 1e-6 sits right at it (measured: 6.7e-7 worst error on the
 * Fashion-MNIST MLP with correct gradients, 1.3e-8 with the extrapolation).
 *
 * <p>At a point where the loss is not differentiable (a relu or max-pool kink within the
 * step), the numeric derivative depends on the step. Each element is therefore estimated twice,
 * at eps and at eps / 8; where the two estimates disagree by more than ten times the tolerance,
 * the element is reported as skipped (non-smooth), not as wrong. A wrong gradient at a smooth
 * point gives two agreeing estimates and still fails.
 *
 * <p>The differences are of the loss that {@code lossAndGradient} returns, the training loss:
 * with dropout, the masks stay fixed between the calls (they depend on the dropout seed, which
 * the check does not change), so the check sees exactly the function whose gradient it checks.
 *
 * <p>The error of one element is {@code |a - n| / max(|a|, |n|, floor)}: relative where the
 * gradient is large, absolute (scaled by {@code 1/floor}) where both are near zero, so a
 * vanishing gradient cannot blow it up. The check passes when every error is below the
 * tolerance (default 1e-7). Parameters are restored bit for bit afterwards.
 *
 * <pre>
 *   GradientCheck.Report r = new GradientCheck().run(model, xs, ts, batch);
 *   if (!r.passed()) System.err.println(r);
 * </pre>
 */
public final class GradientCheck {
  private double eps = 1e-4;
  private double tolerance = 1e-7;
  private double floor = 1e-3;
  private int maxPerTensor = Integer.MAX_VALUE;
  private long seed = 0;

  /** The finite-difference step (default 1e-4). */
  public GradientCheck eps(double eps) {
    Checks.checkArgument(eps > 0, "eps must be > 0: %s", eps);
    this.eps = eps;
    return this;
  }

  /** The largest error that passes (default 1e-7). */
  public GradientCheck tolerance(double tolerance) {
    this.tolerance = tolerance;
    return this;
  }

  /** The denominator's floor (default 1e-3): below it the error is absolute. */
  public GradientCheck floor(double floor) {
    Checks.checkArgument(floor > 0, "floor must be > 0: %s", floor);
    this.floor = floor;
    return this;
  }

  /**
   * Checks at most {@code max} elements of each tensor, chosen at random with {@code seed}
   * (without repetition); smaller tensors are checked whole.
   */
  public GradientCheck sample(int max, long seed) {
    Checks.checkArgument(max > 0, "sample size must be > 0: %s", max);
    this.maxPerTensor = max;
    this.seed = seed;
    return this;
  }

  /** A batch of packed float64 inputs and targets. */
  public record Batch(double[] inputs, double[] targets, int size) {}

  /**
   * Random data for a check when there is none: float inputs standard normal, float targets
   * uniform in (0.05, 0.95) (valid for mse, bce, cross-entropy and huber alike), integer inputs
   * and targets (indices, class labels) uniform over their range; reproducible for a seed.
   */
  public static Batch randomBatch(dev.deltac.runtime.ModelInfo info, int size, long seed) {
    Rng rng = new Rng(seed);
    double[] xs = new double[size * info.inputSize()];
    double[] ts = new double[size * info.targetSize()];
    fill(xs, size, info.inputs(), info.inputSize(), rng, rng::nextGaussian);
    fill(ts, size, info.targets(), info.targetSize(), rng, () -> 0.05 + 0.9 * rng.nextDouble());
    return new Batch(xs, ts, size);
  }

  /** Each sample's tensors in packed order: indices for integer tensors, else {@code floats}. */
  private static void fill(double[] v, int size, java.util.List<dev.deltac.runtime.TensorInfo> ts,
      int stride, Rng rng, java.util.function.DoubleSupplier floats) {
    for (int s = 0; s < size; s++) {
      for (dev.deltac.runtime.TensorInfo t : ts) {
        int off = s * stride + t.offset();
        for (int i = 0; i < t.size(); i++) {
          v[off + i] = t.integer() ? rng.nextInt(t.indexBound()) : floats.getAsDouble();
        }
      }
    }
  }

  /** Runs the check on {@code batch}. */
  public Report run(DoubleModel model, Batch batch) {
    return run(model, batch.inputs(), batch.targets(), batch.size());
  }

  /** Runs the check on one batch (inputs and targets packed from offset 0). */
  public Report run(DoubleModel model, double[] xs, double[] ts, int batch) {
    model.lossAndGradient(xs, 0, ts, 0, batch, false);
    double[][] params = model.params();
    double[][] grads = new double[model.grads().length][];
    for (int b = 0; b < grads.length; b++) grads[b] = model.grads()[b].clone();
    Rng rng = new Rng(seed);
    List<Entry> entries = new ArrayList<>();
    List<Entry> skipped = new ArrayList<>();
    for (TensorInfo t : model.info().params()) {
      int bs = t.blockSize();
      for (int e : elements(t.size(), rng)) {
        double[] block = params[t.firstBlock() + e / bs];
        int j = e % bs;
        double analytic = grads[t.firstBlock() + e / bs][j];
        double w = block[j];
        double numeric = extrapolated(model, block, j, w, eps, xs, ts, batch);
        double fine = extrapolated(model, block, j, w, eps / 8, xs, ts, batch);
        block[j] = w;
        Entry entry = new Entry(Params.elementName(t, e), analytic, numeric,
            error(analytic, numeric, floor));
        if (error(numeric, fine, floor) > 10 * tolerance) {
          skipped.add(entry);
        } else {
          entries.add(entry);
        }
      }
    }
    return new Report(entries, skipped, tolerance);
  }

  /** Richardson: (4 D(h) - D(2h)) / 3 from central differences D. */
  private static double extrapolated(DoubleModel model, double[] block, int j, double w, double h,
      double[] xs, double[] ts, int batch) {
    double d1 = central(model, block, j, w, h, xs, ts, batch);
    double d2 = central(model, block, j, w, 2 * h, xs, ts, batch);
    return (4 * d1 - d2) / 3;
  }

  private int[] elements(int size, Rng rng) {
    if (size <= maxPerTensor) {
      int[] all = new int[size];
      for (int i = 0; i < size; i++) all[i] = i;
      return all;
    }
    int[] perm = rng.permutation(size);
    int[] pick = java.util.Arrays.copyOf(perm, maxPerTensor);
    java.util.Arrays.sort(pick);
    return pick;
  }

  private static double central(DoubleModel model, double[] block, int j, double w, double h,
      double[] xs, double[] ts, int batch) {
    block[j] = w + h;
    double plus = model.lossAndGradient(xs, 0, ts, 0, batch, false);
    block[j] = w - h;
    double minus = model.lossAndGradient(xs, 0, ts, 0, batch, false);
    return (plus - minus) / (2 * h);
  }

  /** {@code |a - n| / max(|a|, |n|, floor)}; NaN on either side is an infinite error. */
  public static double error(double analytic, double numeric, double floor) {
    if (Double.isNaN(analytic) || Double.isNaN(numeric)) return Double.POSITIVE_INFINITY;
    double den = Math.max(Math.max(Math.abs(analytic), Math.abs(numeric)), floor);
    return Math.abs(analytic - numeric) / den;
  }

  /** One checked element: {@code W1[2, 0]}, both gradients and their error. */
  public record Entry(String element, double analytic, double numeric, double error) {
    @Override
    public String toString() {
      return String.format("%-16s analytic %+.10e  numeric %+.10e  error %.3e", element, analytic,
          numeric, error);
    }
  }

  /** The outcome: every element checked, worst first. */
  public static final class Report {
    private final List<Entry> worstFirst;
    private final List<Entry> skipped;
    private final double tolerance;

    Report(List<Entry> entries, List<Entry> skipped, double tolerance) {
      List<Entry> sorted = new ArrayList<>(entries);
      sorted.sort((a, b) -> Double.compare(b.error(), a.error()));
      this.worstFirst = List.copyOf(sorted);
      this.skipped = List.copyOf(skipped);
      this.tolerance = tolerance;
    }

    /** Elements at non-differentiable points (the numeric derivative depends on the step). */
    public List<Entry> skipped() {
      return skipped;
    }

    public boolean passed() {
      return maxError() < tolerance;
    }

    public double maxError() {
      return worstFirst.isEmpty() ? 0 : worstFirst.get(0).error();
    }

    public double tolerance() {
      return tolerance;
    }

    /** Number of elements compared (not counting the skipped ones). */
    public int checked() {
      return worstFirst.size();
    }

    /** The {@code n} worst elements, worst first. */
    public List<Entry> worst(int n) {
      return worstFirst.subList(0, Math.min(n, worstFirst.size()));
    }

    /** Elements whose error is at or above the tolerance, worst first. */
    public List<Entry> failures() {
      List<Entry> f = new ArrayList<>();
      for (Entry e : worstFirst) {
        if (e.error() >= tolerance) f.add(e);
      }
      return f;
    }

    /** A summary line and the ten worst elements. */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      sb.append(String.format("gradient check %s: %d elements, max error %.3e (tolerance %.0e)%s%n",
          passed() ? "passed" : "FAILED", checked(), maxError(), tolerance,
          skipped.isEmpty() ? "" : ", " + skipped.size() + " skipped at non-smooth points"));
      for (Entry e : worst(10)) sb.append("  ").append(e).append(System.lineSeparator());
      return sb.toString();
    }
  }
}
