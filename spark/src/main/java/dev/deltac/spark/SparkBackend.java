package dev.deltac.spark;

import dev.deltac.cli.train.ClusterBackend;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.kernels.DenseKernels;
import dev.deltac.runtime.train.GradientEngine;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code deltac train --master URL}: starts a Spark driver in the command's JVM (or uses the
 * {@code spark-submit} configuration when no master is given), waits until the cluster offers the
 * task slots of a step, and trains through a {@link SparkTrainer}.
 *
 * <p>System properties: {@code deltac.spark.timeout} (seconds to wait for the master, default
 * 30), {@code deltac.spark.executorTimeout} (seconds to wait for executors, default 120),
 * {@code deltac.spark.tasks} (tasks per step, default: the cluster's task slots),
 * {@code deltac.spark.mode} ({@code barrier} or {@code collect}). Any {@code spark.*} system
 * property goes into the Spark configuration.
 */
public final class SparkBackend implements ClusterBackend {
  /** Where Spark's own log configuration is not set, this one shows warnings and errors only. */
  static final String QUIET_LOG = "dev/deltac/spark/log4j2-quiet.properties";

  @Override
  public Session connect(String master, String fileName, String source, String modelName) {
    if (System.getProperty("log4j2.configurationFile") == null
        && System.getProperty("log4j.configurationFile") == null
        && System.getenv("SPARK_CONF_DIR") == null) {
      System.setProperty("log4j2.configurationFile", "classpath:" + QUIET_LOG);
    }
    SparkConf conf = new SparkConf(); // spark.* system properties, as spark-submit sets them
    if (master != null) conf.setMaster(master);
    if (!conf.contains("spark.master")) {
      throw new IllegalArgumentException("no Spark master: give --master local[N] or"
          + " spark://HOST:PORT");
    }
    String url = conf.get("spark.master");
    conf.setIfMissing("spark.app.name", "deltac train " + modelName);
    conf.setIfMissing("spark.ui.enabled", "false");
    boolean local = url.startsWith("local");
    if (!local) {
      // executors run the driver's dense kernels (the bits depend on them)
      if (DenseKernels.get().name().toLowerCase(Locale.ROOT).contains("vector")) {
        String opts = conf.get("spark.executor.extraJavaOptions", "");
        if (!opts.contains("jdk.incubator.vector")) {
          conf.set("spark.executor.extraJavaOptions",
              (opts + " --add-modules jdk.incubator.vector").trim());
        }
      }
      if (!conf.contains("spark.jars") && !conf.contains("spark.submit.deployMode")) {
        conf.set("spark.jars", String.join(",", deltacJars()));
      }
    }
    long timeout = Long.getLong("deltac.spark.timeout", 30);
    if (url.startsWith("spark://")) probeMaster(url, timeout * 1000);
    // a context already running in this JVM (a notebook, a test) is used, and left running
    boolean own = org.apache.spark.SparkContext$.MODULE$.getActive().isEmpty();
    JavaSparkContext jsc = startContext(conf, url, timeout * 1000);
    try {
      jsc.setLogLevel("WARN");
      int wanted = Integer.getInteger("deltac.spark.tasks", 0);
      int slots = awaitSlots(jsc, url, wanted,
          Long.getLong("deltac.spark.executorTimeout", 120) * 1000);
      int tasks = wanted > 0 ? Math.min(wanted, slots) : slots;
      SparkGradient.Mode mode = SparkGradient.Mode.valueOf(
          System.getProperty("deltac.spark.mode", "barrier").toUpperCase(Locale.ROOT));
      SparkTrainer trainer = SparkTrainer.builder(jsc).source(fileName, source).tasks(tasks)
          .mode(mode).timeoutMillis(Math.max(timeout, 60) * 1000).build();
      return new Session() {
        @Override
        public GradientEngine.Factory engine() {
          return trainer.engine();
        }

        @Override
        public String describe() {
          return url + ", " + tasks + " tasks per step (" + mode.name().toLowerCase(Locale.ROOT)
              + "), " + trainer.stats();
        }

        @Override
        public void close() {
          if (own) jsc.stop();
        }
      };
    } catch (RuntimeException e) {
      if (own) jsc.stop();
      throw e;
    }
  }

  /**
   * Fails with a clear message unless one of the masters of a {@code spark://} URL accepts a
   * TCP connection within {@code timeoutMillis} (Spark itself would retry for minutes).
   */
  static void probeMaster(String url, long timeoutMillis) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    String last = "";
    while (true) {
      for (String hp : url.substring("spark://".length()).split(",")) {
        int colon = hp.lastIndexOf(':');
        String host = colon < 0 ? hp : hp.substring(0, colon);
        int port = colon < 0 ? 7077 : Integer.parseInt(hp.substring(colon + 1).replace("/", ""));
        try (java.net.Socket s = new java.net.Socket()) {
          s.connect(new java.net.InetSocketAddress(host, port),
              (int) Math.max(1000, Math.min(5000, deadline - System.currentTimeMillis())));
          return;
        } catch (java.io.IOException e) {
          last = host + ":" + port + ": " + e.getMessage();
        }
      }
      if (System.currentTimeMillis() >= deadline) {
        throw new IllegalArgumentException("Spark master " + url + " did not answer within "
            + timeoutMillis / 1000 + " s (" + last + "); set the wait with"
            + " -Ddeltac.spark.timeout=SECONDS");
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  /**
   * Starts the Spark context on another thread and waits for it at most {@code timeoutMillis}:
   * a master that accepts connections but never registers the application would otherwise hold
   * the constructor for minutes.
   */
  static JavaSparkContext startContext(SparkConf conf, String url, long timeoutMillis) {
    java.util.concurrent.CompletableFuture<JavaSparkContext> f =
        new java.util.concurrent.CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(new JavaSparkContext(SparkContext.getOrCreate(conf)));
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    }, "deltac-spark-start");
    t.setDaemon(true);
    t.start();
    try {
      return f.get(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      f.thenAccept(JavaSparkContext::stop); // if it ever comes up
      throw new IllegalArgumentException("Spark master " + url + " did not register the"
          + " application within " + timeoutMillis / 1000 + " s; set the wait with"
          + " -Ddeltac.spark.timeout=SECONDS");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalArgumentException("cannot start a Spark driver for " + url + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting Spark", e);
    }
  }

  /**
   * Waits until the cluster runs at least one executor, then until it offers {@code wanted}
   * task slots (or, with {@code wanted} 0, until the count stops growing for a few seconds);
   * returns the slots. A master that does not answer, or has no free worker, ends in an
   * {@link IllegalArgumentException} after {@code timeoutMillis}.
   */
  static int awaitSlots(JavaSparkContext jsc, String url, int wanted, long timeoutMillis) {
    SparkContext sc = jsc.sc();
    long start = System.currentTimeMillis();
    long deadline = start + timeoutMillis;
    int last = 0;
    long lastChange = start;
    while (true) {
      if (sc.isStopped()) {
        throw new IllegalArgumentException("Spark master " + url + " did not accept the"
            + " application (see the log above)");
      }
      int slots = sc.maxNumConcurrentTasks(sc.resourceProfileManager()
          .defaultResourceProfile());
      long now = System.currentTimeMillis();
      if (slots != last) {
        last = slots;
        lastChange = now;
      }
      if (slots > 0 && (wanted > 0 ? slots >= wanted : now - lastChange >= 3000 || url
          .startsWith("local"))) {
        return slots;
      }
      if (now >= deadline) {
        if (slots > 0) return slots;
        throw new IllegalArgumentException("no Spark executor joined within "
            + timeoutMillis / 1000 + " s: master " + url + " has no worker with free cores and"
            + " memory?; set the wait with -Ddeltac.spark.executorTimeout=SECONDS");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Spark executors", e);
      }
    }
  }

  /**
   * The jars holding deltac's classes and the compiler's libraries, for the executors' classpath
   * (with the launcher: deltac.jar and this module's jar; class folders are left out).
   */
  static Set<String> deltacJars() {
    Set<String> out = new LinkedHashSet<>();
    for (Class<?> c : new Class<?>[] {SparkBackend.class, FloatModel.class,
        dev.deltac.compiler.Deltac.class, ClusterBackend.class,
        dev.deltac.grammar.DeltacParser.class,
        org.antlr.v4.runtime.Parser.class, org.codehaus.janino.SimpleCompiler.class,
        org.codehaus.commons.compiler.ICompilerFactory.class,
        com.palantir.javapoet.JavaFile.class}) {
      try {
        Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (java.nio.file.Files.isRegularFile(p)) out.add(p.toString()); // Spark ships jars only
      } catch (URISyntaxException | NullPointerException e) {
        // a class without a location (the boot path): nothing to ship
      }
    }
    return out;
  }
}
