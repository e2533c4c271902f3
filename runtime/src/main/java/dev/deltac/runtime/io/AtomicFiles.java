package dev.deltac.runtime.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Atomic file replacement: the bytes go to a temporary file in the target's folder, are forced
 * to disk, and the temporary file is renamed over the target. A failure at any point leaves the
 * old file untouched and removes the temporary one.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path target, ByteBuffer bytes) throws IOException {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
    boolean done = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        while (bytes.hasRemaining()) ch.write(bytes);
        ch.force(true);
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
      done = true;
      syncDirectory(dir);
    } finally {
      if (!done) Files.deleteIfExists(tmp);
    }
  }

  /** Makes the rename durable where the platform allows opening a folder; ignored elsewhere. */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      // Windows and some file systems cannot open or sync a directory: the rename still happened.
    }
  }
}
