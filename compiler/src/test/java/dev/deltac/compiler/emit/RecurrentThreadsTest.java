package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.train.ParallelGradient;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Data-parallel training of recurrent layers is bit-identical for 1, 2 and 3 threads: the shards
 * (fixed size, whatever the threads) run the batched float32 kernels, whose sums over a shard's
 * samples and steps are in an order fixed by the shard's size, and the shards' gradients are
 * summed in shard order. Batches of 11 in shards of 4 (4 + 4 + 3), so an odd shard runs too.
 */
class RecurrentThreadsTest {
  static final String LSTM = "model Seq {\n  input xs[6, 5]\n  target ys[6, 7]\n"
      + "  hs = lstm(xs, 7)\n  output hs\n  loss mse(hs, ys)\n}\n";
  static final String GRU = "model Seq {\n  input xs[6, 5]\n  target ys[6, 7]\n"
      + "  hs = gru(xs, 7)\n  output hs\n  loss mse(hs, ys)\n}\n";

  static float[] train(CompiledModel c, int threads) {
    FloatModel m = c.newModel(16);
    m.initParams(5);
    int batch = 11;
    Random r = new Random(9);
    int in = m.info().inputSize();
    int tg = m.info().targetSize();
    try (ParallelGradient pg = new ParallelGradient(m, 4, threads)) {
      for (int step = 0; step < 5; step++) {
        float[] xs = new float[batch * in];
        float[] ts = new float[batch * tg];
        for (int i = 0; i < xs.length; i++) xs[i] = r.nextFloat() * 2 - 1;
        for (int i = 0; i < ts.length; i++) ts[i] = r.nextFloat() * 2 - 1;
        pg.compute(xs, ts, batch);
        for (int b = 0; b < m.params().length; b++) {
          for (int j = 0; j < m.params()[b].length; j++) m.params()[b][j] -= 0.5f * m.grads()[b][j];
        }
      }
    }
    int size = 0;
    for (float[] p : m.params()) size += p.length;
    float[] out = new float[size];
    int o = 0;
    for (float[] p : m.params()) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }

  @Test
  void lstmAndGruParamsAreBitIdenticalForOneTwoAndThreeThreads() throws Exception {
    for (String src : new String[] {LSTM, GRU}) {
      CompiledModel c = Deltac.compile("seq.nn", src).models().get(0);
      float[] one = train(c, 1);
      FloatModel fresh = c.newModel(16);
      fresh.initParams(5);
      assertTrue(one[0] != fresh.params()[0][0], "the steps changed the parameters");
      assertArrayEquals(one, train(c, 2), "2 threads");
      assertArrayEquals(one, train(c, 3), "3 threads");
    }
  }
}
