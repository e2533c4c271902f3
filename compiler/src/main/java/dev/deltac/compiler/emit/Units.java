package dev.deltac.compiler.emit;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Packs straight-line code units into private methods small enough for HotSpot: a method above
 * 8 000 bytecode bytes is never JIT-compiled, so each generated method stays under an estimated
 * {@link #METHOD_BUDGET} bytes (the bytecode tests check the real sizes).
 */
final class Units {
  /** Estimated bytecode bytes per generated method; real sizes are checked to stay below 7 000. */
  static final int METHOD_BUDGET = 3500;

  /** One piece of code with its estimated bytecode size. */
  record Unit(List<Stmt> code, int estimate) {
    Unit {
      code = List.copyOf(code);
    }

    static Unit of(Code c) {
      List<Stmt> s = c.stmts();
      return new Unit(s, Trees.estimate(s));
    }
  }

  private Units() {}

  /**
   * Methods {@code name0(), name1(), ...} holding the units in order, and the statements that call
   * them in order (added to {@code caller}).
   */
  static List<MethodSpec> split(ClassContext ctx, String name, List<Unit> units, CodeBlock.Builder caller) {
    List<MethodSpec> methods = new ArrayList<>();
    List<Stmt> body = new ArrayList<>();
    int size = 0;
    for (Unit u : units) {
      if (size > 0 && size + u.estimate() > METHOD_BUDGET) {
        methods.add(method(ctx, name + methods.size(), body));
        body.clear();
        size = 0;
      }
      body.addAll(u.code());
      size += u.estimate();
    }
    if (!body.isEmpty() || methods.isEmpty()) methods.add(method(ctx, name + methods.size(), body));
    for (MethodSpec m : methods) caller.addStatement("$N()", m);
    return methods;
  }

  /**
   * Methods {@code name0(), name1(), ...} holding the units in order; the statements calling them
   * in order are appended to {@code calls}.
   */
  static List<MethodSpec> split(ClassContext ctx, String name, List<Unit> units, List<Stmt> calls) {
    CodeBlock.Builder ignored = CodeBlock.builder();
    List<MethodSpec> methods = split(ctx, name, units, ignored);
    for (MethodSpec m : methods) calls.add(new Stmt.Eval(Expr.self(m.name())));
    return methods;
  }

  private static MethodSpec method(ClassContext ctx, String name, List<Stmt> body) {
    return MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE)
        .addCode(Render.stmts(body, Render.Scope.method(ctx.names))).build();
  }
}
