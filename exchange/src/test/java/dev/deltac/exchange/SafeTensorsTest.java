package dev.deltac.exchange;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors format: round trips, the other dtypes, and every kind of corrupt file. */
class SafeTensorsTest {
  @TempDir Path dir;

  private static final List<NamedTensor> TENSORS = List.of(
      new NamedTensor("h.W", new int[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, -0f, 1e30f}),
      new NamedTensor("h.b", new int[] {2}, new float[] {0.25f, -7}),
      new NamedTensor("s", new int[0], new float[] {42}),
      new NamedTensor("empty", new int[] {0, 4}, new float[0]));

  @Test
  void roundTripKeepsNamesShapesBitsAndMetadata() throws Exception {
    Path f = dir.resolve("t.safetensors");
    SafeTensors.write(f, TENSORS, Map.of("format", "pt"));
    byte[] bytes = Files.readAllBytes(f);
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    assertEquals(0, n % 8, "header padded to 8 bytes");
    assertEquals(8 + n + 4 * (6 + 2 + 1), bytes.length);
    SafeTensors.Contents c = SafeTensors.read(f);
    assertEquals(TENSORS, c.tensors());
    assertEquals(Map.of("format", "pt"), c.metadata());
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(c.tensor("h.W").values()[4]));
  }

  @Test
  void headerIsTheJsonOfTheFormat() throws Exception {
    byte[] bytes = SafeTensors.toBytes(TENSORS.subList(0, 2), Map.of());
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    String json = new String(bytes, 8, (int) n, StandardCharsets.UTF_8).strip();
    assertEquals("{\"h.W\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
        + "\"h.b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}}", json);
  }

  /** A file with one tensor "t" of the given dtype, shape [count] and raw little-endian data. */
  private static byte[] file(String dtype, int count, byte[] data, String extra) {
    String json = "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + count + "],\"data_offsets\":[0,"
        + data.length + "]}" + extra + "}";
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return b.array();
  }

  @Test
  void readsFloat64Float16AndBfloat16() throws Exception {
    ByteBuffer d = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    d.putDouble(1.0 / 3).putDouble(-2.5).putDouble(1e300);
    float[] f64 = SafeTensors.parse("f64", file("F64", 3, d.array(), "")).tensor("t").values();
    assertArrayEquals(new float[] {(float) (1.0 / 3), -2.5f, Float.POSITIVE_INFINITY}, f64);

    // binary16: 1, -2, 65504 (largest), 2^-24 (smallest subnormal), +inf, 0.333 (0x3555)
    short[] halves = {0x3c00, (short) 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3555};
    ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    for (short s : halves) h.putShort(s);
    float[] f16 = SafeTensors.parse("f16", file("F16", 6, h.array(), "")).tensor("t").values();
    assertArrayEquals(new float[] {1, -2, 65504, 0x1p-24f, Float.POSITIVE_INFINITY, 0.33325195f}, f16);

    ByteBuffer bf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    bf.putShort((short) 0x3f80).putShort((short) 0xc0a0); // 1.0, -5.0
    float[] bf16 = SafeTensors.parse("bf16", file("BF16", 2, bf.array(), "")).tensor("t").values();
    assertArrayEquals(new float[] {1, -5}, bf16);
  }

  private static String error(byte[] bytes) {
    return assertThrows(ExchangeException.class, () -> SafeTensors.parse("w.safetensors", bytes)).getMessage();
  }

  @Test
  void corruptFilesGiveOneClearMessage() {
    byte[] good = SafeTensors.toBytes(TENSORS, Map.of());
    assertTrue(error(new byte[3]).contains("shorter than the 8-byte header length"), error(new byte[3]));
    assertTrue(error(Arrays.copyOf(good, 40)).startsWith("w.safetensors: truncated: the header length says"));
    String e = error(Arrays.copyOf(good, good.length - 1));
    assertTrue(e.contains("tensor 'empty'") || e.contains("tensor 's'") || e.contains("out of range"), e);
    assertTrue(e.contains("out of range: the data holds"), e);

    byte[] huge = good.clone();
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -5);
    assertTrue(error(huge).contains("header length 18446744073709551611 is out of range"), error(huge));

    byte[] badJson = good.clone();
    badJson[8] = 'x';
    assertTrue(error(badJson).startsWith("w.safetensors: bad header: not valid JSON"), error(badJson));

    byte[] four = new byte[4];
    assertEquals("w.safetensors: tensor 't': dtype I32 is not supported (F32, F64, F16 and BF16 are)",
        error(file("I32", 1, four, "")));
    assertEquals("w.safetensors: tensor 't': data_offsets [0, 4] hold 4 bytes, but shape [2] of F32 needs 8",
        error(file("F32", 2, four, "")));
    assertEquals("w.safetensors: tensor 'u': its bytes overlap those of 't'",
        error(file("F32", 1, four, ",\"u\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}")));
    assertEquals("w.safetensors: tensor 'u': no \"shape\"",
        error(file("F32", 1, four, ",\"u\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}")));
    assertEquals("w.safetensors: tensor 'u': \"shape\" holds -1, not a non-negative integer",
        error(file("F32", 1, four, ",\"u\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}")));
    assertEquals("w.safetensors: tensor 'u': \"data_offsets\" must be [begin, end]",
        error(file("F32", 1, four, ",\"u\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}")));
    assertEquals("w.safetensors: bad header: __metadata__ value of 'k' is not a string",
        error(file("F32", 1, four, ",\"__metadata__\":{\"k\":1}")));
    assertEquals("w.safetensors: bad header: a JSON object was expected", error(headerOnly("[1, 2]")));
    assertTrue(error(headerOnly("{\"a\": 1} trailing")).contains("not valid JSON"));
  }

  private static byte[] headerOnly(String json) {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array();
  }

  @Test
  void missingFileIsAMessage() {
    ExchangeException e = assertThrows(ExchangeException.class, () -> SafeTensors.read(dir.resolve("nope.safetensors")));
    assertTrue(e.getMessage().endsWith("nope.safetensors: no such file"), e.getMessage());
  }

  /** Every truncation and every single-byte change of a good file is a message or a good read. */
  @Test
  void noByteChangeThrowsAnythingElse() {
    byte[] good = SafeTensors.toBytes(TENSORS, Map.of("format", "pt"));
    for (int len = 0; len < good.length; len++) {
      byte[] cut = Arrays.copyOf(good, len);
      readOrMessage(cut);
    }
    for (int i = 0; i < good.length; i++) {
      for (int v : new int[] {0, 0x7f, 0xff, '"', '}', '9', ']'}) {
        byte[] changed = good.clone();
        changed[i] = (byte) v;
        readOrMessage(changed);
      }
    }
  }

  private static void readOrMessage(byte[] bytes) {
    try {
      SafeTensors.parse("f", bytes);
    } catch (ExchangeException e) {
      assertTrue(e.getMessage().startsWith("f: "), e.getMessage());
    }
  }
}
