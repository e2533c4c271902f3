package dev.deltac.compiler.generate;

import dev.deltac.compiler.diag.Diagnostic;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What {@link SourceGenerator#generate} did, file by file. {@link #isOk()} is false when a file
 * had errors or a generated method was over the size limit; the caller fails the build.
 */
public record GenerateResult(List<FileResult> files, List<Path> deleted) {
  public GenerateResult {
    files = List.copyOf(files);
    deleted = List.copyOf(deleted);
  }

  /** What happened to one {@code .nn} file. */
  public enum Status {
    /** Compiled and written (and measured, when the gate is on). */
    GENERATED(true),
    /** Its outputs are newer than it and were made by this compiler with these options. */
    UP_TO_DATE(true),
    /** The file has errors: see {@link FileResult#errors()} and {@link FileResult#diagnostics()}. */
    INVALID(false),
    /** The file compiled, but a generated method is over the limit: see {@link FileResult#oversized()}. */
    TOO_LARGE(false);

    private final boolean ok;

    Status(boolean ok) {
      this.ok = ok;
    }

    public boolean isOk() {
      return ok;
    }
  }

  /** One generated method's bytecode size. */
  public record MethodSize(String className, String method, String descriptor, int bytes) {
    @Override
    public String toString() {
      return className + "." + method + " (" + bytes + " bytes)";
    }
  }

  /**
   * @param source the {@code .nn} file
   * @param status what happened
   * @param outputs the generated {@code .java} files (also for an up-to-date file)
   * @param diagnostics the diagnostics of an invalid file, sorted by position; empty otherwise
   * @param errors why the file failed, one entry per problem: each diagnostic formatted as
   *     {@code FILE:LINE:COL: error: MESSAGE [Ennn]} with its source line and caret, or each
   *     oversized method; empty when the file is ok
   * @param methods every method of every generated class, when generated with the gate on
   * @param oversized the methods over the limit
   */
  public record FileResult(Path source, Status status, List<Path> outputs,
      List<Diagnostic> diagnostics, List<String> errors, List<MethodSize> methods,
      List<MethodSize> oversized, List<String> warnings, List<String> summaries) {
    public FileResult {
      warnings = List.copyOf(warnings);
      summaries = List.copyOf(summaries);
      outputs = List.copyOf(outputs);
      diagnostics = List.copyOf(diagnostics);
      errors = List.copyOf(errors);
      methods = List.copyOf(methods);
      oversized = List.copyOf(oversized);
    }

    /** The largest generated method, when measured. */
    public Optional<MethodSize> largest() {
      return methods.stream().max(Comparator.comparingInt(MethodSize::bytes));
    }
  }

  public boolean isOk() {
    return files.stream().allMatch(f -> f.status().isOk());
  }

  public List<FileResult> with(Status status) {
    return files.stream().filter(f -> f.status() == status).toList();
  }

  public int count(Status status) {
    return with(status).size();
  }

  /** The largest method generated in this run, when measured. */
  public Optional<MethodSize> largest() {
    return files.stream().flatMap(f -> f.methods().stream())
        .max(Comparator.comparingInt(MethodSize::bytes));
  }
}
