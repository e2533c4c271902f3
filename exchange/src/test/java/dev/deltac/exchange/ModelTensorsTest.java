package dev.deltac.exchange;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model's tensors out to safetensors and back, PyTorch's files in, and files that do not fit. */
class ModelTensorsTest {
  @TempDir Path dir;

  private static final Path TORCH = Path.of("src/test/resources/torch");

  private static CompiledModel compile(String file) throws Exception {
    return Deltac.compile(Path.of(file)).model();
  }

  @Test
  void exportThenLoadGivesTheSameParamsAndPredictions() throws Exception {
    CompiledModel c = compile("../samples/fashion-cnn/fashion_cnn.nn");
    FloatModel a = c.newModel(4);
    a.initParams(5);
    Path f = dir.resolve("cnn.safetensors");
    Exchange.export(c, a, f);
    SafeTensors.Contents contents = SafeTensors.read(f);
    assertEquals(List.of("c1.W [32, 1, 3, 3]", "c1.b [32]", "c2.W [32, 32, 3, 3]", "c2.b [32]",
        "h.W [128, 1568]", "h.b [128]", "logits.W [10, 128]", "logits.b [10]"),
        contents.tensors().stream().map(NamedTensor::toString).toList());
    assertEquals("FashionCnn", contents.metadata().get("deltac.model"));
    FloatModel b = c.newModel(4);
    b.initParams(6);
    Exchange.load(f, b, Renames.NONE);
    for (int i = 0; i < a.params().length; i++) assertArrayEquals(a.params()[i], b.params()[i]);
    float[] xs = OnnxRuntimeCheck.inputs(a.info(), 3, 1);
    assertArrayEquals(OnnxRuntimeCheck.predict(a, xs, 3), OnnxRuntimeCheck.predict(b, xs, 3));
  }

  /** PyTorch's nn.Sequential file, in four dtypes, renamed, reproduces PyTorch's outputs. */
  @Test
  void pytorchFileReproducesPytorchOutputs() throws Exception {
    CompiledModel c = compile(TORCH.resolve("torch_mlp.nn").toString());
    JsonObject fixture = JsonParser.parseString(Files.readString(TORCH.resolve("torch_mlp.json"))).getAsJsonObject();
    JsonArray inputs = fixture.getAsJsonArray("inputs");
    float[] xs = new float[inputs.size() * 5];
    for (int s = 0; s < inputs.size(); s++) {
      for (int j = 0; j < 5; j++) xs[s * 5 + j] = inputs.get(s).getAsJsonArray().get(j).getAsFloat();
    }
    Renames renames = Renames.of(List.of(), TORCH.resolve("torch_mlp.renames"));
    for (String file : List.of("torch_mlp.safetensors", "torch_mlp_f64.safetensors",
        "torch_mlp_f16.safetensors", "torch_mlp_bf16.safetensors")) {
      FloatModel m = c.newModel(8);
      Exchange.load(TORCH.resolve(file), m, renames);
      float[] out = OnnxRuntimeCheck.predict(m, xs, inputs.size());
      JsonArray expected = fixture.getAsJsonObject("outputs").getAsJsonArray(file);
      double max = 0;
      for (int s = 0; s < inputs.size(); s++) {
        for (int j = 0; j < 3; j++) {
          max = Math.max(max, Math.abs(out[s * 3 + j] - expected.get(s).getAsJsonArray().get(j).getAsDouble()));
        }
      }
      assertTrue(max < 1e-6, file + ": max difference from PyTorch " + max);
    }
  }

  @Test
  void missingExtraAndMisshapenAreListedTogether() throws Exception {
    CompiledModel c = compile(TORCH.resolve("torch_mlp.nn").toString());
    FloatModel m = c.newModel(1);
    m.initParams(1);
    float[][] before = m.params().clone();
    for (int i = 0; i < before.length; i++) before[i] = before[i].clone();
    Renames partial = Renames.of(List.of("0.weight=h.W", "2.weight=logits.b", "9.x=h.b"));
    ExchangeException e = assertThrows(ExchangeException.class,
        () -> Exchange.load(TORCH.resolve("torch_mlp.safetensors"), m, partial));
    assertEquals(TORCH.resolve("torch_mlp.safetensors") + " does not fit model TorchMlp:\n"
        + "  rename 9.x=h.b: the file has no tensor 9.x\n"
        + "  missing from the file: h.b [8], logits.W [3, 8]\n"
        + "  not in the model: 0.bias [8], 2.bias [3]\n"
        + "  misshapen: logits.b (the file's 2.weight) is [3, 8] in the file, [3] in the model\n"
        + "  (map names with --rename FILE_NAME=MODEL_NAME, e.g. --rename 0.weight=h.W)", e.getMessage());
    for (int i = 0; i < before.length; i++) assertArrayEquals(before[i], m.params()[i], "unchanged on error");
  }

  @Test
  void transposedWeightIsPointedOut() throws Exception {
    CompiledModel c = compile(TORCH.resolve("torch_mlp.nn").toString());
    FloatModel m = c.newModel(1);
    List<NamedTensor> ts = new java.util.ArrayList<>(ModelTensors.of(m));
    ts.set(0, new NamedTensor("h.W", new int[] {5, 8}, new float[40]));
    ExchangeException e = assertThrows(ExchangeException.class, () -> ModelTensors.load(m, ts, Renames.NONE, "w"));
    assertEquals("w does not fit model TorchMlp:\n  misshapen: h.W is [5, 8] in the file, [8, 5] in the model (transposed?)",
        e.getMessage());
  }

  @Test
  void renameErrors() throws Exception {
    assertEquals("--rename 0.weight: a rename is FROM=TO (the file's name, then the model's), e.g. 0.weight=h.W",
        assertThrows(ExchangeException.class, () -> Renames.of(List.of("0.weight"))).getMessage());
    assertEquals("--rename a=c: a is renamed twice",
        assertThrows(ExchangeException.class, () -> Renames.of(List.of("a=b", "a=c"))).getMessage());
    assertEquals("--rename b=x: two names are renamed to x",
        assertThrows(ExchangeException.class, () -> Renames.of(List.of("a=x", "b=x"))).getMessage());
    Path f = dir.resolve("r.txt");
    Files.writeString(f, "# comment\n\n a = b \nbad line\n");
    assertEquals(f + ":4: a rename is FROM=TO (the file's name, then the model's), e.g. 0.weight=h.W",
        assertThrows(ExchangeException.class, () -> Renames.of(List.of(), f)).getMessage());
    Files.writeString(f, "# comment\n\n a = b \n");
    assertEquals(java.util.Map.of("a", "b"), Renames.of(List.of(), f).pairs());
  }
}
