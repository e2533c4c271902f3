package dev.deltac.compiler.ir;

import java.util.Arrays;
import java.util.Objects;

/**
 * The static attributes of a node: a name (leaves, fused activation kinds), integers (indices,
 * dims, strides) and doubles (constant values, slopes). Immutable, compared by value, so that
 * common-subexpression elimination can key nodes on it.
 */
public final class Attr {
  public static final Attr NONE = new Attr(null, new int[0], new double[0]);

  private final String name;
  private final int[] ints;
  private final double[] doubles;
  /** A loop body ({@link LoopBody}) of LOOP and LOOP_GRAD, compared by identity; else null. */
  private final LoopBody body;

  private Attr(String name, int[] ints, double[] doubles) {
    this(name, ints, doubles, null);
  }

  private Attr(String name, int[] ints, double[] doubles, LoopBody body) {
    this.name = name;
    this.ints = ints;
    this.doubles = doubles;
    this.body = body;
  }

  /** The attr of a LOOP or LOOP_GRAD node: its body and the ints {@code [from, to]}. */
  public static Attr loop(LoopBody body, int from, int to) {
    return new Attr(null, new int[] {from, to}, new double[0], java.util.Objects.requireNonNull(body));
  }

  /** The loop body of a LOOP or LOOP_GRAD node, else null. */
  public LoopBody body() {
    return body;
  }

  public static Attr name(String name) {
    return new Attr(Objects.requireNonNull(name, "name == null"), new int[0], new double[0]);
  }

  public static Attr ints(int... ints) {
    return new Attr(null, ints.clone(), new double[0]);
  }

  public static Attr doubles(double... doubles) {
    return new Attr(null, new int[0], doubles.clone());
  }

  public static Attr of(String name, int[] ints, double[] doubles) {
    return new Attr(name, ints.clone(), doubles.clone());
  }

  public String name() {
    return name;
  }

  public int[] ints() {
    return ints.clone();
  }

  public int intAt(int i) {
    return ints[i];
  }

  public int intCount() {
    return ints.length;
  }

  public double[] doubles() {
    return doubles.clone();
  }

  public double doubleAt(int i) {
    return doubles[i];
  }

  public int doubleCount() {
    return doubles.length;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Attr a)) return false;
    if (!Objects.equals(name, a.name) || !Arrays.equals(ints, a.ints)) return false;
    if (body != a.body) return false;
    if (doubles.length != a.doubles.length) return false;
    for (int i = 0; i < doubles.length; i++) {
      // Bitwise, so that 0.0 and -0.0 (and NaNs) stay distinct constants.
      if (Double.doubleToRawLongBits(doubles[i]) != Double.doubleToRawLongBits(a.doubles[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, Arrays.hashCode(ints), Arrays.hashCode(doubles), System.identityHashCode(body));
  }

  /** Compact text for dumps: {@code "W1"}, {@code [0, 3]}, {@code 0.5}. Empty for NONE. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (body != null) sb.append("body of ").append(body.graph().nodes().size()).append(" nodes");
    if (name != null) sb.append(name);
    if (ints.length > 0) {
      if (sb.length() > 0) sb.append(' ');
      sb.append(Arrays.toString(ints));
    }
    if (doubles.length > 0) {
      if (sb.length() > 0) sb.append(' ');
      if (doubles.length == 1) {
        sb.append(fmt(doubles[0]));
      } else if (doubles.length <= 8) {
        sb.append('{');
        for (int i = 0; i < doubles.length; i++) sb.append(i > 0 ? ", " : "").append(fmt(doubles[i]));
        sb.append('}');
      } else {
        sb.append('{').append(doubles.length).append(" values}");
      }
    }
    return sb.toString();
  }

  static String fmt(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
    return Double.toString(d);
  }
}
