package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.io.Checkpoint;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deltac train} killed with SIGKILL in a child JVM, then {@code --resume}d: the final
 * checkpoint is byte-identical to that of a run that was never interrupted.
 */
class ResumeAfterKillTest {
  private static final String MODEL = """
      model Wave {
        input x[4]
        target y[1]
        h1 = dense(x, 48, tanh)
        h2 = dense(h1, 48, tanh)
        o = dense(h2, 1)
        output o
        loss mse(o, y)
        train {
          optimizer adam(lr = 0.003)
          batch 8
          epochs 12
          seed 5
        }
      }
      """;

  private static Path model(Path dir) throws IOException {
    Path nn = dir.resolve("wave.nn");
    Files.writeString(nn, MODEL);
    StringBuilder csv = new StringBuilder("a,b,c,d,y\n");
    for (int i = 0; i < 2400; i++) {
      double a = Math.sin(i * 0.37);
      double b = Math.cos(i * 0.11);
      double c = (i % 17) / 17.0;
      double d = (i % 5) / 5.0;
      csv.append(String.format(Locale.ROOT, "%.5f,%.5f,%.5f,%.5f,%.5f%n", a, b, c, d,
          Math.sin(3 * a + b) * c - d));
    }
    Files.writeString(dir.resolve("wave.csv"), csv.toString());
    return nn;
  }

  private static List<String> args(Path nn, Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", nn.toString(), "--no-progress",
        "--threads", "2", "--checkpoint-every", "40", "-o", out.toString()));
    a.addAll(List.of(extra));
    return a;
  }

  private static int runHere(List<String> args, StringWriter err) {
    return Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
        args.toArray(new String[0]));
  }

  /** The same JVM options as this one where they matter: the Vector API kernels or not. */
  private static Process startChild(List<String> args, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
      cmd.add("--add-modules");
      cmd.add("jdk.incubator.vector");
    }
    cmd.add("-XX:TieredStopAtLevel=1"); // a short-lived child: no C2 compile threads
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .start();
  }

  /** The step of the training state in {@code ckpt}, or -1 while there is none to read. */
  private static long savedStep(Path ckpt, boolean[] finished) {
    if (!Files.exists(ckpt)) return -1;
    try {
      Checkpoint c = Checkpoint.read(ckpt);
      finished[0] = c.finished();
      return c.step();
    } catch (IOException e) {
      return -1; // not there yet
    }
  }

  @Test
  void aRunKilledWithSigkillAndResumedEndsWithTheSameBytes(@TempDir Path dir) throws Exception {
    Path nn = model(dir);
    StringWriter err = new StringWriter();
    assertEquals(0, runHere(args(nn, dir.resolve("straight")), err), err::toString);
    byte[] expected = Files.readAllBytes(dir.resolve("straight/Wave.ckpt"));
    assertTrue(Checkpoint.parse("straight", expected).finished());

    Path out = dir.resolve("killed");
    Path ckpt = out.resolve("Wave.ckpt");
    Process child = startChild(args(nn, out), dir.resolve("child.log"));
    boolean[] finished = {false};
    long step = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    try {
      // wait for the first checkpoint written after some training, then kill -9
      while (child.isAlive() && System.nanoTime() < deadline
          && (step = savedStep(ckpt, finished)) < 40) {
        Thread.sleep(5);
      }
      child.destroyForcibly();
      assertTrue(child.waitFor(60, TimeUnit.SECONDS));
    } finally {
      child.destroyForcibly();
    }
    String log = Files.readString(dir.resolve("child.log"));
    step = savedStep(ckpt, finished);
    assertFalse(finished[0], "the child finished before it could be killed: " + log);
    assertTrue(step >= 40, "no checkpoint after training started; child said: " + log);
    assertTrue(child.exitValue() != 0, "killed, not exited: " + child.exitValue());
    assertFalse(Files.exists(out.resolve("Wave-summary.txt")), "the run was cut short");

    err = new StringWriter();
    assertEquals(0, runHere(args(nn, out, "--resume"), err), err::toString);
    assertArrayEquals(expected, Files.readAllBytes(ckpt), "killed at step " + step);
    String summary = Files.readString(out.resolve("Wave-summary.txt"));
    assertTrue(summary.contains(", resumed after step " + step + "\n"), summary);
  }
}
