package dev.deltac.runtime;

/**
 * Integer inputs and targets (dsl.md section 9). A model's packed inputs and targets are
 * {@code float[]} or {@code double[]}; an integer value travels in them as the exact
 * floating-point value of the integer (float32 holds every integer up to 2^24 exactly). Generated
 * code checks each integer input and target where it is loaded, so a bad value is one clear
 * {@link IllegalArgumentException} naming the input, the sample and the value, never an
 * {@code ArrayIndexOutOfBoundsException} from inside a kernel.
 */
public final class Indices {
  private Indices() {}

  /** Largest integer a float32 represents exactly, together with all smaller ones. */
  public static final int FLOAT_EXACT = 1 << 24;

  /**
   * Checks {@code count} values from {@code src[from]}: each must be an integer in
   * {@code 0..bound-1}, or any integer when {@code bound} is 0.
   *
   * @param kind {@code "input"} or {@code "target"}
   * @param name the input's or target's name in the {@code .nn} file
   * @param sample the sample's position in the packed array the caller passed
   */
  public static void check(float[] src, int from, int count, int bound, String kind, String name, int sample) {
    for (int i = 0; i < count; i++) {
      float v = src[from + i];
      if (!valid(v, bound)) throw error(kind, name, sample, i, count, v, bound);
    }
  }

  /** As {@link #check(float[], int, int, int, String, String, int)}. */
  public static void check(double[] src, int from, int count, int bound, String kind, String name, int sample) {
    for (int i = 0; i < count; i++) {
      double v = src[from + i];
      if (!valid(v, bound)) throw error(kind, name, sample, i, count, v, bound);
    }
  }

  /** Whether {@code v} is an integer, in {@code 0..bound-1} when {@code bound > 0}. */
  public static boolean valid(double v, int bound) {
    if (v != Math.rint(v) || Double.isInfinite(v)) return false;
    return bound <= 0 || v >= 0 && v < bound;
  }

  /** The message of a bad index (also used by data loaders and tools that check ahead). */
  public static IllegalArgumentException error(String kind, String name, int sample, int element, int count,
      double v, int bound) {
    String where = kind + " `" + name + "`" + (count > 1 ? "[" + element + "]" : "") + " of sample " + sample;
    String value = v == Math.rint(v) && !Double.isInfinite(v) ? Long.toString((long) v) : Double.toString(v);
    String why = v != Math.rint(v) || Double.isInfinite(v) || Double.isNaN(v)
        ? "is not an integer"
        : "is outside the range 0.." + (bound - 1) + " it indexes";
    return new IllegalArgumentException(where + " is " + value + ", which " + why);
  }
}
