package dev.deltac.compiler;

import dev.deltac.compiler.ast.Program;
import dev.deltac.compiler.check.CheckResult;
import dev.deltac.compiler.diag.Diagnostics;

/**
 * What the front end produced. {@code program} is null only when the file could not be read;
 * {@code check} is null when parsing reported errors. Downstream stages may use the program and
 * the check result only when {@link #ok()}.
 */
public record FrontendResult(Program program, CheckResult check, Diagnostics diagnostics) {
  public boolean ok() {
    return program != null && check != null && !diagnostics.hasErrors();
  }
}
