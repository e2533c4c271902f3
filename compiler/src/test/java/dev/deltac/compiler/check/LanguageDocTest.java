package dev.deltac.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.deltac.compiler.CompileException;
import dev.deltac.compiler.Deltac;
import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import dev.deltac.compiler.diag.Diagnostic;
import dev.deltac.compiler.diag.DiagnosticKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Keeps docs/LANGUAGE.md true. Every fenced {@code ```nn} block is a complete file that must
 * compile without errors (front end and lowering); every {@code ```nn-error E301 E201} block
 * must fail with exactly the listed diagnostic codes. The reference must also list every
 * diagnostic code, built-in, initializer, activation, optimizer, schedule and train setting.
 */
class LanguageDocTest {
  /** The reference, relative to the compiler module (the tests' working directory). */
  static final Path DOC = Path.of("../docs/LANGUAGE.md");

  /**
   * A fenced example: the line of its opening fence, the codes it must report (none: it must
   * compile), and its text preceded by blank lines, so that diagnostics give LANGUAGE.md's lines.
   */
  record Block(int line, Set<String> expectedCodes, String source) {
    String name() {
      return "LANGUAGE.md line " + line;
    }
  }

  static final String FILE = "LANGUAGE.md";

  static String doc() {
    try {
      return Files.readString(DOC);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DOC.toAbsolutePath(), e);
    }
  }

  /** Every {@code ```nn} and {@code ```nn-error CODES} block, in document order. */
  static List<Block> blocks() {
    List<String> lines = doc().lines().toList();
    List<Block> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String fence = lines.get(i).strip();
      if (!fence.startsWith("```nn")) continue;
      String[] info = fence.substring(3).trim().split("\\s+");
      Set<String> codes = new TreeSet<>();
      if (info[0].equals("nn-error")) {
        codes.addAll(Arrays.asList(info).subList(1, info.length));
        if (codes.isEmpty()) fail("LANGUAGE.md line " + (i + 1) + ": an nn-error block must list its codes");
      } else if (!info[0].equals("nn")) {
        fail("LANGUAGE.md line " + (i + 1) + ": unknown block kind `" + info[0] + "` (use nn or nn-error)");
      }
      int start = i + 1;
      int end = start;
      while (end < lines.size() && !lines.get(end).strip().equals("```")) end++;
      if (end == lines.size()) fail("LANGUAGE.md line " + (i + 1) + ": the block is not closed");
      String text = "\n".repeat(start) + String.join("\n", lines.subList(start, end)) + "\n";
      out.add(new Block(i + 1, codes, text));
      i = end;
    }
    return out;
  }

  @TestFactory
  Stream<DynamicTest> everyExampleCompilesAsDocumented() {
    return blocks().stream().map(b -> DynamicTest.dynamicTest(b.name()
        + (b.expectedCodes().isEmpty() ? " compiles" : " reports " + b.expectedCodes()), () -> check(b)));
  }

  private static void check(Block b) {
    FrontendResult r = Frontend.parse(FILE, b.source());
    if (b.expectedCodes().isEmpty()) {
      assertTrue(r.ok(), () -> b.name() + ": this example no longer compiles:\n" + r.diagnostics().format());
      try {
        Deltac.compile(FILE, b.source());
      } catch (CompileException e) {
        fail(b.name() + ": this example no longer compiles:\n" + e.getMessage());
      } catch (RuntimeException e) {
        throw new AssertionError(b.name() + ": the front end accepts this example, but lowering it fails", e);
      }
      return;
    }
    Set<String> reported = new TreeSet<>();
    for (Diagnostic d : r.diagnostics().all()) if (d.isError()) reported.add(d.kind().code());
    assertEquals(b.expectedCodes(), reported, () -> b.name() + ": the documented codes are "
        + b.expectedCodes() + ", but the compiler now reports:\n" + r.diagnostics().format());
  }

  @Test
  void theReferenceHasExamplesOfBothKinds() {
    List<Block> blocks = blocks();
    assertTrue(blocks.stream().filter(b -> b.expectedCodes().isEmpty()).count() >= 8,
        "expected at least 8 compiling examples in " + DOC);
    assertTrue(blocks.stream().anyMatch(b -> !b.expectedCodes().isEmpty()),
        "expected nn-error examples in " + DOC);
  }

  @Test
  void everyDiagnosticCodeIsDocumented() {
    String doc = doc();
    List<String> missing = new ArrayList<>();
    for (DiagnosticKind k : DiagnosticKind.values()) {
      if (!doc.contains("| " + k.code() + " |")) missing.add(k.code() + " " + k);
    }
    assertTrue(missing.isEmpty(), () -> "add these codes to the diagnostics table of " + DOC + ": " + missing);
  }

  @Test
  void everyBuiltinIsDocumented() {
    String doc = doc();
    List<String> names = new ArrayList<>();
    names.addAll(Builtins.functionNames());
    names.addAll(Builtins.initializerNames());
    names.addAll(Builtins.optimizerNames());
    names.addAll(Builtins.scheduleNames());
    names.addAll(Builtins.ACTIVATIONS);
    names.addAll(TrainChecker.KEYS);
    List<String> missing = names.stream().distinct().filter(n -> !doc.contains("`" + n)).sorted().toList();
    assertFalse(names.isEmpty());
    assertTrue(missing.isEmpty(), () -> "document these in " + DOC + ": " + missing);
  }
}
