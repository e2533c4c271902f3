package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(new PrintWriter(out), new PrintWriter(err), args);
  }

  @Test
  void aCleanFileExitsZeroAndSaysOk() {
    assertEquals(0, run("check", "--no-gradients", "../samples/xor/xor.nn"), err::toString);
    assertEquals("../samples/xor/xor.nn: ok", out.toString().strip());
  }

  @Test
  void checkRunsAGradientCheckOfEveryModel() {
    assertEquals(0, run("check", "../samples/xor/xor.nn"), err::toString);
    String o = out.toString();
    assertTrue(o.contains("model Xor: gradients ok: 17 elements of 4 params"), o);
    double maxError = Double.parseDouble(o.replaceAll("(?s).*max relative error ([0-9.e+-]+).*", "$1"));
    assertTrue(maxError < 1e-7, o);
  }

  @Test
  void aBadFileExitsOneWithPositionSourceLineAndCaret(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.nn");
    Files.writeString(bad, "model M {\n  input x[2]\n  target y[2]\n  yhat = tanh(hiden)\n"
        + "  z = x @ y @ x @ y\n  output yhat\n  loss mse(yhat, y)\n}\n");
    assertEquals(1, run("check", bad.toString()));
    String e = err.toString();
    assertTrue(e.contains(bad + ":4:15: error: undefined name `hiden`"), e);
    assertTrue(e.contains("  yhat = tanh(hiden)\n              ^\n"), e);
    assertTrue(e.contains(bad + ":5:13: error: matrix product `@` of [] and [2]"), e);
    assertTrue(e.contains("2 errors"), e);
  }

  @Test
  void severalFilesAreAllReported(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("empty.nn");
    Files.writeString(bad, "");
    assertEquals(1, run("check", "../samples/xor/xor.nn", bad.toString(), dir.resolve("missing.nn").toString()));
    assertTrue(out.toString().contains("xor.nn: ok"));
    assertTrue(err.toString().contains("empty.nn:1:1: error: the file declares no `model` or `function`"), err::toString);
    assertTrue(err.toString().contains("missing.nn:1:1: error: cannot read file: no such file"), err::toString);
  }

  @Test
  void noArgumentsIsAUsageError() {
    assertEquals(2, run("check"));
    assertEquals(2, run());
    assertTrue(err.toString().contains("Usage"), err::toString);
  }

  /** Random data for integer inputs and targets are indices in range, not Gaussian floats. */
  @Test
  void integerInputsAndClassTargetsGetIndicesInRange(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("tags.nn");
    Files.writeString(nn, """
        model Tags {
          input  ids: int[5]
          target tags: int[5]
          e = embedding(ids, 11, 4)
          h = dense(e, 3)
          output h
          loss softmax_cross_entropy(h, tags)
        }
        """);
    assertEquals(0, run("check", nn.toString()), err::toString);
    assertTrue(out.toString().contains("model Tags: gradients ok: "), out.toString());
  }
}
