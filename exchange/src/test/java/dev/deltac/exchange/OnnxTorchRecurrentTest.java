package dev.deltac.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PyTorch's LSTM, GRU and RNN weights (torch/torch_recurrent.safetensors, made by
 * torch/make_recurrent_fixture.py) go into onnx/recurrent.nn by --rename, out as ONNX, and ONNX
 * Runtime reproduces PyTorch's outputs; so does predict.
 */
class OnnxTorchRecurrentTest {
  private static final Path TORCH = Path.of("src/test/resources/torch");

  @Test
  void pytorchWeightsThroughOnnxReproducePytorch() throws Exception {
    CompiledModel c = Deltac.compile(Path.of("src/test/resources/onnx/recurrent.nn")).model();
    List<String> pairs = new ArrayList<>();
    for (String l : List.of("a", "b", "c", "d")) {
      pairs.add(l + ".weight_ih_l0=" + l + ".W_ih");
      pairs.add(l + ".weight_hh_l0=" + l + ".W_hh");
      pairs.add(l + ".bias_ih_l0=" + l + ".b_ih");
      pairs.add(l + ".bias_hh_l0=" + l + ".b_hh");
    }
    pairs.add("out.weight=out.W");
    pairs.add("out.bias=out.b");
    FloatModel m = c.newModel(8);
    Exchange.load(TORCH.resolve("torch_recurrent.safetensors"), m, Renames.of(pairs));

    JsonObject fixture = JsonParser.parseString(Files.readString(TORCH.resolve("torch_recurrent.json"))).getAsJsonObject();
    JsonArray inputs = fixture.getAsJsonArray("inputs");
    JsonArray outputs = fixture.getAsJsonArray("outputs");
    int batch = inputs.size();
    int in = m.info().inputSize();
    int out = m.info().outputSize();
    assertEquals(18, in);
    assertEquals(28, out);
    float[] xs = new float[batch * in];
    float[] expected = new float[batch * out];
    for (int s = 0; s < batch; s++) {
      for (int j = 0; j < in; j++) xs[s * in + j] = inputs.get(s).getAsJsonArray().get(j).getAsFloat();
      for (int j = 0; j < out; j++) expected[s * out + j] = outputs.get(s).getAsJsonArray().get(j).getAsFloat();
    }
    float[] onnx = OnnxRuntimeCheck.run(OnnxExport.toBytes(c, m), m.info(), xs, batch);
    float[] predict = OnnxRuntimeCheck.predict(m, xs, batch);
    double dOnnx = 0;
    double dPredict = 0;
    for (int i = 0; i < expected.length; i++) {
      dOnnx = Math.max(dOnnx, Math.abs(onnx[i] - expected[i]));
      dPredict = Math.max(dPredict, Math.abs(predict[i] - expected[i]));
    }
    System.out.printf("recurrent.nn with PyTorch's weights: max |ONNX Runtime - PyTorch| = %.3g,"
        + " max |predict - PyTorch| = %.3g%n", dOnnx, dPredict);
    assertTrue(dOnnx <= 1e-5, "ONNX Runtime vs PyTorch " + dOnnx);
    assertTrue(dPredict <= 1e-5, "predict vs PyTorch " + dPredict);
  }
}
