package dev.deltac.compiler.parse;

import java.math.BigInteger;

/** Number parsing shared by the parser and the checker. */
public final class Numbers {
  private Numbers() {}

  /** Decimal digits to a long, saturating at {@link Long#MAX_VALUE} instead of wrapping. */
  public static long parseLong(String digits) {
    BigInteger b = new BigInteger(digits);
    return b.bitLength() < 63 ? b.longValue() : Long.MAX_VALUE;
  }
}
