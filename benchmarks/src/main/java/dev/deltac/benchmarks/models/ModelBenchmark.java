package dev.deltac.benchmarks.models;

import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One float32 training step (lossAndGradient + plain SGD over all parameter blocks) of the
 * issue 7 workloads: the generated class ({@code impl=generated}) and the hand-written Java
 * baseline ({@code impl=hand}) of the same model. {@link ModelReport} runs it and prints the
 * table; {@code benchmarks/run.sh} is the entry point.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ModelBenchmark {
  @Param({"xor_b4", "mlp_b1", "mlp_b32", "mlp_b256", "deep_b64", "rnn_b32"})
  public String workload;

  @Param({"generated", "hand"})
  public String impl;

  static final float LR = 1e-3f;
  private FloatModel model;
  private Workloads.HandWritten hand;
  private float[] xs;
  private float[] ts;
  private int batch;

  @Setup
  public void setup() throws Exception {
    Workloads.Workload w = Workloads.get(workload);
    batch = w.batch();
    int in;
    int tg;
    if (impl.equals("generated")) {
      model = Deltac.compile(w.name() + ".nn", w.source()).model().newModel(batch);
      model.initParams(7);
      in = model.info().inputSize();
      tg = model.info().targetSize();
    } else {
      hand = w.handWritten();
      in = hand.inputSize();
      tg = hand.targetSize();
    }
    xs = new float[batch * in];
    ts = new float[batch * tg];
    Workloads.fill(w.name(), xs, ts, tg, 11);
  }

  @Benchmark
  public float step() {
    if (hand != null) return hand.step(xs, ts, LR);
    return sgdStep(model, xs, ts, batch, LR);
  }

  /** lossAndGradient, then p -= lr * g over every block. */
  public static float sgdStep(FloatModel model, float[] xs, float[] ts, int batch, float lr) {
    float loss = model.lossAndGradient(xs, ts, batch);
    float[][] p = model.params();
    float[][] g = model.grads();
    for (int k = 0; k < p.length; k++) {
      float[] pk = p[k];
      float[] gk = g[k];
      for (int i = 0; i < pk.length; i++) pk[i] -= lr * gk[i];
    }
    return loss;
  }
}
