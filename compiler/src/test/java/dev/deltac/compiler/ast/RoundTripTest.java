package dev.deltac.compiler.ast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.TestFiles;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.parse.Parser;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RoundTripTest {
  static List<Path> programs() {
    return TestFiles.validPrograms();
  }

  private static Program parse(String name, String text) {
    Diagnostics d = new Diagnostics();
    Program p = Parser.parse(name, text, d);
    assertFalse(d.hasErrors(), () -> name + ":\n" + d.format() + "\n" + text);
    return p;
  }

  @ParameterizedTest
  @MethodSource("programs")
  void printThenParseGivesAnEqualAst(Path file) {
    Program first = parse(file.toString(), TestFiles.read(file));
    assertFalse(first.decls().isEmpty());
    String printed = AstPrinter.print(first);
    Program second = parse("printed.nn", printed);
    assertTrue(AstEquality.equal(first, second), () -> "not equal after printing:\n" + printed);
    assertEquals(printed, AstPrinter.print(second), "printing is a fixed point");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "a + b * c", "(a + b) * c", "a - (b - c)", "a - b - c", "a / (b * c)", "-a ^ 2", "(-a) ^ 2",
      "a ^ b ^ c", "(a ^ b) ^ c", "a ^ -b", "-(a + b)", "(a @ b).T", "x[0].T", "(a + b)[1]",
      "if a < b then c else d", "(if a < b then c else d) + 1", "where(a <= b, c, d)",
      "f(x, alpha=0.2)", "x[1:3]", "h.W @ x", "- -a", "a * -b", "1e-3 * x", "reshape(x, [2, 3])",
      "if true then a else if false then b else c", "a == b", "a != b + c"})
  void expressionsPrintWithMinimalParentheses(String text) {
    Program p = parse("e.nn", "function F(a) {\n return " + text + "\n}\n");
    Expr e = ((Stmt.Return) ((Decl.Function) p.decls().get(0)).body().get(0)).value();
    assertEquals(text, AstPrinter.print(e));
  }

  @ParameterizedTest
  @ValueSource(strings = {"((a))", "(a) + (b)", "((a * b)) + c", "a + (b * c)", "(a[0])", "(x).T"})
  void redundantParenthesesAreDropped(String text) {
    Program p = parse("e.nn", "function F(a) {\n return " + text + "\n}\n");
    Expr e = ((Stmt.Return) ((Decl.Function) p.decls().get(0)).body().get(0)).value();
    String printed = AstPrinter.print(e);
    assertFalse(printed.startsWith("(("), printed);
    Program again = parse("e.nn", "function F(a) {\n return " + printed + "\n}\n");
    assertTrue(AstEquality.equal(p, again));
  }
}
