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

  static final String BN_MODEL = """
      model BnSmall {
        input  x[12]
        target t[2]
        s      = reshape(x, [3, 4])
        b0     = batch_norm(s)
        f      = reshape(relu(b0), [12])
        logits = dense(f, 2)
        output logits
        loss   softmax_cross_entropy(logits, t)
      }
      """;

  /** A few training steps move the running statistics away from their zeros and ones. */
  static FloatModel trainedBn(CompiledModel c, long seed) {
    FloatModel m = c.newModel(8);
    m.initParams(seed);
    float[] xs = OnnxRuntimeCheck.inputs(m.info(), 8, seed);
    float[] ts = new float[16];
    for (int s = 0; s < 8; s++) ts[s * 2 + (s % 2)] = 1;
    for (int step = 0; step < 3; step++) m.lossAndGradient(xs, 0, ts, 0, 8, false);
    return m;
  }

  @Test
  void runningStatisticsGoOutAndComeBack() throws Exception {
    CompiledModel c = Deltac.compile("bn.nn", BN_MODEL).model();
    FloatModel a = trainedBn(c, 3);
    Path f = dir.resolve("bn.safetensors");
    Exchange.export(c, a, f);
    assertEquals(List.of("b0.gain [3]", "b0.bias [3]", "logits.W [2, 12]", "logits.b [2]",
        "b0.running_mean [3]", "b0.running_var [3]"),
        SafeTensors.read(f).tensors().stream().map(NamedTensor::toString).toList());
    float[] mean = a.buffers()[0];
    assertTrue(Math.abs(mean[0]) > 1e-4 && Math.abs(a.buffers()[1][0] - 1) > 1e-4, "trained statistics");
    FloatModel b = c.newModel(8);
    b.initParams(9);
    Exchange.load(f, b, Renames.NONE);
    for (int i = 0; i < a.params().length; i++) assertArrayEquals(a.params()[i], b.params()[i]);
    for (int i = 0; i < a.buffers().length; i++) assertArrayEquals(a.buffers()[i], b.buffers()[i]);
    float[] xs = OnnxRuntimeCheck.inputs(a.info(), 5, 2);
    assertArrayEquals(OnnxRuntimeCheck.predict(a, xs, 5), OnnxRuntimeCheck.predict(b, xs, 5));

    // A file without the statistics (e.g. params only) does not fit: they are named as missing.
    List<NamedTensor> paramsOnly = ModelTensors.of(a).subList(0, 4);
    ExchangeException e = assertThrows(ExchangeException.class,
        () -> ModelTensors.load(b, paramsOnly, Renames.NONE, "p"));
    assertEquals("p does not fit model BnSmall:\n  missing from the file: b0.running_mean [3], b0.running_var [3]",
        e.getMessage());
  }

  /** A training checkpoint of a batch_norm model, exported and imported, predicts identically. */
  @Test
  void checkpointOfBatchNormModelExportsAndImports() throws Exception {
    CompiledModel c = compile("../samples/fashion-resnet/fashion_resnet.nn");
    FloatModel a = c.newModel(4);
    a.initParams(1);
    float[] xs = OnnxRuntimeCheck.inputs(a.info(), 4, 7);
    float[] ts = new float[40];
    for (int s = 0; s < 4; s++) ts[s * 10 + s] = 1;
    a.lossAndGradient(xs, 0, ts, 0, 4, false);
    Path ckpt = dir.resolve("resnet.ckpt");
    dev.deltac.runtime.io.Checkpoint.write(ckpt, a);
    FloatModel fromCkpt = c.newModel(4);
    dev.deltac.runtime.io.Checkpoint.load(ckpt, fromCkpt);
    Path f = dir.resolve("resnet.safetensors");
    Exchange.export(c, fromCkpt, f);
    List<String> names = SafeTensors.read(f).tensors().stream().map(NamedTensor::name).toList();
    assertTrue(names.contains("b0.running_mean") && names.contains("b5.running_var"), names.toString());
    FloatModel b = c.newModel(4);
    b.initParams(2);
    Exchange.load(f, b, Renames.NONE);
    for (int i = 0; i < a.buffers().length; i++) assertArrayEquals(a.buffers()[i], b.buffers()[i]);
    float[] probe = OnnxRuntimeCheck.inputs(a.info(), 3, 11);
    assertArrayEquals(OnnxRuntimeCheck.predict(a, probe, 3), OnnxRuntimeCheck.predict(b, probe, 3));
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
