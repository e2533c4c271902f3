import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * The words model's training step alone, batch 32, one thread: after a warm-up (15 s, at least
 * 300 steps; C2 takes long on a loaded machine), steps for the given seconds; prints the median
 * wall and thread-CPU time per step and the fastest step's CPU time. {@code step_torch.py} is the
 * PyTorch side; run them alternately (docs/PERFORMANCE.md, the words transformer).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp cli/target/deltac.jar samples/words/StepBench.java [seconds]</pre>
 */
public final class StepBench {
  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 8;
    int batch = 32;
    FloatModel m = Deltac.compile(Path.of("samples/words/words.nn")).model().newModel(batch);
    m.initParams(7);
    float[] xs = new float[batch * m.info().inputSize()];
    float[] ys = new float[batch * m.info().targetSize()];
    Random r = new Random(11);
    for (int i = 0; i < xs.length; i++) xs[i] = r.nextInt(27);
    for (int i = 0; i < ys.length; i++) ys[i] = r.nextInt(27);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long warm = System.nanoTime() + 15_000_000_000L;
    for (int i = 0; i < 300 || System.nanoTime() < warm; i++) step(m, xs, ys, batch);
    double[] wall = new double[1 << 16];
    double[] cpu = new double[1 << 16];
    int n = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while ((System.nanoTime() < end || n < 20) && n < wall.length) {
      long c0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      step(m, xs, ys, batch);
      wall[n] = (System.nanoTime() - t0) / 1e3;
      cpu[n++] = (threads.getCurrentThreadCpuTime() - c0) / 1e3;
    }
    Arrays.sort(wall, 0, n);
    Arrays.sort(cpu, 0, n);
    System.out.printf("deltac step: median %.0f us wall (%.0f samples/s), %.0f us CPU (%.0f samples/s"
        + " by CPU), min CPU %.0f us, %d steps%n", wall[n / 2], batch / (wall[n / 2] / 1e6), cpu[n / 2],
        batch / (cpu[n / 2] / 1e6), cpu[0], n);
  }

  /** lossAndGradient and a plain SGD update (PyTorch's side runs Adam: 10 875 params, small). */
  static void step(FloatModel m, float[] xs, float[] ys, int batch) {
    m.lossAndGradient(xs, ys, batch);
    float[][] p = m.params();
    float[][] g = m.grads();
    for (int k = 0; k < p.length; k++) {
      for (int i = 0; i < p[k].length; i++) p[k][i] -= 1e-4f * g[k][i];
    }
  }
}
