package dev.deltac.runtime;


/**
 * Helpers over parameter blocks (see {@link TensorInfo}): element {@code i} (row-major) of a
 * tensor lives in block {@code firstBlock + i / blockSize} at index {@code i % blockSize}.
 */
public final class Params {
  private Params() {}

  /** The buffers of a model that has none (see {@code FloatModel.buffers()}). */
  public static final float[][] NO_FLOAT_BLOCKS = new float[0][];
  /** The float64 twin of {@link #NO_FLOAT_BLOCKS}. */
  public static final double[][] NO_DOUBLE_BLOCKS = new double[0][];

  /** The parameter tensor that holds block {@code block}. */
  public static TensorInfo tensorOfBlock(ModelInfo info, int block) {
    for (TensorInfo t : info.params()) {
      if (block >= t.firstBlock() && block < t.firstBlock() + t.blockCount()) return t;
    }
    throw new IllegalArgumentException("no parameter holds block " + block + " of " + info.name());
  }

  /** {@code W1[2, 0]}: the name and multi-index of row-major element {@code flat} of {@code t}. */
  public static String elementName(TensorInfo t, int flat) {
    int[] shape = t.shape();
    if (shape.length == 0) return t.name();
    int[] idx = new int[shape.length];
    int rest = flat;
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = rest % shape[d];
      rest /= shape[d];
    }
    StringBuilder sb = new StringBuilder(t.name()).append('[');
    for (int d = 0; d < idx.length; d++) {
      if (d > 0) sb.append(", ");
      sb.append(idx[d]);
    }
    return sb.append(']').toString();
  }

  /** All parameters, concatenated in declaration order, row-major (the checkpoint order). */
  public static double[] flatten(ModelInfo info, float[][] blocks) {
    double[] out = new double[info.paramCount()];
    int k = 0;
    for (TensorInfo t : info.params()) {
      int bs = t.blockSize();
      for (int b = 0; b < t.blockCount(); b++) {
        float[] block = blocks[t.firstBlock() + b];
        for (int j = 0; j < bs; j++) out[k++] = block[j];
      }
    }
    return out;
  }

  /** Like {@link #flatten(ModelInfo, float[][])} for float64 blocks. */
  public static double[] flatten(ModelInfo info, double[][] blocks) {
    double[] out = new double[info.paramCount()];
    int k = 0;
    for (TensorInfo t : info.params()) {
      int bs = t.blockSize();
      for (int b = 0; b < t.blockCount(); b++) {
        System.arraycopy(blocks[t.firstBlock() + b], 0, out, k, bs);
        k += bs;
      }
    }
    return out;
  }

  /** Writes {@code values} of tensor {@code t} (row-major) into its blocks, cast to float. */
  public static void set(TensorInfo t, float[][] blocks, double[] values, int from) {
    int bs = t.blockSize();
    int k = from;
    for (int b = 0; b < t.blockCount(); b++) {
      float[] block = blocks[t.firstBlock() + b];
      for (int j = 0; j < bs; j++) block[j] = (float) values[k++];
    }
  }

  /** Writes {@code values} of tensor {@code t} (row-major) into its blocks. */
  public static void set(TensorInfo t, double[][] blocks, double[] values, int from) {
    int bs = t.blockSize();
    int k = from;
    for (int b = 0; b < t.blockCount(); b++) {
      System.arraycopy(values, k, blocks[t.firstBlock() + b], 0, bs);
      k += bs;
    }
  }

  /** Like {@link #flatten(ModelInfo, float[][])}, kept in float32 (for optimizer state). */
  public static float[] flattenFloats(ModelInfo info, float[][] blocks) {
    float[] out = new float[info.paramCount()];
    int k = 0;
    for (TensorInfo t : info.params()) {
      int bs = t.blockSize();
      for (int b = 0; b < t.blockCount(); b++) {
        System.arraycopy(blocks[t.firstBlock() + b], 0, out, k, bs);
        k += bs;
      }
    }
    return out;
  }

  /** New blocks in the model's layout holding {@code flat} (the checkpoint order). */
  public static float[][] unflattenFloats(ModelInfo info, float[] flat) {
    if (flat.length != info.paramCount()) {
      throw new IllegalArgumentException(flat.length + " values for the " + info.paramCount()
          + " parameters of " + info.name());
    }
    float[][] blocks = new float[info.blockCount()][];
    int k = 0;
    for (TensorInfo t : info.params()) {
      int bs = t.blockSize();
      for (int b = 0; b < t.blockCount(); b++) {
        blocks[t.firstBlock() + b] = java.util.Arrays.copyOfRange(flat, k, k + bs);
        k += bs;
      }
    }
    return blocks;
  }

  /** A deep copy of the blocks. */
  public static float[][] copyOf(float[][] blocks) {
    float[][] c = new float[blocks.length][];
    for (int b = 0; b < blocks.length; b++) c[b] = blocks[b].clone();
    return c;
  }

  /** Copies {@code src} into {@code dst}, block by block (same layout). */
  public static void copy(float[][] src, float[][] dst) {
    for (int b = 0; b < src.length; b++) System.arraycopy(src[b], 0, dst[b], 0, src[b].length);
  }

  /** Total element count of the blocks. */
  public static long size(float[][] blocks) {
    long n = 0;
    for (float[] b : blocks) n += b.length;
    return n;
  }

}
