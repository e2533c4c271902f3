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
      "fashion-mnist/fashion_mlp.nn", "fashion-cnn/fashion_cnn.nn", "interop/interop_mlp.nn"})
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
  @ValueSource(strings = {"activations.nn", "tensors.nn", "pools.nn"})
  void opCoverageAgreesWithPredict(String file) throws Exception {
    CompiledModel compiled = Deltac.compile(Path.of("src/test/resources/onnx", file)).model();
    FloatModel model = compiled.newModel(16);
    model.initParams(3);
    double d = OnnxRuntimeCheck.maxDifference(compiled, model, 7, 5);
    System.out.printf("%s: max |predict - ONNX Runtime| = %.3g%n", file, d);
    assertTrue(d <= 1e-5, file + ": max difference " + d);
  }
}
