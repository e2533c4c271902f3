package dev.deltac.exchange;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 tensor, row-major: what the exchange formats move. {@code shape} is empty for
 * a scalar. The arrays are the record's own (copies are made on the way in and out).
 */
public record NamedTensor(String name, int[] shape, float[] values) {
  public NamedTensor {
    Objects.requireNonNull(name, "name == null");
    shape = shape.clone();
    values = values.clone();
    long n = 1;
    for (int d : shape) {
      if (d < 0) throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
      n *= d;
    }
    if (n != values.length) {
      throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + n
          + " values, got " + values.length);
    }
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  @Override
  public float[] values() {
    return values.clone();
  }

  /** The element count. */
  public int size() {
    return values.length;
  }

  /** {@code [128, 784]}. */
  public String shapeText() {
    return Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NamedTensor t && name.equals(t.name) && Arrays.equals(shape, t.shape)
        && Arrays.equals(values, t.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(values));
  }

  @Override
  public String toString() {
    return name + " " + shapeText();
  }
}
