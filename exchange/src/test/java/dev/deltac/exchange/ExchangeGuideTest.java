package dev.deltac.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exchange example of {@code docs/JAVA-API.md} as written there: compiled with javac against
 * the test class path, run in a fresh JVM in a folder holding {@code samples/xor}'s files, and it
 * must print exactly the {@code text} block that follows it.
 */
class ExchangeGuideTest {
  @Test
  void guideExampleCompilesRunsAndPrintsWhatTheGuideShows(@TempDir Path dir) throws Exception {
    String md = Files.readString(Path.of("../docs/JAVA-API.md"), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("```java\\n((?:(?!```).)*?)```\\s*\\nIt prints, as ExchangeGuideTest checks:\\s*\\n```text\\n(.*?)```",
        Pattern.DOTALL).matcher(md);
    assertTrue(m.find(), "docs/JAVA-API.md has no exchange example");
    String source = m.group(1);
    String expected = m.group(2);
    Files.copy(Path.of("../samples/xor/xor.nn"), dir.resolve("xor.nn"));
    Path src = dir.resolve("src/ExportXor.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, source);
    Path classes = dir.resolve("classes");
    Files.createDirectories(classes);
    String cp = System.getProperty("java.class.path");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    java.io.ByteArrayOutputStream diag = new java.io.ByteArrayOutputStream();
    int rc = javac.run(null, diag, diag, "-classpath", cp, "-d", classes.toString(), "--release", "17",
        "-Xlint:all", "-Werror", src.toString());
    assertEquals(0, rc, () -> "the example does not compile:\n" + diag);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp", classes + File.pathSeparator + cp, "ExportXor")
        .directory(dir.toFile()).redirectErrorStream(true).start();
    String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), printed);
    assertEquals(expected, printed);
    assertTrue(Files.size(dir.resolve("xor.onnx")) > 100);
    assertEquals(List.of("W1", "b1", "W2", "b2"),
        SafeTensors.read(dir.resolve("xor.safetensors")).tensors().stream().map(NamedTensor::name).toList());
  }
}
