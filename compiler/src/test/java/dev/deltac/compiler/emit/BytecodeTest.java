package dev.deltac.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.load.MethodSizes;
import dev.deltac.compiler.load.ModelLoader;
import dev.deltac.runtime.Precision;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The compiled (Janino) classes of XOR, the Fashion MLP, a 4x1024 tanh MLP and TinyRnn: every
 * method below 7 000 bytecode bytes (HotSpot never JIT-compiles one above 8 000), and no array
 * allocation in any method that runs per call.
 */
class BytecodeTest {
  /** Methods that run once (construction, class initialization) and may allocate. */
  private static final Set<String> SETUP = Set.of("<init>", "<clinit>", "buildInfo", "packed",
      "replica", "constants", "initParams");

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of("Xor", NnFiles.resource("models/xor.nn")),
        Arguments.of("FashionMlp", NnFiles.resource("models/fashion_mlp.nn")),
        Arguments.of("Tanh4x1024", TestModels.mlp("Tanh4x1024", Op.TANH, 1024, 1024, 1024, 1024, 1024, 10)),
        Arguments.of("TinyRnn", NnFiles.resource("examples/tiny_rnn.nn")),
        Arguments.of("FashionCnn", NnFiles.resource("models/fashion_cnn.nn")),
        // a rolled 512-step LSTM(16→32): the loop's step methods do not grow with T
        Arguments.of("RolledLstm512", dev.deltac.compiler.testing.Models.lower(LoopBenchmark.lstm(512))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void methodsAreSmallAndStepsDoNotAllocate(String name, Graph g) {
    for (Precision p : Precision.values()) {
      String cls = name + "Bytecode" + p.name();
      String src = Harness.source(g, "gen", cls, p);
      ModelLoader.Compiled c = ModelLoader.compile("gen." + cls, src);
      byte[] bytes = c.bytecodes().get("gen." + cls);
      Map<String, MethodSizes.MethodCode> methods = MethodSizes.methods(bytes);
      assertTrue(methods.size() > 10, "methods found: " + methods.keySet());
      int largest = 0;
      for (MethodSizes.MethodCode m : methods.values()) {
        largest = Math.max(largest, m.length());
        assertTrue(m.length() < 7000, cls + "." + m.name() + " has " + m.length() + " bytecode bytes");
        if (!SETUP.contains(m.name()) && !m.name().startsWith("allocateBuffers")) {
          assertEquals(0, m.arrayAllocations(), cls + "." + m.name() + " allocates arrays");
        }
      }
      System.out.println(cls + ": " + methods.size() + " methods, largest " + largest
          + " bytes, source " + src.length() + " chars");
    }
  }
}
