package dev.deltac.compiler;

import dev.deltac.compiler.check.TrainSpec;
import dev.deltac.compiler.emit.EmitOptions;
import dev.deltac.compiler.emit.JavaEmitter;
import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.ParamSpec;
import dev.deltac.compiler.load.ModelLoader;
import dev.deltac.compiler.opt.FlopCount;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.train.TrainingDefaults;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * One compiled model: its lowered graph, the optimized forward and reverse-mode graphs (made on
 * first use), the defaults of its {@code train} block, and its interpreter.
 */
public final class CompiledModel {
  private final String file;
  private final Graph lowered;
  private final TrainSpec train;
  private Graph forward;
  private Graph backward;
  private Graph backwardWithInputs;
  private final Supplier<Graph> unrolled;
  private Graph forwardUnrolled;

  CompiledModel(String file, Graph lowered, TrainSpec train, Supplier<Graph> unrolled) {
    this.file = file;
    this.lowered = lowered;
    this.train = train;
    this.unrolled = unrolled;
  }

  /** The model's name, as declared ({@code model Xor}). */
  public String name() {
    return lowered.name();
  }

  /** The {@code .nn} file it came from. */
  public String file() {
    return file;
  }

  /** The lowered graph, before fusion and differentiation. */
  public Graph lowered() {
    return lowered;
  }

  /** The {@code train} block's settings as the compiler checked them; fields are null when not given. */
  public TrainSpec train() {
    return train;
  }

  /**
   * The {@code train} block's settings with {@code deltac train}'s defaults for those it leaves
   * out (all of them without a block): what the command line trains with when no flag is given.
   * {@link TrainingDefaults#builder} turns them into a {@link dev.deltac.runtime.train.Trainer};
   * the {@code with...} methods override them.
   */
  public TrainingDefaults trainingDefaults() {
    return trainingDefaults(train);
  }

  /** {@code spec}'s settings with the defaults filled in; {@code spec} may be null. */
  public static TrainingDefaults trainingDefaults(TrainSpec spec) {
    if (spec == null) return TrainingDefaults.standard();
    return TrainingDefaults.of(spec.optimizer(), spec.optimizerArgs(), spec.batch(), spec.epochs(),
        spec.clipNorm(), spec.clipValue(), spec.seed(), spec.schedule(), spec.scheduleArgs());
  }

  /** Outputs and loss, with fused losses: what {@code predict} and {@code loss} run. */
  public synchronized Graph forward() {
    if (forward == null) forward = Optimizer.forward(lowered);
    return forward;
  }

  /**
   * {@link #forward()} with every {@code for} loop unrolled: the same values (rolling changes no
   * bit of a forward value), for consumers that need a loop-free graph such as the ONNX export.
   * It is {@link #forward()} itself when no loop was rolled.
   */
  public synchronized Graph forwardUnrolled() {
    if (forwardUnrolled == null) {
      forwardUnrolled = lowered.hasRolledLoop() ? Optimizer.forward(unrolled.get()) : forward();
    }
    return forwardUnrolled;
  }

  /** The optimized reverse-mode graph, gradients w.r.t. params only: the training step. */
  public synchronized Graph backward() {
    if (backward == null) backward = Optimizer.backward(lowered, false);
    return backward;
  }

  /** The optimized reverse-mode graph with gradients w.r.t. inputs too. */
  public synchronized Graph backwardWithInputs() {
    if (backwardWithInputs == null) backwardWithInputs = Optimizer.backward(lowered, true);
    return backwardWithInputs;
  }

  /** The float64 reference interpreter over {@link #backwardWithInputs()}. */
  public Interpreter interpreter() {
    return new Interpreter(backwardWithInputs());
  }

  /**
   * The generated class's simple name: the model's name in float32, with {@code 64} appended for
   * the float64 twin ({@code Xor}, {@code Xor64}), so both fit in one package.
   */
  public String className(Precision precision) {
    return classNameFor(name(), precision);
  }

  static String classNameFor(String name, Precision precision) {
    return precision == Precision.FLOAT64 ? name + "64" : name;
  }

  /** The Java source of the generated class, in {@code packageName} (empty: unnamed package). */
  public synchronized String javaSource(Precision precision, String packageName) {
    return sources.computeIfAbsent(precision + " " + packageName, k -> emit(precision, packageName));
  }

  /** Sources emitted so far, by precision and package (emitting the words model takes ~0.2 s). */
  private final java.util.Map<String, String> sources = new java.util.HashMap<>();

  private String emit(Precision precision, String packageName) {
    EmitOptions options = new EmitOptions(packageName, className(precision), precision,
        Path.of(file).getFileName().toString(), trainingDefaults());
    return JavaEmitter.emitModel(forward(), backward(), backwardWithInputs(), options);
  }

  /** A new float32 instance, compiled in memory on first use (classes are cached by source). */
  public FloatModel newModel(int maxBatch) {
    return (FloatModel) load(Precision.FLOAT32, maxBatch);
  }

  /** A new float64 instance (the twin used for gradient checks). */
  public DoubleModel newDoubleModel(int maxBatch) {
    return (DoubleModel) load(Precision.FLOAT64, maxBatch);
  }

  /**
   * A summary for people: every param tensor with its shape and size, the total, and the
   * floating-point operations per sample of the forward pass and of a training step (forward
   * plus the gradients), e.g. {@code model Xor: 17 params (W1 [4, 2] 8, b1 [4] 4, W2 [1, 4] 4,
   * b2 [1] 1); per sample 37 FLOPs forward, 79 per training step}: the same line as a generated
   * class's {@code info().summary()} ({@link dev.deltac.runtime.ModelInfo#summary}).
   */
  public String summary() {
    java.util.List<dev.deltac.runtime.TensorInfo> params = new java.util.ArrayList<>();
    for (ParamSpec p : lowered.paramSpecs()) {
      params.add(dev.deltac.runtime.TensorInfo.packed(p.name(), p.shape().dims(), 0));
    }
    long fwd = FlopCount.forward(forward());
    return dev.deltac.runtime.ModelInfo.summary(name(), params, fwd,
        fwd + FlopCount.backward(backward()));
  }

  /** The package of classes compiled in memory. */
  public static final String IN_MEMORY_PACKAGE = "deltac.generated";

  private Object load(Precision precision, int maxBatch) {
    String source = javaSource(precision, IN_MEMORY_PACKAGE);
    return ModelLoader.newModel(IN_MEMORY_PACKAGE + "." + className(precision), source, maxBatch);
  }
}
