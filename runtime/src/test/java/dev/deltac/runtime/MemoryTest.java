package dev.deltac.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.testing.SoftmaxRegression;
import dev.deltac.runtime.train.Trainer;
import org.junit.jupiter.api.Test;

class MemoryTest {
  @Test
  void measuresParametersFixedBuffersAndBytesPerSample() {
    Memory.Footprint f = Memory.measure(b -> new SoftmaxRegression(4, 3, b));
    // params: three rows of 4 floats 3 x (16 + 16), b 16 + 12 -> 32
    assertEquals(128, f.paramBytes());
    // the params and grads block arrays (16 + 4 refs) 2 x 32, the gradient rows 128, z and p1
    // 32 each, inputGrads at batch 1 (32) minus a sample (16)
    assertEquals(64 + 128 + 64 + 16, f.fixedBytes());
    assertEquals(16, f.bytesPerSample());
    assertEquals(4, f.largestPerSample());
    assertEquals((Integer.MAX_VALUE - 8) / 4, f.largestBatch());
    assertEquals(128 + 272 + 16 * 1000, f.modelBytes(1000));
    long[] measured = Memory.arrays(new SoftmaxRegression(4, 3, 1000));
    assertEquals(128, measured[0]);
    assertEquals(272 + 16 * 1000, measured[1]);
  }

  @Test
  void moreThanTheHeapIsRefusedWithTheSizes() {
    long max = Runtime.getRuntime().maxMemory();
    MemoryLimitException e = assertThrows(MemoryLimitException.class,
        () -> Memory.require(max + 1, () -> "a thing needs " + Memory.size(max + 1)));
    assertTrue(e.getMessage().startsWith("a thing needs " + Memory.size(max + 1)
        + ", but the JVM heap has "), e.getMessage());
    assertTrue(e.getMessage().contains(" free of " + Memory.size(max) + "; lower the batch"
        + " size or raise the heap (java -Xmx; for ./deltac: DELTAC_JAVA_OPTS=-Xmx"),
        e.getMessage());
    Memory.require(1 << 20, () -> "never called");
    assertEquals("1.5 GiB", Memory.size(3L << 29));
    assertEquals("12 KiB", Memory.size(12 * 1024));
  }

  @Test
  void aTrainerWhoseReplicasWouldNotFitIsRefusedBeforeAllocatingThem() {
    int shard = 1 << 20; // 16 MiB of input gradients per replica
    SoftmaxRegression m = new SoftmaxRegression(4, 3, shard);
    long replicas = 2 * Runtime.getRuntime().maxMemory() / (16L << 20) + 1;
    int batch = (int) Math.min(Integer.MAX_VALUE, replicas * shard);
    long count = (batch + (long) shard - 1) / shard;
    MemoryLimitException e = assertThrows(MemoryLimitException.class,
        () -> Trainer.builder(m).optimizer(Optimizer.adam(0.01)).batchSize(batch)
            .shardSize(shard).threads(1).build());
    assertTrue(e.getMessage().startsWith("training model SoftmaxRegression with batch " + batch
        + " needs about "), e.getMessage());
    assertTrue(e.getMessage().contains(" more: " + count + " replicas (one per shard of " + shard
        + " samples) x 16 MiB of gradients and work buffers for batches of up to " + shard
        + ", optimizer state 256 bytes, but the JVM heap has "), e.getMessage());
  }
}
