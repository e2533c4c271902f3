package dev.deltac.compiler.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import dev.deltac.compiler.TestFiles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ExamplesCheckTest {
  static List<Path> programs() {
    return TestFiles.validPrograms();
  }

  @ParameterizedTest
  @MethodSource("programs")
  void everyExampleAndSampleChecksClean(Path file) {
    FrontendResult r = Frontend.load(file);
    assertTrue(r.ok(), () -> r.diagnostics().format());
  }
}
