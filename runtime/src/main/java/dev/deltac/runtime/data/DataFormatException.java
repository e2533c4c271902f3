package dev.deltac.runtime.data;

import java.io.IOException;

/**
 * A data file is malformed. The message is one line that starts with where: {@code FILE:LINE:}
 * or {@code FILE:LINE:COLUMN:} for CSV (1-based), {@code FILE: byte N:} for IDX.
 */
public class DataFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** A message that starts with {@code FILE:LINE[:COL]:}. */
  public DataFormatException(String message) {
    super(message);
  }

  /** A message that starts with {@code FILE:LINE[:COL]:}, and its cause. */
  public DataFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
