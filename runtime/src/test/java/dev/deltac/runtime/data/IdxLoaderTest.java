package dev.deltac.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxLoaderTest {
  @TempDir Path dir;

  /** Three 2x2 unsigned-byte images. */
  static byte[] images() {
    ByteBuffer b = ByteBuffer.allocate(16 + 12);
    b.putInt(0x00000803).putInt(3).putInt(2).putInt(2);
    b.put(new byte[] {0, (byte) 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8});
    return b.array();
  }

  static byte[] labels(int... ls) {
    ByteBuffer b = ByteBuffer.allocate(8 + ls.length);
    b.putInt(0x00000801).putInt(ls.length);
    for (int l : ls) b.put((byte) l);
    return b.array();
  }

  static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    }
    return out.toByteArray();
  }

  private Path file(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  @Test
  void loadsImagesScaledAndLabelsOneHot() throws IOException {
    Dataset d = IdxLoader.load(file("img.idx", images()), file("lbl.idx", labels(2, 0, 1)), 3);
    assertEquals(3, d.count());
    assertEquals(4, d.inputSize());
    assertArrayEquals(new float[] {0f, 1f, 0.2f, 0.4f}, Arrays.copyOf(d.inputs(), 4), 1e-7f);
    assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0}, d.targets());
  }

  @Test
  void readsGzippedFilesByContent() throws IOException {
    Dataset d = IdxLoader.load(file("img.gz", gzip(images())), file("lbl", gzip(labels(1, 1, 0))),
        2);
    assertEquals(3, d.count());
    assertEquals(1f, d.targets()[1]);
  }

  @Test
  void readsOtherTypes() throws DataFormatException {
    ByteBuffer b = ByteBuffer.allocate(8 + 8);
    b.putInt(0x00000D01).putInt(2).putFloat(1.5f).putFloat(-2f);
    IdxLoader.IdxArray a = IdxLoader.parse("f.idx", b.array());
    assertArrayEquals(new float[] {1.5f, -2f}, a.values());
    assertArrayEquals(new int[] {2}, a.dims());
  }

  private String error(byte[] bytes) {
    return assertThrows(DataFormatException.class, () -> IdxLoader.parse("f.idx", bytes))
        .getMessage();
  }

  @Test
  void malformedFilesNameTheByteOffset() throws IOException {
    assertEquals("f.idx: byte 0: not an IDX file (starts with 0x50 0x4b, expected 0x00 0x00)",
        error(new byte[] {0x50, 0x4b, 3, 4, 0, 0, 0, 0}));
    assertEquals("f.idx: byte 2: unknown IDX data type 0x07", error(new byte[] {0, 0, 7, 1}));
    assertEquals("f.idx: byte 3: IDX file with 0 dimensions", error(new byte[] {0, 0, 8, 0}));
    assertEquals("f.idx: byte 2: file ends inside the 4-byte IDX header", error(new byte[2]));
    assertEquals("f.idx: byte 10: file ends inside the 16-byte header",
        error(Arrays.copyOf(images(), 10)));
    assertEquals("f.idx: byte 20: file ends after 4 of 12 data bytes (truncated?)",
        error(Arrays.copyOf(images(), 20)));
    assertEquals("f.idx: byte 28: 2 unexpected bytes after the data",
        error(Arrays.copyOf(images(), 30)));
  }

  @Test
  void itemsTooLargeForAnArrayAreRefusedEvenWithNoItems() throws IOException {
    // found by IdxLoaderFuzzTest: 0 items of 109051904 x 673 x ... values; the item size used to
    // overflow into a negative number, and the dataset refused it with an IllegalArgumentException
    ByteBuffer b = ByteBuffer.allocate(4 + 16);
    b.putInt(0x00000B04).putInt(0).putInt(0x06800000).putInt(673).putInt(0x0C000014);
    assertEquals("f.idx: byte 12: items of 73391931392 or more values (dimensions 0 x 109051904"
        + " x 673...) are more than this reader holds", error(b.array()));
  }

  @Test
  void badLabelsAndMismatchedCounts() throws IOException {
    Path img = file("img", images());
    Path bad = file("bad", labels(0, 5, 1));
    assertEquals(bad + ": byte 9: label 5 is not in 0..2",
        assertThrows(DataFormatException.class, () -> IdxLoader.load(img, bad, 3)).getMessage());
    Path two = file("two", labels(0, 1));
    assertEquals(img + " holds 3 items but " + two + " holds 2 labels",
        assertThrows(DataFormatException.class, () -> IdxLoader.load(img, two, 3)).getMessage());
  }

  @Test
  void brokenGzip() throws IOException {
    byte[] gz = gzip(images());
    Path p = file("x.gz", Arrays.copyOf(gz, gz.length / 2));
    String msg = assertThrows(DataFormatException.class, () -> IdxLoader.read(p)).getMessage();
    assertEquals(p + ": broken gzip stream", msg.substring(0, msg.indexOf(": ", p.toString()
        .length() + 2)));
  }
}
