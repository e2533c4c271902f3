package dev.deltac.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceScannerTest {
  @Test
  void antPatterns() {
    SourceScanner s = new SourceScanner(Set.of("**/*.nn"), Set.of("**/draft_*", "legacy/"));
    assertTrue(s.matches("xor.nn"), "** matches no folder");
    assertTrue(s.matches("com/acme/xor.nn"));
    assertFalse(s.matches("com/acme/xor.nnx"));
    assertFalse(s.matches("com/acme/draft_xor.nn"));
    assertFalse(s.matches("legacy/deep/xor.nn"));
    SourceScanner one = new SourceScanner(Set.of("com/*/x?r.nn"), Set.of());
    assertTrue(one.matches("com/acme/xor.nn"));
    assertFalse(one.matches("com/a/b/xor.nn"));
    assertFalse(one.matches("com/acme/xoor.nn"));
  }

  @Test
  void scansSortedAndToleratesAMissingFolder(@TempDir Path dir) throws IOException {
    for (String f : List.of("b/y.nn", "a/x.nn", "a/notes.txt", "z.nn")) {
      Path p = dir.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, "");
    }
    SourceScanner s = new SourceScanner(Set.of("**/*.nn"), Set.of());
    assertEquals(List.of(dir.resolve("a/x.nn"), dir.resolve("b/y.nn"), dir.resolve("z.nn")),
        s.scan(dir));
    assertEquals(List.of(), s.scan(dir.resolve("missing")));
  }
}
