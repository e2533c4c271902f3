package dev.deltac.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The same bits on every vector width: {@link VectorWidthProbe} runs in one JVM per width
 * (512 bits where the hardware has them, 256, 128, and on x86 256 bits under
 * {@code -XX:UseAVX=2}, i.e. AVX2 code with 16 registers) and every kernel result and the
 * parameters of a small MLP trained through the kernels must have the same SHA-256 in all.
 * One JVM per width because the vector species is a constant of the kernel class (and mixing
 * shapes in one JVM makes C2 box vectors).
 */
class VectorWidthTest {
  @Test
  void everyWidthGivesTheSameBits() throws Exception {
    int preferred = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
    Map<String, List<String>> runs = new LinkedHashMap<>();
    if (preferred >= 512) runs.put("vector-512", List.of("-Ddeltac.vector.bits=512"));
    runs.put("vector-256", List.of("-Ddeltac.vector.bits=256"));
    runs.put("vector-128", List.of("-Ddeltac.vector.bits=128"));
    String arch = System.getProperty("os.arch");
    if (arch.equals("amd64") || arch.equals("x86_64")) {
      runs.put("vector-256 -XX:UseAVX=2", List.of("-XX:UseAVX=2", "-Ddeltac.vector.bits=256"));
    }
    String reference = null;
    List<String> expected = null;
    for (Map.Entry<String, List<String>> e : runs.entrySet()) {
      List<String> lines = probe(e.getValue());
      String kernels = e.getKey().split(" ")[0];
      assertEquals("kernels " + kernels, lines.get(0), e.getKey() + ": wrong kernels ran");
      List<String> results = lines.subList(1, lines.size());
      assertTrue(results.size() > 5 * VectorWidthProbe.SHAPES.length, e.getKey() + ": " + lines);
      if (expected == null) {
        reference = e.getKey();
        expected = results;
        continue;
      }
      for (int q = 0; q < expected.size(); q++) {
        assertEquals(expected.get(q), results.get(q), e.getKey() + " differs from " + reference);
      }
      assertEquals(expected.size(), results.size());
    }
  }

  private static List<String> probe(List<String> flags) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--add-modules");
    cmd.add("jdk.incubator.vector");
    cmd.addAll(flags);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(VectorWidthProbe.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(buf);
    }
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not finish: " + cmd);
    String text = buf.toString(StandardCharsets.UTF_8);
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      // the incubator module's warning goes to stderr, merged here
      if (!line.isBlank() && !line.startsWith("WARNING")) lines.add(line.trim());
    }
    assertEquals(0, p.exitValue(), "probe failed: " + cmd + "\n" + text);
    assertTrue(!lines.isEmpty(), "no output: " + Arrays.toString(cmd.toArray()));
    return lines;
  }
}
