package dev.deltac.compiler.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.generate.GenerateResult.FileResult;
import dev.deltac.compiler.generate.GenerateResult.Status;
import dev.deltac.runtime.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceGeneratorTest {
  static final String XOR = """
      model Xor {
        input  x[2]
        target y[1]
        param W1[4, 2] = he
        param b1[4]
        param W2[1, 4] = he
        param b2[1]
        h    = sigmoid(W1 @ x + b1)
        yhat = sigmoid(W2 @ h + b2)
        output yhat
        loss   bce(yhat, y)
      }
      """;

  static final String SQUARE = """
      function Square(x) {
        return x * x
      }
      """;

  @TempDir Path dir;

  private Path write(String rel, String text) throws IOException {
    Path p = dir.resolve("src").resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  private GenerateRequest request(Path... files) {
    return GenerateRequest.of(dir.resolve("src"), List.of(files), dir.resolve("out"))
        .withStateFile(dir.resolve("state/deltac.state"));
  }

  @Test
  void packageComesFromTheFolderAndBothPrecisionsAreWritten() throws IOException {
    Path xor = write("com/acme/xor.nn", XOR);
    GenerateResult r = SourceGenerator.generate(request(xor)
        .withPrecisions(EnumSet.allOf(Precision.class)));
    assertTrue(r.isOk(), r.toString());
    Path java = dir.resolve("out/com/acme/Xor.java");
    Path java64 = dir.resolve("out/com/acme/Xor64.java");
    assertEquals(List.of(java, java64), r.files().get(0).outputs());
    assertTrue(Files.readString(java).startsWith("package com.acme;") || Files.readString(java)
        .contains("\npackage com.acme;"));
    assertTrue(Files.readString(java64).contains("class Xor64"));
    // gate on by default: every method measured, all under the limit
    FileResult f = r.files().get(0);
    assertTrue(f.methods().size() > 10);
    assertTrue(f.largest().orElseThrow().bytes() < 8000);
  }

  @Test
  void explicitPackageAndFunctions() throws IOException {
    Path sq = write("deep/er/square.nn", SQUARE);
    GenerateResult r = SourceGenerator.generate(request(sq).withPackageName("org.example"));
    assertTrue(r.isOk(), r.toString());
    assertTrue(Files.isRegularFile(dir.resolve("out/org/example/Square.java")));
  }

  @Test
  void upToDateFilesAreSkippedAndChangedOnesRegenerated() throws IOException {
    Path a = write("a/xor.nn", XOR);
    Path b = write("b/square.nn", SQUARE);
    GenerateResult first = SourceGenerator.generate(request(a, b));
    assertEquals(2, first.count(Status.GENERATED));
    Path outA = dir.resolve("out/a/Xor.java");
    Path outB = dir.resolve("out/b/Square.java");
    FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
    Files.setLastModifiedTime(a, FileTime.fromMillis(old.toMillis() - 60_000));
    Files.setLastModifiedTime(b, FileTime.fromMillis(old.toMillis() - 60_000));
    Files.setLastModifiedTime(outA, old);
    Files.setLastModifiedTime(outB, old);

    GenerateResult second = SourceGenerator.generate(request(a, b));
    assertEquals(2, second.count(Status.UP_TO_DATE));
    assertEquals(old, Files.getLastModifiedTime(outA));
    assertEquals(old, Files.getLastModifiedTime(outB));

    Files.writeString(b, "# changed\n" + SQUARE);
    GenerateResult third = SourceGenerator.generate(request(a, b));
    assertEquals(Status.UP_TO_DATE, third.files().get(0).status());
    assertEquals(Status.GENERATED, third.files().get(1).status());
    assertEquals(old, Files.getLastModifiedTime(outA));
    assertTrue(Files.getLastModifiedTime(outB).compareTo(old) > 0);

    // other options: regenerated
    GenerateResult fourth = SourceGenerator.generate(request(a, b)
        .withPrecisions(EnumSet.of(Precision.FLOAT64)));
    assertEquals(2, fourth.count(Status.GENERATED));
    // FLOAT32 outputs replaced by FLOAT64 ones
    assertFalse(Files.exists(outA));
    assertTrue(Files.exists(dir.resolve("out/a/Xor64.java")));

    // a deleted output is regenerated
    Files.delete(dir.resolve("out/a/Xor64.java"));
    GenerateResult fifth = SourceGenerator.generate(request(a, b)
        .withPrecisions(EnumSet.of(Precision.FLOAT64)));
    assertEquals(List.of(Status.GENERATED, Status.UP_TO_DATE),
        fifth.files().stream().map(FileResult::status).toList());

    // a file no longer requested: its outputs are deleted
    GenerateResult sixth = SourceGenerator.generate(request(b)
        .withPrecisions(EnumSet.of(Precision.FLOAT64)));
    assertEquals(List.of(dir.resolve("out/a/Xor64.java")), sixth.deleted());
  }

  @Test
  void theSameModelInTwoCheckoutsGeneratesTheSameBytes(@TempDir Path other) throws IOException {
    Path xor = write("com/acme/xor.nn", XOR);
    assertTrue(SourceGenerator.generate(request(xor)).isOk());
    Path p = other.resolve("elsewhere/src/com/acme/xor.nn");
    Files.createDirectories(p.getParent());
    Files.writeString(p, XOR);
    GenerateRequest r2 = GenerateRequest.of(other.resolve("elsewhere/src"), List.of(p),
        other.resolve("elsewhere/out"));
    assertTrue(SourceGenerator.generate(r2).isOk());
    String a = Files.readString(dir.resolve("out/com/acme/Xor.java"));
    String b = Files.readString(other.resolve("elsewhere/out/com/acme/Xor.java"));
    assertEquals(a, b);
    assertFalse(a.contains(dir.toString()), "an absolute path in the generated source");
    assertTrue(a.contains("com/acme/xor.nn:"), "sources cite the file under the source folder");
  }

  @Test
  void eachModelIsSummarizedWithItsParamsAndFlops() throws IOException {
    Path f = write("xor.nn", XOR);
    GenerateResult r = SourceGenerator.generate(request(f));
    // forward: W1 @ x 16, + b1 4, sigmoid 4, W2 @ h 8, + b2 1, and the output's sigmoid and the
    // loss; the training step adds the gradients
    assertEquals(List.of("model Xor: 17 params (W1 [4, 2] 8, b1 [4] 4, W2 [1, 4] 4, b2 [1] 1);"
        + " per sample 37 FLOPs forward, 79 per training step"), r.files().get(0).summaries());
  }

  @Test
  void warningsComeWithTheGeneratedFile() throws IOException {
    Path f = write("w.nn", XOR.replace("param b2[1]", "param b2[1]\n  param unused[3]"));
    GenerateResult r = SourceGenerator.generate(request(f));
    assertTrue(r.isOk(), r.toString());
    List<String> w = r.files().get(0).warnings();
    assertEquals(1, w.size(), w.toString());
    assertTrue(w.get(0).startsWith(f + ":8:3: warning: param `unused` does not affect the loss"), w.get(0));
    assertTrue(w.get(0).endsWith("^"), w.get(0));
  }

  @Test
  void badFileGivesEveryDiagnosticWithPosition() throws IOException {
    Path bad = write("bad.nn", XOR.replace("sigmoid(W2 @ h", "sigmoid(W2 @ hiden"));
    GenerateResult r = SourceGenerator.generate(request(bad));
    assertFalse(r.isOk());
    FileResult f = r.files().get(0);
    assertEquals(Status.INVALID, f.status());
    assertEquals(1, f.errors().size(), f.errors().toString());
    assertTrue(f.errors().get(0).startsWith(bad + ":9:"), f.errors().get(0));
    assertTrue(f.errors().get(0).contains("error: undefined name `hiden`"), f.errors().get(0));
    assertFalse(Files.exists(dir.resolve("out/Xor.java")));
  }

  @Test
  void gateRefusesMethodsOverTheLimit() throws IOException {
    Path xor = write("xor.nn", XOR);
    GenerateResult r = SourceGenerator.generate(request(xor).withMaxMethodBytes(100));
    FileResult f = r.files().get(0);
    assertEquals(Status.TOO_LARGE, f.status());
    assertFalse(f.oversized().isEmpty());
    assertTrue(f.errors().get(0).contains("bytecode bytes, over the limit of 100"), f.errors().get(0));
    assertFalse(Files.exists(dir.resolve("out/Xor.java")));
    // then with the gate at HotSpot's limit it passes, not up to date from the failed run
    assertTrue(SourceGenerator.generate(request(xor)).isOk());
  }

  @Test
  void folderThatIsNoPackageNameIsAnError() throws IOException {
    Path xor = write("my-models/xor.nn", XOR);
    FileResult f = SourceGenerator.generate(request(xor)).files().get(0);
    assertEquals(Status.INVALID, f.status());
    assertTrue(f.errors().get(0).contains("folder 'my-models' is not a Java package name part"));
  }

  @Test
  void sameClassFromTwoFilesIsAnError() throws IOException {
    Path a = write("p/a.nn", XOR);
    Path b = write("p/b.nn", XOR);
    GenerateResult r = SourceGenerator.generate(request(a, b));
    assertEquals(Status.GENERATED, r.files().get(0).status());
    assertEquals(Status.INVALID, r.files().get(1).status());
    assertTrue(r.files().get(1).errors().get(0).contains("class p.Xor is also generated from"));
  }

  @Test
  void precisionsParse() {
    assertEquals(EnumSet.of(Precision.FLOAT32), GenerateRequest.parsePrecisions("float32"));
    assertEquals(EnumSet.allOf(Precision.class), GenerateRequest.parsePrecisions("float32, float64"));
    assertEquals(EnumSet.allOf(Precision.class), GenerateRequest.parsePrecisions("both"));
    assertThrows(IllegalArgumentException.class, () -> GenerateRequest.parsePrecisions("half"));
    assertThrows(IllegalArgumentException.class, () -> request().withPackageName("a.1b"));
  }
}
