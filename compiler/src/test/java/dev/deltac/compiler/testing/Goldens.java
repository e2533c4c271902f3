package dev.deltac.compiler.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources/goldens/<TestClass>/<name>}. Run the tests with
 * {@code -Ddeltac.updateGoldens=true} to (re)write them; a missing golden fails and names the
 * file to create, so regeneration is one command:
 * {@code ./mvnw -q -pl compiler -am test -Ddeltac.updateGoldens=true}.
 */
public final class Goldens {
  private static final Path ROOT = Path.of("src", "test", "resources", "goldens");

  private Goldens() {}

  public static void assertMatches(Class<?> test, String name, String actual) {
    Path file = ROOT.resolve(test.getSimpleName()).resolve(name);
    try {
      if (Boolean.getBoolean("deltac.updateGoldens")) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual, StandardCharsets.UTF_8);
        return;
      }
      if (!Files.exists(file)) {
        fail("missing golden " + file.toAbsolutePath()
            + "; run with -Ddeltac.updateGoldens=true to write it");
      }
      assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual, "golden " + file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
