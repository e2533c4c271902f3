package dev.deltac.compiler.parse;

import dev.deltac.compiler.ast.Program;
import dev.deltac.compiler.diag.DiagnosticKind;
import dev.deltac.compiler.diag.Diagnostics;
import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.grammar.DeltacLexer;
import dev.deltac.grammar.DeltacParser;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.antlr.v4.runtime.BailErrorStrategy;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.DefaultErrorStrategy;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.misc.ParseCancellationException;

/**
 * Stage 1: {@code .nn} text to {@link Program}.
 *
 * <p>Parsing is two-stage: the fast SLL prediction mode with a bail-out strategy first, and full
 * LL with error recovery only when SLL fails (a syntax error, or, rarely, an SLL conflict). All
 * syntax errors are reported; the returned program holds whatever could be built.
 *
 * <p>Robustness: brackets nested more than {@link #MAX_NESTING} deep and expressions deeper than
 * {@link #MAX_EXPR_DEPTH} nodes are rejected with a diagnostic (the later stages recurse over
 * expressions), and parsing runs on a thread with a large stack so that no input can overflow it.
 */
public final class Parser {
  /** Deepest bracket nesting accepted: {@code (((...)))}. */
  public static final int MAX_NESTING = 256;
  /** Deepest expression tree accepted, e.g. {@code a + a + ... + a} with 512 terms. */
  public static final int MAX_EXPR_DEPTH = 512;

  private static final long STACK_BYTES = 512L << 20;

  private Parser() {}

  /** Parses {@code source}; reports into {@code diags}; never throws for any input. */
  public static Program parse(String fileName, String source, Diagnostics diags) {
    diags.addSource(fileName, source);
    return onBigStack(() -> parseHere(fileName, source, diags), fileName, diags,
        new Program(fileName, source, List.of()));
  }

  /**
   * Runs {@code work} on a thread with a large stack and returns its result. A
   * {@link StackOverflowError} or any other throwable becomes a diagnostic and {@code fallback}.
   * Used by the parser and the checker.
   */
  public static <T> T onBigStack(java.util.function.Supplier<T> work, String fileName,
      Diagnostics diags, T fallback) {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = new Thread(null, () -> {
      try {
        result.set(work.get());
      } catch (Throwable e) {
        failure.set(e);
      }
    }, "deltac-frontend", STACK_BYTES);
    t.setDaemon(true);
    t.start();
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
    Throwable e = failure.get();
    if (e != null) {
      SourceSpan at = SourceSpan.at(fileName, 1, 1);
      if (e instanceof StackOverflowError) {
        diags.error(DiagnosticKind.NESTING_TOO_DEEP, at, "the input is nested too deeply to compile");
      } else {
        diags.error(DiagnosticKind.INTERNAL, at, e.toString());
      }
      return fallback;
    }
    return result.get();
  }

  private static Program parseHere(String fileName, String source, Diagnostics diags) {
    int before = diags.errorCount();
    SyntaxErrorListener errors = new SyntaxErrorListener(fileName, diags);
    DeltacLexer lexer = new DeltacLexer(CharStreams.fromString(source, fileName));
    lexer.removeErrorListeners();
    lexer.addErrorListener(errors);
    CommonTokenStream tokens = new CommonTokenStream(lexer);
    tokens.fill();
    if (!checkNesting(tokens.getTokens(), fileName, diags)) {
      return new Program(fileName, source, List.of());
    }

    DeltacParser parser = new DeltacParser(tokens);
    parser.removeErrorListeners();
    parser.getInterpreter().setPredictionMode(PredictionMode.SLL);
    parser.setErrorHandler(new BailErrorStrategy());
    DeltacParser.ProgramContext tree;
    try {
      tree = parser.program();
    } catch (ParseCancellationException e) {
      tokens.seek(0);
      parser.reset();
      parser.addErrorListener(errors);
      parser.getInterpreter().setPredictionMode(PredictionMode.LL);
      parser.setErrorHandler(new DefaultErrorStrategy());
      tree = parser.program();
    }
    AstBuilder builder = new AstBuilder(fileName, diags);
    Program program;
    try {
      program = builder.program(tree, source);
    } catch (RuntimeException e) {
      // a tree mangled by error recovery; its errors are reported, the pipeline stops here
      if (diags.errorCount() == before) throw e;
      return new Program(fileName, source, List.of());
    }
    if (!ExprDepth.check(program, diags)) {
      return new Program(fileName, source, List.of());
    }
    return program;
  }

  private static boolean checkNesting(List<Token> tokens, String fileName, Diagnostics diags) {
    int depth = 0;
    for (Token t : tokens) {
      switch (t.getType()) {
        case DeltacLexer.LPAREN, DeltacLexer.LBRACK -> {
          if (++depth > MAX_NESTING) {
            diags.error(DiagnosticKind.NESTING_TOO_DEEP,
                SourceSpan.at(fileName, t.getLine(), t.getCharPositionInLine() + 1),
                "brackets nested more than " + MAX_NESTING + " deep");
            return false;
          }
        }
        case DeltacLexer.RPAREN, DeltacLexer.RBRACK -> depth = Math.max(0, depth - 1);
        case DeltacLexer.LBRACE, DeltacLexer.RBRACE -> depth = 0;
        default -> { }
      }
    }
    return true;
  }
}
