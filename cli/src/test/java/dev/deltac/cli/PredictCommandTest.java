package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code deltac predict}: the output columns and its messages. */
class PredictCommandTest {
  private StringWriter out = new StringWriter();
  private StringWriter err = new StringWriter();

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return Main.run(new PrintWriter(out), new PrintWriter(err), args);
  }

  /** Three classes on a line: x < 1, 1 <= x < 2, x >= 2. */
  private static final String CLASSIFIER = """
      model Three {
        input  x[1]
        target y[3]
        h = dense(x, 8, tanh)
        logits = dense(h, 3)
        output logits
        loss softmax_cross_entropy(logits, y)
        train { optimizer adam(lr = 0.05); batch 8; epochs 150; seed 1 }
      }
      """;

  @Test
  void aClassifierGetsAPredictedClassColumn(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("three.nn");
    Files.writeString(nn, CLASSIFIER);
    StringBuilder csv = new StringBuilder("x,label\n");
    for (int i = 0; i < 48; i++) {
      double x = i / 16.0;
      csv.append(x).append(',').append((int) x).append('\n');
    }
    Files.writeString(dir.resolve("three.csv"), csv.toString());
    assertEquals(0, run("train", nn.toString(), "--no-progress", "-o", dir.resolve("out").toString()),
        err::toString);
    Files.writeString(dir.resolve("new.csv"), "x\n0.2\n1.5\n2.8\n");
    assertEquals(0, run("predict", nn.toString(), "--checkpoint",
        dir.resolve("out/Three.ckpt").toString(), "--data", dir.resolve("new.csv").toString()),
        err::toString);
    List<String> lines = out.toString().lines().toList();
    assertEquals("logits_0,logits_1,logits_2,class", lines.get(0));
    assertEquals(List.of("0", "1", "2"), lines.subList(1, 4).stream()
        .map(l -> l.substring(l.lastIndexOf(',') + 1)).toList(), out::toString);

    // with the labels in the data: the loss and accuracy too
    assertEquals(0, run("predict", nn.toString(), "--checkpoint",
        dir.resolve("out/Three.ckpt").toString(), "--data", dir.resolve("three.csv").toString()));
    assertTrue(err.toString().matches("48 samples: mean loss \\S+, accuracy (0\\.9|1\\.0)\\d*\\s*"),
        err::toString);
  }

  @Test
  void aRegressionHasNoClassColumn(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("lin.nn");
    Files.writeString(nn, "model Lin {\n input x[2]\n target y[1]\n o = dense(x, 1)\n output o\n"
        + " loss mse(o, y)\n train { epochs 1 }\n}\n");
    Files.writeString(dir.resolve("lin.csv"), "1,2,3\n4,5,6\n");
    assertEquals(0, run("train", nn.toString(), "--no-progress", "-o", dir.resolve("out").toString()),
        err::toString);
    assertEquals(0, run("predict", nn.toString(), "--checkpoint",
        dir.resolve("out/Lin.ckpt").toString(), "--data", dir.resolve("lin.csv").toString()));
    assertEquals("o", out.toString().lines().findFirst().orElseThrow());
  }

  @Test
  void aMissingDataFileNamesTheOption(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("lin.nn");
    Files.writeString(nn, "model Lin {\n input x[2]\n target y[1]\n o = dense(x, 1)\n output o\n"
        + " loss mse(o, y)\n}\n");
    Files.writeString(dir.resolve("lin.csv"), "1,2,3\n");
    assertEquals(0, run("train", nn.toString(), "--no-progress", "--epochs", "1", "-o",
        dir.resolve("out").toString()), err::toString);
    assertEquals(1, run("predict", nn.toString(), "--checkpoint",
        dir.resolve("out/Lin.ckpt").toString(), "--data", dir.resolve("nope.csv").toString()));
    assertEquals("deltac predict: " + dir.resolve("nope.csv") + ": no such file or folder; give"
        + " the data with --data PATH (a CSV file or a folder of IDX files)", err.toString().strip());
  }
}
