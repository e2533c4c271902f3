package dev.deltac.runtime.train;

import dev.deltac.runtime.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Writes a trainer's checkpoints on a background thread, so that training does not wait for the
 * disk (an atomic write forces the file to disk, which takes milliseconds). The bytes are made on
 * the training thread, so their content does not depend on timing. When a newer checkpoint is
 * queued while an older one is still waiting, the older one is dropped: the file always ends up
 * holding the latest ({@link Trainer} does not even make a snapshot while the writer is
 * {@link #busy()}). {@link #awaitIdle()} waits until everything queued is on disk; a failed
 * write is reported by the next call, as an {@link UncheckedIOException}.
 */
final class CheckpointWriter {
  private final Path file;
  private byte[] pending;
  private boolean writing;
  private IOException failure;
  private Thread thread;
  private long written;
  private long dropped;
  private long writeNanos;

  CheckpointWriter(Path file) {
    this.file = file;
  }

  /** Queues {@code bytes} as the file's next content. */
  synchronized void submit(byte[] bytes) {
    rethrow();
    if (pending != null) dropped++;
    pending = bytes;
    if (thread == null) {
      thread = new Thread(this::loop, "deltac-checkpoint");
      thread.setDaemon(true);
      thread.start();
    }
    notifyAll();
  }

  /** Whether a checkpoint is being written or waiting to be. */
  synchronized boolean busy() {
    return pending != null || writing;
  }

  /** Waits until every queued checkpoint is on disk; throws if a write failed. */
  synchronized void awaitIdle() {
    boolean interrupted = false;
    while ((pending != null || writing) && failure == null) {
      try {
        wait();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
    rethrow();
  }

  /** Waits for the queued writes, then ends the thread. */
  synchronized void close() {
    try {
      awaitIdle();
    } finally {
      if (thread != null) thread.interrupt();
      thread = null;
    }
  }

  /** Checkpoints written. */
  synchronized long written() {
    return written;
  }

  /** Checkpoints superseded by a newer one before they were written. */
  synchronized long dropped() {
    return dropped;
  }

  /** Time spent writing (forcing to disk included). */
  synchronized long writeNanos() {
    return writeNanos;
  }

  private void rethrow() {
    if (failure != null) {
      IOException e = failure;
      failure = null;
      throw new UncheckedIOException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  private void loop() {
    while (true) {
      byte[] bytes;
      synchronized (this) {
        while (pending == null) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        bytes = pending;
        pending = null;
        writing = true;
      }
      IOException err = null;
      long t0 = System.nanoTime();
      try {
        AtomicFiles.write(file, ByteBuffer.wrap(bytes));
      } catch (IOException e) {
        err = e;
      }
      synchronized (this) {
        writeNanos += System.nanoTime() - t0;
        writing = false;
        if (err != null) {
          failure = err;
          pending = null;
        } else {
          written++;
        }
        notifyAll();
      }
    }
  }
}
