package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.load.ModelLoader;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Precision;
import java.util.Arrays;
import java.util.Random;

/**
 * Quick numbers for the emit and load stages (not a JUnit test): Janino compile time of the
 * Fashion MLP cold and warm, microseconds per lossAndGradient, source size, and a per-sample
 * versus batched comparison of the 784x128 layer. Run from the compiler's test class path.
 */
public final class EmitBenchmark {
  private EmitBenchmark() {}

  public static void main(String[] args) {
    Graph fashion = NnFiles.resource("models/fashion_mlp.nn");
    Graph xor = NnFiles.resource("models/xor.nn");
    long t0 = System.nanoTime();
    String src = Harness.source(fashion, "gen", "FashionMlp", Precision.FLOAT32);
    long t1 = System.nanoTime();
    ModelLoader.compileUncached("gen.FashionMlp", src);
    long t2 = System.nanoTime();
    System.out.printf("FashionMlp: source %d chars, %d lines; emit (cold) %.1f ms; Janino compile cold %.1f ms%n",
        src.length(), src.split("\n").length, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
    double[] warm = new double[20];
    for (int i = 0; i < warm.length; i++) {
      long a = System.nanoTime();
      ModelLoader.compileUncached("gen.FashionMlp", src);
      warm[i] = (System.nanoTime() - a) / 1e6;
    }
    Arrays.sort(warm);
    System.out.printf("FashionMlp: Janino compile warm, median of 20: %.1f ms (min %.1f)%n", warm[10], warm[0]);
    double[] emit = new double[10];
    for (int i = 0; i < emit.length; i++) {
      long a = System.nanoTime();
      Harness.source(fashion, "gen", "FashionMlp", Precision.FLOAT32);
      emit[i] = (System.nanoTime() - a) / 1e6;
    }
    Arrays.sort(emit);
    System.out.printf("FashionMlp: optimize+emit warm, median: %.1f ms%n", emit[5]);

    step("Xor", xor, 4, 2_000_000);
    step("FashionMlp", fashion, 1, 20_000);
    step("FashionMlp", fashion, 32, 1_000);
    layer();
  }

  private static void step(String name, Graph g, int batch, int iters) {
    FloatModel m = (FloatModel) Harness.compile(g, name + "Bench" + batch, Precision.FLOAT32, batch);
    Random rnd = new Random(1);
    Harness.setParams(m, Harness.randomParams(g, rnd, 0.05));
    float[] xs = Harness.f(Harness.random(batch * m.info().inputSize(), rnd, 0, 1));
    float[] ts = new float[batch * m.info().targetSize()];
    for (int s = 0; s < batch; s++) ts[s * m.info().targetSize()] = 1;
    for (int i = 0; i < iters; i++) m.lossAndGradient(xs, ts, batch);
    double best = Double.MAX_VALUE;
    for (int rep = 0; rep < 5; rep++) {
      long a = System.nanoTime();
      for (int i = 0; i < iters; i++) m.lossAndGradient(xs, ts, batch);
      best = Math.min(best, (System.nanoTime() - a) / 1e3 / iters);
    }
    System.out.printf("%s lossAndGradient batch %d: %.3f us per call (%.3f us per sample)%n", name,
        batch, best, best / batch);
  }

  /** Forward 784->128 for 32 samples: 32 blocked matrix-vector products versus one batched product. */
  private static void layer() {
    int n = 128;
    int k = 784;
    int b = 32;
    Random rnd = new Random(2);
    float[][] w = new float[n][k];
    float[][] x = new float[b][k];
    for (float[] r : w) for (int i = 0; i < k; i++) r[i] = rnd.nextFloat();
    for (float[] r : x) for (int i = 0; i < k; i++) r[i] = rnd.nextFloat();
    float[][] out = new float[b][n];
    float[][] outT = new float[n][b];
    float[][] xt = new float[k][b];
    double perSample = Double.MAX_VALUE;
    double batched = Double.MAX_VALUE;
    for (int rep = 0; rep < 40; rep++) {
      long a = System.nanoTime();
      for (int s = 0; s < b; s++) matvec(w, x[s], out[s], n, k);
      perSample = Math.min(perSample, (System.nanoTime() - a) / 1e3);
      a = System.nanoTime();
      // Batched: transpose the inputs once, then out^T[i][:] += W[i][q] * X^T[q][:] (axpy, vectorizes).
      for (int s = 0; s < b; s++) for (int q = 0; q < k; q++) xt[q][s] = x[s][q];
      for (int i = 0; i < n; i++) {
        float[] o = outT[i];
        Arrays.fill(o, 0);
        float[] wr = w[i];
        for (int q = 0; q < k; q++) {
          float wq = wr[q];
          float[] xr = xt[q];
          for (int s = 0; s < b; s++) o[s] += wq * xr[s];
        }
      }
      batched = Math.min(batched, (System.nanoTime() - a) / 1e3);
    }
    double flops = 2.0 * n * k * b;
    System.out.printf("784x128 layer, batch 32: per-sample blocked matvec %.1f us (%.1f GFLOP/s), "
        + "batched axpy matmul %.1f us (%.1f GFLOP/s)%n", perSample, flops / perSample / 1e3, batched,
        flops / batched / 1e3);
  }

  private static void matvec(float[][] w, float[] v, float[] out, int n, int k) {
    for (int i = 0; i < n; i += 4) {
      float[] r0 = w[i];
      float[] r1 = w[i + 1];
      float[] r2 = w[i + 2];
      float[] r3 = w[i + 3];
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int q = 0; q < k; q++) {
        float vq = v[q];
        s0 += r0[q] * vq;
        s1 += r1[q] * vq;
        s2 += r2[q] * vq;
        s3 += r3[q] * vq;
      }
      out[i] = s0;
      out[i + 1] = s1;
      out[i + 2] = s2;
      out[i + 3] = s3;
    }
  }
}
