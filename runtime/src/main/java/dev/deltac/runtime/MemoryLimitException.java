package dev.deltac.runtime;

/**
 * What was asked for would not fit in the JVM's heap (or in a Java array); the message gives the
 * sizes and the remedies. Thrown before anything large is allocated.
 */
public class MemoryLimitException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public MemoryLimitException(String message) {
    super(message);
  }
}
