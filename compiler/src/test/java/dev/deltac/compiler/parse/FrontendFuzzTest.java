package dev.deltac.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import dev.deltac.compiler.diag.Diagnostic;
import dev.deltac.compiler.diag.DiagnosticKind;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzing the front end, parser and checker (docs/FUZZING.md): any text gives diagnostics, never
 * an exception, and never an internal-error diagnostic (the front end turns an exception of its
 * own into one, so that the user still sees a message: a fuzzer must not). The regression inputs,
 * in src/test/resources/.../FrontendFuzzTestInputs/frontend, are the sample and example models.
 */
class FrontendFuzzTest {
  @FuzzTest(maxDuration = "5m")
  void frontend(byte[] data) {
    String source = new String(data, StandardCharsets.UTF_8);
    FrontendResult r = Frontend.parse("fuzz.nn", source);
    for (Diagnostic d : r.diagnostics().all()) {
      assertNotEquals(DiagnosticKind.INTERNAL, d.kind(), () -> r.diagnostics().format());
    }
    r.diagnostics().format();
  }
}
