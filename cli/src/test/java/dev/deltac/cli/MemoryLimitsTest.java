package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.compiler.interp.InterpretedModel;
import dev.deltac.runtime.FloatModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models and batches that do not fit are refused with their sizes, not an OutOfMemoryError. */
class MemoryLimitsTest {
  private static final String MODEL = """
      model Wide {
        input x[64]
        target y[1]
        o = dense(x, 1)
        output o
        loss mse(o, y)
      }
      """;

  private static Path model(Path dir) throws Exception {
    Path nn = dir.resolve("wide.nn");
    Files.writeString(nn, MODEL);
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      for (int j = 0; j < 64; j++) csv.append(j == 0 ? "" : ",").append((i * j) % 7);
      csv.append(',').append(i % 3).append('\n');
    }
    Files.writeString(dir.resolve("wide.csv"), csv.toString());
    return nn;
  }

  @Test
  void aBatchBeyondWhatAJavaArrayHoldsIsOneLine(@TempDir Path dir) throws Exception {
    Path nn = model(dir);
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "train",
        nn.toString(), "--no-progress", "--batch", "100000000", "-o", dir.toString());
    assertEquals(1, code, err::toString);
    String e = err.toString().strip();
    // the input gradients take 64 values per sample: 6.4e9 of them
    assertEquals("deltac train: model Wide cannot be built for batches of 100000000: a work"
        + " buffer of 64 values per sample would hold 6400000000, more than a Java array can;"
        + " the largest batch is 33554431", e);
  }

  @Test
  void aModelLargerThanTheHeapIsRefusedWithItsSizes(@TempDir Path dir) throws Exception {
    Path nn = model(dir);
    Path log = dir.resolve("child.log");
    // 2,000,000 samples: 64 input gradients of 4 bytes each alone take 488 MiB, over a 64 MiB heap
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), "train", nn.toString(),
        "--no-progress", "--batch", "2000000", "-o", dir.resolve("out").toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    String out = Files.readString(log).strip();
    assertEquals(1, p.exitValue(), out);
    List<String> lines = out.lines().toList();
    assertEquals(1, lines.size(), out);
    // W [1, 64] and b [1]: 16 + 256 and 16 + 4 (-> 24) bytes; the input gradients 256 a sample
    assertTrue(out.startsWith("deltac train: model Wide for batches of up to 2000000 needs about"
        + " 488 MiB (parameters 296 bytes, gradients and fixed buffers 1 KiB, work buffers 256"
        + " bytes per sample x 2000000), but the JVM heap has "), out);
    assertTrue(out.contains(" MiB free of "), out);
    assertTrue(out.endsWith("; lower the batch size or raise the heap (java -Xmx; for ./deltac:"
        + " DELTAC_JAVA_OPTS=-Xmx1g)"), out);
    assertFalse(out.contains("Exception") || out.contains("\tat "), out);
  }

  @Test
  void aBatchLargerThanTheModelsMaximumIsAClearError() throws Exception {
    CompiledModel m = Deltac.compile("wide.nn", MODEL).model();
    FloatModel f = m.newModel(16);
    float[] xs = new float[17 * 64];
    float[] ts = new float[17];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> f.lossAndGradient(xs, ts, 17));
    assertEquals("batch must be between 1 and maxBatch: 17 > 16", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> f.loss(xs, ts, 17));
    assertEquals("batch must be between 1 and maxBatch: 17 > 16", e.getMessage());
    InterpretedModel i = new InterpretedModel(m.backwardWithInputs(), 2);
    e = assertThrows(IllegalArgumentException.class,
        () -> i.lossAndGradient(new double[3 * 64], 0, new double[3], 0, 3, true));
    assertEquals("batch 3 is not between 1 and the maximum batch 2 of model Wide",
        e.getMessage());
  }
}
