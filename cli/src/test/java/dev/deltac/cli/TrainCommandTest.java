package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code deltac train} paths that the samples do not take. */
class TrainCommandTest {
  private static final String MODEL = """
      model Lin {
        input x[2]
        target y[1]
        o = dense(x, 1)
        output o
        loss mse(o, y)
      }
      """;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(new PrintWriter(out), new PrintWriter(err), args);
  }

  private static Path model(Path dir) throws Exception {
    Path nn = dir.resolve("lin.nn");
    Files.writeString(nn, MODEL);
    StringBuilder csv = new StringBuilder("a,b,y\n");
    for (int i = 0; i < 64; i++) {
      double a = (i % 8) / 8.0;
      double b = (i / 8) / 8.0;
      csv.append(a).append(',').append(b).append(',').append(2 * a - b + 0.5).append('\n');
    }
    Files.writeString(dir.resolve("lin.csv"), csv.toString());
    return nn;
  }

  @Test
  void aModelWithoutTrainBlockTrainsWithDefaultsOnTheCsvBesideIt(@TempDir Path dir) throws Exception {
    Path nn = model(dir);
    assertEquals(0, run("train", nn.toString(), "--no-progress", "--epochs", "200", "--lr", "0.05",
        "-o", dir.resolve("out").toString()), err::toString);
    String o = out.toString();
    assertTrue(o.startsWith("model Lin: 3 params (o.W [1, 2] 2, o.b [1] 1); per sample "), o);
    assertTrue(o.lines().skip(1).findFirst().orElse("")
        .startsWith("Lin: 200 epochs, 400 steps of batch 32, adam lr 0.05000, seed 0"), o);
    assertTrue(Files.exists(dir.resolve("out/Lin.ckpt")));
    double loss = Double.parseDouble(o.replaceAll("(?s).*final\\s+train loss ([0-9.e+-]+).*", "$1"));
    // y = 2a - b + 0.5 exactly: a linear layer fits it.
    assertTrue(loss < 1e-3, o);
  }

  @Test
  void badFlagValuesAreOneLineAndExitTwo(@TempDir Path dir) throws Exception {
    Path nn = model(dir);
    assertEquals(2, run("train", nn.toString(), "--batch", "0"));
    assertEquals("deltac train: --batch must be positive, got 0", err.toString().strip());
  }

  @Test
  void aMissingDataFileIsOneLine(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("other.nn");
    Files.writeString(nn, MODEL);
    assertEquals(1, run("train", nn.toString(), "--no-progress"));
    String e = err.toString().strip();
    assertTrue(e.startsWith("deltac train: ") && e.endsWith("other.csv: no such file or folder"
        + " (name the data with --data PATH: a CSV file or a folder of IDX files)"), e);
    assertEquals(1, e.lines().count(), e);
  }
}
