package dev.deltac.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
  @Test
  void everyItemIsDoneOnceAndNoWorkerIsStillInsideWhenRunReturns() {
    // hang guard only: a lost wake-up would block run() forever
    assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
      try (WorkerPool pool = new WorkerPool(3, "test")) {
        int items = 64;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger inside = new AtomicInteger();
        int[] done = new int[items];
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        WorkerPool.Job job = () -> {
          inside.incrementAndGet();
          try {
            for (int i = next.getAndIncrement(); i < items; i = next.getAndIncrement()) {
              done[i]++;
              threads.add(Thread.currentThread());
              if (i % 16 == 0) Thread.onSpinWait();
            }
          } finally {
            inside.decrementAndGet();
          }
        };
        for (int round = 1; round <= 20_000; round++) {
          next.set(0);
          pool.run(job);
          assertEquals(0, inside.get(), "a worker is still inside the job after run returned");
          for (int i = 0; i < items; i++) assertEquals(round, done[i], "item " + i);
          if (round % 5_000 == 0) Thread.sleep(2); // let the workers park between some jobs
        }
        assertTrue(threads.size() >= 2, "the workers never took an item: " + threads);
      }
    });
  }

  @Test
  void theCallerDoesEverythingWhenTheWorkersAreLate() {
    try (WorkerPool pool = new WorkerPool(1, "test")) {
      Thread caller = Thread.currentThread();
      AtomicInteger byCaller = new AtomicInteger();
      for (int round = 0; round < 100; round++) {
        // the job ends as soon as the caller has run it: a worker arriving later skips it
        pool.run(() -> {
          if (Thread.currentThread() == caller) byCaller.incrementAndGet();
        });
      }
      assertEquals(100, byCaller.get());
    }
  }

  /** A job whose caller part waits until the worker has entered it too. */
  private static void awaitWorker(AtomicBoolean entered) {
    while (!entered.get()) Thread.onSpinWait();
  }

  @Test
  void aWorkersExceptionIsRethrownOnTheCaller() {
    try (WorkerPool pool = new WorkerPool(1, "test")) {
      Thread caller = Thread.currentThread();
      IllegalStateException boom = new IllegalStateException("boom");
      AtomicBoolean entered = new AtomicBoolean();
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(() -> {
        if (Thread.currentThread() == caller) {
          awaitWorker(entered);
          return;
        }
        entered.set(true);
        throw boom;
      }));
      assertSame(boom, e);
      AtomicInteger calls = new AtomicInteger();
      pool.run(calls::incrementAndGet);
      assertTrue(calls.get() >= 1);
    }
  }

  @Test
  void theCallersExceptionWaitsForTheWorkersInsideTheJob() {
    try (WorkerPool pool = new WorkerPool(1, "test")) {
      Thread caller = Thread.currentThread();
      AtomicInteger finished = new AtomicInteger();
      AtomicBoolean entered = new AtomicBoolean();
      assertThrows(ArithmeticException.class, () -> pool.run(() -> {
        if (Thread.currentThread() == caller) {
          awaitWorker(entered);
          throw new ArithmeticException();
        }
        entered.set(true);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
        finished.incrementAndGet();
      }));
      assertEquals(1, finished.get(), "run returned before the worker finished");
    }
  }

  @Test
  void withoutWorkersJobsRunOnTheCaller() {
    try (WorkerPool pool = new WorkerPool(0, "test")) {
      Thread[] ran = new Thread[1];
      pool.run(() -> ran[0] = Thread.currentThread());
      assertSame(Thread.currentThread(), ran[0]);
    }
  }

  @Test
  void aClosedPoolRefusesJobs() {
    WorkerPool pool = new WorkerPool(2, "test");
    pool.close();
    assertThrows(IllegalStateException.class, () -> pool.run(() -> {}));
  }
}
