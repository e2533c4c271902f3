package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.exchange.NamedTensor;
import dev.deltac.exchange.SafeTensors;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.io.Checkpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code deltac export} and {@code deltac train --init}. */
class ExportCommandTest {
  private StringWriter out = new StringWriter();
  private StringWriter err = new StringWriter();

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return Main.run(new PrintWriter(out), new PrintWriter(err), args);
  }

  private static final String MODEL = """
      model Two {
        input  x[2]
        target y[1]
        h = dense(x, 3, tanh)
        yhat = dense(h, 1)
        output yhat
        loss mse(yhat, y)
        train { optimizer sgd(lr = 0.1); batch 4; epochs 3; seed 1 }
      }
      """;

  private Path setUp(Path dir) throws Exception {
    Path nn = dir.resolve("two.nn");
    Files.writeString(nn, MODEL);
    Files.writeString(dir.resolve("two.csv"), "a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n");
    assertEquals(0, run("train", nn.toString(), "--no-progress", "-o", dir.resolve("out").toString()), err::toString);
    return nn;
  }

  @Test
  void exportsBothFormatsAndTrainStartsFromTheSafetensors(@TempDir Path dir) throws Exception {
    Path nn = setUp(dir);
    String ckpt = dir.resolve("out/Two.ckpt").toString();
    Path st = dir.resolve("two.safetensors");
    assertEquals(0, run("export", nn.toString(), "--checkpoint", ckpt, "-o", st.toString()), err::toString);
    assertTrue(out.toString().startsWith("wrote " + st + " (safetensors, "), out::toString);
    assertEquals(0, run("export", nn.toString(), "--checkpoint", ckpt, "-o", dir.resolve("two.bin").toString(),
        "--format", "onnx"), err::toString);
    assertTrue(Files.size(dir.resolve("two.bin")) > 100);

    // the safetensors file holds the checkpoint's params, by .nn name
    CompiledModel c = Deltac.compile(nn).model();
    FloatModel m = c.newModel(1);
    Checkpoint.load(Path.of(ckpt), m);
    List<NamedTensor> ts = SafeTensors.read(st).tensors();
    assertEquals(List.of("h.W [3, 2]", "h.b [3]", "yhat.W [1, 3]", "yhat.b [1]"), ts.stream().map(NamedTensor::toString).toList());
    assertEquals(dev.deltac.exchange.ModelTensors.of(m), ts);

    // train --init with a learning rate of 1e-30 (no change in float32) ends where it started: the file's values
    assertEquals(0, run("train", nn.toString(), "--no-progress", "-o", dir.resolve("again").toString(),
        "--init", st.toString(), "--optimizer", "sgd", "--lr", "1e-30", "--epochs", "1"), err::toString);
    assertTrue(out.toString().contains("initialized from " + st), out::toString);
    FloatModel again = c.newModel(1);
    Checkpoint.load(dir.resolve("again/Two.ckpt"), again);
    assertEquals(ts, dev.deltac.exchange.ModelTensors.of(again));
  }

  @Test
  void renamedTorchStyleFileStartsTraining(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("two.nn");
    Files.writeString(nn, MODEL);
    Files.writeString(dir.resolve("two.csv"), "a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n");
    Path st = dir.resolve("torch.safetensors");
    SafeTensors.write(st, List.of(
        new NamedTensor("0.weight", new int[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6}),
        new NamedTensor("0.bias", new int[] {3}, new float[] {1, 1, 1}),
        new NamedTensor("2.weight", new int[] {1, 3}, new float[] {1, 0, -1}),
        new NamedTensor("2.bias", new int[] {1}, new float[] {0.5f})), Map.of());
    Path renames = dir.resolve("renames.txt");
    Files.writeString(renames, "2.weight = yhat.W\n2.bias = yhat.b\n");
    assertEquals(0, run("train", nn.toString(), "--no-progress", "-o", dir.resolve("out").toString(),
        "--init", st.toString(), "--rename", "0.weight=h.W", "--rename", "0.bias=h.b",
        "--rename-file", renames.toString(), "--optimizer", "sgd", "--lr", "1e-30", "--epochs", "1"), err::toString);
    FloatModel m = Deltac.compile(nn).model().newModel(1);
    Checkpoint.load(dir.resolve("out/Two.ckpt"), m);
    List<NamedTensor> got = dev.deltac.exchange.ModelTensors.of(m);
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, got.get(0).values());
    assertArrayEquals(new float[] {0.5f}, got.get(3).values());

    // without the renames: one message that lists everything, exit 1, no stack trace
    assertEquals(1, run("train", nn.toString(), "--no-progress", "-o", dir.resolve("out2").toString(),
        "--init", st.toString()));
    assertEquals("deltac train: " + st + " does not fit model Two:\n"
        + "  missing from the file: h.W [3, 2], h.b [3], yhat.W [1, 3], yhat.b [1]\n"
        + "  not in the model: 0.weight [3, 2], 0.bias [3], 2.weight [1, 3], 2.bias [1]\n"
        + "  (map names with --rename FILE_NAME=MODEL_NAME, e.g. --rename 0.weight=h.W)\n", err.toString());
  }

  @Test
  void errorsAreOneLine(@TempDir Path dir) throws Exception {
    Path nn = setUp(dir);
    String ckpt = dir.resolve("out/Two.ckpt").toString();
    assertEquals(1, run("export", nn.toString(), "--checkpoint", ckpt, "-o", dir.resolve("two.txt").toString()));
    assertEquals("deltac export: " + dir.resolve("two.txt")
        + ": the format follows the extension, .safetensors or .onnx (or give it with --format)\n", err.toString());
    assertEquals(1, run("export", nn.toString(), "--checkpoint", ckpt, "-o", "x.onnx", "--format", "tflite"));
    assertEquals("deltac export: unknown format 'tflite': safetensors or onnx\n", err.toString());
    Path bad = dir.resolve("bad.safetensors");
    Files.write(bad, new byte[] {1, 2, 3});
    assertEquals(1, run("train", nn.toString(), "--no-progress", "-o", dir.resolve("o3").toString(), "--init", bad.toString()));
    assertEquals("deltac train: " + bad + ": not a safetensors file: 3 bytes, shorter than the 8-byte header length\n",
        err.toString());
    assertEquals(2, run("train", nn.toString(), "--no-progress", "--init", bad.toString(), "--resume"));
    assertEquals("deltac train: --init starts a run from a file, --resume continues one: give one of them\n", err.toString());
    assertEquals(2, run("train", nn.toString(), "--no-progress", "--rename", "a=b"));
    assertEquals("deltac train: --rename and --rename-file need --init\n", err.toString());
  }

  @Test
  void aStandardizedCheckpointCarriesItsStatistics(@TempDir Path dir) throws Exception {
    Path nn = dir.resolve("two.nn");
    Files.writeString(nn, MODEL);
    Files.writeString(dir.resolve("two.csv"), "a,b,y\n0,0,0\n0,1,1\n1,1,1\n1,1,0\n");
    assertEquals(0, run("train", nn.toString(), "--no-progress", "--standardize", "-o", dir.resolve("out").toString()),
        err::toString);
    String ckpt = dir.resolve("out/Two.ckpt").toString();
    assertEquals(0, run("export", nn.toString(), "--checkpoint", ckpt, "-o", dir.resolve("two.onnx").toString()), err::toString);
    assertTrue(out.toString().contains("; the graph standardizes its inputs first, as predict does"), out::toString);
    Path st = dir.resolve("two.safetensors");
    assertEquals(0, run("export", nn.toString(), "--checkpoint", ckpt, "-o", st.toString()), err::toString);
    assertTrue(out.toString().contains("; the input standardization is in the header's metadata"), out::toString);
    Map<String, String> meta = SafeTensors.read(st).metadata();
    assertEquals("0.5,0.75", meta.get("standardization.mean"));
    assertEquals("0.5,0.4330127018922193", meta.get("standardization.scale"));
  }
}
