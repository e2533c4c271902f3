package dev.deltac.compiler.check;

import dev.deltac.compiler.ast.Decl;
import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.ast.Program;
import dev.deltac.compiler.ast.Stmt;
import dev.deltac.compiler.types.Shape;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the checker learned about a program. Lookups are by node identity: pass the very
 * {@code Expr} or {@code Stmt} object of the checked {@link Program}.
 */
public final class CheckResult {
  /** Per model or function: its names and layer params, in definition order. */
  public record DeclInfo(Decl decl, Map<String, Symbol> symbols, List<LayerParam> layerParams,
      TrainSpec train) {
    public DeclInfo {
      symbols = Collections.unmodifiableMap(symbols);
      layerParams = List.copyOf(layerParams);
    }

    public Symbol symbol(String name) {
      return symbols.get(name);
    }
  }

  private final Program program;
  private final Map<Expr, Shape> shapes;
  private final Map<Expr, Symbol> resolved;
  private final Map<Expr.Call, Builtins.BoundCall> calls;
  private final Map<Object, InitSpec> inits;
  private final Map<Decl, DeclInfo> decls;
  private final java.util.Set<Expr> integers;
  private final Map<Object, Integer> indexBounds;

  CheckResult(Program program, IdentityHashMap<Expr, Shape> shapes, IdentityHashMap<Expr, Symbol> resolved,
      IdentityHashMap<Expr.Call, Builtins.BoundCall> calls, IdentityHashMap<Object, InitSpec> inits,
      IdentityHashMap<Decl, DeclInfo> decls, java.util.Set<Expr> integers,
      IdentityHashMap<Object, Integer> indexBounds) {
    this.integers = java.util.Collections.unmodifiableSet(integers);
    this.indexBounds = Collections.unmodifiableMap(indexBounds);
    this.program = program;
    this.shapes = Collections.unmodifiableMap(shapes);
    this.resolved = Collections.unmodifiableMap(resolved);
    this.calls = Collections.unmodifiableMap(calls);
    this.inits = Collections.unmodifiableMap(inits);
    this.decls = Collections.unmodifiableMap(decls);
  }

  public Program program() {
    return program;
  }

  /** The static shape of {@code e}; null only for expressions that had errors. */
  public Shape shapeOf(Expr e) {
    return shapes.get(e);
  }

  /** Identity map from every checked expression to its shape. */
  public Map<Expr, Shape> shapes() {
    return shapes;
  }

  /** What a {@code Name} or a {@code Member} ({@code h.W}) refers to. */
  public Symbol symbolOf(Expr nameOrMember) {
    return resolved.get(nameOrMember);
  }

  /** A builtin call with its arguments bound to parameter names and its defaults. */
  public Builtins.BoundCall call(Expr.Call call) {
    return calls.get(call);
  }

  /** The effective initializer of a param (its default when none was written). */
  public InitSpec initOf(Stmt.Param param) {
    return inits.get(param);
  }

  /** The initializer a {@code state} starts from, or null when it starts from an expression. */
  public InitSpec stateInitializer(Stmt.State state) {
    return inits.get(state);
  }

  /** Whether {@code e} holds integer indices (an {@code int} input or target, or a part of one). */
  public boolean isInteger(Expr e) {
    return integers.contains(e);
  }

  /**
   * For an integer input or target statement: the exclusive upper bound of the values it may hold
   * (the smallest row count, class count or one-hot width it indexes), or 0 when it indexes
   * nothing (then any integer is accepted).
   */
  public int indexBound(Stmt inputOrTarget) {
    return indexBounds.getOrDefault(inputOrTarget, 0);
  }

  public DeclInfo info(Decl decl) {
    return decls.get(decl);
  }

  /** The layer params of a model ({@code h.W}, {@code h.b}, ...), in definition order. */
  public List<LayerParam> layerParams(Decl decl) {
    DeclInfo i = decls.get(decl);
    return i == null ? List.of() : i.layerParams();
  }
}
