package dev.deltac.exchange;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.runtime.FloatModel;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every sample's ONNX export, run in ONNX Runtime, agrees with predict within 1e-5. */
class OnnxSamplesTest {
  @ParameterizedTest
  @ValueSource(strings = {"xor/xor.nn", "regression/sine.nn", "sequence/next_sine.nn",
      "fashion-mnist/fashion_mlp.nn", "fashion-cnn/fashion_cnn.nn", "interop/interop_mlp.nn", "words/words.nn",
      "words/lstm.nn",
      "fashion-resnet/fashion_resnet.nn"})
  void sampleAgreesWithPredict(String file) throws Exception {
    CompiledModel compiled = Deltac.compile(Path.of("../samples", file)).model();
    FloatModel model = compiled.newModel(16);
    model.initParams(7);
    double d = OnnxRuntimeCheck.maxDifference(compiled, model, 9, 11);
    System.out.printf("%s: max |predict - ONNX Runtime| = %.3g%n", file, d);
    assertTrue(d <= 1e-5, file + ": max difference " + d);
  }

  /** Models that use every op an inference graph can hold (test resources onnx/*.nn). */
  @ParameterizedTest
  @ValueSource(strings = {"activations.nn", "tensors.nn", "pools.nn", "recurrent.nn"})
  void opCoverageAgreesWithPredict(String file) throws Exception {
    CompiledModel compiled = Deltac.compile(Path.of("src/test/resources/onnx", file)).model();
    FloatModel model = compiled.newModel(16);
    model.initParams(3);
    double d = OnnxRuntimeCheck.maxDifference(compiled, model, 7, 5);
    System.out.printf("%s: max |predict - ONNX Runtime| = %.3g%n", file, d);
    assertTrue(d <= 1e-5, file + ": max difference " + d);
  }

  /** A rolled {@code for} loop is exported unrolled, with the values predict computes. */
  @org.junit.jupiter.api.Test
  void rolledLoopIsExportedUnrolled() throws Exception {
    CompiledModel compiled = Deltac.compile(Path.of("src/test/resources/onnx/rolled_loop.nn")).model();
    assertTrue(compiled.lowered().hasRolledLoop(), "the 96-step loop is rolled in the compiled model");
    FloatModel model = compiled.newModel(16);
    model.initParams(5);
    double d = OnnxRuntimeCheck.maxDifference(compiled, model, 7, 3);
    System.out.printf("rolled_loop.nn: max |predict - ONNX Runtime| = %.3g%n", d);
    assertTrue(d <= 1e-5, "max difference " + d);
  }

  /**
   * batch_norm after training steps: the ONNX graph reads the trained running statistics (its
   * initializers {@code b0.running_mean}, ...), as predict does.
   */
  @org.junit.jupiter.api.Test
  void batchNormWithTrainedRunningStatisticsAgreesWithPredict() throws Exception {
    CompiledModel compiled = Deltac.compile(Path.of("../samples/fashion-resnet/fashion_resnet.nn")).model();
    FloatModel model = compiled.newModel(8);
    model.initParams(4);
    float[] xs = OnnxRuntimeCheck.inputs(model.info(), 8, 3);
    float[] ts = new float[80];
    for (int s = 0; s < 8; s++) ts[s * 10 + s] = 1;
    for (int step = 0; step < 2; step++) model.lossAndGradient(xs, 0, ts, 0, 8, false);
    float[] var0 = model.buffers()[1];
    assertTrue(Math.abs(var0[0] - 1) > 1e-3, "the statistics moved: " + var0[0]);
    double d = OnnxRuntimeCheck.maxDifference(compiled, model, 9, 13);
    // the same params with the initial statistics predict otherwise: the comparison can fail
    FloatModel fresh = compiled.newModel(8);
    for (int i = 0; i < model.params().length; i++) {
      System.arraycopy(model.params()[i], 0, fresh.params()[i], 0, model.params()[i].length);
    }
    float[] probe = OnnxRuntimeCheck.inputs(model.info(), 9, 13);
    float[] onnx = OnnxRuntimeCheck.run(OnnxExport.toBytes(compiled, model), model.info(), probe, 9);
    float[] initial = OnnxRuntimeCheck.predict(fresh, probe, 9);
    double apart = 0;
    for (int i = 0; i < onnx.length; i++) apart = Math.max(apart, Math.abs(onnx[i] - initial[i]));
    System.out.printf("fashion_resnet, trained statistics: max |predict - ONNX Runtime| = %.3g"
        + " (with the initial statistics: %.3g)%n", d, apart);
    assertTrue(d <= 1e-5, "max difference " + d);
    assertTrue(apart > 1e-3, "the trained statistics matter here: " + apart);
  }

  /** A checkpoint of train --standardize: the ONNX graph standardizes its inputs as predict does. */
  @org.junit.jupiter.api.Test
  void standardizedInputsAgreeWithPredictOnStandardizedData() throws Exception {
    CompiledModel compiled = Deltac.compile(Path.of("../samples/regression/sine.nn")).model();
    FloatModel model = compiled.newModel(16);
    model.initParams(2);
    int n = 40;
    float[] raw = new float[n];
    for (int i = 0; i < n; i++) raw[i] = 3 + 0.25f * i;        // far from standard: mean 7.9
    dev.deltac.runtime.data.Standardization st = dev.deltac.runtime.data.Standardization.fit(
        model.info(), new dev.deltac.runtime.data.Dataset(raw, new float[n], n, 1, 1));
    float[] standardized = raw.clone();
    for (int i = 0; i < n; i++) st.apply(standardized, i);
    float[] expected = OnnxRuntimeCheck.predict(model, standardized, n);
    float[] actual = OnnxRuntimeCheck.run(OnnxExport.toBytes(compiled, model, st), model.info(), raw, n);
    float[] plain = OnnxRuntimeCheck.run(OnnxExport.toBytes(compiled, model), model.info(), raw, n);
    double max = 0;
    double plainMax = 0;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, Math.abs(expected[i] - actual[i]));
      plainMax = Math.max(plainMax, Math.abs(expected[i] - plain[i]));
    }
    System.out.printf("standardized sine: max |predict - ONNX Runtime| = %.3g (without the standardization: %.3g)%n", max, plainMax);
    assertTrue(max <= 1e-5, "max difference " + max);
    assertTrue(plainMax > 1e-2, "the standardization matters here: " + plainMax);
  }
}
