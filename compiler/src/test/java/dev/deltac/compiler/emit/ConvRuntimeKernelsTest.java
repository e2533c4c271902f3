package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

  private static float[] train(CompiledModel c, int threads) {
    FloatModel m = c.newModel(12);
    m.initParams(5);
    int batch = 12;
    Random r = new Random(9);
    int in = m.info().inputSize();
    int tg = m.info().targetSize();
    try (ParallelGradient pg = new ParallelGradient(m, 4, threads)) {
      for (int step = 0; step < 3; step++) {
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
