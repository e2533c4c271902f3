package dev.deltac.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
  @Test
  void everyParticipantRunsEachJobOnceAndNoWakeUpIsLost() {
    // hang guard only: a lost wake-up would block run() forever
    assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
      try (WorkerPool pool = new WorkerPool(3, "test")) {
        AtomicInteger calls = new AtomicInteger();
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        WorkerPool.Job job = () -> {
          calls.incrementAndGet();
          threads.add(Thread.currentThread());
        };
        for (int i = 1; i <= 20_000; i++) {
          pool.run(job);
          assertEquals(4 * i, calls.get());
          if (i % 5_000 == 0) Thread.sleep(2); // let the workers park between some jobs
        }
        assertEquals(4, threads.size());
      }
    });
  }

  @Test
  void aWorkersExceptionIsRethrownOnTheCaller() {
    try (WorkerPool pool = new WorkerPool(1, "test")) {
      Thread caller = Thread.currentThread();
      IllegalStateException boom = new IllegalStateException("boom");
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(() -> {
        if (Thread.currentThread() != caller) throw boom;
      }));
      assertSame(boom, e);
      AtomicInteger calls = new AtomicInteger();
      pool.run(calls::incrementAndGet);
      assertEquals(2, calls.get());
    }
  }

  @Test
  void theCallersExceptionWaitsForTheWorkers() {
    try (WorkerPool pool = new WorkerPool(1, "test")) {
      Thread caller = Thread.currentThread();
      AtomicInteger finished = new AtomicInteger();
      assertThrows(ArithmeticException.class, () -> pool.run(() -> {
        if (Thread.currentThread() == caller) throw new ArithmeticException();
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
