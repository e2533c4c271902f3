package dev.deltac.benchmarks.models;

import java.util.Random;

/** The models of issue 7, as .nn sources, with their hand-written twins and batch sizes. */
public final class Workloads {
  private Workloads() {}

  public static final String XOR = "model Xor {\n  input x[2]\n  target y[1]\n"
      + "  param W1[4, 2] = he\n  param b1[4]\n  param W2[1, 4] = he\n  param b2[1]\n"
      + "  h = sigmoid(W1 @ x + b1)\n  yhat = sigmoid(W2 @ h + b2)\n  output yhat\n  loss bce(yhat, y)\n}\n";

  public static final String MLP = "model Mlp {\n  input image[784]\n  target label[10]\n"
      + "  h = dense(image, 128, relu)\n  logits = dense(h, 10)\n  output logits\n"
      + "  loss softmax_cross_entropy(logits, label)\n}\n";

  public static final String DEEP = "model Deep {\n  input x[256]\n  target label[10]\n"
      + "  h1 = dense(x, 256, tanh)\n  h2 = dense(h1, 256, tanh)\n  h3 = dense(h2, 256, tanh)\n"
      + "  h4 = dense(h3, 256, tanh)\n  logits = dense(h4, 10)\n  output logits\n"
      + "  loss softmax_cross_entropy(logits, label)\n}\n";

  public static final String RNN = "model TinyRnn {\n  input xs[8, 3]\n  target ys[8, 2]\n"
      + "  param Wx[16, 3]\n  param Wh[16, 16]\n  param bh[16]\n  param Wy[2, 16]\n"
      + "  state h[16] = zeros\n  for t in 0..8 {\n    h = tanh(Wx @ xs[t] + Wh @ h + bh)\n"
      + "    loss += mse(Wy @ h, ys[t])\n  }\n  output h\n}\n";

  /** A workload: name, model source, batch, and its hand-written step. */
  public record Workload(String name, String source, int batch) {
    public HandWritten handWritten() {
      switch (name) {
        case "xor": return HandMlp.xor(batch);
        case "rnn": return new HandRnn(batch);
        case "deep": return HandMlp.deep(batch);
        default: return HandMlp.mlp(batch);
      }
    }
  }

  public static Workload get(String key) {
    switch (key) {
      case "xor_b4": return new Workload("xor", XOR, 4);
      case "mlp_b1": return new Workload("mlp", MLP, 1);
      case "mlp_b32": return new Workload("mlp", MLP, 32);
      case "mlp_b256": return new Workload("mlp", MLP, 256);
      case "deep_b64": return new Workload("deep", DEEP, 64);
      case "rnn_b32": return new Workload("rnn", RNN, 32);
      default: throw new IllegalArgumentException(key);
    }
  }

  /** Random inputs in [-1, 1) and one-hot (or [0,1] for xor/rnn) targets. */
  public static void fill(String name, float[] xs, float[] ts, int targetSize, long seed) {
    Random r = new Random(seed);
    for (int i = 0; i < xs.length; i++) xs[i] = r.nextFloat() * 2 - 1;
    if (name.equals("mlp") || name.equals("deep")) {
      for (int s = 0; s < ts.length / targetSize; s++) ts[s * targetSize + r.nextInt(targetSize)] = 1;
    } else {
      for (int i = 0; i < ts.length; i++) ts[i] = r.nextFloat();
    }
  }

  /** One training step of a hand-written model. */
  public interface HandWritten {
    int inputSize();

    int targetSize();

    long params();

    /** Loss and gradients of the mean loss; then p -= lr * g. */
    float step(float[] xs, float[] ts, float lr);
  }
}
