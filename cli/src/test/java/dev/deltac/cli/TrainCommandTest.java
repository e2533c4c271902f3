package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
    // two weights never reach the shared matrix kernels: the summary says so
    assertTrue(o.contains("\n  kernels     generated loops only (no dense product reached"), o);
    double loss = Double.parseDouble(o.replaceAll("(?s).*final\\s+train loss ([0-9.e+-]+).*", "$1"));
    // y = 2a - b + 0.5 exactly: a linear layer fits it.
    assertTrue(loss < 1e-3, o);
  }

  /**
   * The step warm-up (-Ddeltac.stepWarmup=true) trains a throwaway copy before the run: the run's checkpoint holds the same
   * tensors, bit for bit, with and without it (1 and 2 threads), and the summary says how long it took.
   */
  @Test
  void theStepWarmupChangesNoValue(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("WidthMlp.nn");
    Files.writeString(nn, VectorWidthTrainProbe.MLP);
    java.util.Random r = new java.util.Random(3);
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      int label = r.nextInt(4);
      for (int j = 0; j < 64; j++) {
        csv.append(String.format(java.util.Locale.ROOT, "%.5f,", r.nextGaussian() + (j % 4 == label ? 1 : 0)));
      }
      csv.append(label).append('\n');
    }
    Files.writeString(dir.resolve("WidthMlp.csv"), csv.toString());
    for (String threads : new String[] {"1", "2"}) {
      String[] sums = new String[2];
      for (int k = 0; k < 2; k++) {
        boolean warm = k == 0;
        out.getBuffer().setLength(0);
        Path o = dir.resolve("out" + threads + k);
        if (warm) System.setProperty("deltac.stepWarmup", "true");
        try {
          assertEquals(0, run("train", nn.toString(), "--no-progress", "--epochs", "8", "--batch", "16",
              "--threads", threads, "-o", o.toString()), err::toString);
        } finally {
          System.clearProperty("deltac.stepWarmup");
        }
        String text = out.toString();
        // 360 training samples (a tenth held out): 8 epochs of 23 steps; the warm-up takes at most
        // a quarter of them (46), in rounds of 46 / 3 = 15 steps: three rounds
        assertEquals(warm, text.contains("warmed up in "), text);
        if (warm) assertTrue(text.matches("(?s).*warmed up in [0-9.]+ s \\(45 steps on a throwaway copy\\).*"), text);
        sums[k] = VectorWidthTrainProbe.sha(o.resolve("WidthMlp.ckpt"));
      }
      assertEquals(sums[0], sums[1], threads + " threads: the warm-up changed the checkpoint");
    }
  }

  @Test
  void badFlagValuesAreOneLineAndExitTwo(@TempDir Path dir) throws Exception {
    Path nn = model(dir);
    assertEquals(2, run("train", nn.toString(), "--batch", "0"));
    assertEquals("deltac train: --batch must be positive, got 0", err.toString().strip());
  }

  @Test
  void augmentIsCheckedAgainstTheInputAndNamedInTheSummary(@TempDir Path dir) throws Exception {
    Path nn = model(dir);
    assertEquals(2, run("train", nn.toString(), "--no-progress", "--augment", "flip"));
    assertEquals("deltac train: cannot read input x of 2 values as an image; give its shape:"
        + " --augment ...,image=CxHxW", err.toString().strip());
    err.getBuffer().setLength(0);
    assertEquals(2, run("train", nn.toString(), "--no-progress", "--augment", "flip,blur"));
    assertEquals("deltac train: unknown augmentation 'blur': give a comma-separated list of flip,"
        + " shift=N and image=CxHxW, e.g. --augment flip,shift=2", err.toString().strip());
    err.getBuffer().setLength(0);
    // x[2] as a 1x2 image: flipping swaps a and b
    assertEquals(0, run("train", nn.toString(), "--no-progress", "--epochs", "2", "--augment",
        "flip,image=1x2", "-o", dir.resolve("out").toString()), err::toString);
    assertTrue(out.toString().contains("\n  augment     every training batch: flipped left-right"
        + " with probability 1/2\n"), out::toString);
  }

  @Test
  void masterWithoutTheSparkModuleIsOneLineAndLoadsNoSpark(@TempDir Path dir) throws Exception {
    Path nn = model(dir);
    assertEquals(2, run("train", nn.toString(), "--no-progress", "--master", "local[2]"));
    assertEquals("deltac train: --master needs the deltac-spark module (spark/) and Spark on the"
        + " classpath: build it with ./mvnw -pl spark -am package; the deltac launcher then adds"
        + " both when --master is given", err.toString().strip());
    assertTrue(ModuleLayer.boot().findModule("spark.core").isEmpty());
    assertEquals(null, getClass().getClassLoader().getResource("org/apache/spark/SparkContext.class"));
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

  private static final String TAGGER = """
      model Tag {
        input ids: int[3]
        target tags: int[3]
        emb = embedding(ids, 4, 4)
        param W[4, 4]
        logits = emb @ W
        output logits
        loss softmax_cross_entropy(logits, tags)
        train { epochs 60; batch 8; optimizer adam(lr = 0.05) }
      }
      """;

  /** Integer columns for integer inputs and targets; accuracy is argmax against the labels. */
  @Test
  void integerInputsAndClassIndexTargetsTrainFromCsv(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("tag.nn");
    Files.writeString(nn, TAGGER);
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < 32; i++) {
      int a = i % 4, b = (i / 4) % 4, c = (i / 16 + i) % 4;
      // the tag of a token is (token + 1) mod 4
      csv.append(a).append(',').append(b).append(',').append(c).append(',')
          .append((a + 1) % 4).append(',').append((b + 1) % 4).append(',').append((c + 1) % 4).append('\n');
    }
    Files.writeString(dir.resolve("tag.csv"), csv.toString());
    assertEquals(0, run("train", nn.toString(), "--no-progress", "-o", dir.resolve("out").toString()),
        err::toString);
    String o = out.toString();
    assertTrue(o.matches("(?s).*accuracy 1\\.0+.*"), o);
  }

  @Test
  void aFolderOfCsvFilesHoldsOutItsTestCsv(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("tag.nn");
    Files.writeString(nn, TAGGER);
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve("train.csv"), "0,1,2,1,2,3\n3,2,1,0,3,2\n1,1,1,2,2,2\n");
    Files.writeString(data.resolve("test.csv"), "2,2,0,3,3,1\n0,0,0,1,1,1\n");
    assertEquals(0, run("train", nn.toString(), "--no-progress", "--epochs", "2", "--data", data.toString(),
        "-o", dir.resolve("out").toString()), err::toString);
    String o = out.toString();
    assertTrue(o.contains(data + " (train.csv, test.csv as the held-out set): 3 training samples, 2 validation samples"), o);
    Files.delete(data.resolve("test.csv"));
    Files.delete(data.resolve("train.csv"));
    assertEquals(1, run("train", nn.toString(), "--no-progress", "--data", data.toString()));
    assertTrue(err.toString().contains(data + ": no train.csv, and no train-images-idx3-ubyte[.gz]"), err::toString);
  }

  @Test
  void aNonIntegerInAnIntegerColumnIsOnePositionedLine(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("tag.nn");
    Files.writeString(nn, TAGGER);
    Files.writeString(dir.resolve("tag.csv"), "0,1,2,1,2,3\n0,1.5,2,1,2,3\n");
    assertEquals(1, run("train", nn.toString(), "--no-progress"));
    String e = err.toString().strip();
    assertTrue(e.endsWith("tag.csv:2:2: '1.5' is not an integer; this column holds indices (input `ids`[1])"), e);
    assertEquals(1, e.lines().count(), e);
    Files.writeString(dir.resolve("tag.csv"), "0,1,2,1,2,3\n0,1,2,1,9,3\n");
    assertEquals(1, run("train", nn.toString(), "--no-progress"));
    e = err.toString().strip().lines().reduce((a, b) -> b).orElse("");
    assertTrue(e.endsWith("tag.csv:2:5: target `tags`[1] is 9, which is outside 0..3"), e);
  }

  @Test
  void resumeExplainsWhatItCannotResume(@TempDir Path dir) throws Exception {
    Path nn = model(dir);
    String o = dir.resolve("out").toString();
    assertEquals(1, run("train", nn.toString(), "--no-progress", "--resume", "-o", o));
    assertEquals("deltac train: --resume: no checkpoint " + dir.resolve("out/Lin.ckpt")
        + " to resume from", err.toString().strip());

    assertEquals(0, run("train", nn.toString(), "--no-progress", "--epochs", "3", "-o", o),
        err::toString);
    Path ckpt = dir.resolve("out/Lin.ckpt");
    byte[] finished = Files.readAllBytes(ckpt);
    err.getBuffer().setLength(0);
    assertEquals(1, run("train", nn.toString(), "--no-progress", "--epochs", "4", "--resume",
        "-o", o));
    assertEquals("deltac train: checkpoint " + ckpt + " was written by a run with other"
        + " settings: epochs=3 then, 4 now; resume with the same settings", err.toString().strip());

    // a finished run resumes to its result: the outputs are written again, nothing trains
    out.getBuffer().setLength(0);
    assertEquals(0, run("train", nn.toString(), "--no-progress", "--epochs", "3", "--resume",
        "-o", o), err::toString);
    assertTrue(out.toString().contains(", resumed a finished run\n"), out::toString);
    assertArrayEquals(finished, Files.readAllBytes(ckpt));

    // predict reads the parameters of a checkpoint that holds a training state
    out.getBuffer().setLength(0);
    assertEquals(0, run("predict", nn.toString(), "--checkpoint", ckpt.toString(), "--data",
        dir.resolve("lin.csv").toString()), err::toString);
    assertEquals(65, out.toString().lines().count(), out::toString);

    Files.writeString(nn, "# a comment changes the source\n" + MODEL);
    err.getBuffer().setLength(0);
    assertEquals(1, run("train", nn.toString(), "--no-progress", "--epochs", "3", "--resume",
        "-o", o));
    String e = err.toString().strip();
    assertTrue(e.startsWith("deltac train: checkpoint " + ckpt + " was written from another"
        + " version of lin.nn (the source has changed since: SHA-256 "), e);
    assertEquals(1, e.lines().count(), e);
  }

  /**
   * Inputs far from zero and of very different scales: {@code --standardize} fits them on the
   * training split, saves the statistics in the checkpoint, and predict applies them.
   */
  @Test
  void standardizeIsFittedSavedAndAppliedByPredict(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("lin.nn");
    Files.writeString(nn, MODEL);
    StringBuilder csv = new StringBuilder("a,b,y\n");
    double sumA = 0;
    for (int i = 0; i < 64; i++) {
      double a = 5000 + 1000 * (i % 8);
      double b = 0.001 * (i / 8);
      sumA += a;
      csv.append(a).append(',').append(b).append(',')
          .append((a - 8500) / 2291.0 - (b - 0.0035) / 0.0023 + 0.5).append('\n');
    }
    Files.writeString(dir.resolve("lin.csv"), csv.toString());
    String o = dir.resolve("out").toString();
    assertEquals(0, run("train", nn.toString(), "--no-progress", "--epochs", "300", "--lr", "0.05",
        "--val-split", "0", "--standardize", "-o", o), err::toString);
    String summary = out.toString();
    assertTrue(summary.contains("; float inputs standardized with the training split's mean"),
        summary);
    double loss = Double.parseDouble(summary.replaceAll("(?s).*final\\s+train loss ([0-9.e+-]+).*",
        "$1"));
    assertTrue(loss < 1e-3, summary);
    dev.deltac.runtime.io.Checkpoint c = dev.deltac.runtime.io.Checkpoint.read(
        dir.resolve("out/Lin.ckpt"));
    double[] mean = c.attachment(dev.deltac.runtime.data.Standardization.MEAN);
    assertEquals(sumA / 64, mean[0], 1e-9);
    assertEquals(0.0035, mean[1], 1e-9);  // the mean of the float32 values
    double[] scale = c.attachment(dev.deltac.runtime.data.Standardization.SCALE);
    assertEquals(Math.sqrt(5.25) * 1000, scale[0], 1e-6);  // population sd of 0..7, times 1000

    out.getBuffer().setLength(0);
    assertEquals(0, run("predict", nn.toString(), "--checkpoint", o + "/Lin.ckpt", "--data",
        dir.resolve("lin.csv").toString()), err::toString);
    String[] rows = out.toString().strip().split("\n");
    assertEquals(65, rows.length, out.toString());
    String[] lines = csv.toString().strip().split("\n");
    for (int i = 1; i < rows.length; i++) {
      double y = Double.parseDouble(lines[i].split(",")[2]);
      assertEquals(y, Double.parseDouble(rows[i].split(",")[0]), 0.1, "row " + i);
    }
  }
}
