package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code deltac graph}: DOT text of the forward and reverse-mode graphs. */
class GraphCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(new PrintWriter(out), new PrintWriter(err), args);
  }

  @Test
  void forwardGraphHasTheLayersAndNoGradients(@TempDir Path dir) throws Exception {
    Path dot = dir.resolve("xor.dot");
    assertEquals(0, run("graph", "../samples/xor/xor.nn", "-o", dot.toString()), err::toString);
    String text = Files.readString(dot);
    assertTrue(text.startsWith("digraph \"Xor\" {"), text);
    assertTrue(text.contains("bce_logits"), text);
    assertTrue(text.contains("label=\"output yhat\""), text);
    assertTrue(!text.contains("delta"), text);
  }

  @Test
  void backwardGraphShowsTheFusedDeltaAndEveryGradient() {
    assertEquals(0, run("graph", "../samples/xor/xor.nn", "--backward"), err::toString);
    String text = out.toString();
    assertTrue(text.contains("delta sigmoid"), text);
    for (String p : new String[] {"W1", "b1", "W2", "b2"}) {
      assertTrue(text.contains("label=\"d/d " + p + "\""), text);
    }
  }

  @Test
  void rendersSvgWhenGraphvizIsInstalled(@TempDir Path dir) throws Exception {
    Path svg = dir.resolve("xor.svg");
    int code = run("graph", "../samples/xor/xor.nn", "-o", svg.toString());
    if (code == 0) {
      assertTrue(Files.readString(svg).contains("<svg"), "not an SVG");
    } else {
      assertTrue(err.toString().contains("Graphviz `dot` is not installed"), err.toString());
    }
  }
}
