package dev.deltac.benchmarks.models;

import dev.deltac.runtime.kernels.RecurrentKernels;
import java.util.Arrays;
import java.util.Random;

/**
 * The batched float32 LSTM kernels alone ({@link RecurrentKernels#forwardBatch} and
 * {@link RecurrentKernels#backwardBatch} without {@code dxs}, as {@link LstmReport}'s model calls
 * them): LSTM(16 -> 32), batch 32, median thread CPU time per call after the JIT has settled,
 * alternated call by call with {@link LstmReport}'s whole training step, so that the difference
 * (the generated code around the layer, SGD) is measured in the same minutes.
 * Usage: {@code LstmKernelReport SECONDS T...}; run with {@code -XX:UseAVX=2} for the AVX2 width.
 */
public final class LstmKernelReport {
  public static void main(String[] args) throws Exception {
    double seconds = Double.parseDouble(args[0]);
    int n = 16;
    int h = 32;
    int batch = 32;
    int g = 4 * h;
    for (int k = 1; k < args.length; k++) {
      int t = Integer.parseInt(args[k]);
      Random r = new Random(5);
      float[][] wih = new float[g][n];
      float[][] whh = new float[g][h];
      float[] bih = new float[g];
      float[] bhh = new float[g];
      for (float[] row : wih) for (int j = 0; j < n; j++) row[j] = r.nextFloat() * 0.3f - 0.15f;
      for (float[] row : whh) for (int j = 0; j < h; j++) row[j] = r.nextFloat() * 0.3f - 0.15f;
      for (int q = 0; q < g; q++) {
        bih[q] = r.nextFloat() * 0.3f - 0.15f;
        bhh[q] = r.nextFloat() * 0.3f - 0.15f;
      }
      int xStride = t * n;
      float[] xs = new float[batch * xStride];
      for (int i = 0; i < xs.length; i++) xs[i] = r.nextFloat() * 2 - 1;
      int tStride = RecurrentKernels.tapeSize(RecurrentKernels.LSTM, t, h);
      float[] tape = new float[batch * tStride];
      int gStride = t * h;
      float[] gh = new float[batch * gStride];
      for (int i = 0; i < gh.length; i++) gh[i] = (r.nextFloat() * 2 - 1) * 0.01f;
      int oStride = RecurrentKernels.gradientSize(RecurrentKernels.LSTM, t, n, h);
      float[] out = new float[batch * oStride];
      dev.deltac.runtime.FloatModel m =
          dev.deltac.compiler.Deltac.compile("lstm.nn", LstmReport.source(t)).models().get(0).newModel(batch);
      m.initParams(7);
      float[] ys = new float[batch * m.info().targetSize()];
      for (int i = 0; i < ys.length; i++) ys[i] = r.nextFloat() * 2 - 1;
      double[] fw = new double[1 << 16];
      double[] bw = new double[1 << 16];
      double[] st = new double[1 << 16];
      int count = 0;
      long warm = System.nanoTime() + 8_000_000_000L;
      long end = warm + (long) (seconds * 1e9);
      while (System.nanoTime() < end && count < fw.length) {
        long c0 = LstmReport.THREADS.getCurrentThreadCpuTime();
        RecurrentKernels.forwardBatch(RecurrentKernels.LSTM, batch, t, n, h, wih, whh, bih, bhh, xs, 0, xStride, tape, 0, tStride);
        long c1 = LstmReport.THREADS.getCurrentThreadCpuTime();
        RecurrentKernels.backwardBatch(RecurrentKernels.LSTM, batch, t, n, h, wih, whh, xs, 0, xStride, tape, 0, tStride,
            gh, 0, gStride, out, 0, oStride, 2);
        long c2 = LstmReport.THREADS.getCurrentThreadCpuTime();
        ModelBenchmark.sgdStep(m, xs, ys, batch, 1e-3f);
        long c3 = LstmReport.THREADS.getCurrentThreadCpuTime();
        if (System.nanoTime() > warm) {
          st[count] = (c3 - c2) / 1e3;
          fw[count] = (c1 - c0) / 1e3;
          bw[count++] = (c2 - c1) / 1e3;
        }
      }
      Arrays.sort(fw, 0, count);
      Arrays.sort(bw, 0, count);
      Arrays.sort(st, 0, count);
      System.out.printf("T=%d forward %.0f us, backward %.0f us, training step %.0f us (CPU medians of %d; minima %.0f, %.0f, %.0f; check %s)%n",
          t, fw[count / 2], bw[count / 2], st[count / 2], count, fw[0], bw[0], st[0], Float.toString(out[t * n] + out[t * n + g * n + 5] + tape[tStride - 1]));
    }
  }
}
