package dev.deltac.compiler.ir;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.types.Shape;

/**
 * A trainable parameter as declared: its name (layer params are {@code h.W}), shape, and the
 * initializer ({@code he}, {@code normal} with args {@code [mean, std]}, ...).
 */
public record ParamSpec(String name, Shape shape, String init, double[] initArgs, SourceSpan span) {
  public ParamSpec {
    initArgs = initArgs.clone();
  }

  @Override
  public double[] initArgs() {
    return initArgs.clone();
  }
}
