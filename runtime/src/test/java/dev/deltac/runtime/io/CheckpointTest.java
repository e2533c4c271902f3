package dev.deltac.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.Precision;
import dev.deltac.runtime.testing.SoftmaxRegression;
import dev.deltac.runtime.testing.SoftmaxRegression64;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  @TempDir Path dir;

  private static SoftmaxRegression model(long seed) {
    SoftmaxRegression m = new SoftmaxRegression(4, 3, 2);
    m.initParams(seed);
    m.params()[3][1] = 0.25f;
    return m;
  }

  private Path saved() throws IOException {
    Path p = dir.resolve("m.ckpt");
    Checkpoint.write(p, model(1));
    return p;
  }

  private String loadError(Path p, SoftmaxRegression into) {
    return assertThrows(CheckpointException.class, () -> Checkpoint.load(p, into)).getMessage();
  }

  @Test
  void roundTripRestoresEveryParameter() throws IOException {
    Path p = saved();
    SoftmaxRegression m = model(2);
    Checkpoint.load(p, m);
    SoftmaxRegression expected = model(1);
    for (int b = 0; b < 4; b++) assertArrayEquals(expected.params()[b], m.params()[b]);
    Checkpoint c = Checkpoint.read(p);
    assertEquals("SoftmaxRegression", c.modelName());
    assertEquals(Precision.FLOAT32, c.precision());
    assertEquals(java.util.List.of("W", "b"), c.names());
    assertArrayEquals(new int[] {3, 4}, c.shape("W"));
    assertEquals(0.25, c.values("b")[1]);
    // header 24 + name (4 + 17) + precision 1 + fingerprint 64 + count 4 + W (4+1+4+8)
    // + b (4+1+4+4) + 15 floats + state flag 1 + attachment count 4
    assertEquals(24 + 21 + 1 + 64 + 4 + 17 + 13 + 60 + 1 + 4, Files.size(p));
    assertEquals(3, c.version());
    assertFalse(c.hasTrainingState());
    assertFalse(c.fingerprint().hasSource());
  }

  @Test
  void float64CheckpointLoadsIntoFloat32ModelRounded() throws IOException {
    SoftmaxRegression64 d = new SoftmaxRegression64(4, 3, 1);
    d.initParams(5);
    d.params()[3][0] = 0.1;
    Path p = dir.resolve("d.ckpt");
    Checkpoint.write(p, d);
    assertEquals(Precision.FLOAT64, Checkpoint.read(p).precision());
    SoftmaxRegression f = new SoftmaxRegression(4, 3, 1);
    Checkpoint.load(p, f);
    assertEquals(0.1f, f.params()[3][0]);
    assertEquals((float) d.params()[2][3], f.params()[2][3]);
    // and back: float32 widens exactly
    Checkpoint.write(p, f);
    SoftmaxRegression64 back = new SoftmaxRegression64(4, 3, 1);
    Checkpoint.load(p, back);
    assertEquals((double) 0.1f, back.params()[3][0]);
  }

  @Test
  void overwriteIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
    Path p = saved();
    Checkpoint.write(p, model(3));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(1, files.count());
    }
    SoftmaxRegression m = model(0);
    Checkpoint.load(p, m);
    assertArrayEquals(model(3).params()[0], m.params()[0]);
  }

  @Test
  void failedWriteLeavesTheTargetAndNoTemporaryFile() throws IOException {
    Path target = dir.resolve("busy");
    Files.createDirectory(target);
    Files.writeString(target.resolve("keep.txt"), "x"); // a non-empty folder cannot be replaced
    assertThrows(IOException.class, () -> Checkpoint.write(target, model(1)));
    assertTrue(Files.isDirectory(target));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(1, files.count());
    }
  }

  @Test
  void notACheckpoint() throws IOException {
    Path p = dir.resolve("notes.txt");
    Files.writeString(p, "hello, world");
    assertEquals(p + " is not a Deltac checkpoint (bad magic number)", loadError(p, model(0)));
    Files.write(p, new byte[0]);
    assertEquals(p + " is not a Deltac checkpoint (bad magic number)", loadError(p, model(0)));
  }

  @Test
  void truncatedFile() throws IOException {
    Path p = saved();
    byte[] b = Files.readAllBytes(p);
    Files.write(p, Arrays.copyOf(b, b.length - 5));
    assertEquals("checkpoint " + p + " is truncated: " + (b.length - 5) + " of " + b.length
        + " bytes", loadError(p, model(0)));
    Files.write(p, Arrays.copyOf(b, 10));
    assertEquals("checkpoint " + p + " is truncated: 10 bytes, shorter than the 24-byte header",
        loadError(p, model(0)));
  }

  @Test
  void corruptFile() throws IOException {
    Path p = saved();
    byte[] b = Files.readAllBytes(p);
    b[b.length - 3] ^= 0x10;
    Files.write(p, b);
    assertEquals("checkpoint " + p + " is corrupt: checksum mismatch", loadError(p, model(0)));
    b[b.length - 3] ^= 0x10;
    Files.write(p, Arrays.copyOf(b, b.length + 2));
    assertEquals("checkpoint " + p + " is corrupt: 2 unexpected bytes after the end",
        loadError(p, model(0)));
  }

  @Test
  void newerVersionIsRefused() throws IOException {
    Path p = saved();
    byte[] b = Files.readAllBytes(p);
    b[11] = 9;
    Files.write(p, b);
    assertEquals("checkpoint " + p + " has format version 9; this runtime reads versions 1 to 3",
        loadError(p, model(0)));
  }

  @Test
  void otherModelIsRefused() throws IOException {
    Path p = saved();
    assertEquals("checkpoint " + p + " was written for model SoftmaxRegression but this is Xor",
        loadError(p, SoftmaxRegression.named("Xor", 4, 3, 1)));
  }

  @Test
  void shapeMismatchNamesTheParameterAndBothShapes() throws IOException {
    Path p = saved();
    assertEquals("checkpoint " + p + ": parameter W has shape [3, 4] in the checkpoint but"
        + " [3, 5] in the model", loadError(p, new SoftmaxRegression(5, 3, 1)));
  }

  @Test
  void missingFile() {
    Path p = dir.resolve("nope.ckpt");
    assertEquals("checkpoint " + p + " does not exist", loadError(p, model(0)));
  }

  /** A version-1 file (parameters only), as the previous runtime wrote them. */
  private static byte[] version1(SoftmaxRegression m) {
    ByteBuffer body = ByteBuffer.allocate(1000);
    byte[] name = "SoftmaxRegression".getBytes(StandardCharsets.UTF_8);
    body.putInt(name.length).put(name).put((byte) 0).putInt(2);
    body.putInt(1).put((byte) 'W').putInt(2).putInt(3).putInt(4);
    body.putInt(1).put((byte) 'b').putInt(1).putInt(3);
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 4; c++) body.putFloat(m.params()[r][c]);
    }
    for (int c = 0; c < 3; c++) body.putFloat(m.params()[3][c]);
    int len = body.position();
    CRC32 crc = new CRC32();
    crc.update(body.array(), 0, len);
    ByteBuffer all = ByteBuffer.allocate(24 + len);
    all.put(Checkpoint.MAGIC).putInt(1).putLong(len).putInt((int) crc.getValue());
    all.put(body.array(), 0, len);
    return all.array();
  }

  @Test
  void version1FilesStillLoadForPrediction() throws IOException {
    Path p = dir.resolve("v1.ckpt");
    Files.write(p, version1(model(1)));
    SoftmaxRegression m = model(2);
    Checkpoint.load(p, m);
    for (int b = 0; b < 4; b++) assertArrayEquals(model(1).params()[b], m.params()[b]);
    Checkpoint c = Checkpoint.read(p);
    assertEquals(1, c.version());
    assertNull(c.fingerprint());
    assertFalse(c.hasTrainingState());
    // written again, in version 3 (found by CheckpointFuzzTest: toBytes failed without a
    // fingerprint): the interface and the source are unknown
    Checkpoint again = Checkpoint.parse("again", c.toBytes());
    assertEquals(3, again.version());
    assertFalse(again.fingerprint().hasInterface());
    assertFalse(again.fingerprint().hasSource());
    assertArrayEquals(c.values("W"), again.values("W"));
  }

  @Test
  void aLongModelNameWritesAndReadsBack() throws IOException {
    // found by CheckpointFuzzTest: a name longer than the first buffer estimate overflowed it
    String name = "M".repeat(1000);
    Checkpoint c = Checkpoint.of(SoftmaxRegression.named(name, 4, 3, 1));
    Checkpoint back = Checkpoint.parse("x", c.toBytes());
    assertEquals(name, back.modelName());
    assertEquals(name, back.fingerprint().modelName());
  }

  /** Bytes with the body's checksum made right again, so the body parser sees the damage. */
  static byte[] resealed(byte[] b) {
    byte[] c = b.clone();
    CRC32 crc = new CRC32();
    crc.update(c, 24, c.length - 24);
    ByteBuffer.wrap(c).putInt(20, (int) crc.getValue());
    return c;
  }

  @Test
  void corruptFieldsBehindAValidChecksumNameTheFieldAndTheByte() throws IOException {
    byte[] b = Files.readAllBytes(saved());
    // the tensor count, after header 24, name 21, precision 1 and fingerprint 64: at byte 110
    ByteBuffer.wrap(b).putInt(110, 1 << 30);
    assertEquals("checkpoint x is corrupt at byte 110: tensor count 1073741824 does not fit in"
        + " the 95 bytes left", parseError(resealed(b)));
    ByteBuffer.wrap(b).putInt(110, 2);
    // the rank of W, after its name (4 + 1): at byte 119
    ByteBuffer.wrap(b).putInt(119, -3);
    assertEquals("checkpoint x is corrupt at byte 119: rank of W is -3, not in [0, 64]",
        parseError(resealed(b)));
    ByteBuffer.wrap(b).putInt(119, 2);
    ByteBuffer.wrap(b).putInt(123, 1 << 20); // W's first dimension
    assertEquals("checkpoint x is corrupt at byte 119: tensor W [1048576, 4] brings the values"
        + " to 4194304, more than the 78 bytes left hold", parseError(resealed(b)));
    ByteBuffer.wrap(b).putInt(123, 3);
    b[b.length - 5] = 7; // the state flag, before the attachment count
    assertEquals("checkpoint x is corrupt at byte " + (b.length - 5) + ": state flag 7 is"
        + " neither 0 nor 1", parseError(resealed(b)));
    b[b.length - 5] = 0;
    ByteBuffer.wrap(b).putInt(b.length - 4, -1); // the attachment count
    assertEquals("checkpoint x is corrupt at byte " + (b.length - 4) + ": attachment count is"
        + " negative (-1)", parseError(resealed(b)));
  }

  private static String parseError(byte[] b) {
    return assertThrows(CheckpointException.class, () -> Checkpoint.parse("x", b)).getMessage();
  }

  /** Version 3 without its attachment count, as the previous runtime wrote version 2. */
  private static byte[] asVersion2(byte[] v3) {
    ByteBuffer in = ByteBuffer.wrap(v3);
    assertEquals(0, in.getInt(v3.length - 4), "a file without attachments");
    int len = v3.length - 4 - Checkpoint.HEADER;
    byte[] out = java.util.Arrays.copyOf(v3, v3.length - 4);
    CRC32 crc = new CRC32();
    crc.update(out, Checkpoint.HEADER, len);
    ByteBuffer.wrap(out).putInt(8, 2).putLong(12, len).putInt(20, (int) crc.getValue());
    return out;
  }

  @Test
  void version2FilesStillLoad() throws IOException {
    Path p = dir.resolve("v2.ckpt");
    Files.write(p, asVersion2(Checkpoint.of(model(1)).toBytes()));
    SoftmaxRegression m = model(2);
    Checkpoint.load(p, m);
    for (int b = 0; b < 4; b++) assertArrayEquals(model(1).params()[b], m.params()[b]);
    Checkpoint c = Checkpoint.read(p);
    assertEquals(2, c.version());
    assertEquals(java.util.Map.of(), c.attachments());
  }

  @Test
  void attachmentsRoundTripByName() throws IOException {
    Checkpoint c = Checkpoint.of(model(1)).withAttachments(java.util.Map.of(
        "z.last", new double[] {1.5, -0.25, Double.MIN_VALUE}, "a.first", new double[0]));
    Path p = dir.resolve("att.ckpt");
    c.writeTo(p);
    Checkpoint r = Checkpoint.read(p);
    assertEquals(java.util.List.of("a.first", "z.last"),
        new java.util.ArrayList<>(r.attachments().keySet()));
    assertArrayEquals(new double[] {1.5, -0.25, Double.MIN_VALUE}, r.attachment("z.last"));
    assertArrayEquals(new double[0], r.attachment("a.first"));
    assertNull(r.attachment("nope"));
    // replacing one keeps the other; the parameters are untouched
    Checkpoint again = r.withAttachments(java.util.Map.of("z.last", new double[] {2}));
    assertArrayEquals(new double[] {2}, again.attachment("z.last"));
    assertArrayEquals(new double[0], again.attachment("a.first"));
    assertArrayEquals(c.values("W"), again.values("W"));
    SoftmaxRegression m = model(2);
    r.loadParams(p, m);
    for (int b = 0; b < 4; b++) assertArrayEquals(model(1).params()[b], m.params()[b]);
  }

  @Test
  void anAttachmentLongerThanTheFileIsCorrupt() throws IOException {
    byte[] b = Checkpoint.of(model(1)).withAttachments(java.util.Map.of("m",
        new double[] {1, 2})).toBytes();
    ByteBuffer buf = ByteBuffer.wrap(b);
    buf.putInt(b.length - 2 * 8 - 4, 1000);  // the length of "m"
    CRC32 crc = new CRC32();
    crc.update(b, Checkpoint.HEADER, b.length - Checkpoint.HEADER);
    buf.putInt(20, (int) crc.getValue());
    Path p = dir.resolve("bad.ckpt");
    Files.write(p, b);
    String e = loadError(p, model(0));
    assertTrue(e.startsWith("checkpoint " + p + " is corrupt at byte "), e);
    assertTrue(e.endsWith("length of attachment m 1000 does not fit in the 16 bytes left"), e);
  }
}
