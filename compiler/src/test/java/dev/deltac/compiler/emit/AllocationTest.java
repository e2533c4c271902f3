package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Model;
import dev.deltac.runtime.Precision;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Zero bytes allocated per lossAndGradient, loss and predict call after warm-up. */
class AllocationTest {
  static Stream<Arguments> models() {
    return Stream.of(Arguments.of(NnFiles.resource("models/xor.nn"), Precision.FLOAT32),
        Arguments.of(NnFiles.resource("examples/tiny_rnn.nn"), Precision.FLOAT32),
        Arguments.of(TestModels.conv(), Precision.FLOAT64),
        Arguments.of(TestModels.conv(), Precision.FLOAT32),
        // batched @, dense and layer_norm over rows, weight gradients straight into the rows
        Arguments.of(NnFiles.resource("torch/attention_block.nn"), Precision.FLOAT32),
        Arguments.of(NnFiles.resource("torch/attention_block.nn"), Precision.FLOAT64),
        Arguments.of(RECURRENT, Precision.FLOAT32),
        Arguments.of(RECURRENT, Precision.FLOAT64),
        // rolled for loops (a LOOP and a LOOP_GRAD node)
        Arguments.of(ROLLED, Precision.FLOAT32),
        Arguments.of(ROLLED, Precision.FLOAT64));
  }

  /** Every recurrent cell, on a computed sequence (so that its input gradient is used). */
  static final Graph RECURRENT = dev.deltac.compiler.testing.Models.lower("""
      model Seq {
        input xs[12, 3]
        target y[2]
        a = lstm(tanh(xs), 4)
        b = gru(a, 3)
        c = rnn(b, 3)
        d = rnn(c, 2, act=relu)
        output d
        loss mse(d[11], y)
      }""");

  /** A hand-written LSTM whose loop is rolled. */
  static final Graph ROLLED = dev.deltac.compiler.testing.Models.lower(RolledLoopTest.lstm(40, 3, 4),
      dev.deltac.compiler.ir.Lowering.Loops.ROLL);

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("models")
  void noAllocationAfterWarmUp(Graph g, Precision p) {
    int batch = 4;
    Model m = Harness.compile(g, g.name() + "Alloc" + p.name(), p, batch);
    Harness.setParams(m, Harness.randomParams(g, new Random(1), 0.5));
    Random rnd = new Random(2);
    double[] xs = Harness.random(batch * m.info().inputSize(), rnd, -1, 1);
    double[] ts = Harness.random(batch * m.info().targetSize(), rnd, 0, 1);
    Runnable step;
    if (m instanceof FloatModel fm) {
      float[] fx = Harness.f(xs);
      float[] ft = Harness.f(ts);
      float[] out = new float[m.info().outputSize()];
      step = () -> {
        fm.lossAndGradient(fx, 0, ft, 0, batch, false);
        fm.lossAndGradient(fx, 0, ft, 0, batch, true);
        fm.loss(fx, 0, ft, 0, batch);
        fm.predict(fx, 0, out, 0);
      };
    } else {
      DoubleModel dm = (DoubleModel) m;
      double[] out = new double[m.info().outputSize()];
      step = () -> {
        dm.lossAndGradient(xs, 0, ts, 0, batch, false);
        dm.lossAndGradient(xs, 0, ts, 0, batch, true);
        dm.loss(xs, 0, ts, 0, batch);
        dm.predict(xs, 0, out, 0);
      };
    }
    for (int i = 0; i < 2000; i++) step.run();
    assertEquals(0, dev.deltac.compiler.testing.Allocations.leastPerRound(step, 1000, 60),
        "bytes allocated over 1000 calls of " + g.name());
  }
}
