package dev.deltac.runtime;

/** Argument checks with precise messages; the runtime's stand-in for Guava's Preconditions. */
public final class Checks {
  private Checks() {}

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
