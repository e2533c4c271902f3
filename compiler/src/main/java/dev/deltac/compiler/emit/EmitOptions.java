package dev.deltac.compiler.emit;

import dev.deltac.runtime.Precision;
import dev.deltac.runtime.train.TrainingDefaults;
import java.util.Objects;

/**
 * What the emitter needs besides the graphs: where the class goes, what it is called, its element
 * type, and the name of the {@code .nn} file that comments point back to.
 *
 * @param packageName Java package of the generated class; empty for the unnamed package
 * @param className simple name of the generated class (a legal Java identifier)
 * @param precision float32 (default) or float64
 * @param sourceFile the {@code .nn} file name used in generated comments ({@code xor.nn})
 * @param trainingDefaults the model's {@code train} block with the defaults filled in, which a
 *     generated model class returns from its static {@code trainingDefaults()}; null for none
 *     (functions, and models emitted without one)
 */
public record EmitOptions(String packageName, String className, Precision precision,
    String sourceFile, TrainingDefaults trainingDefaults) {
  public EmitOptions {
    Objects.requireNonNull(packageName, "packageName == null");
    Objects.requireNonNull(className, "className == null");
    Objects.requireNonNull(precision, "precision == null");
    Objects.requireNonNull(sourceFile, "sourceFile == null");
    if (!javax.lang.model.SourceVersion.isName(className) || className.contains(".")) {
      throw new IllegalArgumentException("not a legal Java class name: '" + className + "'");
    }
    if (!packageName.isEmpty() && !javax.lang.model.SourceVersion.isName(packageName)) {
      throw new IllegalArgumentException("not a legal Java package name: '" + packageName + "'");
    }
  }

  /** Options without training defaults. */
  public EmitOptions(String packageName, String className, Precision precision, String sourceFile) {
    this(packageName, className, precision, sourceFile, null);
  }

  /** float32, unnamed package, no source file. */
  public static EmitOptions of(String className) {
    return new EmitOptions("", className, Precision.FLOAT32, "<none>");
  }

  public EmitOptions withPackage(String p) {
    return new EmitOptions(p, className, precision, sourceFile, trainingDefaults);
  }

  public EmitOptions withPrecision(Precision p) {
    return new EmitOptions(packageName, className, p, sourceFile, trainingDefaults);
  }

  public EmitOptions withSourceFile(String f) {
    return new EmitOptions(packageName, className, precision, f, trainingDefaults);
  }

  /** The same options with training defaults for the generated model class (null: none). */
  public EmitOptions withTrainingDefaults(TrainingDefaults d) {
    return new EmitOptions(packageName, className, precision, sourceFile, d);
  }

  /** Fully qualified class name. */
  public String qualifiedName() {
    return packageName.isEmpty() ? className : packageName + "." + className;
  }
}
