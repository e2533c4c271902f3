package dev.deltac.runtime;

/**
 * Argument checks with precise messages; the runtime's stand-in for Guava's Preconditions. As
 * there, the overloads with {@code int} and {@code long} arguments keep checks on hot paths from
 * boxing and allocating a varargs array on every call (escape analysis does not always remove
 * them: a training step measured 24–276 bytes per call before).
 */
public final class Checks {
  private Checks() {}

  public static void checkArgument(boolean ok, String format, int arg) {
    if (!ok) throw new IllegalArgumentException(String.format(format, arg));
  }

  public static void checkArgument(boolean ok, String format, long arg) {
    if (!ok) throw new IllegalArgumentException(String.format(format, arg));
  }

  public static void checkArgument(boolean ok, String format, int arg1, int arg2) {
    if (!ok) throw new IllegalArgumentException(String.format(format, arg1, arg2));
  }

  public static void checkArgument(boolean ok, String format, Object... args) {
    if (!ok) throw new IllegalArgumentException(String.format(format, args));
  }

  public static void checkState(boolean ok, String format, Object... args) {
    if (!ok) throw new IllegalStateException(String.format(format, args));
  }

  public static <T> T checkNotNull(T value, String what) {
    if (value == null) throw new NullPointerException(what + " == null");
    return value;
  }
}
