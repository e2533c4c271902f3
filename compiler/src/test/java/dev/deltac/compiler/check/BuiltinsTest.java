package dev.deltac.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.ast.Decl;
import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.ast.Stmt;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.parse.Parser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuiltinsTest {
  private static Expr.Call call(String text) {
    Diagnostics d = new Diagnostics();
    var p = Parser.parse("t.nn", "function F(x) {\n return " + text + "\n}\n", d);
    return (Expr.Call) ((Stmt.Return) ((Decl.Function) p.decls().get(0)).body().get(0)).value();
  }

  @Test
  void catalogueCoversTheSpec() {
    for (String f : List.of("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus", "exp", "log",
        "ln", "sqrt", "abs", "sin", "cos", "square", "max", "min", "pow", "clamp", "where", "sum", "mean", "amax",
        "dot", "outer", "softmax", "log_softmax", "logsumexp", "transpose", "concat", "reshape", "flatten",
        "mse", "bce", "bce_with_logits", "cross_entropy", "softmax_cross_entropy", "huber", "dense",
        "conv2d", "maxpool2d", "avgpool2d", "layer_norm", "dropout", "embedding", "lstm", "gru", "rnn")) {
      assertTrue(Builtins.function(f).isPresent(), f);
    }
    assertEquals(List.of("zeros", "ones", "he", "xavier", "lecun", "const", "normal", "uniform"),
        List.copyOf(Builtins.initializerNames()));
    assertEquals("conv2d(x, filters, kernel, stride=1, padding=0, act=none)", Builtins.function("conv2d").get().toString());
    assertEquals("maxpool2d(x, size, stride=size)", Builtins.function("maxpool2d").get().toString());
    assertEquals("huber(p, y, delta=1)", Builtins.function("huber").get().toString());
    assertEquals("leaky_relu(x, alpha=0.01)", Builtins.function("leaky_relu").get().toString());
    assertEquals(3, Builtins.function("clamp").get().required());
    assertEquals("sum(x, axis=all)", Builtins.function("sum").get().toString());
    assertEquals("softmax(v, axis=-1)", Builtins.function("softmax").get().toString());
    assertEquals("lstm(xs, H)", Builtins.function("lstm").get().toString());
    assertEquals("rnn(xs, H, act=tanh)", Builtins.function("rnn").get().toString());
  }

  @Test
  void bindMapsPositionalAndNamedArgumentsAndReportsDefaults() {
    Expr.Call c = call("conv2d(x, 8, 3, padding=1, act=relu)");
    Diagnostics d = new Diagnostics();
    Builtins.BoundCall b = Builtins.bind(Builtins.function("conv2d").get(), c, d);
    assertEquals(List.of("x", "filters", "kernel", "padding", "act"), List.copyOf(b.args().keySet()));
    assertSame(c.args().get(1), b.arg("filters"));
    assertSame(c.named().get(0).value(), b.arg("padding"));
    assertEquals(Map.of("stride", new Builtins.Default.Number(1)), b.defaults());
    Builtins.BoundCall pool = Builtins.bind(Builtins.function("maxpool2d").get(), call("maxpool2d(x, 2)"), d);
    assertEquals(new Builtins.Default.SameAs("size"), pool.defaults().get("stride"));
    Builtins.BoundCall cat = Builtins.bind(Builtins.function("concat").get(), call("concat(x, x, x)"), d);
    assertEquals(3, cat.rest().size());
    assertTrue(!d.hasErrors(), d::format);
  }

  @Test
  void bindReportsArityUnknownAndDuplicateArguments() {
    Diagnostics d = new Diagnostics();
    assertNull(Builtins.bind(Builtins.function("elu").get(), call("elu(x, 1, 2)"), d));
    assertNull(Builtins.bind(Builtins.function("elu").get(), call("elu(x, beta=2)"), d));
    assertNull(Builtins.bind(Builtins.function("elu").get(), call("elu(x, 1, alpha=2)"), d));
    assertNull(Builtins.bind(Builtins.function("clamp").get(), call("clamp(x)"), d));
    assertNull(Builtins.bind(Builtins.function("concat").get(), call("concat(x)"), d));
    String all = d.format();
    assertTrue(all.contains("`elu` takes at most 2 arguments, but 3 were given: elu(x, alpha=1)"), all);
    assertTrue(all.contains("`elu` has no parameter `beta` (parameters: x, alpha)"), all);
    assertTrue(all.contains("argument `alpha` of `elu` is given twice"), all);
    assertTrue(all.contains("`clamp` needs 3 arguments, but 1 was given; missing `lo`, `hi`"), all);
    assertTrue(all.contains("`concat` needs at least 2 arguments"), all);
  }
}
