package dev.deltac.runtime;

/**
 * The staged training step of a float32 model whose samples are coupled by batch statistics
 * (batch_norm), so that a data-parallel step can cut a batch into shards and still normalize
 * with the statistics of the whole batch. Generated classes of such models implement it.
 *
 * <p>One step over a batch of {@code batch} samples cut into shards, each on its own replica:
 * <ol>
 *   <li>{@link #beginShard(int)} on every replica (zeroes its gradients; the loss seed becomes
 *       1/batch, so shard gradients simply add up);
 *   <li>for each statistic group {@code k < statisticGroups()}: {@link #runStage} {@code k} on
 *       every shard (it leaves the shard's sums in {@link #shardSums}{@code (k)}, accumulated in
 *       double in sample order), then the sums of all shards added up <em>in shard order</em>
 *       and handed to every replica with {@link #setBatchSums}, which sets the statistics to
 *       sum / batch;
 *   <li>{@link #runStage} {@code statisticGroups()} on every shard: the rest of the forward and
 *       backward pass, accumulating the shard's gradients; it returns the shard's loss sum;
 *   <li>{@link #updateRunningStatistics} once (the running statistics are shared by replicas).
 * </ol>
 * With shard boundaries that depend on the batch size only, every number is the same whichever
 * thread computed it: the result is bit-identical for any thread count (and, with the same
 * fixed-order reduction, across machines). {@code lossAndGradient} runs the same protocol as
 * one shard.
 */
public interface BatchCoupled {
  /** The reductions of one training step: groups of batch statistics, each needing all samples. */
  int statisticGroups();

  /** Starts a shard's step of a batch of {@code batch} samples. */
  void beginShard(int batch);

  /**
   * Stage {@code k} over the shard's {@code n} samples at {@code xs[xOff...]},
   * {@code ts[tOff...]}: the sum of their losses after the last stage, else 0.
   */
  double runStage(int k, float[] xs, int xOff, float[] ts, int tOff, int n);

  /** The shard's sums of statistic group {@code k} after {@code runStage(k)}: the storage itself. */
  double[] shardSums(int k);

  /** Sets group {@code k}'s statistics from the whole batch's sums: sum / batch. */
  void setBatchSums(int k, double[] sums, int batch);

  /** Updates the running statistics from the batch statistics of the step (once per step). */
  void updateRunningStatistics(int batch);
}
