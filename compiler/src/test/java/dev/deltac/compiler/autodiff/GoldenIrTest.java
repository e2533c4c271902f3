package dev.deltac.compiler.autodiff;

import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.IrPrinter;
import dev.deltac.compiler.opt.DeltaFusion;
import dev.deltac.compiler.opt.LossFusion;
import dev.deltac.compiler.opt.Simplify;
import dev.deltac.compiler.testing.Goldens;
import dev.deltac.compiler.testing.Models;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * IR dumps of the dsl.md models at each stage: lowered; after loss fusion; differentiated and
 * simplified; after δ fusion. Each fusion shows as a diff between two consecutive dumps.
 */
class GoldenIrTest {
  @ParameterizedTest
  @ValueSource(strings = {"xor", "fashion_mlp", "tiny_rnn"})
  void dumpsMatchGoldens(String model) {
    Graph lowered = Models.lower(Models.resource(model + ".nn"));
    Goldens.assertMatches(getClass(), model + "/1-lowered.ir", IrPrinter.print(lowered));
    Graph fused = Simplify.run(LossFusion.run(lowered));
    Goldens.assertMatches(getClass(), model + "/2-loss-fused.ir", IrPrinter.print(fused));
    Graph backward = Simplify.run(ReverseMode.differentiate(fused, false));
    Goldens.assertMatches(getClass(), model + "/3-backward.ir", IrPrinter.print(backward));
    Graph deltas = DeltaFusion.run(backward);
    Goldens.assertMatches(getClass(), model + "/4-delta-fused.ir", IrPrinter.print(deltas));
  }
}
