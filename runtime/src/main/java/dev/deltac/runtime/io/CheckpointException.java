package dev.deltac.runtime.io;

import java.io.IOException;

/**
 * A checkpoint could not be read or does not fit the model; the message says which: not a
 * checkpoint, truncated, corrupt, another model, or a parameter's name or shape differs.
 */
public class CheckpointException extends IOException {
  private static final long serialVersionUID = 1L;

  public CheckpointException(String message) {
    super(message);
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
