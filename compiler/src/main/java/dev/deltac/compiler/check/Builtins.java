package dev.deltac.compiler.check;

import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.ast.Ident;
import dev.deltac.compiler.diag.DiagnosticKind;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.diag.Suggestions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The catalogue of everything callable in the language (dsl.md sections 2, 4, 5, 6): functions,
 * losses, layers, initializers, optimizers and learning-rate schedules, each with its parameters
 * in positional order, which are required, and the defaults of the others.
 *
 * <p>{@link #bind} maps a call's arguments to parameter names (positional by position, named by
 * name) and reports unknown names and wrong counts. The checker stores each call's
 * {@link BoundCall} in its result, so the lowering reads arguments by name, not by position.
 */
public final class Builtins {
  private Builtins() {}

  /** What a builtin is. */
  public enum Category { ELEMENTWISE, REDUCTION, VECTOR, LOSS, LAYER, INITIALIZER, OPTIMIZER, SCHEDULE }

  /** What an argument must be. */
  public enum ArgKind {
    /** any tensor expression */
    TENSOR,
    /** a comparison (the condition of {@code where}) */
    MASK,
    /** a positive integer literal */
    POSITIVE_INT,
    /** a non-negative integer literal */
    NATURAL,
    /** a number literal, possibly negated */
    NUMBER,
    /** an activation name: {@link #ACTIVATIONS} */
    ACTIVATION,
    /** a list of positive integer literals, {@code [2, 3]} */
    DIMS,
    /** {@code true} or {@code false} */
    BOOL,
    /** an axis: an integer literal, possibly negated (counting from the end) */
    AXIS,
    /** a list of axes, {@code [0, 2, 1]} (each as {@link #AXIS}) */
    AXES,
    /** integer indices: an {@code int} input or target, or a part of one */
    INDICES,
    /** a tensor of the prediction's shape, or integer class indices (class-index losses) */
    LABELS
  }

  /** The default of an optional parameter. */
  public sealed interface Default {
    /** A numeric default such as {@code alpha=0.01}. */
    record Number(double value) implements Default {
      @Override
      public String toString() {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
      }
    }

    /** A symbolic default such as {@code act=none} or {@code nesterov=false}. */
    record Symbol(String name) implements Default {
      @Override
      public String toString() {
        return name;
      }
    }

    /** The value of another parameter, such as {@code stride=size}. */
    record SameAs(String param) implements Default {
      @Override
      public String toString() {
        return param;
      }
    }
  }

  /** One parameter; {@code defaultValue} is null for a required one. */
  public record Param(String name, ArgKind kind, Default defaultValue) {
    public boolean required() {
      return defaultValue == null;
    }

    @Override
    public String toString() {
      return defaultValue == null ? name : name + "=" + defaultValue;
    }
  }

  /**
   * A builtin's signature. {@code variadic}: any number (at least {@link #required()}) of
   * positional arguments of the last parameter's kind ({@code concat}).
   */
  public record Signature(String name, Category category, List<Param> params, boolean variadic) {
    public Signature {
      params = List.copyOf(params);
    }

    public int required() {
      int n = 0;
      for (Param p : params) if (p.required()) n++;
      return n;
    }

    public Optional<Param> param(String name) {
      for (Param p : params) if (p.name.equals(name)) return Optional.of(p);
      return Optional.empty();
    }

    public List<String> paramNames() {
      List<String> out = new ArrayList<>();
      for (Param p : params) out.add(p.name);
      return out;
    }

    /** Layers that create params named after their binding. */
    public boolean createsParams() {
      return name.equals("dense") || name.equals("conv2d") || name.equals("layer_norm")
          || name.equals("embedding") || name.equals("batch_norm")
          || RECURRENT.contains(name);
    }

