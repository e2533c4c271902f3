package dev.deltac.exchange;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.deltac.runtime.io.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors format, as {@code safetensors.torch.save_file} writes it:
 * <pre>
 *   header length N: unsigned 64-bit little-endian
 *   header: N bytes of UTF-8 JSON, padded with spaces to a multiple of 8 when written here:
 *     { "__metadata__": { "key": "value", ... },            (optional, strings only)
 *       "h.W": { "dtype": "F32", "shape": [128, 784], "data_offsets": [begin, end] }, ... }
 *   data: the tensors' bytes, little-endian, row-major; offsets count from the data's start
 * </pre>
 * Writing gives float32 ({@code F32}) tensors in the order given, back to back. Reading accepts
 * {@code F32}, {@code F64}, {@code F16} and {@code BF16} (all turned into float32, F64 rounded to
 * nearest) and refuses other dtypes; it checks the header length, the JSON, every entry's fields,
 * that each tensor's byte range lies in the data and has the size its shape and dtype give, and
 * that ranges do not overlap. Every failure is an {@link ExchangeException} naming the file and
 * the tensor or byte at fault. The JSON goes through Gson, the project's JSON library.
 */
public final class SafeTensors {
  /** The metadata key of the header. */
  public static final String METADATA = "__metadata__";

  /** Headers larger than this are refused as corrupt (safetensors itself caps them at 100 MB). */
  static final long MAX_HEADER = 100L << 20;

  private SafeTensors() {}

  /** What a file holds: its tensors in header order and its metadata. */
  public record Contents(List<NamedTensor> tensors, Map<String, String> metadata) {
    public Contents {
      tensors = List.copyOf(tensors);
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The tensor of that name, or null. */
    public NamedTensor tensor(String name) {
      for (NamedTensor t : tensors) {
        if (t.name().equals(name)) return t;
      }
      return null;
    }
  }

  /** Writes {@code tensors} (float32) and {@code metadata} to {@code path}, atomically. */
  public static void write(Path path, List<NamedTensor> tensors, Map<String, String> metadata)
      throws IOException {
    AtomicFiles.write(path, ByteBuffer.wrap(toBytes(tensors, metadata)));
  }

  /** The file's bytes. */
  public static byte[] toBytes(List<NamedTensor> tensors, Map<String, String> metadata) {
    JsonObject header = new JsonObject();
    if (metadata != null && !metadata.isEmpty()) {
      JsonObject meta = new JsonObject();
      metadata.forEach(meta::addProperty);
      header.add(METADATA, meta);
    }
    Set<String> seen = new HashSet<>();
    long offset = 0;
    for (NamedTensor t : tensors) {
      if (t.name().equals(METADATA) || !seen.add(t.name())) {
        throw new IllegalArgumentException("tensor name used twice or reserved: " + t.name());
      }
      JsonObject e = new JsonObject();
      e.addProperty("dtype", "F32");
      JsonArray shape = new JsonArray();
      for (int d : t.shape()) shape.add(d);
      e.add("shape", shape);
      JsonArray offsets = new JsonArray();
      offsets.add(offset);
      offset += 4L * t.size();
      offsets.add(offset);
      e.add("data_offsets", offsets);
      header.add(t.name(), e);
    }
    byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    long total = 8L + padded + offset;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("tensors too large for one array: " + total + " bytes");
    }
    ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(padded);
    b.put(json);
    for (int i = json.length; i < padded; i++) b.put((byte) ' ');
    for (NamedTensor t : tensors) {
      for (float v : t.values()) b.putFloat(v);
    }
    return b.array();
  }

