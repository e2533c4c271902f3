package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code deltac compile}: sources that javac compiles against the runtime alone. */
class CompileCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(new PrintWriter(out), new PrintWriter(err), args);
  }

  @Test
  void writesBothPrecisionsInThePackageAndJavacCompilesThem(@TempDir Path dir) throws Exception {
    Path src = dir.resolve("src");
    assertEquals(0, run("compile", "../samples/xor/xor.nn", "../samples/function/f.nn", "-o",
        src.toString(), "--package", "com.acme", "--precision", "float32,float64"), err::toString);
    List<String> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(src)) {
      s.filter(p -> p.toString().endsWith(".java")).forEach(p -> files.add(p.toString()));
    }
    files.sort(null);
    assertEquals(List.of(src + "/com/acme/F.java", src + "/com/acme/F64.java",
        src + "/com/acme/Xor.java", src + "/com/acme/Xor64.java"), files);
    assertTrue(Files.readString(src.resolve("com/acme/Xor64.java"))
        .contains("public final class Xor64 implements DoubleModel"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> args = new ArrayList<>(List.of("-d", dir.resolve("classes").toString(), "-cp",
        Path.of("../runtime/target/classes").toAbsolutePath().toString()));
    args.addAll(files);
    StringWriter javacOut = new StringWriter();
    int code = javac.run(null, null, null, args.toArray(new String[0]));
    assertEquals(0, code, javacOut::toString);
    assertTrue(out.toString().contains("largest generated method: "), out.toString());
  }

  @Test
  void aBadModelPrintsItsDiagnosticsAndExitsOne(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.nn");
    Files.writeString(bad, "model M {\n  input x[2]\n  target y[2]\n  o = tanh(z)\n  output o\n"
        + "  loss mse(o, y)\n}\n");
    assertEquals(1, run("compile", bad.toString(), "-o", dir.resolve("out").toString()));
    assertTrue(err.toString().contains("bad.nn:4:12: error: undefined name `z`"), err.toString());
    assertTrue(!Files.exists(dir.resolve("out/M.java")));
  }

  @Test
  void aBadPackageIsAUsageError(@TempDir Path dir) {
    assertEquals(2, run("compile", "../samples/xor/xor.nn", "-o", dir.toString(), "--package", "9x"));
    assertEquals("deltac compile: not a Java package name: '9x'", err.toString().strip());
  }
}
