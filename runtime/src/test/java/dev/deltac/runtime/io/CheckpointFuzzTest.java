package dev.deltac.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.deltac.runtime.testing.SoftmaxRegression;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Fuzzing the checkpoint reader (docs/FUZZING.md): any bytes give a checkpoint or one
 * {@link CheckpointException}; a checkpoint that was read loads into a model, gives its training
 * state or refuses with a CheckpointException, and writes back to bytes that read again the same.
 * Byte 0 of the input picks how much of the header is made right, so the fuzzer reaches the body
 * parser behind the checksum: 0 nothing (the rest is the file as it is), 1 the length and the
 * checksum, 2 the magic number and version 2 or 3 (the top bit of byte 0) as well.
 */
class CheckpointFuzzTest {
  private static final Path FILE = Path.of("fuzz.ckpt");

  @FuzzTest(maxDuration = "5m")
  void checkpoint(byte[] data) throws IOException {
    if (data.length == 0) return;
    byte[] file = Arrays.copyOfRange(data, 1, data.length);
    int mode = (data[0] & 0xFF) % 3;
    if (mode > 0 && file.length >= Checkpoint.HEADER) {
      ByteBuffer b = ByteBuffer.wrap(file);
      if (mode == 2) {
        b.put(0, Checkpoint.MAGIC);
        b.putInt(8, (data[0] & 0x80) != 0 ? 3 : 2);
      }
      b.putLong(12, file.length - Checkpoint.HEADER);
      CRC32 crc = new CRC32();
      crc.update(file, Checkpoint.HEADER, file.length - Checkpoint.HEADER);
      b.putInt(20, (int) crc.getValue());
    }
    Checkpoint c;
    try {
      c = Checkpoint.parse("fuzz.ckpt", file);
    } catch (CheckpointException e) {
      assertTrue(e.getMessage().contains("fuzz.ckpt"), e.getMessage());
      return;
    }
    SoftmaxRegression m = new SoftmaxRegression(4, 3, 2);
    try {
      c.loadParams(FILE, m);
      c.trainingState(FILE, m.info());
    } catch (CheckpointException e) {
      assertTrue(e.getMessage().contains("fuzz.ckpt"), e.getMessage());
    }
    byte[] again = c.toBytes();
    assertArrayEquals(again, Checkpoint.parse("again", again).toBytes());
  }
}
