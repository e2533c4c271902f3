package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./deltac} launcher at the repository root, run against a stand-in {@code java}
 * (a shell script): it drops the JVM's incubator warning line and nothing else, streams stderr
 * as it comes, and keeps the exit code.
 */
class LauncherTest {
  private static final String WARNING = "WARNING: Using incubator modules: jdk.incubator.vector\n";

  /** A repository root holding a copy of the launcher and an up-to-date jar. */
  private static Path root(Path dir) throws IOException {
    assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(
        Path.of("/usr/bin/bash")), "needs bash");
    Path launcher = Path.of("..", "deltac").toAbsolutePath().normalize();
    Path root = dir.resolve("root");
    Files.createDirectories(root.resolve("cli/target"));
    Files.copy(launcher, root.resolve("deltac"));
    root.resolve("deltac").toFile().setExecutable(true);
    Files.writeString(root.resolve("cli/target/deltac.jar"), "stand-in");
    return root;
  }

  /**
   * The end of a stand-in {@code java}, doing what {@code FilteredStderr} does in the real JVM:
   * close standard error and wait for the filter (a child process) to finish; it says so on
   * stdout when the filter finished, which it can only if no other descriptor of its pipe is
   * left open in this process. Without the wait, Java's {@code Process} would miss what the
   * filter writes after the process exited.
   */
  private static final String FINISH = "exec 2>&-\n"
      + "for i in $(seq 300); do pgrep -P $$ >/dev/null || { echo 'filter finished'; break; };"
      + " sleep 0.01; done\n";

  /** A JAVA_HOME whose bin/java is {@code script}. */
  private static Path jdk(Path dir, String script) throws IOException {
    Path bin = dir.resolve("jdk/bin");
    Files.createDirectories(bin);
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/usr/bin/env bash\n" + script);
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir.resolve("jdk");
  }

  private static Process start(Path root, Path jdk, String... args) throws IOException {
    String[] cmd = new String[args.length + 1];
    cmd[0] = root.resolve("deltac").toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("JAVA_HOME", jdk.toString());
    pb.environment().remove("DELTAC_VECTOR");
    pb.environment().remove("DELTAC_JAVA_OPTS");
    pb.environment().remove("DELTAC_JIT_OPTS");
    return pb.start();
  }

  private static String read(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void dropsTheIncubatorWarningAndKeepsTheRestAndTheExitCode(@TempDir Path dir) throws Exception {
    Path root = root(dir);
    Path jdk = jdk(dir, "printf '" + WARNING.strip() + "\\n' >&2\n"
        + "echo \"args: $*\"\n"
        + "echo \"filtered: $DELTAC_STDERR_FILTERED\"\n"
        + "printf 'WARNING: another JVM warning\\n' >&2\n"
        + "printf 'deltac train: something went wrong\\n' >&2\n"
        + FINISH + "exit 7\n");
    Process p = start(root, jdk, "train", "m.nn");
    String out = read(p.getInputStream());
    String err = read(p.getErrorStream());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(7, p.exitValue());
    assertEquals("args: --add-modules jdk.incubator.vector -XX:Tier4BackEdgeThreshold=10000000 -jar "
        + root.resolve("cli/target/deltac.jar") + " train m.nn\nfiltered: 1\nfilter finished\n",
        out);
    assertEquals("WARNING: another JVM warning\ndeltac train: something went wrong\n", err);
  }

  @Test
  void masterPutsTheSparkModuleAndSparksJarsOnTheClasspath(@TempDir Path dir) throws Exception {
    Path root = root(dir);
    Files.createDirectories(root.resolve("spark/target"));
    Path sparkJar = root.resolve("spark/target/deltac-spark-0.1.0-SNAPSHOT.jar");
    Files.writeString(sparkJar, "stand-in");
    Files.writeString(root.resolve("spark/target/spark-classpath.txt"), "/m2/spark-core.jar:/m2/scala.jar");
    Path jdk = jdk(dir, "echo \"args: $*\"\n" + FINISH);
    Process p = start(root, jdk, "train", "m.nn", "--master", "local[2]");
    String out = read(p.getInputStream());
    String err = read(p.getErrorStream());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), err);
    assertTrue(out.startsWith("args: --add-modules jdk.incubator.vector -XX:Tier4BackEdgeThreshold=10000000"
        + " -XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED "), out);
    assertTrue(out.contains(" -Dio.netty.tryReflectionSetAccessible=true -cp "
        + root.resolve("cli/target/deltac.jar") + ":" + sparkJar
        + ":/m2/spark-core.jar:/m2/scala.jar dev.deltac.cli.Main train m.nn --master local[2]\n"),
        out);
    assertEquals("", err);
  }

  @Test
  void otherFirstLinesPassUnchanged(@TempDir Path dir) throws Exception {
    Path root = root(dir);
    // a line that starts like the warning but is not it, and a last line without a newline
    Path jdk = jdk(dir, "printf 'WARNING: Using incubator modules: jdk.incubator.other\\n' >&2\n"
        + "printf 'no newline' >&2\n" + FINISH);
    Process p = start(root, jdk);
    String err = read(p.getErrorStream());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue());
    assertEquals("WARNING: Using incubator modules: jdk.incubator.other\nno newline", err);
  }

  @Test
  void stderrStreamsWithoutWaitingForANewline(@TempDir Path dir) throws Exception {
    Path root = root(dir);
    Path go = dir.resolve("go");
    // a progress bar redrawn with \r: it must show before the JVM goes on
    Path jdk = jdk(dir, "printf '" + WARNING.strip() + "\\n' >&2\n"
        + "printf 'step 1\\r' >&2\n"
        + "while [ ! -e '" + go + "' ]; do sleep 0.05; done\n"
        + "printf 'step 2\\n' >&2\n" + FINISH);
    Process p = start(root, jdk);
    try {
      InputStream err = p.getErrorStream();
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!seen.toString(StandardCharsets.UTF_8).equals("step 1\r")
          && System.nanoTime() < deadline) {
        int b = err.read();
        if (b < 0) break;
        seen.write(b);
      }
      assertEquals("step 1\r", seen.toString(StandardCharsets.UTF_8));
      assertTrue(p.isAlive(), "the JVM is still waiting");
      Files.createFile(go);
      assertEquals("step 2\n", read(err));
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue());
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void withoutTheVectorModuleNothingIsFiltered(@TempDir Path dir) throws Exception {
    Path root = root(dir);
    Path jdk = jdk(dir, "echo \"args: $*\"\nprintf '" + WARNING.strip() + "\\n' >&2\nexit 3\n");
    ProcessBuilder pb = new ProcessBuilder(root.resolve("deltac").toString(), "check");
    pb.environment().put("JAVA_HOME", jdk.toString());
    pb.environment().put("DELTAC_VECTOR", "false");
    pb.environment().remove("DELTAC_JAVA_OPTS");
    pb.environment().remove("DELTAC_JIT_OPTS");
    Process p = pb.start();
    String out = read(p.getInputStream());
    String err = read(p.getErrorStream());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(3, p.exitValue());
    assertEquals("args: -Ddeltac.vector=false -XX:Tier4BackEdgeThreshold=10000000 -jar "
        + root.resolve("cli/target/deltac.jar") + " check\n", out);
    assertEquals(WARNING, err);
  }

  /**
   * The JVM under the launcher's filter waits for it as it exits: with a filter that holds every
   * line for 0.3 s, the error message is in the file the moment the process has exited. The
   * redirection is set up in two steps, as in the launcher.
   */
  @Test
  void theJvmWaitsForTheFilterBeforeExiting(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
    Path err = dir.resolve("err.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder("/bin/bash", "-c",
        "export DELTAC_STDERR_FILTERED=1; exec 2> >(while IFS= read -r l; do sleep 0.3;"
            + " printf '%s\\n' \"$l\" >&2; done; printf 'filter done\\n' >&2); exec \"$0\" -cp"
            + " \"$1\" " + Main.class.getName() + " check /no/such/model.nn",
        java, System.getProperty("java.class.path"));
    pb.redirectError(err.toFile()).redirectOutput(dir.resolve("out.txt").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(1, p.exitValue());
    String text = Files.readString(err);
    // "filter done": the filter saw the end of its input while the JVM still waited for it
    assertTrue(text.endsWith("/no/such/model.nn: 1 error\nfilter done\n"),
        "stderr at exit: '" + text + "'");
  }
}
