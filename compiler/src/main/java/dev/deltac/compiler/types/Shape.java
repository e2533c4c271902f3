package dev.deltac.compiler.types;

import java.util.Arrays;

/**
 * A static tensor shape: {@code []} is a scalar, {@code [n]} a vector, {@code [m, n]} a matrix.
 * Row-major. Immutable.
 */
public final class Shape {
  public static final Shape SCALAR = new Shape(new int[0]);

  private final int[] dims;

  private Shape(int[] dims) {
    this.dims = dims;
  }

  public static Shape of(int... dims) {
    if (dims.length == 0) return SCALAR;
    for (int d : dims) {
      if (d <= 0) throw new IllegalArgumentException("dimension must be positive: " + Arrays.toString(dims));
    }
    return new Shape(dims.clone());
  }

  public static Shape of(java.util.List<Integer> dims) {
    int[] a = new int[dims.size()];
    for (int i = 0; i < a.length; i++) a[i] = dims.get(i);
    return of(a);
  }

  public int rank() {
    return dims.length;
  }

  public int dim(int axis) {
    return dims[axis];
  }

  public int[] dims() {
    return dims.clone();
  }

  public boolean isScalar() {
    return dims.length == 0;
  }

  /** Number of elements; 1 for a scalar. */
  public int size() {
    long n = 1;
    for (int d : dims) n *= d;
    if (n > Integer.MAX_VALUE) throw new ArithmeticException("shape too large: " + this);
    return (int) n;
  }

  /** Number of elements as a long, never overflowing for sane ranks. */
  public long sizeLong() {
    long n = 1;
    for (int d : dims) n = Math.multiplyExact(n, (long) d);
    return n;
  }

  /** The shape without its first axis: {@code [T, n] -> [n]}. */
  public Shape dropFirst() {
    if (dims.length == 0) throw new IllegalStateException("scalar has no first axis");
    return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
  }

  /** The shape with its first axis replaced. */
  public Shape withFirst(int first) {
    int[] d = dims.clone();
    d[0] = first;
    return of(d);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** {@code [2, 3]}, {@code [4]}, or {@code []} for a scalar. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < dims.length; i++) {
      if (i > 0) sb.append(", ");
      sb.append(dims[i]);
    }
    return sb.append(']').toString();
  }
}
