package dev.deltac.compiler.emit;

import dev.deltac.compiler.FrontendResult;
import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Lowering;
import dev.deltac.compiler.load.ModelLoader;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Precision;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;

/**
 * Quick numbers for rolled loops (not a JUnit test; docs/ARCHITECTURE.md, "Rolled loops"): a
 * hand-written LSTM(16→32) with a loss at every step, T = 8, 128, 512, rolled and unrolled:
 * generated source size, warm whole compile (parse, check, lower, optimize, emit, Janino) in CPU
 * time, and float32 training steps of batch 32 per second of CPU time. Arguments: modes
 * (roll,unroll), lengths (8,128,512), model (lstm or rnn: next_sine).
 */
public final class LoopBenchmark {
  private LoopBenchmark() {}

  static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  static String lstm(int steps) {
    return """
        model Lstm {
          input xs[T, 16]
          target ys[T, 4]
          param Wi[128, 16]
          param Wh[128, 32]
          param b[128]
          param Wy[4, 32]
          state h[32] = zeros
          state c[32] = zeros
          for t in 0..T {
            z = Wi @ xs[t] + Wh @ h + b
            i = sigmoid(z[0:32])
            f = sigmoid(z[32:64])
            g = tanh(z[64:96])
            o = sigmoid(z[96:128])
            c = f * c + i * g
            h = o * tanh(c)
            loss += mse(Wy @ h, ys[t])
          }
          output h
        }
        """.replace("T", Integer.toString(steps));
  }

  /** samples/sequence/next_sine.nn at length T: a 16-unit tanh RNN with a loss at every step. */
  static String rnn(int steps) {
    return """
        model NextSine {
          input  xs[T, 1]
          target ys[T, 1]
          param  Wx[16, 1]
          param  Wh[16, 16]
          param  bh[16]
          param  Wy[1, 16]
          param  by[1]
          state  h[16] = zeros
          for t in 0..T {
            h = tanh(Wx @ xs[t] + Wh @ h + bh)
            loss += mse(Wy @ h + by, ys[t])
          }
          output h
        }
        """.replace("T", Integer.toString(steps));
  }

  static Graph lower(String src, Lowering.Loops loops) {
    FrontendResult r = Frontend.parse("lstm.nn", src);
    return Lowering.lower(r.program().decls().get(0), r.check(), loops);
  }

  public static void main(String[] args) {
    String[] modes = (args.length > 0 ? args[0] : "roll,unroll").split(",");
    String[] lengths = (args.length > 1 ? args[1] : "8,128,512").split(",");
    for (String mode : modes) {
      Lowering.Loops loops = Lowering.Loops.valueOf(mode.toUpperCase());
      for (String len : lengths) {
        int t = Integer.parseInt(len);
        String nn = args.length > 2 && args[2].equals("rnn") ? rnn(t) : lstm(t);
        String name = "Lstm" + mode + t;
        double[] ms = new double[5];
        String src = null;
        for (int i = 0; i < ms.length; i++) {
          long a = CPU.getCurrentThreadCpuTime();
          src = Harness.source(lower(nn, loops), "gen", name, Precision.FLOAT32);
          ModelLoader.compileUncached("gen." + name, src);
          ms[i] = (CPU.getCurrentThreadCpuTime() - a) / 1e6;
        }
        Arrays.sort(ms);
        int bodyNodes = 0;
        for (var n : lower(nn, Lowering.Loops.ROLL).nodes()) {
          if (n.attr().body() != null) bodyNodes = n.attr().body().graph().nodes().size();
        }
        System.out.printf("body of %d nodes, T x body = %d%n", bodyNodes, bodyNodes * t);
        System.out.printf("%s T=%d: source %d chars; compile (parse..Janino) CPU ms: min %.0f median %.0f%n",
            mode, t, src.length(), ms[0], ms[2]);
        int batch = 32;
        FloatModel m = (FloatModel) ModelLoader.newModel("gen." + name, src, batch);
        Random rnd = new Random(1);
        Graph g = lower(nn, loops);
        Harness.setParams(m, Harness.randomParams(g, rnd, 0.2));
        float[] xs = Harness.f(Harness.random(batch * m.info().inputSize(), rnd, -1, 1));
        float[] ts = Harness.f(Harness.random(batch * m.info().targetSize(), rnd, -1, 1));
        long budget = 3_000_000_000L;
        long warm = CPU.getCurrentThreadCpuTime();
        while (CPU.getCurrentThreadCpuTime() - warm < budget / 2) m.lossAndGradient(xs, ts, batch);
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
          long a = CPU.getCurrentThreadCpuTime();
          int n = 0;
          while (CPU.getCurrentThreadCpuTime() - a < budget / 6) {
            m.lossAndGradient(xs, ts, batch);
            n++;
          }
          best = Math.min(best, (CPU.getCurrentThreadCpuTime() - a) / 1e3 / n);
        }
        System.out.printf("%s T=%d: training step (batch 32, float32) %.0f µs CPU, %.0f samples/s%n",
            mode, t, best, batch / best * 1e6);
      }
    }
  }
}
