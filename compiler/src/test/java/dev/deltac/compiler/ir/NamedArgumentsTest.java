package dev.deltac.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A builtin called with named arguments lowers to the same graph as the positional call. */
class NamedArgumentsTest {
  private static String model(String expr) {
    return "model M {\n"
        + "  input x[3]\n"
        + "  target y[3]\n"
        + "  param W[3, 3]\n"
        + "  z = W @ x\n"
        + "  h = " + expr + "\n"
        + "  output h\n"
        + "  loss mse(h, y)\n"
        + "}\n";
  }

  private static String lowered(String text) {
    FrontendResult r = Frontend.parse("m.nn", text);
    assertTrue(r.ok(), () -> r.diagnostics().toString());
    return IrPrinter.print(Lowering.lower(r.program().decls().get(0), r.check()));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "sigmoid(z)                  | sigmoid(x = z)",
      "elu(z, 0.5)                 | elu(x = z, alpha = 0.5)",
      "leaky_relu(z)               | leaky_relu(x = z)",
      "max(z, x)                   | max(b = x, a = z)",
      "pow(z, 2)                   | pow(z, b = 2)",
      "where(z > 0, z, x)          | where(mask = z > 0, a = z, b = x)",
      "transpose(W) @ z            | transpose(m = W) @ z",
      "clamp(z, -1, 1)             | clamp(z, hi = 1, lo = -1)",
      "reshape(z, [3])             | reshape(z, dims = [3])",
      "layer_norm(z)               | layer_norm(x = z)",
      "z * dot(z, x)               | z * dot(b = x, a = z)",
  })
  void namedAndPositionalCallsLowerAlike(String positional, String named) {
    assertEquals(lowered(model(positional)), lowered(model(named)));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "mse(h, y)                   | mse(y = y, p = h)",
      "huber(h, y, 0.5)            | huber(p = h, y = y, delta = 0.5)",
  })
  void lossesTakeNamedArgumentsToo(String positional, String named) {
    String base = model("tanh(z)");
    assertEquals(lowered(base.replace("loss mse(h, y)", "loss " + positional)),
        lowered(base.replace("loss mse(h, y)", "loss " + named)));
  }
}
