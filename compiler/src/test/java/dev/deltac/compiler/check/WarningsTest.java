package dev.deltac.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.Compilation;
import dev.deltac.compiler.Deltac;
import dev.deltac.compiler.diag.Diagnostic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** W8xx: likely mistakes in valid models, each with its position; none on the samples. */
class WarningsTest {
  private static List<String> warnings(String text) throws Exception {
    Compilation c = Deltac.compile("m.nn", text);
    List<String> out = new ArrayList<>();
    for (Diagnostic d : c.warnings()) {
      out.add(d.kind().code() + "@" + d.span().line() + ":" + d.span().column());
    }
    return out;
  }

  @Test
  void aSoftmaxFedToSoftmaxCrossEntropy() throws Exception {
    List<String> w = warnings("""
        model M {
          input x[4]
          target y[3]
          z = dense(x, 3)
          p = softmax(z)
          output p
          loss softmax_cross_entropy(p, y)
        }
        """);
    assertEquals(List.of("W801@7:8"), w);
  }

  @Test
  void aSigmoidFedToBceWithLogits() throws Exception {
    assertEquals(List.of("W801@6:8"), warnings("""
        model M {
          input x[4]
          target y[1]
          p = dense(x, 1, sigmoid)
          output p
          loss bce_with_logits(p, y)
        }
        """));
  }

  @Test
  void aParamTheLossDoesNotDependOnAndAnUnusedInput() throws Exception {
    assertEquals(List.of("W803@3:3", "W802@5:3"), warnings("""
        model M {
          input x[4]
          input unused[2]
          target y[1]
          param V[1, 4]
          param W[1, 4]
          z = W @ x
          output z
          loss mse(z, y)
        }
        """));
  }

  @Test
  void theMessagesSayWhatToDo() throws Exception {
    Compilation c = Deltac.compile("m.nn", """
        model M {
          input x[4]
          target y[3]
          z = dense(x, 3)
          p = softmax(z)
          output p
          loss softmax_cross_entropy(p, y)
        }
        """);
    String text = c.formatWarnings();
    assertTrue(text.startsWith("m.nn:7:8: warning: "), text);
    assertTrue(text.contains("pass the logits"), text);
    assertTrue(text.contains("[W801]"), text);
  }

  @Test
  void noWarningOnAnySampleOrTestModel() throws IOException {
    List<Path> files = new ArrayList<>();
    for (String root : List.of("../samples", "src/test/resources/models")) {
      try (Stream<Path> s = Files.walk(Path.of(root))) {
        s.filter(p -> p.toString().endsWith(".nn") && !p.toString().contains("/target/")).forEach(files::add);
      }
    }
    assertTrue(files.size() >= 8, files.toString());
    for (Path f : files) {
      try {
        Compilation c = Deltac.compile(f);
        assertEquals("", c.formatWarnings(), f.toString());
      } catch (dev.deltac.compiler.CompileException e) {
        // files made to fail are tested elsewhere
      }
    }
  }
}
