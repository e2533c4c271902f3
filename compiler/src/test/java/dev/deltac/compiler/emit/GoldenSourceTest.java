package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.runtime.Precision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Generated sources for XOR and the Fashion MLP, kept in review-friendly form under
 * {@code src/test/resources/goldens/GoldenSourceTest/<test>/<fqcn>.java}. To regenerate after an
 * intended change to the emitter:
 *
 * <pre>./mvnw -q -B -pl compiler -am test -Dtest=GoldenSourceTest -Dsurefire.failIfNoSpecifiedTests=false -Ddeltac.updateGoldens=true</pre>
 *
 * A missing golden is written and the test fails, naming the file to review and commit.
 */
class GoldenSourceTest {
  private static final Path ROOT = Path.of("src/test/resources/goldens/GoldenSourceTest");

  @Test
  void xor() throws IOException {
    Graph g = NnFiles.resource("models/xor.nn");
    golden("xor", "dev.deltac.examples.Xor", Harness.source(g, "dev.deltac.examples", "Xor", Precision.FLOAT32, "xor.nn"));
  }

  @Test
  void fashionMlp() throws IOException {
    Graph g = NnFiles.resource("models/fashion_mlp.nn");
    golden("fashionMlp", "dev.deltac.examples.FashionMlp",
        Harness.source(g, "dev.deltac.examples", "FashionMlp", Precision.FLOAT32, "fashion_mlp.nn"));
  }

  static void golden(String test, String fqcn, String actual) throws IOException {
    Path file = ROOT.resolve(test).resolve(fqcn + ".java");
    boolean update = Boolean.getBoolean("deltac.updateGoldens");
    if (update || !Files.exists(file)) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual, StandardCharsets.UTF_8);
      if (!update) fail("golden " + file + " was missing; wrote it: review and commit it");
      return;
    }
    assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual,
        "generated source differs from " + file + " (regenerate with -Ddeltac.updateGoldens=true)");
  }
}
