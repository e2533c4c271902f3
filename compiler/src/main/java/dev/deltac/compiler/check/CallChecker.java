package dev.deltac.compiler.check;

import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.check.Builtins.ArgKind;
import dev.deltac.compiler.check.Builtins.BoundCall;
import dev.deltac.compiler.check.Builtins.Default;
import dev.deltac.compiler.check.Builtins.Param;
import dev.deltac.compiler.check.Builtins.Signature;
import dev.deltac.compiler.diag.DiagnosticKind;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.diag.Suggestions;
import dev.deltac.compiler.types.Shape;
import dev.deltac.compiler.types.ShapeRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Checks one builtin call: binds its arguments, checks each by kind, and computes its shape. */
final class CallChecker {
  private final Checker checker;
  private final Diagnostics diags;
  private final Map<String, Shape> tensors = new HashMap<>();
  private final Map<String, Long> ints = new HashMap<>();
  private final Map<String, Double> numbers = new HashMap<>();
  private String activation = "none";

  CallChecker(Checker checker, Diagnostics diags) {
    this.checker = checker;
    this.diags = diags;
  }

  /** {@code binding}: the name this call is the whole right-hand side of, or null. */
  Shape call(Expr.Call c, String binding) {
    String name = c.callee().name();
    var found = Builtins.function(name);
    if (found.isEmpty()) {
      String extra = Builtins.initializer(name).isPresent()
          ? "; `" + name + "` is an initializer, usable in `param NAME[...] = " + name + "`"
          : Suggestions.didYouMean(name, Builtins.functionNames()) + " (functions: "
              + Suggestions.list(Builtins.functionNames()) + ")";
      diags.error(DiagnosticKind.UNKNOWN_FUNCTION, c.callee().span(), name, extra);
      inferAll(c);
      return null;
    }
    Signature sig = found.get();
    BoundCall bound = Builtins.bind(sig, c, diags);
    if (bound == null) {
      inferAll(c);
      return null;
    }
    checker.calls.put(c, bound);
    this.bound = bound;
    boolean ok = true;
    if (sig.variadic()) {
      List<Shape> parts = new ArrayList<>();
      for (Expr a : bound.rest()) {
        Shape s = checker.infer(a, 0, null);
        ok &= s != null;
        parts.add(s);
      }
      Expr axisArg = bound.arg("axis");
      Long axis = 0L;
      if (axisArg != null) {
        Double v = checker.number(axisArg);
        if (v == null) return null;
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, axisArg.span(), "`axis` of `concat` must be an"
              + " integer literal (negative counts from the last axis), got " + v);
          return null;
        }
        axis = v.longValue();
      }
      if (!ok) return null;
      if (name.equals("stack")) return checker.shapeRule(c.callee().span(), () -> ShapeRules.stack(parts));
      long k = axis;
      return checker.shapeRule(axisArg == null ? c.callee().span() : axisArg.span(),
          () -> ShapeRules.concat(parts, k));
    }
    for (Param p : sig.params()) {
      Expr a = bound.arg(p.name());
      if (a == null) {
        if (p.defaultValue() instanceof Default.Number n) {
          numbers.put(p.name(), n.value());
          ints.put(p.name(), (long) n.value());
        } else if (p.defaultValue() instanceof Default.SameAs same) {
          ints.put(p.name(), ints.get(same.param()));
        }
        continue;
      }
      ok &= arg(sig, p, a);
    }
    if (!ok) return null;
    return shape(sig, c, binding);
  }

  private void inferAll(Expr.Call c) {
    for (Expr a : c.args()) if (!(a instanceof Expr.ListLit)) checker.infer(a, Checker.ALLOW_BOOL, null);
    for (Expr.NamedArg a : c.named()) if (!(a.value() instanceof Expr.ListLit)) checker.infer(a.value(), Checker.ALLOW_BOOL, null);
  }

  private boolean arg(Signature sig, Param p, Expr a) {
    String where = "`" + p.name() + "` of `" + sig.name() + "`";
    switch (p.kind()) {
      case TENSOR -> {
        Shape s = checker.infer(a, 0, null);
        if (s == null) return false;
        tensors.put(p.name(), s);
        return true;
      }
      case MASK -> {
        Shape s = checker.infer(a, Checker.ALLOW_MASK, null);
        if (s == null) return false;
        if (!(a instanceof Expr.Binary b && b.op().isComparison()) && !Checker.isCausalMask(a)) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, a.span(), where + " must be a comparison such as"
              + " `x > 0`, or `causal_mask(T)`");
          return false;
        }
        tensors.put(p.name(), s);
        return true;
      }
      case POSITIVE_INT, NATURAL -> {
        String need = p.kind() == ArgKind.POSITIVE_INT ? "a positive integer literal" : "a non-negative integer literal";
        Long v = checker.intLiteral(a, where + " must be " + need);
        if (v == null) return false;
        if (v < (p.kind() == ArgKind.POSITIVE_INT ? 1 : 0) || v > Integer.MAX_VALUE) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, a.span(), where + " must be " + need + ", got " + v);
          return false;
        }
        ints.put(p.name(), v);
        return true;
      }
      case NUMBER -> {
        Double v = checker.number(a);
        if (v == null) return false;
        checker.shapes.put(a, Shape.SCALAR);
        numbers.put(p.name(), v);
        return true;
      }
      case ACTIVATION -> {
        if (!(a instanceof Expr.Name n)) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, a.span(), where + " must be an activation name ("
              + Suggestions.list(Builtins.ACTIVATIONS) + ")");
          return false;
        }
        if (!Builtins.ACTIVATIONS.contains(n.name())) {
          diags.error(DiagnosticKind.UNKNOWN_ACTIVATION, a.span(), n.name(),
              Suggestions.didYouMean(n.name(), Builtins.ACTIVATIONS) + " (activations: "
                  + Suggestions.list(Builtins.ACTIVATIONS) + ")");
          return false;
        }
        activation = n.name();
        return true;
      }
      case DIMS -> {
        if (!(a instanceof Expr.ListLit l) || l.elements().isEmpty()) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, a.span(), where + " must be a list of dimensions such as `[2, 3]`");
          return false;
        }
        long[] dims = new long[l.elements().size()];
        for (int i = 0; i < dims.length; i++) {
          Long v = checker.intLiteral(l.elements().get(i), "dimensions must be positive integer literals");
          if (v == null) return false;
          dims[i] = v;
        }
        dimList = dims;
        return true;
      }
      case AXIS -> {
        Double v = checker.number(a);
        if (v == null) return false;
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, a.span(), where + " must be an integer literal"
              + " (negative counts from the last axis), got " + v);
          return false;
        }
        ints.put(p.name(), v.longValue());
        return true;
      }
      case AXES -> {
        if (!(a instanceof Expr.ListLit l) || l.elements().isEmpty()) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, a.span(), where + " must be a list of axes such as `[1, 0]`");
          return false;
        }
        long[] axes = new long[l.elements().size()];
        for (int i = 0; i < axes.length; i++) {
          Double v = checker.number(l.elements().get(i));
          if (v == null) return false;
          if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
            diags.error(DiagnosticKind.BAD_ARGUMENT, l.elements().get(i).span(), where
                + " must hold integer literals, got " + v);
            return false;
          }
          axes[i] = v.longValue();
        }
        dimList = axes;
        return true;
      }
      case INDICES -> {
        Shape s = checker.infer(a, Checker.ALLOW_INT, null);
        if (s == null) return false;
        if (!checker.isInteger(a)) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, a.span(), where + " must be integer indices (an `int` "
              + "input or target, or a part of one), but this is a float tensor of shape " + s);
          return false;
        }
        tensors.put(p.name(), s);
        return true;
      }
      case LABELS -> {
        Shape s = checker.infer(a, Checker.ALLOW_INT, null);
        if (s == null) return false;
        integerLabels = checker.isInteger(a);
        tensors.put(p.name(), s);
        return true;
      }
      case BOOL -> {
        if (!(a instanceof Expr.Bool)) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, a.span(), where + " must be `true` or `false`");
          return false;
        }
        checker.shapes.put(a, Shape.SCALAR);
        return true;
      }
      default -> throw new IllegalStateException(p.kind().toString());
    }
  }

  private long[] dimList;
  private boolean integerLabels;
  private BoundCall bound;

  private Shape shape(Signature sig, Expr.Call c, String binding) {
    String name = sig.name();
    SourceSpan at = c.callee().span();
    Shape x = tensors.get(sig.params().get(0).name());
    switch (sig.category()) {
      case LOSS:
        if (integerLabels) {
          Shape p = tensors.get("p");
          Shape out = checker.shapeRule(at, () -> ShapeRules.classLoss(name, p, tensors.get("y")));
          if (out != null) checker.indexes(bound.arg("y"), p.dim(p.rank() - 1));
          return out;
        }
        return checker.shapeRule(at, () -> ShapeRules.loss(name, tensors.get("p"), tensors.get("y")));
      case ELEMENTWISE:
        switch (name) {
          case "max", "min", "pow":
            return checker.shapeRule(at, () -> ShapeRules.broadcast(name, tensors.get("a"), tensors.get("b")));
          case "where":
            return checker.shapeRule(at, () -> ShapeRules.where(tensors.get("mask"), tensors.get("a"), tensors.get("b")));
          case "clamp":
            if (numbers.get("lo") > numbers.get("hi")) {
              diags.error(DiagnosticKind.BAD_ARGUMENT, c.span(), "`clamp(x, lo, hi)` needs lo <= hi");
              return null;
            }
            return x;
          default:
            return x;
        }
      case REDUCTION:
        if (name.equals("dot")) return checker.shapeRule(at, () -> ShapeRules.dot(tensors.get("a"), tensors.get("b")));
        if (ints.get("axis") != null) {
          long axis = ints.get("axis");
          return checker.shapeRule(axisAt(at), () -> ShapeRules.reduceAxis(name, x, axis));
        }
        return checker.shapeRule(at, () -> ShapeRules.reduce(name, x));
      case VECTOR:
        switch (name) {
          case "outer":
            return checker.shapeRule(at, () -> ShapeRules.outer(tensors.get("a"), tensors.get("b")));
          case "transpose":
            return checker.shapeRule(at, () -> ShapeRules.transpose(x));
          case "reshape":
            return checker.shapeRule(at, () -> ShapeRules.reshape(x, dimList));
          case "flatten":
            return ShapeRules.flatten(x);
          case "causal_mask": {
            long t = ints.get("size");
            return checker.shapeRule(at, () -> ShapeRules.of("causal_mask(" + t + ")", t, t));
          }
          case "permute":
            return checker.shapeRule(at, () -> ShapeRules.permute(x, dimList));
          case "softmax", "log_softmax": {
            long axis = ints.get("axis");
            return checker.shapeRule(axisAt(at), () -> ShapeRules.alongAxis(name, x, axis));
          }
          case "one_hot": {
            long n = ints.get("n");
            Shape out = checker.shapeRule(at, () -> ShapeRules.oneHot(x, n));
            if (out != null) checker.indexes(bound.arg("ids"), n);
            return out;
          }
          default:
            return checker.shapeRule(at, () -> ShapeRules.vector(name, x));
        }
      case LAYER:
        return layer(sig, c, binding, x, at);
      default:
        throw new IllegalStateException(sig.category().toString());
    }
  }

  /** Where an axis error points: the axis argument when it is written, else the callee. */
  private SourceSpan axisAt(SourceSpan callee) {
    Expr a = bound.arg("axis");
    return a == null ? callee : a.span();
  }

  private Shape layer(Signature sig, Expr.Call c, String binding, Shape x, SourceSpan at) {
    String name = sig.name();
    if (sig.createsParams()) {
      if (!checker.inModel()) {
        diags.error(DiagnosticKind.LAYER_PLACEMENT, at, "`" + name + "` creates params, and only models have params");
        return null;
      }
      if (binding == null) {
        diags.error(DiagnosticKind.LAYER_PLACEMENT, at, "`" + name + "` creates params named after its binding, "
            + "so it must be the whole right-hand side of one, as in `h = " + name + "(...)`");
        return null;
      }
    }
    boolean he = Builtins.RELU_FAMILY.contains(activation);
    InitSpec weightInit = InitSpec.of(he ? "he" : "xavier");
    Expr.Call call = c;
    switch (name) {
      case "dense": {
        long units = ints.get("units");
        Shape out = checker.shapeRule(at, () -> ShapeRules.dense(x, units));
        if (out == null) return null;
        Shape w = checker.shapeRule(at, () -> ShapeRules.denseWeight(x, units));
        if (w == null) return null;
        checker.pendLayer(List.of(
            new LayerParam(binding, "W", w, weightInit, null, call),
            new LayerParam(binding, "b", Shape.of(w.dim(0)), InitSpec.of("zeros"), null, call)));
        return out;
      }
      case "conv2d": {
        long filters = ints.get("filters");
        long kernel = ints.get("kernel");
        long stride = ints.get("stride");
        long padding = ints.get("padding");
        Shape out = checker.shapeRule(at, () -> ShapeRules.conv2d(x, filters, kernel, stride, padding));
        if (out == null) return null;
        Shape w = checker.shapeRule(at, () -> ShapeRules.conv2dWeight(x, filters, kernel));
        if (w == null) return null;
        checker.pendLayer(List.of(
            new LayerParam(binding, "W", w, weightInit, null, call),
            new LayerParam(binding, "b", Shape.of((int) filters), InitSpec.of("zeros"), null, call)));
        return out;
      }
      case "layer_norm": {
        Shape out = checker.shapeRule(at, () -> ShapeRules.layerNorm(x));
        if (out == null) return null;
        Shape params = Shape.of(out.dim(out.rank() - 1));
        checker.pendLayer(List.of(
            new LayerParam(binding, "gain", params, InitSpec.of("ones"), null, call),
            new LayerParam(binding, "bias", params, InitSpec.of("zeros"), null, call)));
        return out;
      }
      case "batch_norm": {
        Shape out = checker.shapeRule(at, () -> ShapeRules.batchNorm(x));
        if (out == null) return null;
        double momentum = numbers.get("momentum");
        double eps = numbers.get("eps");
        if (!(momentum >= 0 && momentum <= 1)) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, bound.arg("momentum").span(),
              "the momentum of `batch_norm` must be in [0, 1], got " + momentum);
          return null;
        }
        if (!(eps > 0)) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, bound.arg("eps").span(),
              "the eps of `batch_norm` must be > 0, got " + eps);
          return null;
        }
        Shape channels = Shape.of(out.dim(0));
        checker.pendLayer(List.of(
            new LayerParam(binding, "gain", channels, InitSpec.of("ones"), null, call),
            new LayerParam(binding, "bias", channels, InitSpec.of("zeros"), null, call)));
        return out;
      }
      case "embedding": {
        long v = ints.get("V");
        long d = ints.get("d");
        Shape w = checker.shapeRule(at, () -> ShapeRules.of("embedding table", v, d));
        if (w == null) return null;
        Shape out = checker.shapeRule(at, () -> ShapeRules.gather(w, x));
        if (out == null) return null;
        checker.indexes(bound.arg("ids"), v);
        // torch.nn.Embedding initializes its table from N(0, 1).
        checker.pendLayer(List.of(new LayerParam(binding, "W", w, InitSpec.of("normal", 0, 1), null, call)));
        return out;
      }
      case "lstm", "gru", "rnn": {
        long hidden = ints.get("H");
        if (name.equals("rnn") && bound.arg("act") != null && !activation.equals("tanh") && !activation.equals("relu")) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, bound.arg("act").span(),
              "`rnn` takes act=tanh or act=relu (as torch.nn.RNN), got `" + activation + "`");
          return null;
        }
        Shape out = checker.shapeRule(at, () -> ShapeRules.recurrent(name, x, hidden));
        if (out == null) return null;
        long gates = (name.equals("lstm") ? 4 : name.equals("gru") ? 3 : 1) * hidden;
        Shape wih = checker.shapeRule(at, () -> ShapeRules.of(name + " weight W_ih", gates, x.dim(1)));
        Shape whh = checker.shapeRule(at, () -> ShapeRules.of(name + " weight W_hh", gates, hidden));
        if (wih == null || whh == null) return null;
        // torch.nn.LSTM/GRU/RNN: every param from uniform(-1/sqrt(H), 1/sqrt(H)).
        double k = 1 / Math.sqrt(hidden);
        InitSpec init = InitSpec.of("uniform", -k, k);
        Shape b = Shape.of((int) gates);
        checker.pendLayer(List.of(
            new LayerParam(binding, "W_ih", wih, init, null, call),
            new LayerParam(binding, "W_hh", whh, init, null, call),
            new LayerParam(binding, "b_ih", b, init, null, call),
            new LayerParam(binding, "b_hh", b, init, null, call)));
        return out;
      }
      case "maxpool2d", "avgpool2d":
        return checker.shapeRule(at, () -> ShapeRules.pool2d(name, x, ints.get("size"), ints.get("stride")));
      case "dropout": {
        double rate = numbers.get("rate");
        if (rate < 0 || rate >= 1) {
          diags.error(DiagnosticKind.BAD_ARGUMENT, bound.arg("rate").span(),
              "the rate of `dropout` must be in [0, 1), got " + rate);
          return null;
        }
        return x;
      }
      default:
        throw new IllegalStateException(name);
    }
  }
}
