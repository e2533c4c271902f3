package dev.deltac.benchmarks.conv;

import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.optim.Adam;
import dev.deltac.runtime.optim.Optimizer;
import dev.deltac.runtime.train.ParallelGradient;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Training steps of a model file (the fashion-cnn sample by default) on random data of its
 * shapes, through the trainer's data-parallel engine and Adam: samples/s by wall time and by
 * process CPU time, for each thread count given, rounds alternating so that both see the same
 * load. Companion of {@code benchmarks/cnn_torch.py} (the same model in PyTorch).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *   dev.deltac.benchmarks.conv.CnnStepReport [model.nn] [batch] [steps] [rounds] [threads,...]</pre>
 */
public final class CnnStepReport {
  private CnnStepReport() {}

  public static void main(String[] args) throws Exception {
    String file = args.length > 0 ? args[0] : "samples/fashion-cnn/fashion_cnn.nn";
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 40;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    String[] counts = (args.length > 4 ? args[4] : "1,2").split(",");
    String src = Files.readString(Path.of(file));
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    int n = counts.length;
    FloatModel[] models = new FloatModel[n];
    ParallelGradient[] engines = new ParallelGradient[n];
    Adam[] adams = new Adam[n];
    float[] xs = null;
    float[] ts = null;
    for (int t = 0; t < n; t++) {
      models[t] = Deltac.compile(Path.of(file).getFileName().toString(), src).model()
          .newModel(batch);
      models[t].initParams(1);
      engines[t] = new ParallelGradient(models[t], ParallelGradient.autoShardSize(batch),
          Integer.parseInt(counts[t].trim()));
      adams[t] = Optimizer.adam(1e-3);
    }
    int in = models[0].info().inputSize();
    int out = models[0].info().targetSize();
    xs = new float[batch * in];
    ts = new float[batch * out];
    Random r = new Random(3);
    for (int i = 0; i < xs.length; i++) xs[i] = r.nextFloat();
    for (int b = 0; b < batch; b++) ts[b * out + r.nextInt(out)] = 1f;
    System.out.printf("%s, batch %d, %d steps per round, load average %.2f%n", file, batch, steps,
        os.getSystemLoadAverage());
    for (int round = 0; round <= rounds; round++) { // round 0 warms up
      for (int t = 0; t < n; t++) {
        long c0 = os.getProcessCpuTime();
        long w0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
          engines[t].compute(xs, ts, batch);
          engines[t].update(adams[t]);
        }
        long wall = System.nanoTime() - w0;
        long cpu = os.getProcessCpuTime() - c0;
        if (round == 0) continue;
        double samples = (double) steps * batch;
        System.out.printf("round %d threads %s: %.0f samples/s wall, %.0f samples/s per CPU-second,"
            + " %.2f ms/step, load %.2f%n", round, counts[t].trim(), samples / (wall / 1e9),
            samples / (cpu / 1e9), wall / 1e6 / steps, os.getSystemLoadAverage());
      }
    }
    for (ParallelGradient e : engines) e.close();
  }
}
