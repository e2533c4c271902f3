package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.compiler.testing.SgdSteps;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.train.ParallelGradient;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The float32 convolutions through {@code Conv2dKernels} (issue 16): the generated class calls
 * them for all three passes of a stride-1 layer (and keeps the loops at stride 2 and in
 * float64), and data-parallel steps through them give bit-identical params for 1, 2 and 3
 * threads (the kernels' per-thread scratch, the whole-batch pass at batch 12 with shards of 4).
 */
class ConvRuntimeKernelsTest {
  static final String CNN = """
      model SmallConvNet {
        input  image[2, 10, 10]
        target label[4]
        c1 = conv2d(image, 6, 3, padding = 1, act = relu)
        p1 = maxpool2d(c1, 2)
        c2 = conv2d(p1, 8, 3, padding = 1, act = tanh)
        c3 = conv2d(c2, 4, 3, stride = 2, padding = 1)
        z  = dense(flatten(c3), 4)
        output z
        loss softmax_cross_entropy(z, label)
      }""";

  @Test
  void float32CallsTheRuntimeKernelsForStrideOne() throws Exception {
    CompiledModel c = Deltac.compile("cnn.nn", CNN).model();
    String f32 = c.javaSource(Precision.FLOAT32, "gen");
    for (String pass : new String[] {"forward(", "kernelGradient(", "inputGradient("}) {
      assertTrue(f32.contains("Conv2dKernels." + pass), "float32 source lacks Conv2dKernels." + pass);
    }
    // c1 (2x10x10 -> 6) and c2 (6x5x5 -> 8), stride 1
    assertTrue(f32.contains("Conv2dKernels.forward(2, 10, 10, 6, 3, 1, "), "c1");
    assertTrue(f32.contains("Conv2dKernels.forward(6, 5, 5, 8, 3, 1, "), "c2");
    // the stride-2 layer (8x5x5 -> 4) keeps the generated loops
    assertTrue(!f32.contains("Conv2dKernels.forward(8, 5, 5, 4"), "stride 2 went to the kernels");
    String f64 = c.javaSource(Precision.FLOAT64, "gen");
    assertTrue(!f64.contains("Conv2dKernels"), "float64 must keep the interpreter's order");
  }

  @Test
  void dataParallelStepsAreBitIdenticalForOneTwoAndThreeThreads() throws Exception {
    CompiledModel c = Deltac.compile("cnn.nn", CNN).model();
    float[] one = train(c, 1);
    assertArrayEquals(one, train(c, 2));
    assertArrayEquals(one, train(c, 3));
  }

  /**
   * A kernel gradient wide enough for the packed forward (16 filters over 6 x 3 x 3 patch rows)
   * in shards of 16: the patch rows change with every sample, so they must never come from the
   * step's shared packing cache (they did: two threads trained on stale patches of the shard's
   * first sample). Two and three threads must give one thread's bits, and one thread's gradients
   * must agree with the whole batch in one shard (another summation order, so to 1e-5).
   */
  @Test
  void sharedPackingNeverHoldsAKernelGradientsPatchRows() throws Exception {
    String src = """
        model WideConv {
          input  image[1, 12, 12]
          target label[4]
          c1 = conv2d(image, 6, 3, padding = 1, act = relu)
          c2 = conv2d(c1, 16, 3, padding = 1, act = tanh)
          z  = dense(flatten(maxpool2d(c2, 2)), 4)
          output z
          loss softmax_cross_entropy(z, label)
        }""";
    CompiledModel c = Deltac.compile("wide.nn", src).model();
    float[] one = train(c, 1, 16, 32, 1);
    assertArrayEquals(one, train(c, 2, 16, 32, 1));
    assertArrayEquals(one, train(c, 3, 16, 32, 1));
    float[] whole = train(c, 1, 32, 32, 1);
    float[] init = train(c, 1, 32, 32, 0);
    for (int i = 0; i < one.length; i++) {
      float step = Math.abs(whole[i] - init[i]);
      assertEquals(whole[i], one[i], 1e-5f * Math.max(1f, Math.abs(whole[i])) + 1e-3f * step,
          "param element " + i);
    }
  }

  private static float[] train(CompiledModel c, int threads) {
    return train(c, threads, 4, 12, 3);
  }

  private static float[] train(CompiledModel c, int threads, int shard, int batch, int steps) {
    FloatModel m = c.newModel(shard);
    m.initParams(5);
    Random r = new Random(9);
    int in = m.info().inputSize();
    int tg = m.info().targetSize();
    try (ParallelGradient pg = new ParallelGradient(m, shard, threads)) {
      for (int step = 0; step < steps; step++) {
        float[] xs = new float[batch * in];
        float[] ts = new float[batch * tg];
        for (int i = 0; i < xs.length; i++) xs[i] = r.nextFloat() * 2 - 1;
        for (int b = 0; b < batch; b++) ts[b * tg + r.nextInt(tg)] = 1f;
        pg.compute(xs, ts, batch);
        SgdSteps.sgd(m, 0.1f);
      }
    }
    return SgdSteps.flatParams(m);
  }
}
