package dev.deltac.spark;

import dev.deltac.runtime.FloatModel;
import java.io.Serializable;

/**
 * The shards of one global batch that one Spark task computes: shard {@code first + k} has
 * {@code n[k]} samples, whose inputs and targets are packed in {@code xs} and {@code ts}.
 */
record ShardWork(int first, int[] n, float[] xs, float[] ts) implements Serializable {

  /** One shard's result: its size, mean loss and mean-loss gradient (parameter blocks). */
  record Result(int shard, int n, float loss, float[][] grads) implements Serializable {}

  /** Cuts shards {@code [first, last)} of a packed batch out of the driver's buffers. */
  static ShardWork cut(float[] xs, float[] ts, int batch, int shardSize, int first, int last,
      int in, int tg) {
    int[] n = new int[last - first];
    for (int k = 0; k < n.length; k++) {
      n[k] = Math.min(shardSize, batch - (first + k) * shardSize);
    }
    int from = first * shardSize;
    int to = Math.min(batch, last * shardSize);
    float[] x = new float[(to - from) * in];
    float[] t = new float[(to - from) * tg];
    System.arraycopy(xs, from * in, x, 0, x.length);
    System.arraycopy(ts, from * tg, t, 0, t.length);
    return new ShardWork(first, n, x, t);
  }

  /**
   * Computes the shards on a pooled model of this JVM with {@code params}: each exactly as
   * {@code ParallelGradient} does on one JVM (the shard at its place in the batch, so dropout
   * masks match), returning one result per shard.
   */
  Result[] compute(ModelSpec spec, float[][] params, long dropoutSeed) {
    ExecutorModels.Instance inst = ExecutorModels.borrow(spec);
    try {
      FloatModel m = inst.model;
      float[][] p = m.params();
      for (int b = 0; b < p.length; b++) System.arraycopy(params[b], 0, p[b], 0, p[b].length);
      m.setDropoutSeed(dropoutSeed);
      int in = spec.inputSize();
      int tg = spec.targetSize();
      int s = spec.shardSize();
      int base = first * s;
      int end = base + xs.length / Math.max(in, 1);
      if (in == 0) end = base + ts.length / Math.max(tg, 1);
      if (inst.xs.length < end * in) inst.xs = new float[end * in];
      if (inst.ts.length < end * tg) inst.ts = new float[end * tg];
      System.arraycopy(xs, 0, inst.xs, base * in, xs.length);
      System.arraycopy(ts, 0, inst.ts, base * tg, ts.length);
      Result[] out = new Result[n.length];
      for (int k = 0; k < n.length; k++) {
        int off = (first + k) * s;
        float loss = m.lossAndGradient(inst.xs, off * in, inst.ts, off * tg, n[k], false);
        float[][] g = m.grads();
        float[][] copy = new float[g.length][];
        for (int b = 0; b < g.length; b++) copy[b] = g[b].clone();
        out[k] = new Result(first + k, n[k], loss, copy);
      }
      return out;
    } finally {
      ExecutorModels.giveBack(spec, inst);
    }
  }
}
