package dev.deltac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bit-identical checkpoints on every vector width, end to end: {@link VectorWidthTrainProbe}
 * trains an MLP and a CNN through {@code deltac train} in one JVM per width (512 bits where the
 * hardware has them, 256, 128, and on x86 256 under {@code -XX:UseAVX=2}) on 1, 2 and 3 threads,
 * and every checkpoint must hold the same tensors, bit for bit, as the first JVM's 1-thread run.
 * (The runtime's VectorWidthTest checks the kernels alone.)
 */
class VectorWidthCheckpointTest {
  @Test
  void checkpointsAreTheSameOnEveryWidthAndThreadCount(@TempDir Path dir) throws Exception {
    // the widest kernels this machine runs by default
    String widest = probe(List.of(), null).get(0);
    Map<String, List<String>> runs = new LinkedHashMap<>();
    if (widest.equals("kernels vector-512")) runs.put("vector-512", List.of("-Ddeltac.vector.bits=512"));
    runs.put("vector-256", List.of("-Ddeltac.vector.bits=256"));
    runs.put("vector-128", List.of("-Ddeltac.vector.bits=128"));
    String arch = System.getProperty("os.arch");
    if (arch.equals("amd64") || arch.equals("x86_64")) {
      runs.put("vector-256 -XX:UseAVX=2", List.of("-XX:UseAVX=2", "-Ddeltac.vector.bits=256"));
    }
    Map<String, String> reference = new LinkedHashMap<>();
    String referenceRun = null;
    for (Map.Entry<String, List<String>> e : runs.entrySet()) {
      Path work = Files.createDirectories(dir.resolve("run" + reference.size() + "-" + e.getKey().hashCode()));
      List<String> lines = probe(e.getValue(), work);
      assertEquals("kernels " + e.getKey().split(" ")[0], lines.get(0), e.getKey() + ": wrong kernels ran");
      Map<String, String> sums = new LinkedHashMap<>();
      for (String line : lines.subList(1, lines.size())) {
        String[] p = line.split(" ");
        assertEquals(4, p.length, line);
        sums.put(p[0] + " threads " + p[2], p[3]);
      }
      assertEquals(6, sums.size(), e.getKey() + ": " + lines);
      for (Map.Entry<String, String> s : sums.entrySet()) {
        String model = s.getKey().split(" ")[0];
        assertEquals(sums.get(model + " threads 1"), s.getValue(), e.getKey() + ": " + s.getKey()
            + " differs from 1 thread");
      }
      if (referenceRun == null) {
        referenceRun = e.getKey();
        reference = sums;
      } else {
        assertEquals(reference, sums, e.getKey() + " differs from " + referenceRun);
      }
    }
    assertTrue(reference.size() == 6);
  }

  private static List<String> probe(List<String> flags, Path work) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--add-modules");
    cmd.add("jdk.incubator.vector");
    cmd.addAll(flags);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(VectorWidthTrainProbe.class.getName());
    if (work != null) cmd.add(work.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(buf);
    }
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "probe did not finish: " + cmd);
    String text = buf.toString(StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), "probe failed: " + cmd + "\n" + text);
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank() && !line.startsWith("WARNING")) lines.add(line.trim());
    }
    return lines;
  }
}
