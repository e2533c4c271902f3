package dev.deltac.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.Frontend;
import dev.deltac.compiler.FrontendResult;
import dev.deltac.compiler.diag.Diagnostic;
import dev.deltac.compiler.diag.DiagnosticKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** No input produces a stack trace, a hang, or a StackOverflowError. */
class RobustnessTest {
  private static final String TOKENS_SOUP = "model function input target param const state for in output "
      + "loss return train if then else true false x y W h ( ) [ ] { } , ; : . .. = == += + - * / @ ^ < > "
      + "<= >= != 0 1 2.5 1e-3 \n \n # // sigmoid dense mse zeros he T";

  private static void assertNoInternalError(FrontendResult r) {
    for (Diagnostic d : r.diagnostics().all()) {
      assertFalse(d.kind() == DiagnosticKind.INTERNAL, () -> r.diagnostics().format());
    }
    r.diagnostics().format(); // formatting never throws either
  }

  @Test
  void randomByteGarbageGivesDiagnostics() {
    Random random = new Random(42);
    assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
      for (int i = 0; i < 300; i++) {
        byte[] bytes = new byte[random.nextInt(400)];
        random.nextBytes(bytes);
        FrontendResult r = Frontend.parse("garbage" + i + ".nn", new String(bytes, StandardCharsets.ISO_8859_1));
        assertNoInternalError(r);
        assertTrue(r.diagnostics().hasErrors());
      }
    });
  }

  @Test
  void randomTokenSoupGivesDiagnosticsWithoutInternalErrors() {
    String[] words = TOKENS_SOUP.split(" ");
    Random random = new Random(7);
    assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
      for (int i = 0; i < 500; i++) {
        StringBuilder sb = new StringBuilder(random.nextBoolean() ? "model M {\n" : "");
        int n = random.nextInt(80);
        for (int j = 0; j < n; j++) sb.append(words[random.nextInt(words.length)]).append(' ');
        if (random.nextBoolean()) sb.append("\n}");
        assertNoInternalError(Frontend.parse("soup" + i + ".nn", sb.toString()));
      }
    });
  }

  @Test
  void mutatedValidProgramsNeverCrash() {
    String valid = "model Xor {\n  input x[2]\n  target y[1]\n  param W1[4, 2] = he\n  param b1[4]\n"
        + "  h = sigmoid(W1 @ x + b1)\n  state s[4] = zeros\n  for t in 0..3 {\n    s = s + h * t\n"
        + "    loss += mse(s[0:1], y)\n  }\n  d = dense(h, 1, relu)\n  output d\n  loss += bce(sigmoid(d), y)\n"
        + "  train {\n    optimizer sgd(lr = 0.5)\n    batch 4\n  }\n}\n";
    Random random = new Random(3);
    assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
      for (int i = 0; i < 500; i++) {
        StringBuilder sb = new StringBuilder(valid);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
          int at = random.nextInt(sb.length());
          switch (random.nextInt(3)) {
            case 0 -> sb.deleteCharAt(at);
            case 1 -> sb.insert(at, "()[]{},.;=+-*@^<>0123xyhWT\n".charAt(random.nextInt(27)));
            default -> sb.setCharAt(at, "()[]{},.;=+-*@^<>0123xyhWT\n".charAt(random.nextInt(27)));
          }
        }
        assertNoInternalError(Frontend.parse("mutated" + i + ".nn", sb.toString()));
      }
    });
  }

  @Test
  void emptyFileIsOneClearError() {
    FrontendResult r = Frontend.parse("empty.nn", "");
    assertTrue(r.diagnostics().format().startsWith("empty.nn:1:1: error: the file declares no `model` or `function`"),
        r.diagnostics().format());
    assertTrue(r.diagnostics().errorCount() == 1);
  }

  @Test
  void tenThousandNestedParenthesesAreRejectedCleanly() {
    String deep = "(".repeat(10_000) + "x" + ")".repeat(10_000);
    FrontendResult r = assertTimeoutPreemptively(Duration.ofSeconds(60),
        () -> Frontend.parse("deep.nn", "function F(x) {\n  return " + deep + "\n}\n"));
    assertNoInternalError(r);
    assertTrue(r.diagnostics().format().contains("deep.nn:2:266: error: brackets nested more than 256 deep"),
        r.diagnostics().format());
  }

  @Test
  void tenThousandUnclosedParenthesesAndBracketsAreRejectedCleanly() {
    for (String open : new String[] {"(", "[", "-", "x ^ "}) {
      String deep = open.repeat(10_000) + "x";
      FrontendResult r = assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> Frontend.parse("deep.nn", "function F(x) {\n  return " + deep + "\n}\n"));
      assertNoInternalError(r);
      assertTrue(r.diagnostics().hasErrors());
    }
  }

  @Test
  void longOperatorChainIsLimitedByDepthNotByStack() {
    String chain = "x" + " + x".repeat(20_000);
    FrontendResult r = assertTimeoutPreemptively(Duration.ofSeconds(60),
        () -> Frontend.parse("chain.nn", "function F(x) {\n  return " + chain + "\n}\n"));
    assertNoInternalError(r);
    assertTrue(r.diagnostics().format().contains("expression nested 20001 deep; the limit is 512"),
        r.diagnostics().format());
  }

  /** A hang guard, not a speed test: parse speed is measured by the JMH FrontendBenchmark. */
  @Test
  void fiftyThousandLineFileParsesAndChecksWithoutHanging() {
    StringBuilder sb = new StringBuilder("model Big {\n  input x[8]\n  target y[8]\n  param W[8, 8]\n  h0 = x\n");
    for (int i = 1; i < 50_000; i++) {
      sb.append("  h").append(i).append(" = tanh(W @ h").append(i - 1).append(" + x) * 0.5\n");
    }
    sb.append("  output h49999\n  loss mse(h49999, y)\n}\n");
    String text = sb.toString();
    FrontendResult r = assertTimeoutPreemptively(Duration.ofSeconds(120),
        () -> Frontend.parse("big.nn", text));
    assertTrue(r.ok(), () -> r.diagnostics().format());
  }

  @Test
  void aFileOfOnlyErrorsStopsAtTheErrorLimit() {
    String text = "model M {\n" + "  x = = =\n".repeat(1000) + "}\n";
    FrontendResult r = Frontend.parse("many.nn", text);
    assertTrue(r.diagnostics().truncated());
    assertTrue(r.diagnostics().format().endsWith("too many errors; only the first 100 are shown\n"));
  }
}
