package dev.deltac.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.Deltac;
import dev.deltac.exchange.onnx.OnnxProto.ModelProto;
import dev.deltac.runtime.FloatModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What the ONNX file declares, and the model that has no ONNX form. */
class OnnxErrorsTest {
  @Test
  void outputThatReadsATargetIsRefusedNamingOpAndLine() throws Exception {
    CompiledModel c = Deltac.compile(Path.of("src/test/resources/onnx/reads_target.nn")).model();
    FloatModel m = c.newModel(1);
    ExchangeException e = assertThrows(ExchangeException.class, () -> OnnxExport.toBytes(c, m));
    assertEquals("reads_target.nn:7:7: op mse (line 7) reads target y, which the inference graph does"
        + " not have: an output of model ReadsTarget depends on a target, so it has no ONNX form", e.getMessage());
  }

  @Test
  void declaresOpsetNamesAndTheDynamicBatchAxis() throws Exception {
    CompiledModel c = Deltac.compile(Path.of("../samples/fashion-mnist/fashion_mlp.nn")).model();
    FloatModel m = c.newModel(1);
    m.initParams(1);
    ModelProto p = ModelProto.parseFrom(OnnxExport.toBytes(c, m));
    assertEquals(17, p.getOpsetImport(0).getVersion());
    assertEquals("", p.getOpsetImport(0).getDomain());
    assertEquals("image", p.getGraph().getInput(0).getName());
    assertEquals("N", p.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
    assertEquals(784, p.getGraph().getInput(0).getType().getTensorType().getShape().getDim(1).getDimValue());
    assertEquals("probs", p.getGraph().getOutput(0).getName());
    assertEquals(java.util.List.of("h.W", "h.b", "logits.W", "logits.b"),
        p.getGraph().getInitializerList().stream().map(t -> t.getName()).filter(n -> !n.startsWith("#")).toList());
    assertEquals(java.util.List.of(128L, 784L), p.getGraph().getInitializer(0).getDimsList());
    assertTrue(p.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("Gemm")));
    assertTrue(p.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("Softmax")));
  }
}
