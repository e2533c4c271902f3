package dev.deltac.benchmarks.conv;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * {@link ConvBenchmark}'s generated passes timed by this thread's CPU time rather than wall time
 * (on a machine shared by other tenants, wall time counts their time slices): per layer, the
 * forward and the step, the median of several rounds, µs per call and GFLOP/s (the forward
 * {@code 2·f·oh·ow·c·k²}, the step three times that).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *   dev.deltac.benchmarks.conv.ConvCpuReport [rounds]</pre>
 *
 * {@code -Ddeltac.convKernels=false} times the generated loops the emitter had before.
 */
public final class ConvCpuReport {
  private ConvCpuReport() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    System.out.printf("kernels %s, convKernels=%s, load average %.2f%n",
        dev.deltac.runtime.kernels.DenseKernels.describe(),
        System.getProperty("deltac.convKernels", "true"),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    for (String layer : new String[] {"c1", "c2", "c5", "c2s2"}) {
      ConvBenchmark b = new ConvBenchmark();
      b.layer = layer;
      b.setUp();
      int[] l = ConvBenchmark.LAYERS.get(layer);
      int oh = (l[1] + 2 * l[6] - l[4]) / l[5] + 1;
      int ow = (l[2] + 2 * l[6] - l[4]) / l[5] + 1;
      double flops = 2.0 * l[3] * oh * ow * l[0] * l[4] * l[4];
      for (int pass = 0; pass < 2; pass++) {
        boolean step = pass == 1;
        int calls = (int) Math.max(20, 2e8 / flops / (step ? 3 : 1));
        for (int i = 0; i < calls * 3; i++) run(b, step); // warm-up
        double[] us = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          long t0 = mx.getCurrentThreadCpuTime();
          for (int i = 0; i < calls; i++) run(b, step);
          us[r] = (mx.getCurrentThreadCpuTime() - t0) / 1e3 / calls;
        }
        java.util.Arrays.sort(us);
        double med = us[rounds / 2];
        double f = flops * (step ? 3 : 1);
        System.out.printf("%-5s %-7s %9.1f µs CPU (min %.1f, max %.1f)  %6.1f GF/s%n", layer,
            step ? "step" : "forward", med, us[0], us[rounds - 1], f / med / 1e3);
      }
    }
  }

  private static float sink;

  private static void run(ConvBenchmark b, boolean step) {
    if (step) {
      sink += b.stepGenerated();
    } else {
      sink += b.forwardGenerated()[0];
    }
  }
}
