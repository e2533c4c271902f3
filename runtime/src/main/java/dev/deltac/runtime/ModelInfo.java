package dev.deltac.runtime;

import java.util.List;
import java.util.Objects;

/**
 * What a generated model or function looks like from outside: its name, precision, and the
 * names, shapes and offsets of its inputs, targets, outputs and parameters. For a function the
 * inputs are its arguments and there are no targets, outputs or params.
 */
public final class ModelInfo {
  private final String name;
  private final Precision precision;
  private final List<TensorInfo> inputs;
  private final List<TensorInfo> targets;
  private final List<TensorInfo> outputs;
  private final List<TensorInfo> params;
  private final List<TensorInfo> buffers;
  // totals, computed once: hot paths ask for them every step
  private final int inputSize;
  private final int targetSize;
  private final int outputSize;
  private final int paramCount;
  // floating-point operations per sample: -1 when unknown (hand-written models)
  private long forwardFlops = -1;
  private long trainingFlops = -1;

  /** Generated classes make their own; user code reads them with {@link Model#info()}. */
  public ModelInfo(String name, Precision precision, List<TensorInfo> inputs,
      List<TensorInfo> targets, List<TensorInfo> outputs, List<TensorInfo> params) {
    this(name, precision, inputs, targets, outputs, params, List.of());
  }

  /**
   * With the model's buffers: state that is not trained (the running statistics of
   * batch_norm), one block each, in {@link FloatModel#buffers()} order.
   */
  public ModelInfo(String name, Precision precision, List<TensorInfo> inputs,
      List<TensorInfo> targets, List<TensorInfo> outputs, List<TensorInfo> params,
      List<TensorInfo> buffers) {
    this.buffers = List.copyOf(buffers);
    this.name = Objects.requireNonNull(name, "name == null");
    this.precision = Objects.requireNonNull(precision, "precision == null");
    this.inputs = List.copyOf(inputs);
    this.targets = List.copyOf(targets);
    this.outputs = List.copyOf(outputs);
    this.params = List.copyOf(params);
    this.inputSize = total(this.inputs);
    this.targetSize = total(this.targets);
    this.outputSize = total(this.outputs);
    this.paramCount = total(this.params);
  }

  /** The model's name, as declared ({@code model Xor}): also the float32 class's name. */
  public String name() {
    return name;
  }

  /** float32 ({@link FloatModel}) or float64 ({@link DoubleModel}). */
  public Precision precision() {
    return precision;
  }

  /**
   * The {@code input} declarations in order; each one's {@link TensorInfo#offset()} is its
   * place in one sample's packed inputs, its elements row-major.
   */
  public List<TensorInfo> inputs() {
    return inputs;
  }

  /** The {@code target} declarations in order, packed like {@link #inputs()}. */
  public List<TensorInfo> targets() {
    return targets;
  }

  /** The {@code output} declarations in order, packed like {@link #inputs()}: what {@code predict} writes. */
  public List<TensorInfo> outputs() {
    return outputs;
  }

  /** The trainable parameters, layer parameters included ({@code h.W}), with their blocks. */
  public List<TensorInfo> params() {
    return params;
  }

  /**
   * Model state that is not trained, by {@code .nn} name and shape: the running statistics of
   * batch_norm ({@code h.running_mean[C]}, {@code h.running_var[C]}), in source order. Each is
   * one block of the model's {@code buffers()} ({@link TensorInfo#firstBlock()}); its
   * {@link TensorInfo#offset()} is its place in the flat view of all buffers and
   * {@link TensorInfo#init()} its starting value ({@code zeros} or {@code ones}). They are kept
   * out of {@code grads()} and the optimizers, and saved in checkpoints. Empty for most models.
   */
  public List<TensorInfo> buffers() {
    return buffers;
  }

  /** Elements of one sample's packed inputs. */
  public int inputSize() {
    return inputSize;
  }

  /** Elements of one sample's packed targets. */
  public int targetSize() {
    return targetSize;
  }

  /** Elements of one sample's packed outputs. */
  public int outputSize() {
    return outputSize;
  }

  /** Total number of trainable scalars. */
  public int paramCount() {
    return paramCount;
  }

  /** Number of parameter blocks ({@code params().length} of the model). */
  public int blockCount() {
    int n = 0;
    for (TensorInfo t : params) n += t.blockCount();
    return n;
  }

  /** The parameter called {@code name}, or null. */
  public TensorInfo param(String name) {
    for (TensorInfo t : params) {
      if (t.name().equals(name)) return t;
    }
    return null;
  }

  /**
   * This info with the floating-point operations of one sample, as the compiler counts them
   * ({@code deltac compile} prints the same numbers); generated classes call it.
   *
   * @param forward the forward pass (what {@code predict} and {@code loss} compute)
   * @param trainingStep the forward pass plus the gradients ({@code lossAndGradient})
   */
  public ModelInfo withFlops(long forward, long trainingStep) {
    ModelInfo m = new ModelInfo(name, precision, inputs, targets, outputs, params, buffers);
    m.forwardFlops = forward;
    m.trainingFlops = trainingStep;
    return m;
  }

  /** Floating-point operations of one sample's forward pass; -1 when unknown. */
  public long forwardFlops() {
    return forwardFlops;
  }

  /** Floating-point operations of one sample's training step (forward and gradients); -1 when unknown. */
  public long trainingFlops() {
    return trainingFlops;
  }

  /**
   * A summary for people, as {@code deltac compile} and {@code deltac train} print it: every
   * param tensor with its shape and size, the total, and the operations per sample when known,
   * e.g. {@code model Xor: 17 params (W1 [4, 2] 8, b1 [4] 4, W2 [1, 4] 4, b2 [1] 1); per sample
   * 37 FLOPs forward, 79 per training step}.
   */
  public String summary() {
    return summary(name, params, forwardFlops, trainingFlops);
  }

  /**
   * The summary of a model called {@code name} with these params and operation counts per sample
   * (-1: unknown, left out); the compiler prints the same line before any class exists.
   */
  public static String summary(String name, List<TensorInfo> params, long forwardFlops,
      long trainingFlops) {
    StringBuilder sb = new StringBuilder("model ").append(name).append(": ");
    StringBuilder each = new StringBuilder();
    long total = 0;
    for (TensorInfo t : params) {
      if (each.length() > 0) each.append(", ");
      each.append(t.name()).append(' ').append(java.util.Arrays.toString(t.shape())).append(' ')
          .append(t.size());
      total += t.size();
    }
    sb.append(String.format(java.util.Locale.ROOT, "%,d params", total));
    if (each.length() > 0) sb.append(" (").append(each).append(')');
    if (forwardFlops >= 0) {
      sb.append(String.format(java.util.Locale.ROOT, "; per sample %,d FLOPs forward, %,d per"
          + " training step", forwardFlops, trainingFlops));
    }
    return sb.toString();
  }

  private static int total(List<TensorInfo> ts) {
    int n = 0;
    for (TensorInfo t : ts) n += t.size();
    return n;
  }
}
