package dev.deltac.spark;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Spark standalone cluster on localhost for tests: a Master and Workers, each a JVM process
 * started from the Maven-resolved Spark jars (spark/target/spark-classpath.txt, which the build
 * writes; nothing is downloaded). Workers find Spark's jars for their executors in a SPARK_HOME
 * made of links to the same jars. {@link #close} kills every process it started, executors
 * included.
 */
final class StandaloneCluster implements AutoCloseable {
  private final List<Process> daemons = new ArrayList<>();
  private final Path home;
  final int port;

  StandaloneCluster(Path dir, int workers) throws Exception {
    List<String> cp = List.of(Files.readString(Path.of("target/spark-classpath.txt")).trim()
        .split(java.io.File.pathSeparator));
    home = dir.resolve("spark-home");
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (String j : cp) {
      Path p = Path.of(j);
      Files.createSymbolicLink(jars.resolve(p.getFileName()), p);
    }
    port = freePort();
    try {
      daemons.add(start(dir, "master", cp, "org.apache.spark.deploy.master.Master", "--host",
          "127.0.0.1", "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort())));
      awaitPort(port, 60_000);
      for (int w = 0; w < workers; w++) {
        Path work = Files.createDirectories(dir.resolve("work" + w));
        daemons.add(start(dir, "worker" + w, cp, "org.apache.spark.deploy.worker.Worker",
            "--host", "127.0.0.1", "--cores", "1", "--memory", "768m", "--webui-port",
            String.valueOf(freePort()), "--work-dir", work.toString(), url()));
      }
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  String url() {
    return "spark://127.0.0.1:" + port;
  }

  private Process start(Path dir, String name, List<String> cp, String main, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    for (String f : System.getProperty("deltac.spark.flags", "").trim().split("\\s+")) {
      if (!f.isEmpty()) cmd.add(f);
    }
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, cp));
    cmd.add(main);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().remove("SPARK_CONF_DIR");
    return pb.start();
  }

  /** The executor JVMs the workers started (children of the worker processes). */
  List<ProcessHandle> executors() {
    List<ProcessHandle> out = new ArrayList<>();
    for (Process d : daemons) {
      d.toHandle().descendants().filter(h -> h.info().commandLine().orElse("")
          .contains("CoarseGrainedExecutorBackend")).forEach(out::add);
    }
    return out;
  }

  Optional<ProcessHandle> anyExecutor() {
    return executors().stream().findFirst();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void awaitPort(int port, long ms) throws Exception {
    long end = System.currentTimeMillis() + ms;
    while (System.currentTimeMillis() < end) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("the Spark master did not open port " + port);
  }

  @Override
  public void close() {
    for (Process d : daemons) {
      d.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      d.destroyForcibly();
    }
    for (Process d : daemons) {
      try {
        d.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