  /** Reads a file; see the class comment for what is checked. */
  public static Contents read(Path path) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new ExchangeException(path + ": no such file");
    }
    return parse(path.toString(), bytes);
  }

  /** Parses a file's bytes; {@code file} names it in messages. */
  public static Contents parse(String file, byte[] bytes) throws ExchangeException {
    String where = file + ": ";
    if (bytes.length < 8) {
      throw new ExchangeException(where + "not a safetensors file: " + bytes.length
          + " bytes, shorter than the 8-byte header length");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong(0);
    if (n < 0 || n > MAX_HEADER) {
      throw new ExchangeException(where + "not a safetensors file: header length "
          + Long.toUnsignedString(n) + " is out of range");
    }
    if (8 + n > bytes.length) {
      throw new ExchangeException(where + "truncated: the header length says " + n
          + " bytes of JSON, but only " + (bytes.length - 8) + " follow");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, 8, (int) n)).toString();
    } catch (CharacterCodingException e) {
      throw new ExchangeException(where + "bad header: not UTF-8 text");
    }
    JsonElement root;
    try {
      JsonReader r = new JsonReader(new StringReader(text));
      r.setStrictness(Strictness.STRICT);
      root = JsonParser.parseReader(r);
      if (r.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
        throw new JsonParseException("text after the JSON object");
      }
    } catch (JsonParseException | IOException | IllegalStateException e) {
      throw new ExchangeException(where + "bad header: not valid JSON (" + brief(e) + ")");
    }
    if (!root.isJsonObject()) {
      throw new ExchangeException(where + "bad header: a JSON object was expected");
    }
    long dataStart = 8 + n;
    long dataLen = bytes.length - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    List<NamedTensor> tensors = new ArrayList<>();
    List<long[]> ranges = new ArrayList<>();
    List<String> rangeNames = new ArrayList<>();
    for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
      String name = e.getKey();
      if (name.equals(METADATA)) {
        readMetadata(where, e.getValue(), metadata);
        continue;
      }
      String at = where + "tensor '" + name + "': ";
      if (!e.getValue().isJsonObject()) throw new ExchangeException(at + "entry is not a JSON object");
      JsonObject o = e.getValue().getAsJsonObject();
      DType dtype = DType.of(at, string(at, o, "dtype"));
      int[] shape = ints(at, o, "shape");
      long[] off = longs(at, o, "data_offsets");
      long count = 1;
      for (int d : shape) {
        count *= d;
        if (count > Integer.MAX_VALUE) throw new ExchangeException(at + "shape too large");
      }
      if (off[0] > off[1] || off[1] > dataLen) {
        throw new ExchangeException(at + "data_offsets [" + off[0] + ", " + off[1]
            + "] out of range: the data holds " + dataLen + " bytes");
      }
      if (off[1] - off[0] != count * dtype.bytes) {
        throw new ExchangeException(at + "data_offsets [" + off[0] + ", " + off[1] + "] hold "
            + (off[1] - off[0]) + " bytes, but shape " + java.util.Arrays.toString(shape) + " of "
            + dtype + " needs " + count * dtype.bytes);
      }
      for (int i = 0; i < ranges.size(); i++) {
        long[] r = ranges.get(i);
        if (off[0] < r[1] && r[0] < off[1]) {
          throw new ExchangeException(at + "its bytes overlap those of '" + rangeNames.get(i) + "'");
        }
      }
      ranges.add(off);
      rangeNames.add(name);
      float[] values = new float[(int) count];
      int p = (int) (dataStart + off[0]);
      for (int i = 0; i < values.length; i++, p += dtype.bytes) values[i] = dtype.read(b, p);
      tensors.add(new NamedTensor(name, shape, values));
    }
    return new Contents(tensors, metadata);
  }

  private static void readMetadata(String where, JsonElement v, Map<String, String> out)
      throws ExchangeException {
    if (!v.isJsonObject()) throw new ExchangeException(where + "bad header: __metadata__ is not an object");
    for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
      if (!m.getValue().isJsonPrimitive() || !m.getValue().getAsJsonPrimitive().isString()) {
        throw new ExchangeException(where + "bad header: __metadata__ value of '" + m.getKey()
            + "' is not a string");
      }
      out.put(m.getKey(), m.getValue().getAsString());
    }
  }

  private static String string(String at, JsonObject o, String key) throws ExchangeException {
    JsonElement v = o.get(key);
    if (v == null) throw new ExchangeException(at + "no \"" + key + "\"");
    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
      throw new ExchangeException(at + "\"" + key + "\" is not a string");
    }
    return v.getAsString();
  }

  private static int[] ints(String at, JsonObject o, String key) throws ExchangeException {
    long[] l = longArray(at, o, key);
    int[] r = new int[l.length];
    for (int i = 0; i < l.length; i++) {
      if (l[i] > Integer.MAX_VALUE) throw new ExchangeException(at + "\"" + key + "\" has a dimension too large: " + l[i]);
      r[i] = (int) l[i];
    }
    return r;
  }

  private static long[] longs(String at, JsonObject o, String key) throws ExchangeException {
    long[] l = longArray(at, o, key);
    if (l.length != 2) throw new ExchangeException(at + "\"" + key + "\" must be [begin, end]");
    return l;
  }

  private static long[] longArray(String at, JsonObject o, String key) throws ExchangeException {
    JsonElement v = o.get(key);
    if (v == null) throw new ExchangeException(at + "no \"" + key + "\"");
    if (!v.isJsonArray()) throw new ExchangeException(at + "\"" + key + "\" is not an array");
    JsonArray a = v.getAsJsonArray();
    long[] r = new long[a.size()];
    for (int i = 0; i < r.length; i++) {
      JsonElement x = a.get(i);
      if (!x.isJsonPrimitive() || !((JsonPrimitive) x).isNumber()) {
        throw new ExchangeException(at + "\"" + key + "\" holds a non-number: " + x);
      }
      java.math.BigDecimal d = x.getAsBigDecimal();
      if (d.signum() < 0 || d.stripTrailingZeros().scale() > 0 || d.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
        throw new ExchangeException(at + "\"" + key + "\" holds " + x + ", not a non-negative integer");
      }
      r[i] = d.longValueExact();
    }
    return r;
  }

  private static String brief(Exception e) {
    String m = e.getMessage();
    if (e.getCause() != null && e.getCause().getMessage() != null) m = e.getCause().getMessage();
    if (m == null) return e.getClass().getSimpleName();
    int nl = m.indexOf('\n');
    m = nl >= 0 ? m.substring(0, nl) : m;
    return m.replaceAll("\\s*See https?://\\S+", "");
  }

  /** The element types read; all become float32. */
  enum DType {
    F32(4), F64(8), F16(2), BF16(2);

    final int bytes;

    DType(int bytes) {
      this.bytes = bytes;
    }

    static DType of(String at, String s) throws ExchangeException {
      for (DType d : values()) {
        if (d.name().equals(s)) return d;
      }
      throw new ExchangeException(at + "dtype " + s + " is not supported (F32, F64, F16 and BF16 are)");
    }

    float read(ByteBuffer b, int p) {
      switch (this) {
        case F32:
          return b.getFloat(p);
        case F64:
          return (float) b.getDouble(p);
        case BF16:
          return Float.intBitsToFloat((b.getShort(p) & 0xffff) << 16);
        default:
          return halfToFloat(b.getShort(p));
      }
    }
  }

  /** IEEE 754 binary16 to float, exactly (subnormals, infinities and NaN included). */
  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }
}
