package dev.deltac.compiler;

import dev.deltac.compiler.emit.EmitOptions;
import dev.deltac.compiler.emit.JavaEmitter;
import dev.deltac.compiler.interp.Interpreter;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.load.ModelLoader;
import dev.deltac.compiler.opt.Optimizer;
import dev.deltac.runtime.DoubleFunction;
import dev.deltac.runtime.FloatFunction;
import dev.deltac.runtime.Precision;
import java.nio.file.Path;

/** One compiled {@code function}: its value and its gradient with respect to every argument. */
public final class CompiledFunction {
  private final String file;
  private final Graph lowered;
  private Graph gradient;

  CompiledFunction(String file, Graph lowered) {
    this.file = file;
    this.lowered = lowered;
  }

  public String name() {
    return lowered.name();
  }

  public String file() {
    return file;
  }

  public Graph lowered() {
    return lowered;
  }

  /** The optimized graph of the value and its gradient w.r.t. the arguments. */
  public synchronized Graph gradient() {
    if (gradient == null) gradient = Optimizer.inferenceBackward(lowered);
    return gradient;
  }

  /** The float64 reference interpreter over {@link #gradient()}. */
  public Interpreter interpreter() {
    return new Interpreter(gradient());
  }

  /** The generated class's simple name ({@code F}, or {@code F64} for float64). */
  public String className(Precision precision) {
    return CompiledModel.classNameFor(name(), precision);
  }

  /** The Java source of the generated class. */
  public String javaSource(Precision precision, String packageName) {
    EmitOptions options = new EmitOptions(packageName, className(precision), precision,
        Path.of(file).getFileName().toString());
    return JavaEmitter.emitFunction(Optimizer.forward(lowered), gradient(), options);
  }

  public FloatFunction newFunction() {
    return (FloatFunction) load(Precision.FLOAT32);
  }

  public DoubleFunction newDoubleFunction() {
    return (DoubleFunction) load(Precision.FLOAT64);
  }

  private Object load(Precision precision) {
    String pkg = CompiledModel.IN_MEMORY_PACKAGE;
    return ModelLoader.newFunction(pkg + "." + className(precision), javaSource(precision, pkg));
  }
}
