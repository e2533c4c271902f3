package dev.deltac.cli;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code ./deltac} launcher passes the JVM's standard error through a filter process (which
 * drops the JVM's incubator-module warning) and sets {@code DELTAC_STDERR_FILTERED}. The filter
 * writes what it receives a moment after the JVM wrote it, so without care the last lines could
 * appear after the JVM exited: after the shell's prompt, or missing from a file the caller reads
 * at once. As the JVM exits, this closes standard error (the filter then sees its end) and waits
 * for the filter, a child process of the JVM, to finish writing.
 */
final class FilteredStderr {
  /** The longest wait for the filter at exit. */
  static final long WAIT_MILLIS = 2000;

  private FilteredStderr() {}

  /** Under the launcher, registers the exit-time wait; otherwise does nothing. */
  static void install() {
    if (System.getenv("DELTAC_STDERR_FILTERED") == null) return;
    Runtime.getRuntime().addShutdownHook(new Thread(FilteredStderr::drain, "deltac-stderr"));
  }

  static void drain() {
    System.err.flush();
    System.err.close(); // standard error now points at /dev/null: the filter reads to its end
    List<ProcessHandle> children = ProcessHandle.current().children().toList();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    for (ProcessHandle child : children) {
      long left = deadline - System.nanoTime();
      if (left <= 0) break;
      try {
        child.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        break; // best effort: a stuck child must not hold up the exit
      }
    }
  }
}
