package dev.deltac.compiler.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import dev.deltac.compiler.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each {@code diagnostics/NAME.nn} has a sidecar {@code NAME.expect}: one line per expected error,
 * {@code LINE:COL: message fragment}. The file must produce exactly those errors (so a root
 * cause reported twice fails the test), each at its position and containing its fragment.
 */
class MalformedFilesTest {
  record Expected(int line, int column, String fragment) {}

  static List<Path> files() {
    return TestFiles.list(TestFiles.DIAGNOSTICS);
  }

  static List<Expected> expectations(Path nn) throws Exception {
    Path sidecar = nn.resolveSibling(nn.getFileName().toString().replace(".nn", ".expect"));
    List<Expected> out = new ArrayList<>();
    for (String line : Files.readAllLines(sidecar)) {
      if (line.isBlank()) continue;
      String[] parts = line.split(":", 3);
      out.add(new Expected(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), parts[2].strip()));
    }
    return out;
  }

  @Test
  void thereAreAtLeastFortyMalformedFiles() {
    assertTrue(files().size() >= 40, "only " + files().size());
  }

  @ParameterizedTest
  @MethodSource("files")
  void reportsExactlyTheExpectedErrors(Path file) throws Exception {
    List<Expected> expected = expectations(file);
    FrontendResult r = Frontend.load(file);
    List<Diagnostic> errors = r.diagnostics().sorted().stream().filter(Diagnostic::isError).toList();
    String all = r.diagnostics().format();
    assertEquals(expected.size(), errors.size(), () -> "error count of " + file + ":\n" + all);
    for (Expected e : expected) {
      boolean found = errors.stream().anyMatch(d -> d.span().line() == e.line()
          && d.span().column() == e.column() && d.message().contains(e.fragment()));
      assertTrue(found, () -> "expected " + e + " in " + file + ":\n" + all);
    }
    for (Diagnostic d : errors) {
      assertTrue(all.contains(file + ":" + d.span().line() + ":" + d.span().column() + ": error: " + d.message()),
          all);
    }
    assertTrue(all.contains("^"), all);
  }
}
