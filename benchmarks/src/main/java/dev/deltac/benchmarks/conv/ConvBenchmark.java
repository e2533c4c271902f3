package dev.deltac.benchmarks.conv;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.emit.EmitOptions;
import dev.deltac.compiler.emit.JavaEmitter;
import dev.deltac.compiler.ir.Attr;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.GraphBuilder;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.ir.ParamSpec;
import dev.deltac.compiler.load.ModelLoader;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.compiler.types.Shape;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Precision;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
 * One sample through one convolution layer: the class Deltac generates for
 * {@code loss = sum(R * conv2d(x, W))} against {@link DirectConv}, on the same shapes and data.
 * {@code forward} is the convolution alone ({@code predict}: the generated side also copies the
 * sample in and the output out); {@code step} is forward, loss, kernel gradient and input
 * gradient ({@code lossAndGradient} of a batch of 1 with input gradients; the hand-written side
 * does the same work: forward, loss, kernel gradient accumulated into dW, input gradient). A
 * forward costs {@code 2·f·oh·ow·c·k²} flops and a step three times that.
 *
 * <p>Two hand-written versions: {@code HandWritten} is the definition's loop nest (output element
 * outermost, padding tested per element); {@code HandRows} reorders it (kernel element
 * outermost, a scalar weight times whole rows, padding as precomputed bounds on i and j).
 *
 * <p>Layers ({@code c x h x w -> f, k, stride, padding}): {@code c1} and {@code c2} are the
 * fashion-cnn sample's two layers, {@code c2s2} the second layer with stride 2.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConvBenchmark {
  /** name: c, h, w, f, k, stride, padding. */
  static final Map<String, int[]> LAYERS = Map.of(
      "c1", new int[] {1, 28, 28, 16, 3, 1, 1},
      "c2", new int[] {16, 14, 14, 32, 3, 1, 1},
      "c2s2", new int[] {16, 14, 14, 32, 3, 2, 1},
      "c5", new int[] {8, 24, 24, 16, 5, 1, 2});

  @Param({"c1", "c2", "c5", "c2s2"})
  public String layer;

  private DirectConv hand;
  private FloatModel generated;
  private float[] x;
  private float[] w;
  private float[] r;
  private float[] out;
  private float[] dw;
  private float[] dx;
  private final float[] none = new float[0];

  @Setup
  public void setUp() {
    int[] l = LAYERS.get(layer);
    hand = new DirectConv(l[0], l[1], l[2], l[3], l[4], l[5], l[6]);
    SplittableRandom rnd = new SplittableRandom(7);
    x = random(l[0] * l[1] * l[2], rnd);
    w = random(l[3] * l[0] * l[4] * l[4], rnd);
    int outSize = l[3] * hand.oh * hand.ow;
    r = random(outSize, rnd);
    out = new float[outSize];
    dw = new float[w.length];
    dx = new float[x.length];
    generated = compile(l, r);
    float[][] params = generated.params();
    int row = w.length / l[3];
    for (int ff = 0; ff < l[3]; ff++) System.arraycopy(w, ff * row, params[ff], 0, row);
    selfCheck(l[3], row);
  }

  /** The three implementations compute the same values (float32 rounding apart). */
  private void selfCheck(int filters, int row) {
    float[] a = new float[out.length];
    float[] b = new float[out.length];
    hand.forward(x, w, a);
    hand.forwardRows(x, w, b);
    same("forwardRows", a, b);
    generated.predict(x, 0, b, 0);
    same("generated forward", a, b);
    float[] dwa = new float[w.length];
    float[] dwb = new float[w.length];
    float[] dxa = new float[x.length];
    float[] dxb = new float[x.length];
    hand.kernelGrad(x, r, dwa);
    hand.kernelGradRows(x, r, dwb);
    same("kernelGradRows", dwa, dwb);
    hand.inputGrad(w, r, dxa);
    hand.inputGradRows(w, r, dxb);
    same("inputGradRows", dxa, dxb);
    generated.lossAndGradient(x, 0, none, 0, 1, true);
    float[][] grads = generated.grads();
    for (int ff = 0; ff < filters; ff++) System.arraycopy(grads[ff], 0, dwb, ff * row, row);
    same("generated kernel gradient", dwa, dwb);
    same("generated input gradient", dxa, generated.inputGradients());
  }

  private static void same(String what, float[] expected, float[] actual) {
    for (int i = 0; i < expected.length; i++) {
      if (Math.abs(expected[i] - actual[i]) > 1e-3 * (1 + Math.abs(expected[i]))) {
        throw new IllegalStateException(what + " differs at " + i + ": " + expected[i] + " vs "
            + actual[i]);
      }
    }
  }

  static float[] random(int n, SplittableRandom rnd) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
    return a;
  }

  /** The generated float32 class of loss = sum(R * conv2d(x, W)). */
  static FloatModel compile(int[] l, float[] r) {
    GraphBuilder b = new GraphBuilder();
    Node x = b.input("x", Shape.of(l[0], l[1], l[2]), SourceSpan.NONE);
    Shape ws = Shape.of(l[3], l[0], l[4], l[4]);
    Node w = b.param("W", ws, SourceSpan.NONE);
    Node conv = b.make(Op.CONV2D, Attr.ints(l[5], l[6]), SourceSpan.NONE, x, w);
    double[] rd = new double[r.length];
    for (int i = 0; i < r.length; i++) rd[i] = r[i];
    Node loss = b.sum(b.mul(conv, b.constant(conv.shape(), rd)));
    Graph g = new Graph("Conv", Graph.Kind.MODEL, List.of(x), List.of(), List.of(w),
        List.of(new ParamSpec("W", ws, "zeros", new double[0], SourceSpan.NONE)),
        Map.of("out", conv), loss, Map.of(), Map.of());
    String src = JavaEmitter.emitModel(Optimizer.forward(g), Optimizer.backward(g, false),
        Optimizer.backward(g, true), new EmitOptions("bench", "Conv", Precision.FLOAT32, "conv.nn"));
    return (FloatModel) ModelLoader.newModel("bench.Conv", src, 1);
  }

  @Benchmark
  public float[] forwardGenerated() {
    generated.predict(x, 0, out, 0);
    return out;
  }

  @Benchmark
  public float[] forwardHandWritten() {
    hand.forward(x, w, out);
    return out;
  }

  @Benchmark
  public float[] forwardHandRows() {
    hand.forwardRows(x, w, out);
    return out;
  }

  @Benchmark
  public float stepHandRows() {
    hand.forwardRows(x, w, out);
    float loss = 0;
    for (int i = 0; i < out.length; i++) loss += r[i] * out[i];
    hand.kernelGradRows(x, r, dw);
    hand.inputGradRows(w, r, dx);
    return loss;
  }

  @Benchmark
  public float stepGenerated() {
    return generated.lossAndGradient(x, 0, none, 0, 1, true);
  }

  @Benchmark
  public float stepHandWritten() {
    hand.forward(x, w, out);
    float loss = 0;
    for (int i = 0; i < out.length; i++) loss += r[i] * out[i];
    hand.kernelGrad(x, r, dw);
    hand.inputGrad(w, r, dx);
    return loss;
  }
}
