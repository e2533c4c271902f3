package dev.deltac.compiler.check;

import dev.deltac.compiler.ast.Decl;
import dev.deltac.compiler.ast.Dim;
import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.ast.Ident;
import dev.deltac.compiler.ast.Init;
import dev.deltac.compiler.ast.Program;
import dev.deltac.compiler.ast.Stmt;
import dev.deltac.compiler.diag.DiagnosticKind;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.diag.Suggestions;
import dev.deltac.compiler.types.Shape;
import dev.deltac.compiler.types.ShapeException;
import dev.deltac.compiler.types.ShapeRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stage 2: semantic checks. Resolves every name (including the params layer sugar introduces),
 * infers and checks every shape, and checks the statement rules of dsl.md. All errors of a file
 * are reported; an expression whose operand already failed gets no error of its own, and an
 * undefined name is reported once per declaration.
 *
 * <p>Limits (documented in docs/LANGUAGE.md): a single tensor and the sum of a model's
 * parameter and activation elements are at most {@link ShapeRules#MAX_ELEMENTS}; nested loops
 * unroll to at most {@link #MAX_LOOP_ITERATIONS} iterations.
 */
public final class Checker {
  /** Most iterations a (nested) {@code for} may unroll to. */
  public static final long MAX_LOOP_ITERATIONS = 10_000;

  private final Diagnostics diags;
  private final Program program;
  private final SourcePositions positions;
  final IdentityHashMap<Expr, Shape> shapes = new IdentityHashMap<>();
  final IdentityHashMap<Expr, Symbol> resolved = new IdentityHashMap<>();
  final IdentityHashMap<Expr.Call, Builtins.BoundCall> calls = new IdentityHashMap<>();
  final IdentityHashMap<Object, InitSpec> inits = new IdentityHashMap<>();
  /** Expressions whose values are integer indices (dsl.md section 9). */
  final Set<Expr> integers = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
  /** Definitions (input, target, binding statements) of integer names. */
  final Set<Object> integerDefs = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
  /** Per integer input or target statement: the smallest range its values index (exclusive). */
  final IdentityHashMap<Object, Integer> indexBounds = new IdentityHashMap<>();
  private final IdentityHashMap<Decl, CheckResult.DeclInfo> infos = new IdentityHashMap<>();

  // state of the declaration being checked
  private Decl decl;
  private Scope scope;
  private Map<String, Integer> definedAt;
  private Set<String> reportedNames;
  private List<LayerParam> layerParams;
  private Map<String, List<LayerParam>> layersByBinding;
  private List<LayerParam> pendingLayer;
  private long paramElements;
  private long activationElements;

  private Checker(Program program, Diagnostics diags) {
    this.program = program;
    this.diags = diags;
    this.positions = new SourcePositions(program.source());
  }

  /** Checks {@code program}, reporting into {@code diags}. The result is complete only without errors. */
  public static CheckResult check(Program program, Diagnostics diags) {
    Checker c = new Checker(program, diags);
    c.run();
    return new CheckResult(program, c.shapes, c.resolved, c.calls, c.inits, c.infos, c.integers,
        c.indexBounds);
  }

  private void run() {
    if (program.decls().isEmpty()) {
      diags.error(DiagnosticKind.NO_DECLS, SourceSpan.at(program.file(), 1, 1));
      return;
    }
    Map<String, Decl> seen = new HashMap<>();
    for (Decl d : program.decls()) {
      String kind = d instanceof Decl.Model ? "model" : "function";
      String problem = JavaNames.problem(d.name().name());
      if (problem != null) {
        diags.error(DiagnosticKind.BAD_DECL_NAME, d.name().span(), "cannot name a " + kind + " `"
            + d.name().name() + "`: " + problem + "; a " + kind + " becomes a Java class, so choose another name");
      }
      Decl prev = seen.putIfAbsent(d.name().name(), d);
      if (prev != null) {
        diags.error(DiagnosticKind.DUPLICATE_DECL, d.name().span(),
            prev instanceof Decl.Model ? "model" : "function", d.name().name(), prev.name().span().line());
      }
      if (d instanceof Decl.Model m) {
        model(m);
      } else {
        function((Decl.Function) d);
      }
    }
  }

  private void begin(Decl d, List<Stmt> body) {
    decl = d;
    scope = new Scope(null, 1);
    definedAt = new HashMap<>();
    collectDefinitions(body);
    reportedNames = new HashSet<>();
    layerParams = new ArrayList<>();
    layersByBinding = new LinkedHashMap<>();
    paramElements = 0;
    activationElements = 0;
  }

  private void collectDefinitions(List<Stmt> body) {
    for (Stmt s : body) {
      Ident n = definedName(s);
      if (n != null) definedAt.putIfAbsent(n.name(), n.span().line());
      if (s instanceof Stmt.For f) collectDefinitions(f.body());
    }
  }

  private static Ident definedName(Stmt s) {
    if (s instanceof Stmt.Input i) return i.name();
    if (s instanceof Stmt.Target t) return t.name();
    if (s instanceof Stmt.Param p) return p.name();
    if (s instanceof Stmt.Const c) return c.name();
    if (s instanceof Stmt.Bind b) return b.name();
    if (s instanceof Stmt.State st) return st.name();
    return null;
  }

  // ---- model ----

  private void model(Decl.Model m) {
    begin(m, m.body());
    ModelState st = new ModelState();
    stmts(m.body(), st);
    for (Stmt.Output o : st.outputs) outputs(o, st);
    if (st.firstLoss == null) {
      diags.error(DiagnosticKind.MISSING, m.name().span(), "model `" + m.name().name()
          + "` has no `loss`; add e.g. `loss mse(yhat, y)`");
    }
    if (st.outputs.isEmpty()) {
      diags.error(DiagnosticKind.MISSING, m.name().span(), "model `" + m.name().name()
          + "` has no `output`; add e.g. `output yhat`");
    }
    long total = paramElements + activationElements;
    if (total > ShapeRules.MAX_ELEMENTS || total < 0) {
      diags.error(DiagnosticKind.TOO_LARGE, m.name().span(), "model `" + m.name().name() + "` needs "
          + total + " elements of buffers (params " + paramElements + ", activations "
          + activationElements + "), above the limit of " + ShapeRules.MAX_ELEMENTS + " (2^31 - 1)");
    }
    TrainSpec train = st.train == null ? null : new TrainChecker(diags).check(st.train);
    infos.put(m, new CheckResult.DeclInfo(m, scope.names, layerParams, train));
  }

  private static final class ModelState {
    final List<Stmt.Output> outputs = new ArrayList<>();
    Stmt.Loss firstLoss;
    boolean plainLoss;
    Stmt.Train train;
  }

  private void stmts(List<Stmt> body, ModelState st) {
    for (Stmt s : body) stmt(s, st);
  }

  private void stmt(Stmt s, ModelState st) {
    boolean loop = scope.inLoop();
    // a misplaced declaration is reported, then still defined, so its uses do not cascade
    if (s instanceof Stmt.Input i) {
      notInLoop(s, "input", loop);
      Shape shape = declShape("input", i.name(), i.shape());
      if (i.integer()) integerDefs.add(s);
      if (define(i.name(), Symbol.Kind.INPUT, shape, s) && shape != null) activationElements += shape.sizeLong();
    } else if (s instanceof Stmt.Target t) {
      notInLoop(s, "target", loop);
      Shape shape = declShape("target", t.name(), t.shape());
      if (t.integer()) integerDefs.add(s);
      if (define(t.name(), Symbol.Kind.TARGET, shape, s) && shape != null) activationElements += shape.sizeLong();
    } else if (s instanceof Stmt.Param p) {
      notInLoop(s, "param", loop);
      param(p);
    } else if (s instanceof Stmt.Const c) {
      constStmt(c);
    } else if (s instanceof Stmt.Bind b) {
      bind(b);
    } else if (s instanceof Stmt.State sd) {
      notInLoop(s, "state", loop);
      state(sd);
    } else if (s instanceof Stmt.For f) {
      forStmt(f, st);
    } else if (s instanceof Stmt.Output o) {
      if (!notInLoop(s, "output", loop)) return;
      if (!st.outputs.isEmpty()) {
        diags.error(DiagnosticKind.MISPLACED_STATEMENT, s.span(), "`output` is already given at line "
            + st.outputs.get(0).span().line() + "; list every output in one `output a, b` statement");
        return;
      }
      st.outputs.add(o);
    } else if (s instanceof Stmt.Loss l) {
      loss(l, st);
    } else if (s instanceof Stmt.Train t) {
      if (!notInLoop(s, "train", loop)) return;
      if (st.train != null) {
        diags.error(DiagnosticKind.MISPLACED_STATEMENT, s.span(), "`train` is already given at line " + st.train.span().line());
        return;
      }
      st.train = t;
    } else if (s instanceof Stmt.Return) {
      diags.error(DiagnosticKind.MISPLACED_STATEMENT, s.span(), "`return` belongs in a `function`; a model ends with `output` and `loss`");
    }
  }

  private boolean notInLoop(Stmt s, String what, boolean loop) {
    if (loop) {
      diags.error(DiagnosticKind.MISPLACED_STATEMENT, s.span(), "`" + what + "` is not allowed inside `for`; declare it before the loop");
      return false;
    }
    return true;
  }

  private void param(Stmt.Param p) {
    Shape shape = declShape("param", p.name(), p.shape());
    if (p.init() != null) {
      InitSpec init = initializer(p.init().name(), p.init().args(), p.init().span());
      if (init != null) inits.put(p, init);
    } else if (shape != null) {
      inits.put(p, InitSpec.defaultFor(shape.rank()));
    }
    if (define(p.name(), Symbol.Kind.PARAM, shape, p) && shape != null) paramElements += shape.sizeLong();
  }

  private void constStmt(Stmt.Const c) {
    Shape shape = declShape("const", c.name(), c.shape());
    boolean ok = true;
    for (Expr v : c.values()) ok &= number(v) != null;
    if (ok && shape != null && c.values().size() != 1 && c.values().size() != shape.sizeLong()) {
      diags.error(DiagnosticKind.CONST_VALUE, c.name().span(), "const `" + c.name().name() + "` has shape "
          + shape + ", so it needs " + shape.sizeLong() + " values (or one to fill it), but "
          + c.values().size() + " are given");
    }
    for (Expr v : c.values()) shapes.put(v, Shape.SCALAR);
    if (define(c.name(), Symbol.Kind.CONST, shape, c) && shape != null) activationElements += shape.sizeLong();
  }

  private void bind(Stmt.Bind b) {
    String name = b.name().name();
    Symbol existing = scope.lookup(name);
    if (existing != null && existing.kind() == Symbol.Kind.STATE) {
      Shape v = infer(b.value(), 0, name);
      if (!scope.inLoop()) {
        diags.error(DiagnosticKind.STATE_OUTSIDE_FOR, b.name().span(), name);
        pendingLayer = null;
        return;
      }
      if (v != null && existing.shape() != null && !v.equals(existing.shape())) {
        diags.error(DiagnosticKind.STATE_SHAPE, b.name().span(), "state `" + name + "` has shape "
            + existing.shape() + ", but is assigned a value of shape " + v);
      }
      commitLayer(name, b);
      return;
    }
    Shape v = infer(b.value(), ALLOW_INT, name);
    if (integers.contains(b.value())) integerDefs.add(b);
    if (define(b.name(), Symbol.Kind.BINDING, v, b)) {
      commitLayer(name, b);
      if (v != null) activationElements = saturatingAdd(activationElements, v.sizeLong() * scope.iterations);
    }
    pendingLayer = null;
  }

  private void commitLayer(String binding, Stmt.Bind b) {
    if (pendingLayer == null) return;
    if (layersByBinding.containsKey(binding)) {
      diags.error(DiagnosticKind.DUPLICATE_NAME, b.name().span(), binding + ".*",
          layersByBinding.get(binding).get(0).bind().name().span().line(),
          "; each layer needs its own binding name, because its params are named after it");
    } else {
      Scope root = scope;
      while (root.parent != null) root = root.parent;
      List<LayerParam> committed = new ArrayList<>();
      for (LayerParam p : pendingLayer) {
        LayerParam lp = new LayerParam(p.binding(), p.member(), p.shape(), p.init(), b, p.call());
        committed.add(lp);
        layerParams.add(lp);
        root.names.put(lp.fullName(), new Symbol(lp.fullName(), Symbol.Kind.LAYER_PARAM, lp.shape(), b.name().span(), lp));
        paramElements = saturatingAdd(paramElements, lp.shape().sizeLong());
      }
      layersByBinding.put(binding, committed);
    }
    pendingLayer = null;
  }

  private void state(Stmt.State s) {
    Shape declared = s.shape().isEmpty() ? null : declShape("state", s.name(), s.shape());
    boolean shapeOk = s.shape().isEmpty() || declared != null;
    Shape shape = declared;
    InitSpec init = stateInit(s.start());
    if (init != null) {
      if (s.shape().isEmpty()) {
        diags.error(DiagnosticKind.STATE_SHAPE, s.name().span(), "state `" + s.name().name()
            + "` starts from an initializer, so it needs a shape: `state " + s.name().name() + "[n] = ...`");
      }
      inits.put(s, init);
    } else if (!lastStateInitFailed) {
      Shape v = infer(s.start(), 0, null);
      if (shape == null && shapeOk) shape = v;
      if (v != null && declared != null && !v.equals(declared)) {
        diags.error(DiagnosticKind.STATE_SHAPE, s.start().span(), "state `" + s.name().name()
            + "` has shape " + declared + ", but starts from a value of shape " + v);
      }
    }
    if (define(s.name(), Symbol.Kind.STATE, shape, s) && shape != null) activationElements += shape.sizeLong();
  }

  /** Set by {@link #stateInit} when the start looked like an initializer but was invalid (reported). */
  private boolean lastStateInitFailed;

  /** The initializer a state starts from: {@code zeros}, {@code ones}, {@code const(v)}; else null. */
  private InitSpec stateInit(Expr start) {
    lastStateInitFailed = false;
    String name;
    List<Expr> args;
    if (start instanceof Expr.Name n && scope.lookup(n.name()) == null) {
      name = n.name();
      args = List.of();
    } else if (start instanceof Expr.Call c && Builtins.function(c.callee().name()).isEmpty()) {
      name = c.callee().name();
      args = c.args();
      if (!c.named().isEmpty() && Builtins.initializer(name).isPresent()) {
        diags.error(DiagnosticKind.BAD_ARGUMENT, c.named().get(0).span(), "initializers take positional arguments only");
        lastStateInitFailed = true;
        return null;
      }
    } else {
      return null;
    }
    if (Builtins.initializer(name).isEmpty()) return null;
    if (!Set.of("zeros", "ones", "const").contains(name)) {
      diags.error(DiagnosticKind.BAD_ARGUMENT, start.span(), "a state starts from an expression or from "
          + "`zeros`, `ones` or `const(v)`, not from the random initializer `" + name + "`");
      lastStateInitFailed = true;
      return null;
    }
    InitSpec spec = initializer(new Ident(name, start.span()), args, start.span());
    if (spec == null) lastStateInitFailed = true;
    return spec;
  }

  private void forStmt(Stmt.For f, ModelState st) {
    long from = f.from().value();
    long to = f.to().value();
    long iterations = to - from;
    boolean ok = true;
    if (from >= to) {
      diags.error(DiagnosticKind.LOOP_BOUNDS, f.from().span(), "loop bounds must satisfy A < B, but they are "
          + from + ".." + to + " (B is excluded)");
      ok = false;
    } else if (iterations > MAX_LOOP_ITERATIONS || scope.iterations * iterations > MAX_LOOP_ITERATIONS) {
      diags.error(DiagnosticKind.LOOP_BOUNDS, f.from().span(), "a loop, with the loops around it, runs at most "
          + MAX_LOOP_ITERATIONS + " iterations; " + from + ".." + to + " would run "
          + ShapeRules.saturatingMultiply(scope.iterations, iterations) + " times");
      ok = false;
    }
    Scope outer = scope;
    scope = new Scope(outer, ok ? outer.iterations * iterations : outer.iterations);
    if (outer.lookup(f.var().name()) != null) {
      diags.error(DiagnosticKind.DUPLICATE_NAME, f.var().span(), f.var().name(),
          outer.lookup(f.var().name()).span().line(), "; choose another loop variable");
    }
    scope.names.put(f.var().name(), new Symbol(f.var().name(), Symbol.Kind.LOOP_VAR, ok ? Shape.SCALAR : null, f.var().span(), f));
    try {
      stmts(f.body(), st);
    } finally {
      scope = outer;
    }
  }

  private void loss(Stmt.Loss l, ModelState st) {
    if (!l.accumulate()) {
      if (scope.inLoop()) {
        diags.error(DiagnosticKind.LOSS_ASSIGNMENT, l.span(), "inside `for`, the loss is accumulated: write `loss += ...`");
      } else if (st.firstLoss != null) {
        diags.error(DiagnosticKind.LOSS_ASSIGNMENT, l.span(), "the loss is already set at line "
            + st.firstLoss.span().line() + "; write `loss += ...` to add a term");
      }
    }
    if (st.firstLoss == null) st.firstLoss = l;
    Shape s = infer(l.value(), 0, null);
    if (s != null && !s.isScalar()) {
      diags.error(DiagnosticKind.LOSS_NOT_SCALAR, l.value().span(), s);
    }
  }

  private void outputs(Stmt.Output o, ModelState st) {
    Set<String> seen = new HashSet<>();
    for (Ident n : o.names()) {
      if (!seen.add(n.name())) {
        diags.error(DiagnosticKind.BAD_OUTPUT, n.span(), "`" + n.name() + "` is listed twice in `output`");
        continue;
      }
      Symbol s = scope.names.get(n.name());
      if (s == null) {
        if (definedAt.containsKey(n.name())) {
          diags.error(DiagnosticKind.BAD_OUTPUT, n.span(), "`" + n.name() + "` is defined inside a `for` body (line "
              + definedAt.get(n.name()) + "), so it has no single value to output; use a `state`");
        } else {
          diags.error(DiagnosticKind.UNDEFINED_NAME, n.span(), n.name(), didYouMean(n.name()));
        }
      } else if (s.kind() != Symbol.Kind.INPUT && s.kind() != Symbol.Kind.BINDING && s.kind() != Symbol.Kind.STATE) {
        diags.error(DiagnosticKind.BAD_OUTPUT, n.span(), "`" + n.name() + "` is a " + s.kind().label
            + "; `output` takes inputs, bindings or states");
      }
    }
  }

  // ---- function ----

  private void function(Decl.Function f) {
    begin(f, f.body());
    for (Decl.Arg a : f.args()) {
      define(a.name(), Symbol.Kind.ARG, declShape("argument", a.name(), a.shape()), a);
    }
    Stmt.Return ret = null;
    for (int i = 0; i < f.body().size(); i++) {
      Stmt s = f.body().get(i);
      if (ret != null) {
        diags.error(DiagnosticKind.RETURN_PLACEMENT, s.span(), "nothing may follow `return`, the last statement of a function");
        break;
      }
      if (s instanceof Stmt.Bind b) {
        if (b.value() instanceof Expr.Call c && Builtins.function(c.callee().name()).map(Builtins.Signature::createsParams).orElse(false)) {
          diags.error(DiagnosticKind.LAYER_PLACEMENT, c.span(), "`" + c.callee().name()
              + "` creates params, and only models have params");
          define(b.name(), Symbol.Kind.BINDING, null, b);
          continue;
        }
        bind(b);
      } else if (s instanceof Stmt.Const c) {
        constStmt(c);
      } else if (s instanceof Stmt.Return r) {
        ret = r;
        Shape v = infer(r.value(), 0, null);
        if (v != null && !v.isScalar()) diags.error(DiagnosticKind.RETURN_NOT_SCALAR, r.value().span(), v);
      } else {
        diags.error(DiagnosticKind.MISPLACED_STATEMENT, s.span(), "`" + keyword(s)
            + "` is not allowed in a function; a function has arguments, bindings, consts and `return`");
      }
    }
    if (ret == null) {
      diags.error(DiagnosticKind.MISSING, f.name().span(), "function `" + f.name().name()
          + "` has no `return`; end it with `return EXPR`");
    }
    infos.put(f, new CheckResult.DeclInfo(f, scope.names, List.of(), null));
  }

  private static String keyword(Stmt s) {
    if (s instanceof Stmt.Input) return "input";
    if (s instanceof Stmt.Target) return "target";
    if (s instanceof Stmt.Param) return "param";
    if (s instanceof Stmt.State) return "state";
    if (s instanceof Stmt.For) return "for";
    if (s instanceof Stmt.Output) return "output";
    if (s instanceof Stmt.Loss) return "loss";
    if (s instanceof Stmt.Train) return "train";
    return "statement";
  }

  // ---- names, shapes, initializers ----

  private boolean define(Ident name, Symbol.Kind kind, Shape shape, Object def) {
    Symbol prev = scope.lookup(name.name());
    if (prev != null) {
      String hint = prev.kind() == Symbol.Kind.BINDING || prev.kind() == Symbol.Kind.INPUT
          || prev.kind() == Symbol.Kind.PARAM
          ? "; names are assigned once (only a `state` is reassigned, inside `for`)" : "";
      diags.error(DiagnosticKind.DUPLICATE_NAME, name.span(), name.name(), prev.span().line(), hint);
      return false;
    }
    scope.names.put(name.name(), new Symbol(name.name(), kind, shape, name.span(), def));
    return true;
  }

  /** The shape of a declaration, or null after reporting a bad dimension or a too-large tensor. */
  private Shape declShape(String what, Ident name, List<Dim> dims) {
    long[] values = new long[dims.size()];
    boolean ok = true;
    for (int i = 0; i < dims.size(); i++) {
      Dim d = dims.get(i);
      if (d.value() <= 0) {
        diags.error(DiagnosticKind.BAD_DIMENSION, d.span(), "dimensions must be positive, but " + what
            + " `" + name.name() + "` has dimension " + d.value());
        ok = false;
      } else if (d.value() > Integer.MAX_VALUE) {
        diags.error(DiagnosticKind.TOO_LARGE, d.span(), "dimension " + d.value() + " of " + what + " `"
            + name.name() + "` is too large; the limit is " + Integer.MAX_VALUE);
        ok = false;
      }
      values[i] = d.value();
    }
    if (!ok) return null;
    try {
      return ShapeRules.of(what + " `" + name.name() + "`", values);
    } catch (ShapeException e) {
      diags.error(DiagnosticKind.TOO_LARGE, name.span(), e.getMessage());
      return null;
    }
  }

  /** Validates an initializer and its arguments; null after reporting. */
  InitSpec initializer(Ident name, List<Expr> args, SourceSpan span) {
    var sig = Builtins.initializer(name.name());
    if (sig.isEmpty()) {
      diags.error(DiagnosticKind.UNKNOWN_INITIALIZER, name.span(), name.name(),
          Suggestions.didYouMean(name.name(), Builtins.initializerNames())
              + " (initializers: " + Suggestions.list(Builtins.initializerNames()) + ")");
      return null;
    }
    Builtins.BoundCall bound = Builtins.bind(sig.get(), name, args, List.of(), span, diags);
    if (bound == null) return null;
    List<Double> values = new ArrayList<>();
    for (Expr a : bound.args().values()) {
      Double v = number(a);
      if (v == null) return null;
      values.add(v);
      shapes.put(a, Shape.SCALAR);
    }
    if (name.name().equals("normal") && values.get(1) < 0) {
      diags.error(DiagnosticKind.BAD_ARGUMENT, args.get(1).span(), "the standard deviation of `normal` must not be negative");
      return null;
    }
    if (name.name().equals("uniform") && values.get(0) > values.get(1)) {
      diags.error(DiagnosticKind.BAD_ARGUMENT, span, "`uniform(lo, hi)` needs lo <= hi");
      return null;
    }
    return new InitSpec(name.name(), values);
  }

  /** A number literal, possibly negated; null after reporting. */
  Double number(Expr e) {
    double sign = 1;
    Expr x = e;
    if (x instanceof Expr.Neg n) {
      sign = -1;
      x = n.operand();
    }
    if (!(x instanceof Expr.Num num)) {
      diags.error(DiagnosticKind.BAD_ARGUMENT, e.span(), "expected a number literal here");
      return null;
    }
    if (!finite(num)) return null;
    shapes.put(e, Shape.SCALAR);
    shapes.put(num, Shape.SCALAR);
    return sign * num.value();
  }

  private boolean finite(Expr.Num num) {
    double v = Math.abs(num.value());
    if (Double.isInfinite(v) || v > Float.MAX_VALUE) {
      diags.error(DiagnosticKind.BAD_NUMBER, num.span(), "number `" + num.text() + "` is out of the float32 range");
      return false;
    }
    return true;
  }

  private String didYouMean(String name) {
    List<String> candidates = new ArrayList<>();
    scope.visible(candidates);
    candidates.removeIf(c -> c.contains("."));
    return Suggestions.didYouMean(name, candidates);
  }

  private static long saturatingAdd(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }

  // ---- expressions ----

  static final int ALLOW_MASK = 1;
  static final int ALLOW_BOOL = 2;
  /** An integer value is allowed here (an index, a class target, a binding, {@code float(...)}). */
  static final int ALLOW_INT = 4;

  /** The shape of {@code e} (recorded in the result), or null when it had an error. */
  Shape infer(Expr e, int flags, String binding) {
    Shape s = inferInner(e, flags, binding);
    if (s != null && integers.contains(e) && (flags & ALLOW_INT) == 0) {
      String what = e instanceof Expr.Name n ? "`" + n.name() + "`" : "this expression";
      String conv = e instanceof Expr.Name n ? "float(" + n.name() + ")" : "float(...)";
      diags.error(DiagnosticKind.INTEGER_VALUE, e.span(), what + " holds integer indices, which are not "
          + "differentiable and take no arithmetic; convert it with `" + conv + "` to use its values as floats");
      return null;
    }
    if (s != null) shapes.put(e, s);
    return s;
  }

  /** Whether {@code e} (already inferred) holds integer indices. */
  boolean isInteger(Expr e) {
    return integers.contains(e);
  }

  /**
   * Records that the integer values of {@code e} index a range of {@code bound} (exclusive): the
   * input or target they come from must hold values in 0..bound-1 at run time.
   */
  void indexes(Expr e, long bound) {
    Object root = integerRoot(e);
    if (root == null || bound > Integer.MAX_VALUE) return;
    indexBounds.merge(root, (int) bound, Math::min);
  }

  /** The input or target statement an integer expression's values come from, or null. */
  private Object integerRoot(Expr e) {
    for (int guard = 0; guard < 10_000; guard++) {
      if (e instanceof Expr.Index i) {
        e = i.target();
      } else if (e instanceof Expr.Slice sl) {
        e = sl.target();
      } else if (e instanceof Expr.Subscript sub) {
        e = sub.target();
      } else if (e instanceof Expr.Name n) {
        Symbol sym = resolved.get(n);
        if (sym == null) return null;
        Object def = sym.definition();
        if (def instanceof Stmt.Bind b) {
          e = b.value();
        } else {
          return def instanceof Stmt.Input || def instanceof Stmt.Target ? def : null;
        }
      } else {
        return null;
      }
    }
    return null;
  }

  private Shape inferInner(Expr e, int flags, String binding) {
    if (e instanceof Expr.Num n) return finite(n) ? Shape.SCALAR : null;
    if (e instanceof Expr.Bool b) {
      if ((flags & ALLOW_BOOL) == 0) {
        diags.error(DiagnosticKind.MISPLACED_BOOL, b.span(), b.value());
        return null;
      }
      return Shape.SCALAR;
    }
    if (e instanceof Expr.Name n) return name(n);
    if (e instanceof Expr.Member m) return member(m);
    if (e instanceof Expr.Neg n) return infer(n.operand(), 0, null);
    if (e instanceof Expr.Binary b) return binary(b, flags);
    if (e instanceof Expr.Call c) {
      if (isCausalMask(c) && (flags & ALLOW_MASK) == 0) {
        diags.error(DiagnosticKind.BAD_ARGUMENT, c.span(), "`causal_mask(T)` makes a mask, usable"
            + " only as the condition of `where`, as in `where(causal_mask(T), scores, -1e9)`");
        return null;
      }
      return new CallChecker(this, diags).call(c, binding);
    }
    if (e instanceof Expr.Index i) return index(i);
    if (e instanceof Expr.Slice s) return slice(s);
    if (e instanceof Expr.Subscript s) return subscript(s);
    if (e instanceof Expr.Transpose t) {
      Shape a = infer(t.operand(), 0, null);
      if (a == null) return null;
      return shapeRule(t.span(), () -> ShapeRules.transpose(a));
    }
    if (e instanceof Expr.If i) return ifExpr(i);
    diags.error(DiagnosticKind.BAD_ARGUMENT, e.span(), "a list `[...]` is usable only as the dims of `reshape` or the axes of `permute`");
    return null;
  }

  /** A call of the builtin {@code causal_mask} (a mask, like a comparison). */
  static boolean isCausalMask(Expr e) {
    return e instanceof Expr.Call c && c.callee().name().equals("causal_mask");
  }

  Shape shapeRule(SourceSpan at, java.util.function.Supplier<Shape> rule) {
    try {
      return rule.get();
    } catch (ShapeException ex) {
      diags.error(DiagnosticKind.SHAPE, at, ex.getMessage());
      return null;
    }
  }

  private Shape name(Expr.Name n) {
    Symbol s = scope.lookup(n.name());
    if (s == null) {
      if (reportedNames.add(n.name())) {
        Integer line = definedAt.get(n.name());
        if (line != null && line > n.span().line()) {
          diags.error(DiagnosticKind.USED_BEFORE_DEFINITION, n.span(), n.name(), line);
        } else if (line != null) {
          diags.error(DiagnosticKind.UNDEFINED_NAME, n.span(), n.name(),
              " here; it is defined at line " + line + " inside a `for` body and visible only there");
        } else if (Builtins.function(n.name()).isPresent()) {
          diags.error(DiagnosticKind.UNDEFINED_NAME, n.span(), n.name(),
              "; `" + n.name() + "` is a function: call it, e.g. `" + n.name() + "(x)`");
        } else {
          diags.error(DiagnosticKind.UNDEFINED_NAME, n.span(), n.name(), didYouMean(n.name()));
        }
      }
      return null;
    }
    resolved.put(n, s);
    if (integerDefs.contains(s.definition())) integers.add(n);
    return s.shape();
  }

  private Shape member(Expr.Member m) {
    if (!(m.target() instanceof Expr.Name owner)) {
      diags.error(DiagnosticKind.BAD_MEMBER, m.member().span(), "only a layer binding has members, as in `h.W`");
      return null;
    }
    List<LayerParam> params = layersByBinding.get(owner.name());
    if (params == null) {
      Symbol s = scope.lookup(owner.name());
      if (s == null) return name(owner);
      resolved.put(owner, s);
      diags.error(DiagnosticKind.BAD_MEMBER, m.member().span(), "`" + owner.name() + "` is a " + s.kind().label
          + ", not a layer; only `dense`, `conv2d`, `layer_norm`, `batch_norm`, `embedding`, `lstm`, `gru` and `rnn` bindings have params such as `"
          + owner.name() + ".W`");
      return null;
    }
    Symbol ownerSymbol = scope.lookup(owner.name());
    if (ownerSymbol != null) {
      resolved.put(owner, ownerSymbol);
      if (ownerSymbol.shape() != null) shapes.put(owner, ownerSymbol.shape());
    }
    List<String> names = new ArrayList<>();
    for (LayerParam lp : params) {
      names.add(lp.member());
      if (lp.member().equals(m.member().name())) {
        Symbol sym = scope.lookup(lp.fullName());
        if (sym == null) sym = new Symbol(lp.fullName(), Symbol.Kind.LAYER_PARAM, lp.shape(), lp.bind().span(), lp);
        resolved.put(m, sym);
        return lp.shape();
      }
    }
    diags.error(DiagnosticKind.BAD_MEMBER, m.member().span(), "layer `" + owner.name() + "` ("
        + params.get(0).call().callee().name() + ") has no param `" + m.member().name() + "`"
        + Suggestions.didYouMean(m.member().name(), names) + "; it has " + String.join(", ", names));
    return null;
  }

  /** Records a layer's params, to be committed when its binding is defined. */
  void pendLayer(List<LayerParam> params) {
    pendingLayer = params;
  }

  boolean inModel() {
    return decl instanceof Decl.Model;
  }

  private Shape binary(Expr.Binary b, int flags) {
    Shape l = infer(b.left(), 0, null);
    Shape r = infer(b.right(), 0, null);
    SourceSpan at = positions.operator(b);
    if (b.op().isComparison()) {
      if ((flags & ALLOW_MASK) == 0) {
        diags.error(DiagnosticKind.MISPLACED_COMPARISON, at);
        return null;
      }
    }
    if (l == null || r == null) return null;
    if (b.op() == Expr.BinaryOp.MATMUL) return shapeRule(at, () -> ShapeRules.matmul(l, r));
    String op = (b.op().isComparison() ? "comparison `" : "elementwise `") + b.op().symbol + "`";
    return shapeRule(at, () -> ShapeRules.broadcast(op, l, r));
  }

  /** The values an index can take: a literal, or every value of a loop variable. */
  private long[] indexValues(Expr e, String what) {
    if (e instanceof Expr.Num n && n.value() == Math.rint(n.value()) && !n.text().contains(".")) {
      shapes.put(e, Shape.SCALAR);
      return new long[] {(long) n.value(), (long) n.value()};
    }
    if (e instanceof Expr.Name n) {
      Symbol s = scope.lookup(n.name());
      if (s == null) {
        name(n);
        return null;
      }
      if (s.kind() == Symbol.Kind.LOOP_VAR) {
        resolved.put(n, s);
        if (s.shape() == null) return null;
        shapes.put(e, Shape.SCALAR);
        Stmt.For f = (Stmt.For) s.definition();
        return new long[] {f.from().value(), f.to().value() - 1};
      }
    }
    diags.error(DiagnosticKind.INDEX, e.span(), what);
    return null;
  }

  private Shape index(Expr.Index i) {
    if (!isStaticIndex(i.index())) return gather(i);
    Shape t = infer(i.target(), ALLOW_INT, null);
    if (t != null && integers.contains(i.target())) integers.add(i);
    long[] range = indexValues(i.index(), "an index must be an integer literal or a loop variable");
    if (t == null || range == null) return null;
    String var = i.index() instanceof Expr.Name n ? n.name() : null;
    for (long v : range) {
      try {
        ShapeRules.index(t, v);
      } catch (ShapeException ex) {
        diags.error(DiagnosticKind.INDEX, i.index().span(), (var != null ? "at " + var + " = " + v + ": " : "")
            + ex.getMessage());
        return null;
      }
    }
    return ShapeRules.index(t, range[0]);
  }

  /** An integer literal or a loop variable: {@code x[i]} then picks one entry at compile time. */
  private boolean isStaticIndex(Expr e) {
    if (e instanceof Expr.Num) return true;
    if (e instanceof Expr.Name n) {
      Symbol s = scope.lookup(n.name());
      return s == null || s.kind() == Symbol.Kind.LOOP_VAR;
    }
    return false;
  }

  /** {@code E[ids]}: the rows of {@code E} at integer indices, {@code [V, d...]} → {@code [s..., d...]}. */
  private Shape gather(Expr.Index i) {
    Shape t = infer(i.target(), 0, null);
    Shape ids = infer(i.index(), ALLOW_INT, null);
    if (ids != null && !integers.contains(i.index())) {
      diags.error(DiagnosticKind.INDEX, i.index().span(), "an index must be an integer literal or a loop variable, "
          + "or integer indices (an `int` input or target) to gather rows, but this is a float value of shape "
          + ids + "; floats cannot index");
      return null;
    }
    if (t == null || ids == null) return null;
    Shape out = shapeRule(i.span(), () -> ShapeRules.gather(t, ids));
    if (out != null) indexes(i.index(), t.dim(0));
    return out;
  }

  private Shape slice(Expr.Slice s) {
    Shape t = infer(s.target(), ALLOW_INT, null);
    if (t != null && integers.contains(s.target())) integers.add(s);
    Long from = intLiteral(s.from(), "slice bounds must be integer literals");
    Long to = intLiteral(s.to(), "slice bounds must be integer literals");
    if (t == null || from == null || to == null) return null;
    return shapeRule(s.span(), () -> ShapeRules.slice(t, from, to));
  }

  /**
   * {@code x[e1, e2, ...]}: one entry per axis from the first, each checked against the axis it
   * reads (an index for every value of a loop variable).
   */
  private Shape subscript(Expr.Subscript s) {
    Shape t = infer(s.target(), ALLOW_INT, null);
    if (t != null && integers.contains(s.target())) integers.add(s);
    boolean ok = true;
    List<long[]> values = new ArrayList<>();
    for (Expr.Entry en : s.entries()) {
      long[] v = null;
      if (en.index()) {
        v = indexValues(en.from(), "an index must be an integer literal or a loop variable");
        ok &= v != null;
      } else if (!en.whole()) {
        Long from = intLiteral(en.from(), "slice bounds must be integer literals");
        Long to = intLiteral(en.to(), "slice bounds must be integer literals");
        ok &= from != null && to != null;
        if (from != null && to != null) v = new long[] {from, to};
      }
      values.add(v);
    }
    if (t == null || !ok) return null;
    if (s.entries().size() > t.rank()) {
      diags.error(DiagnosticKind.SHAPE, s.span(), "subscript with " + s.entries().size()
          + " entries on " + t + ": at most one entry per axis (" + t.rank() + ")");
      return null;
    }
    Shape cur = t;
    int axis = 0;
    for (int j = 0; j < s.entries().size(); j++) {
      Expr.Entry en = s.entries().get(j);
      long[] v = values.get(j);
      if (en.whole()) {
        axis++;
      } else if (en.index()) {
        String var = en.from() instanceof Expr.Name n ? n.name() : null;
        for (long i : v) {
          try {
            ShapeRules.indexAxis(cur, axis, i);
          } catch (ShapeException ex) {
            diags.error(DiagnosticKind.INDEX, en.from().span(),
                (var != null ? "at " + var + " = " + i + ": " : "") + ex.getMessage());
            return null;
          }
        }
        cur = ShapeRules.indexAxis(cur, axis, v[0]);
      } else {
        Shape c = cur;
        int k = axis;
        cur = shapeRule(en.span(), () -> ShapeRules.sliceAxis(c, k, v[0], v[1]));
        if (cur == null) return null;
        axis++;
      }
    }
    return cur;
  }

  /** An integer literal; null after reporting {@code message}. */
  Long intLiteral(Expr e, String message) {
    if (e instanceof Expr.Num n && !n.text().contains(".") && !n.text().toLowerCase().contains("e")) {
      shapes.put(e, Shape.SCALAR);
      return dev.deltac.compiler.parse.Numbers.parseLong(n.text());
    }
    diags.error(DiagnosticKind.BAD_ARGUMENT, e.span(), message);
    return null;
  }

  private Shape ifExpr(Expr.If i) {
    Shape c = infer(i.cond(), ALLOW_MASK | ALLOW_BOOL, null);
    boolean condOk = c != null;
    if (c != null && !(i.cond() instanceof Expr.Bool)
        && !(i.cond() instanceof Expr.Binary b && b.op().isComparison())) {
      diags.error(DiagnosticKind.BAD_ARGUMENT, i.cond().span(), "the condition of `if` must be a comparison such as `x > 0`");
      condOk = false;
    } else if (c != null && !c.isScalar()) {
      diags.error(DiagnosticKind.CONDITION_NOT_SCALAR, i.cond().span(), c);
      condOk = false;
    }
    Shape a = infer(i.then(), 0, null);
    Shape b = infer(i.otherwise(), 0, null);
    if (!condOk || a == null || b == null) return null;
    return shapeRule(i.then().span(), () -> ShapeRules.broadcast("if-then-else with branches", a, b));
  }

  Program program() {
    return program;
  }
}
