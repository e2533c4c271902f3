package dev.deltac.spark;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The {@link SparkGradient.Mode#BARRIER} way: one barrier-mode Spark stage of {@code tasks}
 * tasks runs for the whole training; each task connects back to a socket of the driver and
 * then, step after step, reads its shards and the parameters and writes back the shards'
 * gradients. When an executor dies, Spark retries the whole barrier stage; the driver then drops
 * every connection, waits for the new attempt's tasks and sends the step again (a step is a pure
 * function of its inputs, so the bits do not change).
 */
final class BarrierSession implements AutoCloseable {
  private static final int STEP = 1;
  private static final int DONE = 0;
  /** Retries of one step after lost connections (Spark retries a stage 4 times by default). */
  private static final int MAX_STEP_RETRIES = 8;

  private final int tasks;
  private final long timeoutMillis;
  private final ServerSocket server;
  private final Thread job;
  private final Conn[] conns;
  private volatile Throwable jobFailure;
  private volatile boolean jobDone;
  private int attempt = -1;

  private record Conn(Socket socket, DataInputStream in, DataOutputStream out, int attempt) {}

  BarrierSession(JavaSparkContext jsc, ModelSpec spec, int tasks, long timeoutMillis) {
    this.tasks = tasks;
    this.timeoutMillis = timeoutMillis;
    this.conns = new Conn[tasks];
    String host = jsc.getConf().get("spark.driver.host", "localhost");
    try {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getByName(bindAddress(jsc, host)), 0));
    } catch (IOException e) {
      throw new IllegalStateException("cannot open the driver's step socket: " + e.getMessage(),
          e);
    }
    int port = server.getLocalPort();
    int n = tasks;
    job = new Thread(() -> {
      try {
        List<Integer> parts = IntStream.range(0, n).boxed().toList();
        scala.Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<Integer>> f =
            (scala.Function1<scala.collection.Iterator<Integer>,
                scala.collection.Iterator<Integer>> & java.io.Serializable) it -> {
              try {
                runTask(spec, host, port);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
              return scala.collection.Iterator$.MODULE$.empty();
            };
        scala.reflect.ClassTag<Integer> tag = scala.reflect.ClassTag$.MODULE$.apply(Integer.class);
        // the shuffle after it makes the barrier stage a shuffle-map stage, which Spark retries
        // as a whole when a task or executor is lost (a failed barrier result stage is not)
        new org.apache.spark.api.java.JavaRDD<>(jsc.parallelize(parts, n).rdd().barrier()
            .mapPartitions(f, false, tag), tag).repartition(1).count();
      } catch (Throwable t) {
        jobFailure = t;
      } finally {
        jobDone = true;
      }
    }, "deltac-spark-barrier");
    job.setDaemon(true);
    job.start();
  }

  private static String bindAddress(JavaSparkContext jsc, String host) {
    return jsc.getConf().get("spark.driver.bindAddress", host);
  }

  /** Sends each task its work and the parameters; returns the results in task order. */
  List<ShardWork.Result[]> step(List<ShardWork> work, float[][] params, long seed) {
    for (int retry = 0; ; retry++) {
      try {
        awaitConnections();
        for (int t = 0; t < tasks; t++) {
          DataOutputStream out = conns[t].out();
          out.writeInt(STEP);
          out.writeLong(seed);
          boolean has = t < work.size();
          out.writeBoolean(has);
          if (has) {
            writeParams(out, params);
            writeWork(out, work.get(t));
          }
          out.flush();
        }
        List<ShardWork.Result[]> results = new ArrayList<>();
        for (int t = 0; t < work.size(); t++) {
          results.add(readResults(conns[t].in()));
        }
        return results;
      } catch (IOException e) {
        dropAll();
        if (retry >= MAX_STEP_RETRIES) {
          throw new IllegalStateException("Spark tasks kept failing: " + e.getMessage(), e);
        }
      }
    }
  }

  /** Waits until every task of the newest attempt is connected. */
  private void awaitConnections() throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      boolean all = true;
      for (Conn c : conns) all &= c != null;
      if (all) return;
      if (jobFailure != null) {
        throw new IllegalStateException("the Spark barrier stage failed: "
            + jobFailure.getMessage(), jobFailure);
      }
      if (jobDone) throw new IllegalStateException("the Spark barrier stage ended early");
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new IllegalStateException("timed out after " + timeoutMillis / 1000 + " s waiting"
            + " for " + tasks + " Spark tasks to start at once (a barrier stage needs " + tasks
            + " free cores)");
      }
      server.setSoTimeout((int) Math.min(left, 1000));
      Socket s;
      try {
        s = server.accept();
      } catch (SocketTimeoutException e) {
        continue;
      }
      s.setTcpNoDelay(true);
      // a task that neither answers nor breaks its connection (an executor cut off from the
      // network) fails the step after this long, and the step is sent again
      s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(timeoutMillis * 5, 300_000)));
      DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(),
          1 << 16));
      int part = in.readInt();
      int att = in.readInt();
      if (att < attempt) {
        s.close(); // a task of an attempt Spark has given up
        continue;
      }
      if (att > attempt) {
        dropAll();
        attempt = att;
      }
      if (conns[part] != null) closeQuietly(conns[part].socket());
      conns[part] = new Conn(s, in, out, att);
    }
  }

  private void dropAll() {
    for (int t = 0; t < tasks; t++) {
      if (conns[t] != null) closeQuietly(conns[t].socket());
      conns[t] = null;
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing
    }
  }

  @Override
  public void close() {
    try {
      for (Conn c : conns) {
        if (c == null) continue;
        try {
          c.out().writeInt(DONE);
          c.out().flush();
        } catch (IOException e) {
          // the task is gone already
        }
      }
      job.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      dropAll();
      try {
        server.close();
      } catch (IOException e) {
        // closing
      }
    }
  }

  // ---- the task side ----

  private static void runTask(ModelSpec spec, String host, int port)
      throws IOException {
    BarrierTaskContext ctx = BarrierTaskContext.get();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 30_000);
      s.setTcpNoDelay(true);
      DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(),
          1 << 16));
      out.writeInt(ctx.partitionId());
      out.writeInt(ctx.stageAttemptNumber());
      out.flush();
      float[][] params = null;
      while (true) {
        int cmd;
        try {
          cmd = in.readInt();
        } catch (EOFException e) {
          throw new IOException("the driver closed the step socket");
        }
        if (cmd == DONE) break;
        long seed = in.readLong();
        if (!in.readBoolean()) continue;
        params = readParams(in, params);
        ShardWork w = readWork(in);
        writeResults(out, w.compute(spec, params, seed));
        out.flush();
      }
    }
  }

  // ---- wire format: big-endian ints, floats in bulk ----

  private static void writeFloats(DataOutputStream out, float[] a) throws IOException {
    out.writeInt(a.length);
    byte[] buf = new byte[Math.min(a.length, 16384) * 4];
    for (int i = 0; i < a.length; i += buf.length / 4) {
      int k = Math.min(buf.length / 4, a.length - i);
      ByteBuffer.wrap(buf).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().put(a, i, k);
      out.write(buf, 0, k * 4);
    }
  }

  private static float[] readFloats(DataInputStream in, float[] reuse) throws IOException {
    int n = in.readInt();
    float[] a = reuse != null && reuse.length == n ? reuse : new float[n];
    byte[] buf = new byte[Math.min(n, 16384) * 4];
    for (int i = 0; i < n; i += buf.length / 4) {
      int k = Math.min(buf.length / 4, n - i);
      in.readFully(buf, 0, k * 4);
      ByteBuffer.wrap(buf).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(a, i, k);
    }
    return a;
  }

  private static void writeParams(DataOutputStream out, float[][] p) throws IOException {
    out.writeInt(p.length);
    for (float[] b : p) writeFloats(out, b);
  }

  private static float[][] readParams(DataInputStream in, float[][] reuse) throws IOException {
    int n = in.readInt();
    float[][] p = reuse != null && reuse.length == n ? reuse : new float[n][];
    for (int b = 0; b < n; b++) p[b] = readFloats(in, p[b]);
    return p;
  }

  private static void writeWork(DataOutputStream out, ShardWork w) throws IOException {
    out.writeInt(w.first());
    out.writeInt(w.n().length);
    for (int x : w.n()) out.writeInt(x);
    writeFloats(out, w.xs());
    writeFloats(out, w.ts());
  }

  private static ShardWork readWork(DataInputStream in) throws IOException {
    int first = in.readInt();
    int[] n = new int[in.readInt()];
    for (int k = 0; k < n.length; k++) n[k] = in.readInt();
    return new ShardWork(first, n, readFloats(in, null), readFloats(in, null));
  }

  private static void writeResults(DataOutputStream out, ShardWork.Result[] rs)
      throws IOException {
    out.writeInt(rs.length);
    for (ShardWork.Result r : rs) {
      out.writeInt(r.shard());
      out.writeInt(r.n());
      out.writeFloat(r.loss());
      writeParams(out, r.grads());
    }
  }

  private static ShardWork.Result[] readResults(DataInputStream in) throws IOException {
    ShardWork.Result[] rs = new ShardWork.Result[in.readInt()];
    for (int k = 0; k < rs.length; k++) {
      int shard = in.readInt();
      int n = in.readInt();
      float loss = in.readFloat();
      rs[k] = new ShardWork.Result(shard, n, loss, readParams(in, null));
    }
    return rs;
  }
}
