package dev.deltac.runtime.train;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of daemon threads that run one {@link Job} at a time together with the calling
 * thread, without allocating per job.
 *
 * <p>{@link #run} publishes the job, wakes the workers and runs the job on the calling thread
 * too. A job claims its work items from its own counter, so who runs which item never changes
 * the result, and when the caller returns from it every item has been claimed. The caller then
 * closes the job: it waits for the workers that entered it to finish, but a worker that had not
 * entered yet (descheduled by another process on a busy machine, say) skips it instead of being
 * waited for. Between jobs a worker spins for {@link #SPIN_NANOS} (a training loop dispatches the
 * next job within microseconds) and then parks, so an idle pool costs no CPU.
 */
final class WorkerPool implements AutoCloseable {
  /**
   * The work of one dispatch. The caller runs it once; a worker runs it if it enters before the
   * job is closed, possibly twice when it woke late for the previous one. A job therefore claims
   * its items from its own counter, so how often it runs never changes what gets done.
   */
  interface Job {
    void run();
  }

  /** How long an idle worker (or the waiting caller) spins before it parks. */
  static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  /** The bit of {@link #state} that closes the current job to workers that have not entered. */
  private static final int CLOSED = 1 << 30;

  private final Worker[] workers;
  /** Workers inside the current job, plus {@link #CLOSED} once the caller has finished it. */
  private final AtomicInteger state = new AtomicInteger();
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
   * Runs {@code job} on the calling thread and on the workers that enter it before the caller
   * is done with its part, and waits for those workers. The first exception any participant
   * threw is rethrown here (unchecked exceptions and errors as they are, anything else
   * wrapped); the job should make the other participants stop claiming work when one fails.
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
    state.set(0);
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

  /** Closes the job to late workers and waits for those inside it. */
  private void awaitWorkers() {
    state.getAndAdd(CLOSED);
    long deadline = System.nanoTime() + SPIN_NANOS;
    while (state.get() != CLOSED) {
      if (System.nanoTime() < deadline) {
        Thread.onSpinWait();
        continue;
      }
      waiterParked = true;
      if (state.get() != CLOSED) LockSupport.park(this);
      waiterParked = false;
    }
  }

  /** A worker enters the current job unless the caller has closed it. */
  private boolean enter() {
    for (int s = state.get(); (s & CLOSED) == 0; s = state.get()) {
      if (state.compareAndSet(s, s + 1)) return true;
    }
    return false;
  }

  private void exit() {
    if (state.decrementAndGet() == CLOSED && waiterParked) LockSupport.unpark(waiter);
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
        if (!enter()) continue;
        try {
          job.run();
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        } finally {
          exit();
        }
      }
    }
  }
}
