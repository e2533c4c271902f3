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

  private static int total(List<TensorInfo> ts) {
    int n = 0;
    for (TensorInfo t : ts) n += t.size();
    return n;
  }
}
