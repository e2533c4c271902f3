package dev.deltac.compiler.check;

import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.ast.Ident;
import dev.deltac.compiler.ast.Stmt;
import dev.deltac.compiler.ast.TrainSetting;
import dev.deltac.compiler.check.Builtins.BoundCall;
import dev.deltac.compiler.check.Builtins.Param;
import dev.deltac.compiler.check.Builtins.Signature;
import dev.deltac.compiler.diag.DiagnosticKind;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.diag.Suggestions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Checks a {@code train { ... }} block (dsl.md section 6) and turns it into a {@link TrainSpec}. */
final class TrainChecker {
  /** The keys a train block accepts. */
  static final List<String> KEYS = List.of("optimizer", "batch", "epochs", "clip_norm", "clip_value", "seed", "lr_schedule");

  private final Diagnostics diags;

  TrainChecker(Diagnostics diags) {
    this.diags = diags;
  }

  TrainSpec check(Stmt.Train train) {
    Map<String, TrainSetting> seen = new HashMap<>();
    String optimizer = null;
    Map<String, Object> optimizerArgs = null;
    Integer batch = null;
    Integer epochs = null;
    Double clipNorm = null;
    Double clipValue = null;
    Long seed = null;
    String schedule = null;
    Map<String, Object> scheduleArgs = null;
    for (TrainSetting s : train.settings()) {
      String key = s.key().name();
      if (!KEYS.contains(key)) {
        diags.error(DiagnosticKind.TRAIN_KEY, s.key().span(), key,
            Suggestions.didYouMean(key, KEYS) + " (settings: " + String.join(", ", KEYS) + ")");
        continue;
      }
      TrainSetting prev = seen.putIfAbsent(key, s);
      if (prev != null) {
        diags.error(DiagnosticKind.TRAIN_DUPLICATE, s.key().span(), key, prev.span().line());
        continue;
      }
      switch (key) {
        case "optimizer" -> {
          Map<String, Object> args = call(s, Builtins::optimizer, Builtins.optimizerNames(), "optimizer");
          if (args != null) {
            optimizer = name(s.value());
            optimizerArgs = args;
            Object lr = args.get("lr");
            if (lr instanceof Double d && d <= 0) {
              diags.error(DiagnosticKind.TRAIN_VALUE, s.value().span(), "the learning rate must be positive, got " + d);
            }
          }
        }
        case "lr_schedule" -> {
          Map<String, Object> args = call(s, Builtins::schedule, Builtins.scheduleNames(), "schedule");
          if (args != null) {
            schedule = name(s.value());
            scheduleArgs = args;
          }
        }
        case "batch" -> batch = positiveInt(s);
        case "epochs" -> epochs = positiveInt(s);
        case "seed" -> {
          Long v = integer(s);
          if (v != null && v < 0) {
            diags.error(DiagnosticKind.TRAIN_VALUE, s.value().span(), "`seed` must be a non-negative integer");
          } else {
            seed = v;
          }
        }
        case "clip_norm" -> clipNorm = positiveNumber(s);
        case "clip_value" -> clipValue = positiveNumber(s);
        default -> throw new IllegalStateException(key);
      }
    }
    if (seen.containsKey("clip_norm") && seen.containsKey("clip_value")) {
      diags.error(DiagnosticKind.TRAIN_VALUE, seen.get("clip_value").key().span(),
          "give either `clip_norm` or `clip_value`, not both");
    }
    return new TrainSpec(optimizer, optimizerArgs, batch, epochs, clipNorm, clipValue, seed, schedule, scheduleArgs);
  }

  private static String name(Expr e) {
    return e instanceof Expr.Call c ? c.callee().name() : ((Expr.Name) e).name();
  }

