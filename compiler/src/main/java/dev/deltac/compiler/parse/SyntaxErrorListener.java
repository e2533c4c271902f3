package dev.deltac.compiler.parse;

import dev.deltac.compiler.diag.DiagnosticKind;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.grammar.DeltacLexer;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.Lexer;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.Vocabulary;
import org.antlr.v4.runtime.misc.IntervalSet;

/** Turns ANTLR's lexer and parser errors into diagnostics with plain-language messages. */
final class SyntaxErrorListener extends BaseErrorListener {
  private final String file;
  private final Diagnostics diags;
  /** Lines with a lexer error: a parser error there has the same root cause and is dropped. */
  private final java.util.Set<Integer> lexerErrorLines = new java.util.HashSet<>();

  SyntaxErrorListener(String file, Diagnostics diags) {
    this.file = file;
    this.diags = diags;
  }

  @Override
  public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line,
      int charPositionInLine, String msg, RecognitionException e) {
    SourceSpan at = SourceSpan.at(file, line, charPositionInLine + 1);
    if (recognizer instanceof Lexer lexer) {
      String text = lexer.getInputStream().getText(
          org.antlr.v4.runtime.misc.Interval.of(lexer._tokenStartCharIndex, lexer._input.index()));
      int cp = text.isEmpty() ? '?' : text.codePointAt(0);
      String shown = cp < ' ' || cp == 0x7f ? String.format("\\u%04x", cp) : new String(Character.toChars(cp));
      diags.error(DiagnosticKind.UNEXPECTED_CHARACTER, at, shown);
      lexerErrorLines.add(line);
      return;
    }
    if (lexerErrorLines.contains(line)) return;
    Parser parser = (Parser) recognizer;
    Token token = offendingSymbol instanceof Token t ? t : null;
    String found = describe(token);
    String message;
    if (msg != null && msg.startsWith("missing ")) {
      IntervalSet expected = parser.getExpectedTokens();
      message = "missing " + expectedText(expected, parser.getVocabulary()) + " before " + found;
    } else {
      IntervalSet expected = null;
      try {
        expected = e != null && e.getExpectedTokens() != null ? e.getExpectedTokens() : parser.getExpectedTokens();
      } catch (RuntimeException ignored) {
        // no expectation available in this state
      }
      message = "unexpected " + found;
      if (expected != null && !expected.isNil() && expected.size() <= 8
          && !(e instanceof org.antlr.v4.runtime.NoViableAltException)) {
        message += "; expected " + expectedText(expected, parser.getVocabulary());
      } else if (inExpression(parser)) {
        message += "; expected an expression";
      }
    }
    if (token != null && inOutput(parser) && token.getType() != DeltacLexer.NL
        && token.getType() != Token.EOF) {
      message += ": `output` takes names of bindings, separated by commas; bind an expression"
          + " first (`p = softmax(logits)`) and list its name (`output p`)";
    }
    diags.error(DiagnosticKind.SYNTAX, at, message);
  }

  /** True when the statement the parser is in began with {@code output}. */
  private static boolean inOutput(Parser parser) {
    org.antlr.v4.runtime.TokenStream ts = parser.getTokenStream();
    for (int i = ts.index() - 1; i >= 0; i--) {
      int type = ts.get(i).getType();
      if (type == DeltacLexer.NL || type == DeltacLexer.SEMI || type == DeltacLexer.LBRACE) {
        return i + 1 < ts.index() && ts.get(i + 1).getType() == DeltacLexer.OUTPUT;
      }
    }
    return false;
  }

  private static final java.util.Set<String> EXPRESSION_RULES = java.util.Set.of(
      "expr", "comparison", "additive", "multiplicative", "unary", "power", "postfix", "primary",
      "callArgs", "callArg", "postfixOp");

  private static boolean inExpression(Parser parser) {
    org.antlr.v4.runtime.ParserRuleContext ctx = parser.getContext();
    return ctx != null && EXPRESSION_RULES.contains(parser.getRuleNames()[ctx.getRuleIndex()]);
  }

  static String describe(Token t) {
    if (t == null) return "input";
    return switch (t.getType()) {
      case Token.EOF -> "end of file";
      case DeltacLexer.NL -> "end of line";
      case DeltacLexer.ID -> "name `" + t.getText() + "`";
      case DeltacLexer.INT, DeltacLexer.FLOAT -> "number `" + t.getText() + "`";
      default -> "`" + t.getText() + "`";
    };
  }

  static String expectedText(IntervalSet set, Vocabulary vocabulary) {
    List<String> names = new ArrayList<>();
    boolean number = false;
    for (int type : set.toArray()) {
      String n;
      switch (type) {
        case Token.EOF -> n = "end of file";
        case DeltacLexer.NL -> n = "end of line";
        case DeltacLexer.ID -> n = "a name";
        case DeltacLexer.INT, DeltacLexer.FLOAT -> {
          if (number) continue;
          number = true;
          n = "a number";
        }
        default -> {
          String lit = vocabulary.getLiteralName(type);
          n = lit != null ? "`" + lit.substring(1, lit.length() - 1) + "`" : vocabulary.getDisplayName(type);
        }
      }
      names.add(n);
    }
    if (names.isEmpty()) return "something else";
    if (names.size() == 1) return names.get(0);
    return "one of " + String.join(", ", names);
  }
}
