package dev.deltac.exchange;

import java.io.IOException;

/**
 * A file that cannot be read or does not fit the model, or a model that has no form in the
 * target format. The message is meant for people and names the file (and the tensor, byte or
 * {@code .nn} line) at fault.
 */
public final class ExchangeException extends IOException {
  private static final long serialVersionUID = 1L;

  public ExchangeException(String message) {
    super(message);
  }
}
