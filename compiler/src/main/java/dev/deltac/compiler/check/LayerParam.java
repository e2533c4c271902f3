package dev.deltac.compiler.check;

import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.ast.Stmt;
import dev.deltac.compiler.types.Shape;

/**
 * A param created by layer sugar: {@code h = dense(x, 128, relu)} creates {@code h.W} and
 * {@code h.b}. {@code fullName} is {@code binding + "." + member}.
 */
public record LayerParam(String binding, String member, Shape shape, InitSpec init, Stmt.Bind bind,
    Expr.Call call) {
  public String fullName() {
    return binding + "." + member;
  }
}
