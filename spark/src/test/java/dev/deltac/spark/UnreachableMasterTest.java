package dev.deltac.spark;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * A master URL that does not answer ends in one clear message within the timeout: nothing
 * listening at the port, and a port that accepts connections but never speaks (where Spark
 * itself would wait minutes). Runs after the other classes: the silent master leaves a Spark
 * context half-started in this JVM until Spark gives up on it.
 */
@Order(100)
class UnreachableMasterTest {
  @AfterEach
  void clear() {
    System.clearProperty("deltac.spark.timeout");
  }

  @Test
  void nothingListening() throws Exception {
    int port = StandaloneCluster.freePort();
    System.setProperty("deltac.spark.timeout", "3");
    long t0 = System.nanoTime();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SparkBackend().connect("spark://127.0.0.1:" + port, "m.nn", "", "M"));
    double s = (System.nanoTime() - t0) / 1e9;
    assertTrue(s >= 2.9 && s < 10, "took " + s + " s");
    assertTrue(e.getMessage().startsWith("Spark master spark://127.0.0.1:" + port
        + " did not answer within 3 s"), e.getMessage());
  }

  @Test
  void acceptsButNeverSpeaks() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      System.setProperty("deltac.spark.timeout", "4");
      String url = "spark://127.0.0.1:" + silent.getLocalPort();
      long t0 = System.nanoTime();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new SparkBackend().connect(url, "m.nn", "", "M"));
      double s = (System.nanoTime() - t0) / 1e9;
      assertTrue(s >= 3.9 && s < 12, "took " + s + " s");
      assertTrue(e.getMessage().startsWith("Spark master " + url + " did not register the"
          + " application within 4 s"), e.getMessage());
    }
  }
}
