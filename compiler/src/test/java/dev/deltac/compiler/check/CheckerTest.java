package dev.deltac.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import dev.deltac.compiler.TestFiles;
import dev.deltac.compiler.ast.Decl;
import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.ast.Exprs;
import dev.deltac.compiler.ast.Stmt;
import dev.deltac.compiler.types.Shape;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckerTest {
  private static FrontendResult ok(String text) {
    FrontendResult r = Frontend.parse("t.nn", text);
    assertTrue(r.ok(), () -> r.diagnostics().format());
    return r;
  }

  private static String errors(String text) {
    FrontendResult r = Frontend.parse("t.nn", text);
    assertTrue(r.diagnostics().hasErrors(), "expected errors");
    return r.diagnostics().format();
  }

  private static Stmt.Bind bind(Decl d, String name) {
    List<Stmt> body = d instanceof Decl.Model m ? m.body() : ((Decl.Function) d).body();
    for (Stmt s : body) if (s instanceof Stmt.Bind b && b.name().name().equals(name)) return b;
    throw new AssertionError(name);
  }

  @Test
  void layerSugarCreatesNamedParams() {
    FrontendResult r = Frontend.load(TestFiles.EXAMPLES.resolve("fashion_mlp.nn"));
    assertTrue(r.ok(), () -> r.diagnostics().format());
    Decl model = r.program().decls().get(0);
    List<LayerParam> lps = r.check().layerParams(model);
    assertEquals(List.of("h.W", "h.b", "logits.W", "logits.b"), lps.stream().map(LayerParam::fullName).toList());
    assertEquals(Shape.of(128, 784), lps.get(0).shape());
    assertEquals("he", lps.get(0).init().name());
    assertEquals("xavier", lps.get(2).init().name());
    assertEquals(Shape.of(10), r.check().shapeOf(bind(model, "probs").value()));
    assertEquals(Symbol.Kind.LAYER_PARAM, r.check().info(model).symbol("logits.W").kind());
  }

  @Test
  void recurrentLayersCreatePytorchsParamsAndInit() {
    FrontendResult r = ok("model M {\n input xs[7, 3]\n target y[7, 5]\n enc = lstm(xs, 5)\n"
        + " g = gru(enc, 2)\n s = rnn(g, 4, act=relu)\n output s\n loss mse(enc, y) + sum(s)\n}\n");
    List<LayerParam> lps = r.check().layerParams(r.program().decls().get(0));
    assertEquals(List.of("enc.W_ih", "enc.W_hh", "enc.b_ih", "enc.b_hh", "g.W_ih", "g.W_hh", "g.b_ih",
        "g.b_hh", "s.W_ih", "s.W_hh", "s.b_ih", "s.b_hh"), lps.stream().map(LayerParam::fullName).toList());
    assertEquals(List.of(Shape.of(20, 3), Shape.of(20, 5), Shape.of(20), Shape.of(20)),
        lps.subList(0, 4).stream().map(LayerParam::shape).toList());
    assertEquals(Shape.of(6, 5), lps.get(4).shape());
    assertEquals(Shape.of(4, 4), lps.get(9).shape());
    assertEquals(InitSpec.of("uniform", -1 / Math.sqrt(5), 1 / Math.sqrt(5)), lps.get(0).init());
    assertEquals(InitSpec.of("uniform", -0.5, 0.5), lps.get(11).init());
  }

  @Test
  void everyExpressionHasAShape() {
    FrontendResult r = Frontend.load(TestFiles.EXAMPLES.resolve("everything.nn"));
    assertTrue(r.ok(), () -> r.diagnostics().format());
    int count = 0;
    for (Decl d : r.program().decls()) {
      List<Stmt> body = d instanceof Decl.Model m ? m.body() : ((Decl.Function) d).body();
      Deque<Object> work = new ArrayDeque<>(body);
      while (!work.isEmpty()) {
        Object o = work.pop();
        if (o instanceof Stmt.Bind b) work.push(b.value());
        if (o instanceof Stmt.Loss l) work.push(l.value());
        if (o instanceof Stmt.Return ret) work.push(ret.value());
        if (o instanceof Stmt.For f) f.body().forEach(work::push);
        if (o instanceof Expr e) {
          if (!(e instanceof Expr.ListLit) && !(e instanceof Expr.Name n && Builtins.ACTIVATIONS.contains(n.name()))) {
            assertNotNull(r.check().shapeOf(e), () -> "no shape for " + e);
            count++;
          }
          Exprs.children(e).forEach(work::push);
        }
      }
    }
    assertTrue(count > 150, "checked " + count);
  }

  @Test
  void namesResolveToSymbolsAndCallsToBoundArguments() {
    FrontendResult r = Frontend.load(TestFiles.EXAMPLES.resolve("tiny_rnn.nn"));
    Decl model = r.program().decls().get(0);
    Stmt.For loop = (Stmt.For) ((Decl.Model) model).body().get(7);
    Stmt.Bind h = (Stmt.Bind) loop.body().get(0);
    Expr.Call tanh = (Expr.Call) h.value();
    Expr.Binary sum = (Expr.Binary) tanh.args().get(0);
    Expr.Binary whh = (Expr.Binary) ((Expr.Binary) sum.left()).right();
    Symbol state = r.check().symbolOf(whh.right());
    assertEquals(Symbol.Kind.STATE, state.kind());
    assertEquals(Shape.of(16), state.shape());
    assertEquals(Shape.of(16), r.check().shapeOf(sum));
    assertEquals("zeros", r.check().stateInitializer((Stmt.State) ((Decl.Model) model).body().get(6)).name());
    assertEquals(Map.of(), r.check().call(tanh).defaults());
    Expr.Index xt = (Expr.Index) ((Expr.Binary) ((Expr.Binary) sum.left()).left()).right();
    assertEquals(Symbol.Kind.LOOP_VAR, r.check().symbolOf(xt.index()).kind());
    assertEquals(Shape.of(3), r.check().shapeOf(xt));
  }

  @Test
  void paramInitializersAndDefaultsAreResolved() {
    FrontendResult r = ok("model M {\n input x[2]\n target y[3]\n param W[3, 2]\n param b[3] = const(0.5)\n"
        + " param V[3, 3] = normal(0, -0.1 * -1)\n yhat = W @ x + b\n output yhat\n loss mse(yhat, y)\n}\n"
            .replace("normal(0, -0.1 * -1)", "normal(0, 0.1)"));
    Decl.Model m = (Decl.Model) r.program().decls().get(0);
    assertEquals(InitSpec.of("xavier"), r.check().initOf((Stmt.Param) m.body().get(2)));
    assertEquals(InitSpec.of("const", 0.5), r.check().initOf((Stmt.Param) m.body().get(3)));
    assertEquals(InitSpec.of("normal", 0, 0.1), r.check().initOf((Stmt.Param) m.body().get(4)));
  }

  @Test
  void trainBlockBecomesATrainSpec() {
    FrontendResult r = Frontend.load(TestFiles.EXAMPLES.resolve("everything.nn"));
    TrainSpec t = r.check().info(r.program().decls().get(0)).train();
    assertEquals("adamw", t.optimizer());
    assertEquals(0.001, t.optimizerArgs().get("lr"));
    assertEquals(0.999, t.optimizerArgs().get("beta2"));
    assertEquals(0.05, t.optimizerArgs().get("weight_decay"));
    assertEquals(32, t.batch());
    assertEquals(0.5, t.clipValue());
    assertEquals(7L, t.seed());
    assertEquals("step", t.schedule());
    FrontendResult xor = Frontend.load(TestFiles.SAMPLES.resolve("xor/xor.nn"));
    TrainSpec x = xor.check().info(xor.program().decls().get(0)).train();
    assertEquals(Map.of("lr", 0.5, "momentum", 0.0, "nesterov", false), x.optimizerArgs());
  }

  @Test
  void namesMayBeJavaKeywordsButModelNamesMayNot() {
    ok("model Net {\n input int[2]\n target class[2]\n new = tanh(int)\n output new\n loss mse(new, class)\n}\n");
    assertTrue(errors("model var {\n input x[1]\n target y[1]\n output x\n loss mse(x, y)\n}\n")
        .contains("cannot name a model `var`"));
  }

  @Test
  void statesMayBeAssignedSeveralTimesInsideLoops() {
    ok("model R {\n input xs[4, 2]\n target y[2]\n state h[2] = zeros\n state c = 0\n for t in 0..4 {\n"
        + "  h = h + xs[t]\n  h = tanh(h)\n  c = c + t\n  z = h * c\n  loss += mse(z, y)\n }\n output h\n}\n");
  }

  @Test
  void ifAndWhereTakeComparisonsOnly() {
    ok("function F(x, y) {\n return if x > y then x else y\n}\n");
    ok("function G(v[3]) {\n return sum(where(v >= 0, v, 0.01 * v))\n}\n");
    assertTrue(errors("function F(x) {\n return if x then 1 else 2\n}\n")
        .contains("the condition of `if` must be a comparison"));
  }

  @Test
  void allErrorsOfAFileComeOutTogether() {
    String all = errors("model M {\n input x[0]\n target y[2]\n param W[2, 3]\n a = W @ y\n b = nope\n"
        + " c = relu(x, 3)\n output a, b, zz\n loss y\n}\n");
    for (String e : List.of("t.nn:2:10: error: dimensions must be positive", "t.nn:5:8: error: matrix product",
        "t.nn:6:6: error: undefined name `nope`", "t.nn:7:14: error: `relu` takes 1 argument",
        "t.nn:8:15: error: undefined name `zz`", "t.nn:9:7: error: the loss must be a scalar")) {
      assertTrue(all.contains(e), () -> e + " not in\n" + all);
    }
  }

  @Test
  void batchedMatmulNamesBothShapes() {
    String inner = errors("model M {\n input x[2, 4, 3]\n param W[2, 4, 5]\n o = x @ W\n output o\n loss sum(o)\n}\n");
    assertTrue(inner.contains("t.nn:4:8: error: matrix product `@` of [2, 4, 3] and [2, 4, 5]: inner dimensions 3"
        + " (the last axis of [2, 4, 3]) and 4 (the second-to-last axis of [2, 4, 5]) differ"), inner);
    String batch = errors("model M {\n input x[2, 4, 3]\n param W[3, 3, 5]\n o = x @ W\n output o\n loss sum(o)\n}\n");
    assertTrue(batch.contains("t.nn:4:8: error: matrix product `@` of [2, 4, 3] and [3, 3, 5]: the batch axes [2] and [3]"
        + " do not broadcast"), batch);
    String vec = errors("model M {\n input x[2, 4, 3]\n param v[4]\n o = x @ v\n output o\n loss sum(o)\n}\n");
    assertTrue(vec.contains("inner dimensions 3 (the last axis of [2, 4, 3]) and 4 (the length of [4]) differ"), vec);
    assertTrue(Frontend.parse("t.nn", "model M {\n input x[2, 4, 3]\n param W[3, 1, 3, 5]\n param v[3]\n"
        + " o = x @ W\n w = v @ W\n z = x @ v\n output o\n loss sum(o) + sum(w) + sum(z)\n}\n").ok());
  }

  @Test
  void axesOfReductionsAndSoftmax() {
    FrontendResult r = ok("""
        model M {
          input x[2, 3, 4]; target y[2, 4]
          a = sum(x, axis=1)
          b = amax(x, axis=-1)
          c = softmax(x, axis=0)
          d = logsumexp(x, axis=-2) + mean(x, 1) + log_softmax(x)[0][0] + sum(b) + sum(c)
          output d; loss mse(d, y)
        }""");
    Decl model = r.program().decls().get(0);
    assertEquals(Shape.of(2, 4), r.check().shapeOf(bind(model, "a").value()));
    assertEquals(Shape.of(2, 3), r.check().shapeOf(bind(model, "b").value()));
    assertEquals(Shape.of(2, 3, 4), r.check().shapeOf(bind(model, "c").value()));
    String e = errors("""
        model M {
          input x[2, 3]; target y[3]
          a = sum(x, axis=2)
          b = softmax(x, axis=-3)
          c = mean(x, axis=0.5)
          d = amax(x, axis=-2)
          output d; loss mse(d, y)
        }""");
    assertTrue(e.contains("t.nn:3:19: error: sum of [2, 3] along axis 2: axis out of range for rank 2"
        + " (axes -2..1)"), e);
    assertTrue(e.contains("t.nn:4:23: error: softmax of [2, 3] along axis -3: axis out of range"), e);
    assertTrue(e.contains("t.nn:5:20: error: `axis` of `mean` must be an integer literal"), e);
    assertTrue(!e.contains("t.nn:6:"), e);
  }

  @Test
  void concatAlongAnAxisStackAndPermute() {
    FrontendResult r = ok("""
        model M {
          input x[2, 3]; target y[3, 4]
          a = concat(x, x, axis=1)
          b = stack(x, x, x)
          c = permute(b, [2, 0, -2])
          d = concat(permute(x, [1, 0]), permute(x, [1, 0]), axis=-1)
          output d; loss mse(d, y)
        }""");
    Decl model = r.program().decls().get(0);
    assertEquals(Shape.of(2, 6), r.check().shapeOf(bind(model, "a").value()));
    assertEquals(Shape.of(3, 2, 3), r.check().shapeOf(bind(model, "b").value()));
    assertEquals(Shape.of(3, 3, 2), r.check().shapeOf(bind(model, "c").value()));
    String e = errors("""
        model M {
          input x[2, 3]; target y[3]
          a = concat(x, permute(x, [1, 0]), axis=1)
          b = stack(x, permute(x, [1, 0]))
          c = permute(x, [0, 0])
          d = concat(x, x, axis=2)
          g = permute(x, [1])
          output x; loss mse(x, y)
        }""");
    assertTrue(e.contains("t.nn:3:42: error: concat along axis 1 of [2, 3] and [3, 2]: all axes but axis 1"
        + " must be equal"), e);
    assertTrue(e.contains("t.nn:4:7: error: stack of [2, 3] and [3, 2]: all shapes must be equal"), e);
    assertTrue(e.contains("t.nn:5:7: error: permute of [2, 3] to [0, 0]: axis 0 is given twice"), e);
    assertTrue(e.contains("t.nn:6:25: error: concat of [2, 3] along axis 2: axis out of range"), e);
    assertTrue(e.contains("t.nn:7:7: error: permute of [2, 3] to [1]: needs one axis per axis"), e);
  }

  @Test
  void causalMaskIsAMaskForWhere() {
    FrontendResult r = ok("""
        model M {
          input s[3, 3]; target y[3, 3]
          a = where(causal_mask(3), s, -1e9)
          output a; loss mse(a, y)
        }""");
    assertEquals(Shape.of(3, 3), r.check().shapeOf(bind(r.program().decls().get(0), "a").value()));
    String e = errors("""
        model M {
          input s[3, 3]; target y[3, 3]
          m = causal_mask(3)
          a = where(causal_mask(4), s, 0)
          b = where(causal_mask(0), s, 0)
          output s; loss mse(s, y)
        }""");
    assertTrue(e.contains("t.nn:3:7: error: `causal_mask(T)` makes a mask, usable only as the"
        + " condition of `where`"), e);
    assertTrue(e.contains("t.nn:4:7: error: where with mask [4, 4] and values [3, 3], []"), e);
    assertTrue(e.contains("t.nn:5:25: error: `size` of `causal_mask` must be a positive integer literal"), e);
  }

  @Test
  void multiAxisIndexingAndSlicing() {
    FrontendResult r = ok("""
        model M {
          input x[3, 4, 5]; target y[4, 2]
          a = x[:, 1]
          b = x[1, :, 2:4]
          c = x[0:2, 1:3, 4]
          d = x[:, :, 0]
          output a; loss mse(b, y)
        }""");
    Decl model = r.program().decls().get(0);
    assertEquals(Shape.of(3, 5), r.check().shapeOf(bind(model, "a").value()));
    assertEquals(Shape.of(4, 2), r.check().shapeOf(bind(model, "b").value()));
    assertEquals(Shape.of(2, 2), r.check().shapeOf(bind(model, "c").value()));
    assertEquals(Shape.of(3, 4), r.check().shapeOf(bind(model, "d").value()));
    assertEquals("x[:, 1]", dev.deltac.compiler.ast.AstPrinter.print(bind(model, "a").value()));
    String e = errors("""
        model M {
          input x[3, 4]; target y[3]
          a = x[:, 4]
          b = x[0, 1, 2]
          c = x[:, 2:9]
          d = x[:, 0.5]
          output a; loss mse(a, y)
        }""");
    assertTrue(e.contains("t.nn:3:12: error: index [4] on axis 1 of [3, 4]: out of range 0..3"), e);
    assertTrue(e.contains("t.nn:4:7: error: subscript with 3 entries on [3, 4]: at most one entry per"
        + " axis (2)"), e);
    assertTrue(e.contains("t.nn:5:12: error: slice [2:9] on axis 1 of [3, 4]: needs 0 <= start < end <= 4"), e);
    assertTrue(e.contains("t.nn:6:12: error: an index must be an integer literal or a loop variable"), e);
  }

  @Test
  void numpyBroadcastingAcceptsStretchableShapesAndNamesBothShapesOtherwise() {
    FrontendResult r = ok("""
        model M {
          input x[4, 3]; target y[2, 4, 3]
          param b[3]; param s[4, 1]; param u[2, 1, 3]
          z = x * s + b - u
          w = where(x > b, z, s)
          output z; loss mse(w, y)
        }""");
    Decl model = r.program().decls().get(0);
    assertEquals(Shape.of(2, 4, 3), r.check().shapeOf(bind(model, "z").value()));
    assertEquals(Shape.of(2, 4, 3), r.check().shapeOf(bind(model, "w").value()));
    String e = errors("""
        model M {
          input x[4, 3]; target y[4, 3]
          param b[4]
          z = x + b
          w = where(x > 0, x, b)
          output z; loss mse(z, y)
        }""");
    assertTrue(e.contains("t.nn:4:9: error: elementwise `+` of [4, 3] and [4]: axis 1 of the result"
        + " has sizes 3 and 4"), e);
    assertTrue(e.contains("where with mask [4, 3] and values [4, 3], [4]"), e);
  }
}
