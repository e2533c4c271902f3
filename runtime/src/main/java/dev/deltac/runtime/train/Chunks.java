package dev.deltac.runtime.train;

/**
 * A fixed cut of parameter blocks into contiguous element ranges of at most {@code size}
 * elements, in block order: the unit of work of the parallel reduction and optimizer step. The
 * cut depends on the block lengths only.
 */
final class Chunks {
  private final int[] block;
  private final int[] from;
  private final int[] to;
  private final long elements;

  Chunks(float[][] blocks, int size) {
    int count = 0;
    long total = 0;
    for (float[] b : blocks) {
      count += (b.length + size - 1) / size;
      total += b.length;
    }
    block = new int[count];
    from = new int[count];
    to = new int[count];
    int c = 0;
    for (int b = 0; b < blocks.length; b++) {
      for (int start = 0; start < blocks[b].length; start += size) {
        block[c] = b;
        from[c] = start;
        to[c] = Math.min(blocks[b].length, start + size);
        c++;
      }
    }
    elements = total;
  }

  int count() {
    return block.length;
  }

  int block(int chunk) {
    return block[chunk];
  }

  int from(int chunk) {
    return from[chunk];
  }

  int to(int chunk) {
    return to[chunk];
  }

  long elements() {
    return elements;
  }
}
