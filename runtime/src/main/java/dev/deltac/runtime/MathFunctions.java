package dev.deltac.runtime;

/**
 * Scalar functions that {@link Math} lacks, used by generated code and by the compiler's
 * reference interpreter, so both compute the same thing: erf (to about 1e-16), the exact gelu
 * and its derivative, numerically stable sigmoid and softplus, the piecewise activations, the
 * log-sum-exp and the per-element terms of the stable losses.
 *
 * <p>The double methods are the reference semantics of the IR ops (the compiler's interpreter
 * calls them; {@code dev.deltac.compiler.interp.Kernels}); generated float64 code that writes
 * the same expression gets the same bits. Changing one of them changes what the interpreter
 * computes, which the PyTorch fixtures and the generated-versus-interpreter tests (1e-12 in
 * float64) check.
 */
public final class MathFunctions {
  private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
  private static final double INV_SQRT_PI = 0.5641895835477563;
  private static final double INV_SQRT_2 = 0.7071067811865476;
  private static final double INV_SQRT_2PI = 0.3989422804014327;

  private MathFunctions() {}

  /**
   * The error function. Below |x| = 3 a series with only positive terms,
   * erf(x) = 2/sqrt(pi) e^(-x^2) sum 2^n x^(2n+1) / (1 * 3 * ... * (2n+1)), which does not
   * cancel; above, the continued fraction of erfc, evaluated with Lentz's method.
   */
  public static double erf(double x) {
    if (Double.isNaN(x)) return x;
    double ax = Math.abs(x);
    double r;
    if (ax < 3.0) {
      double x2 = ax * ax;
      double term = ax;
      double sum = ax;
      for (int n = 1; n < 200; n++) {
        term *= 2.0 * x2 / (2 * n + 1);
        sum += term;
        if (term < sum * 1e-17) break;
      }
      r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    } else if (ax < 6.5) {
      r = 1.0 - erfcLarge(ax);
    } else {
      r = 1.0;
    }
    return x < 0 ? -r : r;
  }

