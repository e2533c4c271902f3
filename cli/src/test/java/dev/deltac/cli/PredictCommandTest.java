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
    List<String> report = err.toString().lines().toList();
    assertTrue(report.get(0).matches("48 samples: mean loss \\S+, accuracy (0\\.9|1\\.0)\\d*"),
        err::toString);
    assertEquals("confusion matrix (rows: true class, columns: predicted)", report.get(1));
    assertEquals("           0     1     2", report.get(2));
    int diagonal = 0;
    int total = 0;
    for (int t = 0; t < 3; t++) {
      String[] cells = report.get(3 + t).trim().split("\\s+");
      assertEquals(Integer.toString(t), cells[0]);
      for (int p = 0; p < 3; p++) {
        int n = Integer.parseInt(cells[1 + p]);
        total += n;
        if (p == t) diagonal += n;
      }
    }
    assertEquals(48, total);
    assertTrue(diagonal >= 44, err::toString);
    assertEquals(" class  precision  recall", report.get(6));
    assertTrue(report.get(7).matches("\\s+0\\s+[01]\\.\\d{4}\\s+[01]\\.\\d{4}"), err::toString);

    // the report's arithmetic, on a fixed matrix
    assertEquals("""
        confusion matrix (rows: true class, columns: predicted)
                   0     1
             0     3     1
             1     0     0
         class  precision  recall
             0     1.0000  0.7500
             1     0.0000       -
        """, PredictCommand.confusionText(new int[][] {{3, 1}, {0, 0}}));
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
    assertEquals("deltac predict: " + dir.resolve("nope.csv") + ": no such file or folder (name"
        + " the data with --data PATH: a CSV file or a folder of IDX files)", err.toString().strip());
  }
}
