package dev.deltac.compiler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Locates the example and sample {@code .nn} files the tests run over. */
public final class TestFiles {
  private TestFiles() {}

  public static final Path EXAMPLES = Path.of("src/test/resources/examples");
  public static final Path DIAGNOSTICS = Path.of("src/test/resources/diagnostics");
  public static final Path SAMPLES = Path.of("../samples");

  /** Every dsl.md example (copied under test resources) and every sample model. */
  public static List<Path> validPrograms() {
    List<Path> out = new ArrayList<>(list(EXAMPLES));
    out.addAll(list(SAMPLES));
    return out;
  }

  public static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".nn")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