  /** erfc(x) for x &gt;= 3: e^(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))). */
  private static double erfcLarge(double x) {
    double tiny = 1e-300;
    double f = x;
    double c = x;
    double d = 0;
    for (int k = 1; k < 300; k++) {
      double a = k * 0.5;
      d = x + a * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = x + a / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1.0 / d;
      double delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1.0) < 1e-17) break;
    }
    return Math.exp(-x * x) * INV_SQRT_PI / f;
  }

  /** The exact gelu, x * Phi(x). */
  public static double gelu(double x) {
    return 0.5 * x * (1.0 + erf(x * INV_SQRT_2));
  }

  /** d gelu / dx = Phi(x) + x phi(x). */
  public static double geluGrad(double x) {
    return 0.5 * (1.0 + erf(x * INV_SQRT_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
  }

  /**
   * {@code x > 0 ? x : 0} (NaN and -0 give +0) without a branch: {@code Math.max} is a C2
   * intrinsic, and the NaN test that follows is never taken in practice, so it predicts
   * perfectly. Over the batch of a relu layer the signs are random and the plain conditional
   * mispredicted about half the time: with this and {@link #stepf}, the MLP 784-128-10 step at
   * batch 256 went from 1 450 to 1 185 µs (docs/PERFORMANCE.md).
   */
  public static float reluf(float x) {
    float r = Math.max(x, 0f);
    return r == r ? r : 0f;
  }

  /** {@link #reluf} in double. */
  public static double relu(double x) {
    double r = Math.max(x, 0.0);
    return r == r ? r : 0.0;
  }

  /**
   * {@code x > 0 ? 1 : 0} without a branch, for every float including -0, infinities and NaN:
   * x is positive exactly when its bits, read as unsigned, are in [1, 0x7f800000].
   */
  public static float stepf(float x) {
    long below = ((Float.floatToRawIntBits(x) - 1) & 0xffffffffL) - 0x7f800000L;
    return (float) (below >>> 63);
  }

  /**
   * {@link #stepf} of a relu's output, {@code x} from +0 to +infinity (never NaN, never -0): the
   * same values ({@code x * 2^254} is at least 2^105 for the least positive subnormal, so the min
   * is 1; +0 stays 0), as a multiply and a min, which C2 vectorizes in a loop where
   * {@code stepf}'s integer arithmetic stays scalar (a [16, 64] relu slope over a batch of 32:
   * about 15x faster). Not for negative or NaN inputs.
   */
  public static float stepOfReluf(float x) {
    return Math.min(x * 0x1p127f * 0x1p127f, 1f);
  }

  /**
   * tanh in float32 for generated float32 code: a [13/6] rational approximation (Eigen's
   * {@code generic_fast_tanh_float}) on x clamped to +-7.905 (where float tanh rounds to +-1).
   * Absolute and relative error below 4e-7 (a few float ulps) for normal inputs; NaN stays NaN.
   * Branch-free float arithmetic, so C2 vectorizes loops over it: about 100x faster than
   * {@code (float) Math.tanh(x)}, which Java 17 does not intrinsify (docs/PERFORMANCE.md).
   */
  public static float tanhf(float x) {
    float c = Math.max(-7.90531110763549805f, Math.min(7.90531110763549805f, x));
    float x2 = c * c;
    float p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
    p = x2 * p + -8.60467152213735e-11f;
    p = x2 * p + 5.12229709037114e-08f;
    p = x2 * p + 1.48572235717979e-05f;
    p = x2 * p + 6.37261928875436e-04f;
    p = x2 * p + 4.89352455891786e-03f;
    p = c * p;
    float q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
    q = x2 * q + 2.26843463243900e-03f;
    q = x2 * q + 4.89352518554385e-03f;
    return p / q;
  }

  /**
   * sigmoid for float32 code: 1 / (1 + e^-x) in double, without a branch. Exact to the float
   * rounding of the double result for every float x (e^-x only overflows below x = -709, where
   * the float result is 0 anyway); about 10% faster than {@code (float) sigmoid(x)}.
   */
  public static float sigmoidf(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-x)));
  }

  /**
   * ln(1 + t) for 0 &lt;= t &lt;= 1 (the {@code log1p(e^-|x|)} of softplus and of the logistic
   * loss), for float32 code: the intrinsic {@code Math.log(1 + t)} (relative error below 1e-12
   * for t &gt;= 1e-4), and t - t^2/2 below (relative error below 4e-9). Java 17's
   * {@code Math.log1p} is not an intrinsic and costs about twice as much.
   */
  public static double log1pUnit(double t) {
    return t < 1e-4 ? t * (1.0 - 0.5 * t) : Math.log(1.0 + t);
  }

  /**
   * 1 / (1 + e^-x), without overflow for large |x|: for x &lt; 0 it is e^x / (1 + e^x), so the
   * exponent is never positive. Saturates to exactly 0 and 1; NaN gives NaN.
   */
  public static double sigmoid(double x) {
    if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
    double e = Math.exp(x);
    return e / (1.0 + e);
  }

  /**
   * ln(1 + e^x), without overflow: max(x, 0) + log1p(e^-|x|); the exponent is never positive
   * and log1p keeps the tail's precision (softplus(x) = x + a tiny term for large x, e^x for
   * very negative x).
   */
  public static double softplus(double x) {
    return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
  }

  /**
   * {@code x > 0 ? 1 : 0} in double: the derivative of relu (written through its input or its
   * output, which have the same sign). -0 and NaN give 0. Float code uses {@link #stepf}, which
   * gives the same values without a branch.
   */
  public static double step(double x) {
    return x > 0 ? 1.0 : 0.0;
  }

  /**
   * leaky relu, {@code x > 0 ? x : alpha * x}. NaN gives {@code alpha * NaN}, NaN; -0 gives
   * {@code alpha * -0}. For float arguments the double product is exact (24 + 24 bits), so
   * {@code (float) leakyRelu(x, alpha)} equals the float expression.
   */
  public static double leakyRelu(double x, double alpha) {
    return x > 0 ? x : alpha * x;
  }

  /**
   * elu, {@code x > 0 ? x : alpha * (e^x - 1)}, with {@link Math#expm1}: e^x - 1 would lose
   * the relative precision of small negative x to cancellation; for large negative x expm1 goes
   * to -1 without overflow.
   */
  public static double elu(double x, double alpha) {
    return x > 0 ? x : alpha * Math.expm1(x);
  }

  /**
   * log(sum_i e^(v_i)), shifted by the maximum m: m + log(sum_i e^(v_i - m)), so no exponent
   * overflows and the largest term is 1 (the sum is at least 1, its log does not underflow).
   * When m is infinite the result is m (all -infinity or empty: -infinity; any +infinity:
   * +infinity) without forming infinity - infinity. A NaN element gives NaN. Sums left to right.
   */
  public static double logSumExp(double[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) max = Math.max(max, x);
    if (Double.isInfinite(max)) return max;
    double s = 0;
    for (double x : v) s += Math.exp(x - max);
    return max + Math.log(s);
  }

  /**
   * One element of the logistic loss on a logit z with target y,
   * {@code -(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))}, written as
   * {@code max(z, 0) - z * y + log1p(e^-|z|)}: the exponent is never positive, so nothing
   * overflows, and log1p keeps the precision of the small tail for large |z|. Evaluated in that
   * order: {@code (max(z, 0) - z * y) + log1p(e^-|z|)}.
   */
  public static double bceWithLogits(double z, double y) {
    return Math.max(z, 0.0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  }

  /**
   * One element of the Huber loss on a residual r = prediction - target:
   * {@code d^2 / 2} with d = |r| for {@code d <= delta}, else {@code delta * (d - delta / 2)}
   * (quadratic near zero, linear beyond delta, continuous with a continuous slope). Evaluated as
   * {@code 0.5 * d * d} and {@code delta * (d - 0.5 * delta)}.
   */
  public static double huber(double r, double delta) {
    double d = Math.abs(r);
    return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
  }

  public static float erf(float x) {
    return (float) erf((double) x);
  }

  public static float gelu(float x) {
    return (float) gelu((double) x);
  }

  public static float geluGrad(float x) {
    return (float) geluGrad((double) x);
  }

  public static float sigmoid(float x) {
    return (float) sigmoid((double) x);
  }

  public static float softplus(float x) {
    return (float) softplus((double) x);
  }
}
