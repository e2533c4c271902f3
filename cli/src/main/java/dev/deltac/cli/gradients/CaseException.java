package dev.deltac.cli.gradients;

/** A {@code CASE.json} that cannot be used: bad JSON, an unknown name, a wrong shape. */
public final class CaseException extends Exception {
  private static final long serialVersionUID = 1L;

  public CaseException(String message) {
    super(message);
  }
}