    /** {@code leaky_relu(x, alpha=0.01)}. */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder(name).append('(');
      for (int i = 0; i < params.size(); i++) {
        if (i > 0) sb.append(", ");
        sb.append(params.get(i));
      }
      if (variadic) sb.append(", ...");
      return sb.append(')').toString();
    }
  }

  /**
   * A call with its arguments mapped to parameters: {@code args} holds the given ones in
   * parameter order, {@code defaults} the parameters left out, with their defaults. For a
   * variadic builtin {@code rest} holds every positional argument in order and {@code args} is
   * empty.
   */
  public record BoundCall(Signature signature, Map<String, Expr> args, Map<String, Default> defaults,
      List<Expr> rest) {
    public BoundCall {
      args = Collections.unmodifiableMap(new LinkedHashMap<>(args));
      defaults = Collections.unmodifiableMap(new LinkedHashMap<>(defaults));
      rest = List.copyOf(rest);
    }

    /** The argument given for {@code param}, or null when it was left to its default. */
    public Expr arg(String param) {
      return args.get(param);
    }
  }

  /** Activation names accepted by {@code dense(..., act)} and {@code conv2d(..., act=...)}. */
  public static final Set<String> ACTIVATIONS = Set.of(
      "none", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "softplus");

  /** The recurrent layers (dsl.md section 9): {@code lstm}, {@code gru}, {@code rnn}. */
  public static final Set<String> RECURRENT = Set.of("lstm", "gru", "rnn");

  /** Activations whose layers default to {@code he} initialization; the others get {@code xavier}. */
  public static final Set<String> RELU_FAMILY = Set.of("relu", "leaky_relu", "elu", "gelu");

  private static final Map<String, Signature> FUNCTIONS = new LinkedHashMap<>();
  private static final Map<String, Signature> INITIALIZERS = new LinkedHashMap<>();
  private static final Map<String, Signature> OPTIMIZERS = new LinkedHashMap<>();
  private static final Map<String, Signature> SCHEDULES = new LinkedHashMap<>();

  static {
    for (String f : List.of("sigmoid", "tanh", "relu", "gelu", "softplus", "exp", "log", "ln",
        "sqrt", "abs", "sin", "cos", "square")) {
      fn(f, Category.ELEMENTWISE, t("x"));
    }
    fn("leaky_relu", Category.ELEMENTWISE, t("x"), num("alpha", 0.01));
    fn("elu", Category.ELEMENTWISE, t("x"), num("alpha", 1));
    fn("max", Category.ELEMENTWISE, t("a"), t("b"));
    fn("min", Category.ELEMENTWISE, t("a"), t("b"));
    fn("pow", Category.ELEMENTWISE, t("a"), t("b"));
    fn("clamp", Category.ELEMENTWISE, t("x"), req("lo", ArgKind.NUMBER), req("hi", ArgKind.NUMBER));
    fn("where", Category.ELEMENTWISE, req("mask", ArgKind.MASK), t("a"), t("b"));

    fn("sum", Category.REDUCTION, t("x"), allAxes());
    fn("mean", Category.REDUCTION, t("x"), allAxes());
    fn("amax", Category.REDUCTION, t("x"), allAxes());
    fn("logsumexp", Category.REDUCTION, t("v"), allAxes());
    fn("dot", Category.REDUCTION, t("a"), t("b"));
    fn("outer", Category.VECTOR, t("a"), t("b"));
    fn("softmax", Category.VECTOR, t("v"), new Param("axis", ArgKind.AXIS, new Default.Number(-1)));
    fn("log_softmax", Category.VECTOR, t("v"), new Param("axis", ArgKind.AXIS, new Default.Number(-1)));
    fn("transpose", Category.VECTOR, t("m"));
    FUNCTIONS.put("concat", new Signature("concat", Category.VECTOR, List.of(t("a"), t("b")), true));
    FUNCTIONS.put("stack", new Signature("stack", Category.VECTOR, List.of(t("a"), t("b")), true));
    fn("permute", Category.VECTOR, t("x"), req("axes", ArgKind.AXES));
    fn("causal_mask", Category.VECTOR, req("size", ArgKind.POSITIVE_INT));
    fn("reshape", Category.VECTOR, t("x"), req("dims", ArgKind.DIMS));
    fn("flatten", Category.VECTOR, t("x"));
    fn("float", Category.ELEMENTWISE, req("ids", ArgKind.INDICES));
    fn("one_hot", Category.VECTOR, req("ids", ArgKind.INDICES), req("n", ArgKind.POSITIVE_INT));

    for (String l : List.of("mse", "bce", "bce_with_logits")) {
      fn(l, Category.LOSS, t("p"), t("y"));
    }
    // These two also take class-index targets (dsl.md section 9).
    for (String l : List.of("cross_entropy", "softmax_cross_entropy")) {
      fn(l, Category.LOSS, t("p"), req("y", ArgKind.LABELS));
    }
    fn("huber", Category.LOSS, t("p"), t("y"), num("delta", 1));

    fn("dense", Category.LAYER, t("x"), req("units", ArgKind.POSITIVE_INT),
        new Param("act", ArgKind.ACTIVATION, new Default.Symbol("none")));
    fn("conv2d", Category.LAYER, t("x"), req("filters", ArgKind.POSITIVE_INT),
        req("kernel", ArgKind.POSITIVE_INT), new Param("stride", ArgKind.POSITIVE_INT, new Default.Number(1)),
        new Param("padding", ArgKind.NATURAL, new Default.Number(0)),
        new Param("act", ArgKind.ACTIVATION, new Default.Symbol("none")));
    for (String p : List.of("maxpool2d", "avgpool2d")) {
      fn(p, Category.LAYER, t("x"), req("size", ArgKind.POSITIVE_INT),
          new Param("stride", ArgKind.POSITIVE_INT, new Default.SameAs("size")));
    }
    fn("layer_norm", Category.LAYER, t("x"));
    fn("batch_norm", Category.LAYER, t("x"), num("momentum", 0.1), num("eps", 1e-5));
    fn("dropout", Category.LAYER, t("x"), req("rate", ArgKind.NUMBER));
    fn("embedding", Category.LAYER, req("ids", ArgKind.INDICES), req("V", ArgKind.POSITIVE_INT),
        req("d", ArgKind.POSITIVE_INT));
    fn("lstm", Category.LAYER, t("xs"), req("H", ArgKind.POSITIVE_INT));
    fn("gru", Category.LAYER, t("xs"), req("H", ArgKind.POSITIVE_INT));
    fn("rnn", Category.LAYER, t("xs"), req("H", ArgKind.POSITIVE_INT),
        new Param("act", ArgKind.ACTIVATION, new Default.Symbol("tanh")));

    init("zeros");
    init("ones");
    init("he");
    init("xavier");
    init("lecun");
    init("const", req("v", ArgKind.NUMBER));
    init("normal", req("mean", ArgKind.NUMBER), req("std", ArgKind.NUMBER));
    init("uniform", req("lo", ArgKind.NUMBER), req("hi", ArgKind.NUMBER));

    put(OPTIMIZERS, "sgd", Category.OPTIMIZER, req("lr", ArgKind.NUMBER), num("momentum", 0),
        new Param("nesterov", ArgKind.BOOL, new Default.Symbol("false")));
    put(OPTIMIZERS, "adam", Category.OPTIMIZER, req("lr", ArgKind.NUMBER), num("beta1", 0.9),
        num("beta2", 0.999), num("eps", 1e-8));
    put(OPTIMIZERS, "adamw", Category.OPTIMIZER, req("lr", ArgKind.NUMBER), num("beta1", 0.9),
        num("beta2", 0.999), num("eps", 1e-8), num("weight_decay", 0.01));

    // Every schedule takes `warmup`: optimizer steps of linear warm-up from 0 before it starts.
    // `every` counts epochs; exponential multiplies by gamma once per epoch; cosine anneals over
    // the whole run.
    put(SCHEDULES, "constant", Category.SCHEDULE, num("warmup", 0));
    put(SCHEDULES, "step", Category.SCHEDULE, req("every", ArgKind.POSITIVE_INT), num("gamma", 0.1),
        num("warmup", 0));
    put(SCHEDULES, "exponential", Category.SCHEDULE, req("gamma", ArgKind.NUMBER), num("warmup", 0));
    put(SCHEDULES, "cosine", Category.SCHEDULE, num("min_lr", 0), num("warmup", 0));
  }

  private static Param t(String name) {
    return new Param(name, ArgKind.TENSOR, null);
  }

  /** {@code axis=all}: a reduction over every element unless an axis is given. */
  private static Param allAxes() {
    return new Param("axis", ArgKind.AXIS, new Default.Symbol("all"));
  }

  private static Param req(String name, ArgKind kind) {
    return new Param(name, kind, null);
  }

  private static Param num(String name, double value) {
    return new Param(name, ArgKind.NUMBER, new Default.Number(value));
  }

  private static void fn(String name, Category c, Param... params) {
    put(FUNCTIONS, name, c, params);
  }

  private static void init(String name, Param... params) {
    put(INITIALIZERS, name, Category.INITIALIZER, params);
  }

  private static void put(Map<String, Signature> map, String name, Category c, Param... params) {
    map.put(name, new Signature(name, c, List.of(params), false));
  }

  /** Functions, losses and layers usable in expressions. */
  public static Optional<Signature> function(String name) {
    return Optional.ofNullable(FUNCTIONS.get(name));
  }

  public static Optional<Signature> initializer(String name) {
    return Optional.ofNullable(INITIALIZERS.get(name));
  }

  public static Optional<Signature> optimizer(String name) {
    return Optional.ofNullable(OPTIMIZERS.get(name));
  }

  public static Optional<Signature> schedule(String name) {
    return Optional.ofNullable(SCHEDULES.get(name));
  }

  public static Set<String> functionNames() {
    return Collections.unmodifiableSet(FUNCTIONS.keySet());
  }

  public static Set<String> initializerNames() {
    return Collections.unmodifiableSet(INITIALIZERS.keySet());
  }

  public static Set<String> optimizerNames() {
    return Collections.unmodifiableSet(OPTIMIZERS.keySet());
  }

  public static Set<String> scheduleNames() {
    return Collections.unmodifiableSet(SCHEDULES.keySet());
  }

  /** Binds a call to {@code sig}; reports problems and returns null when the arguments do not fit. */
  public static BoundCall bind(Signature sig, Expr.Call call, Diagnostics diags) {
    return bind(sig, call.callee(), call.args(), call.named(), call.span(), diags);
  }

  /**
   * Binds arguments to {@code sig}: positional ones by position, named ones by name. Reports
   * too many or too few arguments, unknown parameter names (with the closest one and the full
   * list) and parameters given twice, then returns null.
   */
  public static BoundCall bind(Signature sig, Ident callee, List<Expr> positional,
      List<Expr.NamedArg> named, SourceSpan span, Diagnostics diags) {
    String what = "`" + sig.name() + "`";
    if (sig.variadic()) {
      boolean ok = true;
      Map<String, Expr> namedArgs = new LinkedHashMap<>();
      for (Expr.NamedArg n : named) {
        if (sig.name().equals("concat") && n.name().name().equals("axis")
            && !namedArgs.containsKey("axis")) {
          namedArgs.put("axis", n.value()); // concat(a, b, ..., axis=k): its one named argument
          continue;
        }
        diags.error(DiagnosticKind.UNKNOWN_NAMED_ARG, n.name().span(), sig.name(), n.name().name(),
            sig.name().equals("concat") ? " (it takes positional arguments and `axis`: " + sig + ", axis=0)"
                : " (it takes only positional arguments: " + sig + ")");
        ok = false;
      }
      if (positional.size() < sig.required()) {
        diags.error(DiagnosticKind.ARITY, span, what + " needs at least " + sig.required()
            + " arguments, but " + count(positional.size()) + " given: " + sig);
        ok = false;
      }
      return ok ? new BoundCall(sig, namedArgs, Map.of(), positional) : null;
    }
    List<Param> params = sig.params();
    if (positional.size() > params.size()) {
      diags.error(DiagnosticKind.ARITY, positional.get(params.size()).span(),
          what + " takes " + (params.size() == sig.required() ? "" : "at most ") + params.size()
              + " argument" + (params.size() == 1 ? "" : "s") + ", but "
              + count(positional.size()) + " given: " + sig);
      return null;
    }
    Map<String, Expr> args = new LinkedHashMap<>();
    for (int i = 0; i < positional.size(); i++) args.put(params.get(i).name(), positional.get(i));
    boolean ok = true;
    for (Expr.NamedArg n : named) {
      String name = n.name().name();
      if (sig.param(name).isEmpty()) {
        diags.error(DiagnosticKind.UNKNOWN_NAMED_ARG, n.name().span(), sig.name(), name,
            Suggestions.didYouMean(name, sig.paramNames()) + " (parameters: "
                + String.join(", ", sig.paramNames()) + ")");
        ok = false;
      } else if (args.containsKey(name)) {
        diags.error(DiagnosticKind.ARITY, n.name().span(),
            "argument `" + name + "` of " + what + " is given twice");
        ok = false;
      } else {
        args.put(name, n.value());
      }
    }
    if (!ok) return null;
    List<String> missing = new ArrayList<>();
    Map<String, Default> defaults = new LinkedHashMap<>();
    Map<String, Expr> ordered = new LinkedHashMap<>();
    for (Param p : params) {
      Expr e = args.get(p.name());
      if (e != null) {
        ordered.put(p.name(), e);
      } else if (p.required()) {
        missing.add("`" + p.name() + "`");
      } else {
        defaults.put(p.name(), p.defaultValue());
      }
    }
    if (!missing.isEmpty()) {
      diags.error(DiagnosticKind.ARITY, span, what + " needs " + sig.required() + " argument"
          + (sig.required() == 1 ? "" : "s") + ", but " + count(args.size()) + " given; missing "
          + String.join(", ", missing) + ": " + sig);
      return null;
    }
    return new BoundCall(sig, ordered, defaults, List.of());
  }

  private static String count(int n) {
    return n == 0 ? "none was" : n == 1 ? "1 was" : n + " were";
  }
}
