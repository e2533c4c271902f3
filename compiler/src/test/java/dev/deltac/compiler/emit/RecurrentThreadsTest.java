package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.train.Trainer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Determinism of recurrent models: the same seed gives bit-identical params after a few
 * data-parallel Adam steps (three shards per batch, a shuffle, a partial last batch) with 1, 2
 * and 3 threads, for an {@code lstm} language model over embedded ids and a {@code gru} whose last
 * state feeds a dense head.
 */
class RecurrentThreadsTest {
  static final String LSTM = """
      model Chars {
        input  ids: int[6]
        target next: int[6]
        e      = embedding(ids, 5, 4)
        hs     = lstm(e, 8)
        logits = dense(hs, 5)
        output logits
        loss   softmax_cross_entropy(logits, next)
      }""";
  static final String GRU = """
      model Last {
        input  xs[7, 3]
        target y[2]
        hs   = gru(xs, 6)
        head = dense(hs[6], 2, tanh)
        output head
        loss   mse(head, y)
      }""";

  /** 50 samples: integer ids in 0..4 for the LSTM, values in -1..1 for the GRU. */
  static Dataset data(FloatModel m, boolean ids) {
    int n = 50;
    int in = m.info().inputSize();
    int tg = m.info().targetSize();
    Random r = new Random(17);
    float[] xs = new float[n * in];
    float[] ts = new float[n * tg];
    for (int i = 0; i < xs.length; i++) xs[i] = ids ? r.nextInt(5) : 2 * r.nextFloat() - 1;
    for (int i = 0; i < ts.length; i++) ts[i] = ids ? r.nextInt(5) : 2 * r.nextFloat() - 1;
    return new Dataset(xs, ts, n, in, tg);
  }

  /** The params after 2 epochs of batches of 24 (24, 24, 2) in shards of 8, on this many threads. */
  static float[][] train(CompiledModel c, boolean ids, int threads) {
    FloatModel m = c.newModel(8);
    m.initParams(3);
    float[][] init = copy(m.params());
    try (Trainer t = Trainer.builder(m).optimizer(Optimizer.adam(0.01)).batchSize(24).shardSize(8)
        .epochs(2).seed(5).threads(threads).build()) {
      t.fit(data(m, ids));
    }
    assertFalse(Arrays.deepEquals(init, m.params()), "training moved no param");
    return copy(m.params());
  }

  static float[][] copy(float[][] blocks) {
    float[][] out = new float[blocks.length][];
    for (int b = 0; b < blocks.length; b++) out[b] = blocks[b].clone();
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"lstm", "gru"})
  void sameSeedGivesBitIdenticalParamsForOneTwoAndThreeThreads(String layer) throws Exception {
    boolean lstm = layer.equals("lstm");
    CompiledModel c = Deltac.compile(layer + ".nn", lstm ? LSTM : GRU).model();
    float[][] one = train(c, lstm, 1);
    var tensors = c.newModel(1).info().params();
    for (int threads : new int[] {2, 3}) {
      float[][] p = train(c, lstm, threads);
      assertEquals(one.length, p.length);
      for (var t : tensors) {
        for (int b = t.firstBlock(); b < t.firstBlock() + t.blockCount(); b++) {
          String what = t.name() + " block " + b + ", " + threads + " threads";
          assertArrayEquals(one[b], p[b], what);
        }
      }
    }
  }
}
