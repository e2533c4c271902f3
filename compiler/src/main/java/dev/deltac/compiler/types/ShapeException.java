package dev.deltac.compiler.types;

/** A shape rule was violated; the message names the operation and the shapes involved. */
public final class ShapeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ShapeException(String message) {
    super(message, null, false, false);
  }
}