  /** {@code sgd(lr = 0.5)} or a bare {@code adam}: every parameter's value, defaults filled in. */
  private Map<String, Object> call(TrainSetting s, Function<String, Optional<Signature>> lookup,
      java.util.Set<String> names, String what) {
    Ident callee;
    List<Expr> args;
    List<Expr.NamedArg> named;
    if (s.value() instanceof Expr.Call c) {
      callee = c.callee();
      args = c.args();
      named = c.named();
    } else if (s.value() instanceof Expr.Name n) {
      callee = new Ident(n.name(), n.span());
      args = List.of();
      named = List.of();
    } else {
      diags.error(DiagnosticKind.TRAIN_VALUE, s.value().span(), "`" + s.key().name() + "` takes a " + what
          + " such as " + (what.equals("optimizer") ? "`sgd(lr=0.1)`" : "`step(every=10)`")
          + " (" + what + "s: " + Suggestions.list(names) + ")");
      return null;
    }
    Optional<Signature> sig = lookup.apply(callee.name());
    if (sig.isEmpty()) {
      diags.error(DiagnosticKind.TRAIN_VALUE, callee.span(), "unknown " + what + " `" + callee.name() + "`"
          + Suggestions.didYouMean(callee.name(), names) + " (" + what + "s: " + Suggestions.list(names) + ")");
      return null;
    }
    BoundCall bound = Builtins.bind(sig.get(), callee, args, named, s.value().span(), diags);
    if (bound == null) return null;
    Map<String, Object> out = new LinkedHashMap<>();
    for (Param p : sig.get().params()) {
      Expr a = bound.arg(p.name());
      if (a == null) {
        Builtins.Default d = p.defaultValue();
        out.put(p.name(), d instanceof Builtins.Default.Number n ? (Object) n.value()
            : Boolean.valueOf(d.toString()));
        continue;
      }
      switch (p.kind()) {
        case BOOL -> {
          if (!(a instanceof Expr.Bool b)) {
            diags.error(DiagnosticKind.TRAIN_VALUE, a.span(), "`" + p.name() + "` must be `true` or `false`");
            return null;
          }
          out.put(p.name(), b.value());
        }
        case POSITIVE_INT -> {
          Double v = literal(a);
          if (v == null) return null;
          if (v != Math.rint(v) || v < 1) {
            diags.error(DiagnosticKind.TRAIN_VALUE, a.span(), "`" + p.name() + "` must be a positive integer");
            return null;
          }
          out.put(p.name(), v);
        }
        default -> {
          Double v = literal(a);
          if (v == null) return null;
          out.put(p.name(), v);
        }
      }
    }
    return out;
  }

  private Double literal(Expr e) {
    double sign = 1;
    Expr x = e;
    if (x instanceof Expr.Neg n) {
      sign = -1;
      x = n.operand();
    }
    if (x instanceof Expr.Num num && Double.isFinite(num.value())) return sign * num.value();
    diags.error(DiagnosticKind.TRAIN_VALUE, e.span(), "expected a number literal here");
    return null;
  }

  private Long integer(TrainSetting s) {
    if (s.value() instanceof Expr.Num n && !n.text().contains(".") && !n.text().toLowerCase().contains("e")) {
      return dev.deltac.compiler.parse.Numbers.parseLong(n.text());
    }
    diags.error(DiagnosticKind.TRAIN_VALUE, s.value().span(), "`" + s.key().name() + "` takes an integer, such as `"
        + s.key().name() + " 4`");
    return null;
  }

  private Integer positiveInt(TrainSetting s) {
    Long v = integer(s);
    if (v == null) return null;
    if (v < 1 || v > Integer.MAX_VALUE) {
      diags.error(DiagnosticKind.TRAIN_VALUE, s.value().span(), "`" + s.key().name() + "` must be a positive integer, got " + v);
      return null;
    }
    return v.intValue();
  }

  private Double positiveNumber(TrainSetting s) {
    boolean literal = s.value() instanceof Expr.Num || s.value() instanceof Expr.Neg;
    Double v = literal ? literal(s.value()) : null;
    if (literal && v == null) return null;
    if (v == null || v <= 0) {
      diags.error(DiagnosticKind.TRAIN_VALUE, s.value().span(), "`" + s.key().name() + "` takes a positive number, such as `"
          + s.key().name() + " 1.0`");
      return null;
    }
    return v;
  }
}
