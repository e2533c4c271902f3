package dev.deltac.runtime.train;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of daemon threads that run one {@link Job} at a time together with the calling
 * thread, without allocating per job.
 *
 * <p>{@link #run} publishes the job, wakes the workers, runs the job on the calling thread too,
 * and returns when every participant has returned from it. A job is expected to claim its work
 * items from its own counter, so who runs which item never changes the result. Between jobs a
 * worker spins for {@link #SPIN_NANOS} (a training loop dispatches the next job within
 * microseconds) and then parks, so an idle pool costs no CPU.
 */
final class WorkerPool implements AutoCloseable {
  /** The work of one dispatch; every participant calls it once. */
  interface Job {
    void run();
  }

  /** How long an idle worker (or the waiting caller) spins before it parks. */
  static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  private final Worker[] workers;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile Job job;
  private volatile int generation;
  private volatile boolean closed;
  private volatile Thread waiter;
  private volatile boolean waiterParked;

  /** @param workers threads besides the caller (0: {@link #run} runs jobs on the caller only) */
  WorkerPool(int workers, String name) {
    this.workers = new Worker[workers];
    for (int i = 0; i < workers; i++) {
      Worker w = new Worker(name + "-" + (i + 1));
      this.workers[i] = w;
      w.start();
    }
  }

  int workers() {
    return workers.length;
  }

  /**
   * Runs {@code job} on the calling thread and every worker and waits for all of them. The
   * first exception any participant threw is rethrown here (unchecked exceptions and errors as
   * they are, anything else wrapped); the job should make the other participants stop claiming
   * work when one fails.
   */
  void run(Job job) {
    if (closed) throw new IllegalStateException("the worker pool is closed");
    if (workers.length == 0) {
      job.run();
      return;
    }
    failure.set(null);
    this.job = job;
    waiter = Thread.currentThread();
    pending.set(workers.length);
    generation++;
    for (Worker w : workers) {
      if (w.parked) LockSupport.unpark(w);
    }
    try {
      job.run();
    } catch (RuntimeException | Error e) {
      failure.compareAndSet(null, e);
    }
    awaitWorkers();
    this.job = null;
    Throwable t = failure.get();
    if (t != null) {
      failure.set(null);
      if (t instanceof RuntimeException r) throw r;
      if (t instanceof Error e) throw e;
      throw new IllegalStateException(t);
    }
  }

  private void awaitWorkers() {
    long deadline = System.nanoTime() + SPIN_NANOS;
    while (pending.get() != 0) {
      if (System.nanoTime() < deadline) {
        Thread.onSpinWait();
        continue;
      }
      waiterParked = true;
      if (pending.get() != 0) LockSupport.park(this);
      waiterParked = false;
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Worker w : workers) LockSupport.unpark(w);
  }

  private final class Worker extends Thread {
    volatile boolean parked;

    Worker(String name) {
      super(name);
      setDaemon(true);
    }

    @Override
    public void run() {
      int seen = 0;
      while (true) {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (generation == seen && !closed) {
          if (System.nanoTime() < deadline) {
            Thread.onSpinWait();
            continue;
          }
          parked = true;
          if (generation == seen && !closed) LockSupport.park(WorkerPool.this);
          parked = false;
        }
        if (closed) return;
        seen = generation;
        try {
          job.run();
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
        if (pending.decrementAndGet() == 0 && waiterParked) LockSupport.unpark(waiter);
      }
    }
  }
}
