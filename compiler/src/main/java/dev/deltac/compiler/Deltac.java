package dev.deltac.compiler;

import dev.deltac.compiler.ast.Decl;
import dev.deltac.compiler.check.TrainSpec;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Lints;
import dev.deltac.compiler.ir.Lowering;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The public entry point: compiles a {@code .nn} file, stage by stage, into models and
 * functions ready to interpret, emit as Java or load in memory.
 *
 * <ol>
 *   <li><b>parse</b> and <b>check</b> ({@link Frontend}): every error of the file, with positions;
 *       nothing below runs when there is one;
 *   <li><b>lower</b> ({@link Lowering}): each declaration to an IR graph with static shapes;
 *   <li><b>differentiate and optimize</b> ({@link dev.deltac.compiler.opt.Optimizer}): fused
 *       losses, reverse mode, simplification, δ fusion — done lazily, per declaration;
 *   <li><b>emit</b> and <b>load</b>: Java source per declaration, compiled in memory.
 * </ol>
 *
 * <pre>{@code
 * FloatModel m = Deltac.compile(Path.of("xor.nn")).model().newModel(4);
 * }</pre>
 */
public final class Deltac {
  private Deltac() {}

  /** Compiles a file; throws with every diagnostic when the file has errors. */
  public static Compilation compile(Path file) throws CompileException {
    return build(Frontend.load(file));
  }

  /**
   * Compiles a file named {@code name} in diagnostics and in generated sources (a path relative
   * to a source folder, so that the sources do not depend on where the checkout is).
   */
  public static Compilation compile(Path file, String name) throws CompileException {
    return build(Frontend.load(file, name));
  }

  /** Compiles source text, reported as {@code fileName} in diagnostics. */
  public static Compilation compile(String fileName, String source) throws CompileException {
    return build(Frontend.parse(fileName, source));
  }

  private static Compilation build(FrontendResult r) throws CompileException {
    if (!r.ok()) throw new CompileException(r.diagnostics());
    List<CompiledModel> models = new ArrayList<>();
    List<CompiledFunction> functions = new ArrayList<>();
    for (Decl d : r.program().decls()) {
      Graph lowered = Lowering.lower(d, r.check());
      Lints.check(lowered, r.diagnostics());
      if (d instanceof Decl.Model) {
        TrainSpec train = r.check().info(d).train();
        Relowering again = new Relowering(d, r);
        models.add(new CompiledModel(r.program().file(), lowered, train, again::unrolled));
      } else {
        functions.add(new CompiledFunction(r.program().file(), lowered));
      }
    }
    return new Compilation(r.program().file(), models, functions, r.diagnostics());
  }

  /** Lowers a declaration again with every loop unrolled, on demand (see {@link CompiledModel#forwardUnrolled()}). */
  private record Relowering(Decl decl, FrontendResult result) {
    Graph unrolled() {
      return Lowering.lower(decl, result.check(), Lowering.Loops.UNROLL);
    }
  }
}
