package dev.deltac.benchmarks.models;

import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.optim.Sgd;
import dev.deltac.runtime.train.ParallelGradient;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One data-parallel training step (ParallelGradient with its automatic shard size, then its SGD
 * update over the parameter chunks) of the
 * MLP 784-128-10 at batch 256, with 1 and 2 threads.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ParallelBenchmark {
  @Param({"1", "2"})
  public int threads;

  @Param({"mlp_b256"})
  public String workload;

  private FloatModel model;
  private ParallelGradient engine;
  private float[] xs;
  private float[] ts;
  private int batch;
  private final Sgd sgd = Optimizer.sgd(1e-3);

  @Setup
  public void setup() throws Exception {
    Workloads.Workload w = Workloads.get(workload);
    batch = w.batch();
    model = Deltac.compile(w.name() + ".nn", w.source()).model().newModel(batch);
    model.initParams(7);
    engine = new ParallelGradient(model, ParallelGradient.autoShardSize(batch), threads);
    xs = new float[batch * model.info().inputSize()];
    ts = new float[batch * model.info().targetSize()];
    Workloads.fill(w.name(), xs, ts, model.info().targetSize(), 11);
  }

  @TearDown
  public void tearDown() {
    engine.close();
  }

  @Benchmark
  public double step() {
    double loss = engine.compute(xs, ts, batch);
    engine.update(sgd);
    return loss;
  }
}
