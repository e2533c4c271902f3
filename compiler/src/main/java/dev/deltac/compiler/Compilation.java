package dev.deltac.compiler;

import dev.deltac.compiler.diag.Diagnostic;
import dev.deltac.compiler.diag.DiagnosticFormatter;
import dev.deltac.compiler.diag.Diagnostics;
import java.util.ArrayList;
import java.util.List;

/** The models and functions of one compiled {@code .nn} file, in source order. */
public final class Compilation {
  private final String file;
  private final List<CompiledModel> models;
  private final List<CompiledFunction> functions;
  private final List<Diagnostic> warnings = new ArrayList<>();
  private final Diagnostics diagnostics;

  Compilation(String file, List<CompiledModel> models, List<CompiledFunction> functions,
      Diagnostics diagnostics) {
    this.file = file;
    this.models = List.copyOf(models);
    this.functions = List.copyOf(functions);
    this.diagnostics = diagnostics;
    for (Diagnostic d : diagnostics.sorted()) {
      if (!d.isError()) warnings.add(d);
    }
  }

  /**
   * The warnings of the file (likely mistakes in a valid model, codes W8xx), sorted by position.
   */
  public List<Diagnostic> warnings() {
    return List.copyOf(warnings);
  }

  /** The text of the compiled file (for excerpts under diagnostics), or null. */
  public String source() {
    return diagnostics.source(file);
  }

  /** The warnings as {@code FILE:LINE:COL: warning: MESSAGE [Wnnn]} with the source line; "" if none. */
  public String formatWarnings() {
    StringBuilder sb = new StringBuilder();
    for (Diagnostic d : warnings) sb.append(DiagnosticFormatter.format(d, diagnostics.source(d.span().file())));
    return sb.toString();
  }

  /** The file name it was compiled as: the path given to {@link Deltac#compile(java.nio.file.Path)}, or the name given with the source text. */
  public String file() {
    return file;
  }

  /** Every {@code model} of the file, in source order. */
  public List<CompiledModel> models() {
    return models;
  }

  /** Every {@code function} of the file, in source order. */
  public List<CompiledFunction> functions() {
    return functions;
  }

  /** The only model of the file; an error names the choices when there are none or several. */
  public CompiledModel model() throws CompileException {
    if (models.size() == 1) return models.get(0);
    throw new CompileException(file + ": " + (models.isEmpty() ? "has no model"
        : "has " + models.size() + " models; name one of " + names()));
  }

  /** The model called {@code name}. */
  public CompiledModel model(String name) throws CompileException {
    if (name == null) return model();
    for (CompiledModel m : models) {
      if (m.name().equals(name)) return m;
    }
    throw new CompileException(file + ": no model `" + name + "`; it has " + names());
  }

  /** The function called {@code name}, or the only one when {@code name} is null. */
  public CompiledFunction function(String name) throws CompileException {
    if (name == null && functions.size() == 1) return functions.get(0);
    for (CompiledFunction f : functions) {
      if (f.name().equals(name)) return f;
    }
    throw new CompileException(file + ": " + (name == null
        ? (functions.isEmpty() ? "has no function" : "has several functions; name one of " + names())
        : "no function `" + name + "`; it has " + names()));
  }

  /** Names of every declaration, models then functions. */
  public List<String> names() {
    List<String> n = new ArrayList<>();
    for (CompiledModel m : models) n.add(m.name());
    for (CompiledFunction f : functions) n.add(f.name());
    return n;
  }
}
