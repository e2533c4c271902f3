package dev.deltac.runtime;

/**
 * The seeded initializers of dsl.md, run in parameter declaration order, row-major, from one
 * {@link Rng}. Every value is drawn in double; a float32 model stores {@code (float)} of the very
 * draw a float64 twin stores, so twins initialized with the same seed agree.
 *
 * <ul>
 *   <li>{@code zeros}, {@code ones}, {@code const(v)}: no draws;
 *   <li>{@code normal(mean, std)}, {@code uniform(lo, hi)};
 *   <li>{@code he} = normal(0, sqrt(2/fan_in)), {@code lecun} = normal(0, sqrt(1/fan_in)),
 *       {@code xavier} = uniform(-a, a) with a = sqrt(6/(fan_in+fan_out)).
 * </ul>
 * With no declared initializer ({@code init() == null}) rank 0 and 1 get zeros, rank &gt;= 2
 * xavier.
 */
public final class Initializers {
  private Initializers() {}

  /** Fills every parameter of {@code model} from its declared initializer. */
  public static void initialize(FloatModel model, long seed) {
    Rng rng = new Rng(seed);
    float[][] blocks = model.params();
    for (TensorInfo t : model.info().params()) {
      Params.set(t, blocks, values(t, rng), 0);
    }
    resetBuffers(model.info(), model.buffers(), null);
  }

  /**
   * Sets every buffer (running statistic) to its starting value: {@code running_mean} 0,
   * {@code running_var} 1. {@link #initialize} does this too.
   */
  public static void resetBuffers(ModelInfo info, float[][] f, double[][] d) {
    for (TensorInfo t : info.buffers()) {
      double v = "ones".equals(t.init()) ? 1 : 0;
      if (f != null) java.util.Arrays.fill(f[t.firstBlock()], (float) v);
      if (d != null) java.util.Arrays.fill(d[t.firstBlock()], v);
    }
  }

  /** Fills every parameter of {@code model} from its declared initializer. */
  public static void initialize(DoubleModel model, long seed) {
    Rng rng = new Rng(seed);
    double[][] blocks = model.params();
    for (TensorInfo t : model.info().params()) {
      Params.set(t, blocks, values(t, rng), 0);
    }
    resetBuffers(model.info(), null, model.buffers());
  }

  /** The row-major values of {@code t}, drawing from {@code rng} as needed. */
  public static double[] values(TensorInfo t, Rng rng) {
    double[] v = new double[t.size()];
    String init = t.init() != null ? t.init() : (t.rank() >= 2 ? "xavier" : "zeros");
    double[] a = t.initArgs();
    switch (init) {
      case "zeros":
        break;
      case "ones":
        java.util.Arrays.fill(v, 1.0);
        break;
      case "const":
        java.util.Arrays.fill(v, arg(t, a, 0, 1));
        break;
      case "normal":
        normal(v, rng, arg(t, a, 0, 2), arg(t, a, 1, 2));
        break;
      case "uniform":
        uniform(v, rng, arg(t, a, 0, 2), arg(t, a, 1, 2));
        break;
      case "he":
        normal(v, rng, 0, Math.sqrt(2.0 / t.fanIn()));
        break;
      case "lecun":
        normal(v, rng, 0, Math.sqrt(1.0 / t.fanIn()));
        break;
      case "xavier": {
        double lim = Math.sqrt(6.0 / (t.fanIn() + t.fanOut()));
        uniform(v, rng, -lim, lim);
        break;
      }
      default:
        throw new IllegalArgumentException("unknown initializer '" + init + "' for " + t);
    }
    return v;
  }

  private static double arg(TensorInfo t, double[] a, int i, int expected) {
    Checks.checkArgument(a.length == expected, "initializer %s of %s takes %s arguments, got %s",
        t.init(), t, expected, a.length);
    return a[i];
  }

  private static void normal(double[] v, Rng rng, double mean, double std) {
    for (int i = 0; i < v.length; i++) v[i] = mean + std * rng.nextGaussian();
  }

  private static void uniform(double[] v, Rng rng, double lo, double hi) {
    for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * rng.nextDouble();
  }
}
