package dev.deltac.runtime;

import java.util.Arrays;
import java.util.Objects;

/**
 * Name, shape and placement of one input, target, output or parameter of a generated model.
 *
 * <p>Inputs, targets and outputs are packed per sample, back to back in declaration order:
 * {@link #offset()} is the tensor's offset inside one sample's packed vector.
 *
 * <p>Parameters live in uniform blocks ({@code params()[b]}): a tensor of rank 0 or 1 is one
 * block; a tensor of rank k &gt;= 2 is {@code shape[0]} blocks (its rows) of
 * {@code shape[1] * ... * shape[k-1]} elements each. {@link #firstBlock()} and
 * {@link #blockCount()} say which blocks hold it; {@link #offset()} is its offset in the flat,
 * concatenated view of all parameters (as a checkpoint stores them).
 *
 * <p>{@link #init()} and {@link #initArgs()} name the declared initializer of a parameter
 * ({@code zeros}, {@code ones}, {@code const}, {@code normal}, {@code uniform}, {@code he},
 * {@code xavier}, {@code lecun}); {@code null} for other kinds.
 */
public final class TensorInfo {
  private final String name;
  private final int[] shape;
  private final int offset;
  private final int firstBlock;
  private final int blockCount;
  private final String init;
  private final double[] initArgs;
  /** -1 for float values; else the exclusive bound of integer values (0: any integer). */
  private int indexBound = -1;

  /** Generated classes make these; see {@link #packed} for inputs, targets and outputs. */
  public TensorInfo(String name, int[] shape, int offset, int firstBlock, int blockCount,
      String init, double[] initArgs) {
    this.name = Objects.requireNonNull(name, "name == null");
    this.shape = shape.clone();
    this.offset = offset;
    this.firstBlock = firstBlock;
    this.blockCount = blockCount;
    this.init = init;
    this.initArgs = initArgs == null ? new double[0] : initArgs.clone();
  }

  /** An input, target or output at {@code offset} of the packed per-sample vector. */
  public static TensorInfo packed(String name, int[] shape, int offset) {
    return new TensorInfo(name, shape, offset, -1, 0, null, null);
  }

  /**
   * An integer input or target ({@code input ids: int[16]}) at {@code offset}: its values are
   * indices, carried as exact floating-point values, in {@code 0..bound-1} ({@code bound} 0: any
   * integer).
   */
  public static TensorInfo integers(String name, int[] shape, int offset, int bound) {
    TensorInfo t = packed(name, shape, offset);
    t.indexBound = Math.max(0, bound);
    return t;
  }

  /** Whether this input or target holds integer indices. */
  public boolean integer() {
    return indexBound >= 0;
  }

  /**
   * For an integer input or target: the exclusive bound of its values (the rows, classes or
   * width it indexes), or 0 when any integer is allowed; -1 for float values.
   */
  public int indexBound() {
    return indexBound;
  }

  /** The {@code .nn} name ({@code W1}, {@code h.W}). */
  public String name() {
    return name;
  }

  /** The dimensions, a copy ({@code []} for a scalar). */
  public int[] shape() {
    return shape.clone();
  }

  /** The number of dimensions (0 for a scalar). */
  public int rank() {
    return shape.length;
  }

  /** Number of elements (1 for a scalar). */
  public int size() {
    int n = 1;
    for (int d : shape) n *= d;
    return n;
  }

  /**
   * For an input, target or output: its first element in one sample's packed vector. For a
   * param: its first element in the flat list of all parameters (as in checkpoints).
   */
  public int offset() {
    return offset;
  }

  /** For a param: the index of its first block in {@code params()}; -1 otherwise. */
  public int firstBlock() {
    return firstBlock;
  }

  /** For a param: how many blocks of {@code params()} hold it; 0 otherwise. */
  public int blockCount() {
    return blockCount;
  }

  /** Elements per block: {@code size() / blockCount()}. */
  public int blockSize() {
    return blockCount == 0 ? 0 : size() / blockCount;
  }

  /**
   * For {@code [out, in...]}: the product of all but the first dimension, so 1 for a vector
   * {@code [n]} (nothing after {@code out}) and for a scalar.
   */
  public int fanIn() {
    int n = 1;
    for (int i = 1; i < shape.length; i++) n *= shape[i];
    return n;
  }

  /** For {@code [out, in...]}: the first dimension (1 for rank 0). */
  public int fanOut() {
    return shape.length == 0 ? 1 : shape[0];
  }

  /** For a param: its declared initializer's name; null otherwise. */
  public String init() {
    return init;
  }

  /** The initializer's arguments, a copy. */
  public double[] initArgs() {
    return initArgs.clone();
  }

  /** {@code W1[4, 2]}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name).append('[');
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) sb.append(", ");
      sb.append(shape[i]);
    }
    return sb.append(']').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t && name.equals(t.name) && Arrays.equals(shape, t.shape)
        && offset == t.offset && firstBlock == t.firstBlock && blockCount == t.blockCount
        && Objects.equals(init, t.init) && Arrays.equals(initArgs, t.initArgs)
        && indexBound == t.indexBound;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, Arrays.hashCode(shape), offset, firstBlock, blockCount);
  }
}
