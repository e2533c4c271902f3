package dev.deltac.runtime;

/** Element type of a generated class. */
public enum Precision {
  FLOAT32("float32"),
  FLOAT64("float64");

  private final String label;

  Precision(String label) {
    this.label = label;
  }

  /** {@code float32} or {@code float64}, as written on the command line and in files. */
  public String label() {
    return label;
  }

  public static Precision parse(String s) {
    for (Precision p : values()) {
      if (p.label.equalsIgnoreCase(s) || p.name().equalsIgnoreCase(s)) return p;
    }
    throw new IllegalArgumentException("unknown precision '" + s + "' (expected float32 or float64)");
  }
}
