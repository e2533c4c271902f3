package dev.deltac.compiler.check;

import java.util.List;

/**
 * A resolved initializer: its name ({@code zeros ones const normal uniform he xavier lecun}) and
 * numeric arguments in parameter order ({@code normal(mean, std)}, {@code uniform(lo, hi)},
 * {@code const(v)}).
 */
public record InitSpec(String name, List<Double> args) {
  public InitSpec {
    args = List.copyOf(args);
  }

  public static InitSpec of(String name, double... args) {
    java.util.ArrayList<Double> list = new java.util.ArrayList<>();
    for (double a : args) list.add(a);
    return new InitSpec(name, list);
  }

  /** The default of dsl.md section 2: {@code zeros} for scalars and rank 1, {@code xavier} above. */
  public static InitSpec defaultFor(int rank) {
    return of(rank >= 2 ? "xavier" : "zeros");
  }
}
