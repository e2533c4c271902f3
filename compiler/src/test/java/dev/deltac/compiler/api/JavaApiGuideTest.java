package dev.deltac.compiler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.Precision;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the complete examples of {@code docs/JAVA-API.md} as they are written there: each
 * {@code java} block holding a class is compiled with javac against the test class path, run in
 * a fresh JVM in a folder holding {@code samples/xor}'s files, and must print exactly the
 * {@code text} block that follows it ("It prints:").
 */
class JavaApiGuideTest {
  static final Path GUIDE = Path.of("../docs/JAVA-API.md");
  static final Path XOR = Path.of("../samples/xor");

  /** A complete example of the guide and the output shown for it. */
  record Example(String className, String source, String output) {}

  static List<Example> examples() throws Exception {
    String md = Files.readString(GUIDE, StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("```java\\n(.*?)```\\s*\\nIt prints:\\s*\\n```text\\n(.*?)```",
        Pattern.DOTALL).matcher(md);
    List<Example> out = new ArrayList<>();
    while (m.find()) {
      Matcher c = Pattern.compile("public final class (\\w+)").matcher(m.group(1));
      assertTrue(c.find(), "an example without a class:\n" + m.group(1));
      out.add(new Example(c.group(1), m.group(1), m.group(2)));
    }
    return out;
  }

  static Example example(String className) throws Exception {
    for (Example e : examples()) {
      if (e.className().equals(className)) return e;
    }
    throw new AssertionError("docs/JAVA-API.md has no complete example " + className);
  }

  @Test
  void theGuideHasBothExamples() throws Exception {
    List<String> names = new ArrayList<>();
    for (Example e : examples()) names.add(e.className());
    assertEquals(List.of("TrainXor", "XorApp"), names);
  }

  @Test
  void runTimeCompileExample(@TempDir Path dir) throws Exception {
    Example e = example("TrainXor");
    copyXor(dir);
    String printed = compileAndRun(dir, e, List.of());
    assertEquals(e.output(), printed);
    assertTrue(Files.exists(dir.resolve("xor.ckpt")));
  }

  @Test
  void buildTimeGeneratedClassExample(@TempDir Path dir) throws Exception {
    Example e = example("XorApp");
    copyXor(dir);
    // what the plugin generates for src/main/deltac/com/example/xor/xor.nn
    String generated = Deltac.compile(XOR.resolve("xor.nn")).model()
        .javaSource(Precision.FLOAT32, "com.example.xor");
    Path xor = dir.resolve("src/com/example/xor/Xor.java");
    Files.createDirectories(xor.getParent());
    Files.writeString(xor, generated);
    String printed = compileAndRun(dir, e, List.of(xor));
    assertEquals(e.output(), printed);
  }

  /**
   * README's snippet: its imports, then its statements as the body of a {@code main}; it must
   * compile and run.
   */
  @Test
  void readmeSnippet(@TempDir Path dir) throws Exception {
    String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
    String section = readme.substring(readme.indexOf("## Embedding in a Java application"));
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(section);
    assertTrue(m.find(), "README has no Java snippet in its embedding section");
    StringBuilder imports = new StringBuilder();
    StringBuilder body = new StringBuilder();
    for (String line : m.group(1).split("\\n")) {
      (line.startsWith("import ") ? imports : body).append(line).append('\n');
    }
    String source = imports + "public final class ReadmeSnippet {\n"
        + "  public static void main(String[] args) throws Exception {\n" + body
        + "    System.out.println(accuracy + \" \" + out[0]);\n  }\n}\n";
    copyXor(dir);
    String printed = compileAndRun(dir, new Example("ReadmeSnippet", source, ""), List.of());
    String[] values = printed.strip().split(" ");
    assertEquals(1.0, Double.parseDouble(values[0]), printed);
    assertTrue(Double.parseDouble(values[1]) > 0.9, printed);
  }

  /** The standalone sample names this build's version, and the same JUnit as the build. */
  @Test
  void theStandaloneSampleUsesThisVersion() throws Exception {
    String root = Files.readString(Path.of("../pom.xml"));
    String app = Files.readString(Path.of("../samples/maven-app/pom.xml"));
    assertTrue(!app.contains("<parent>"), "samples/maven-app must stay standalone");
    assertEquals(tag(root, "version"), tag(app, "deltac.version"));
    assertEquals(tag(root, "junit.version"), tag(app, "junit.version"));
  }

  /** The text of the first {@code <name>} element after the parent section. */
  private static String tag(String pom, String name) {
    String body = pom.contains("</parent>") ? pom.substring(pom.indexOf("</parent>")) : pom;
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</").matcher(body);
    assertTrue(m.find(), "no <" + name + ">");
    return m.group(1);
  }

  private static void copyXor(Path dir) throws Exception {
    Files.copy(XOR.resolve("xor.nn"), dir.resolve("xor.nn"));
    Files.copy(XOR.resolve("xor.csv"), dir.resolve("xor.csv"));
  }

  /** Compiles the example (and {@code more} sources), runs its main in {@code dir}: its stdout. */
  private static String compileAndRun(Path dir, Example e, List<Path> more) throws Exception {
    Path src = dir.resolve("src").resolve(e.className() + ".java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, e.source());
    Path classes = dir.resolve("classes");
    Files.createDirectories(classes);
    String cp = System.getProperty("java.class.path");
    List<String> args = new ArrayList<>(List.of("-classpath", cp, "-d", classes.toString(),
        "--release", "17", "-Xlint:all", "-Werror", src.toString()));
    for (Path p : more) args.add(p.toString());
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    java.io.ByteArrayOutputStream diag = new java.io.ByteArrayOutputStream();
    int rc = javac.run(null, diag, diag, args.toArray(new String[0]));
    assertEquals(0, rc, () -> "the example does not compile:\n" + diag);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp",
        classes + File.pathSeparator + cp, e.className())
        .directory(dir.toFile())
        .redirectError(dir.resolve("stderr.txt").toFile())
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the example did not end");
    assertEquals(0, p.exitValue(), () -> out + readQuietly(dir.resolve("stderr.txt")));
    return out;
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (Exception e) {
      return "";
    }
  }
}
