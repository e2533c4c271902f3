package dev.deltac.compiler;

import dev.deltac.compiler.ast.Program;
import dev.deltac.compiler.check.CheckResult;
import dev.deltac.compiler.check.Checker;
import dev.deltac.compiler.diag.DiagnosticKind;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.parse.Parser;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The front end of the pipeline, in order:
 * <ol>
 *   <li><b>parse</b> ({@link Parser}): text to AST; syntax errors stop the pipeline here;
 *   <li><b>check</b> ({@link Checker}): names, shapes and statement rules.
 * </ol>
 * Each stage runs only when the stages before it added no errors. Never throws for bad input:
 * every problem is a diagnostic in the result.
 */
public final class Frontend {
  private Frontend() {}

  /** Reads {@code file} as UTF-8 and runs the front end; the file name in diagnostics is {@code file} as given. */
  public static FrontendResult load(Path file) {
    return load(file, file.toString());
  }

  /** Reads {@code file} as UTF-8 and runs the front end, reporting it as {@code name}. */
  public static FrontendResult load(Path file, String name) {
    Diagnostics diags = new Diagnostics();
    String source;
    try {
      byte[] bytes = Files.readAllBytes(file);
      source = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      diags.error(DiagnosticKind.IO, SourceSpan.at(name, 1, 1), "the file is not valid UTF-8");
      return new FrontendResult(null, null, diags);
    } catch (IOException | RuntimeException e) {
      diags.error(DiagnosticKind.IO, SourceSpan.at(name, 1, 1), describe(e));
      return new FrontendResult(null, null, diags);
    }
    return run(name, source, diags);
  }

  /** Runs the front end on {@code source}, reported as {@code fileName}. */
  public static FrontendResult parse(String fileName, String source) {
    return run(fileName, source, new Diagnostics());
  }

  /** Runs the front end reporting into an existing collector (several files in one run). */
  public static FrontendResult run(String fileName, String source, Diagnostics diags) {
    int before = diags.errorCount();
    Program program = Parser.parse(fileName, source, diags);
    if (diags.errorCount() > before) return new FrontendResult(program, null, diags);
    CheckResult check = Parser.onBigStack(() -> Checker.check(program, diags), fileName, diags, null);
    return new FrontendResult(program, check, diags);
  }

  private static String describe(Exception e) {
    if (e instanceof java.nio.file.NoSuchFileException) return "no such file";
    if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
    if (e instanceof IOException && Files.isDirectory(Path.of(e.getMessage() == null ? "." : e.getMessage()))) {
      return "it is a directory";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
