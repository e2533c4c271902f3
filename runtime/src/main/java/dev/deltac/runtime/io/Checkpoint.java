package dev.deltac.runtime.io;

import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.Params;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.TensorInfo;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A model's parameters on disk. Format (version 1, big-endian):
 * <pre>
 *   magic "DLTCCKPT" (8 bytes) | version int | body length long | CRC32 of the body int
 *   body: model name (int length + UTF-8) | precision byte (0 float32, 1 float64)
 *         | tensor count int | per tensor: name (int length + UTF-8), rank int, dims int...
 *         | values of every tensor in order, row-major, float32 or float64
 * </pre>
 * Writes are atomic ({@link AtomicFiles}). Loading checks, in order: the magic number (else "not
 * a checkpoint"), the version, the length (else "truncated"), the checksum (else "corrupt"), the
 * model name, then every parameter's name and shape.
 *
 * <p>Precision: a checkpoint loads into a model of either precision. float32 values widen
 * exactly into a float64 model; float64 values are rounded to the nearest float for a float32
 * model (train or check in float64, deploy in float32).
 */
public final class Checkpoint {
  static final byte[] MAGIC = "DLTCCKPT".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;
  static final int HEADER = 8 + 4 + 8 + 4;

  private final String modelName;
  private final Precision precision;
  private final List<String> names;
  private final List<int[]> shapes;
  private final double[] values;

  private Checkpoint(String modelName, Precision precision, List<String> names,
      List<int[]> shapes, double[] values) {
    this.modelName = modelName;
    this.precision = precision;
    this.names = List.copyOf(names);
    this.shapes = List.copyOf(shapes);
    this.values = values;
  }

  /** A snapshot of the model's current parameters. */
  public static Checkpoint of(FloatModel model) {
    return of(model.info(), Params.flatten(model.info(), model.params()));
  }

  /** A snapshot of the model's current parameters. */
  public static Checkpoint of(DoubleModel model) {
    return of(model.info(), Params.flatten(model.info(), model.params()));
  }

  private static Checkpoint of(ModelInfo info, double[] values) {
    List<String> names = new ArrayList<>();
    List<int[]> shapes = new ArrayList<>();
    for (TensorInfo t : info.params()) {
      names.add(t.name());
      shapes.add(t.shape());
    }
    return new Checkpoint(info.name(), info.precision(), names, shapes, values);
  }

  /** Writes the model's parameters to {@code path}, atomically. */
  public static void write(Path path, FloatModel model) throws IOException {
    of(model).writeTo(path);
  }

  /** Writes the model's parameters to {@code path}, atomically. */
  public static void write(Path path, DoubleModel model) throws IOException {
    of(model).writeTo(path);
  }

  /** Reads {@code path} into the model's parameters, after checking that it fits. */
  public static void load(Path path, FloatModel model) throws IOException {
    Checkpoint c = read(path);
    c.checkFits(path, model.info());
    for (TensorInfo t : model.info().params()) {
      Params.set(t, model.params(), c.values, c.offsetOf(t.name()));
    }
  }

  /** Reads {@code path} into the model's parameters, after checking that it fits. */
  public static void load(Path path, DoubleModel model) throws IOException {
    Checkpoint c = read(path);
    c.checkFits(path, model.info());
    for (TensorInfo t : model.info().params()) {
      Params.set(t, model.params(), c.values, c.offsetOf(t.name()));
    }
  }

  public String modelName() {
    return modelName;
  }

  public Precision precision() {
    return precision;
  }

  public List<String> names() {
    return names;
  }

  public int[] shape(String name) {
    int i = names.indexOf(name);
    return i < 0 ? null : shapes.get(i).clone();
  }

  /** The row-major values of parameter {@code name}, or null. */
  public double[] values(String name) {
    int i = names.indexOf(name);
    if (i < 0) return null;
    int from = offsetOf(name);
    return Arrays.copyOfRange(values, from, from + size(shapes.get(i)));
  }

  private int offsetOf(String name) {
    int off = 0;
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equals(name)) return off;
      off += size(shapes.get(i));
    }
    throw new IllegalArgumentException("no parameter " + name);
  }

  private static int size(int[] shape) {
    int n = 1;
    for (int d : shape) n *= d;
    return n;
  }

  /** Throws a {@link CheckpointException} naming the first difference from {@code info}. */
  public void checkFits(Path path, ModelInfo info) throws CheckpointException {
    if (!modelName.equals(info.name())) {
      throw new CheckpointException("checkpoint " + path + " was written for model " + modelName
          + " but this is " + info.name());
    }
    for (TensorInfo t : info.params()) {
      int[] s = shape(t.name());
      if (s == null) {
        throw new CheckpointException("checkpoint " + path + " has no parameter " + t.name()
            + ", which model " + info.name() + " needs");
      }
      if (!Arrays.equals(s, t.shape())) {
        throw new CheckpointException("checkpoint " + path + ": parameter " + t.name()
            + " has shape " + dims(s) + " in the checkpoint but " + dims(t.shape())
            + " in the model");
      }
    }
    for (String n : names) {
      if (info.param(n) == null) {
        throw new CheckpointException("checkpoint " + path + " has parameter " + n
            + ", which model " + info.name() + " does not have");
      }
    }
  }

  private static String dims(int[] s) {
    return Arrays.toString(s);
  }

  /** Writes this checkpoint to {@code path}, atomically. */
  public void writeTo(Path path) throws IOException {
    byte[] model = modelName.getBytes(StandardCharsets.UTF_8);
    int bodyLen = 4 + model.length + 1 + 4;
    List<byte[]> encoded = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      byte[] n = names.get(i).getBytes(StandardCharsets.UTF_8);
      encoded.add(n);
      bodyLen += 4 + n.length + 4 + 4 * shapes.get(i).length;
    }
    int width = precision == Precision.FLOAT32 ? 4 : 8;
    long total = (long) HEADER + bodyLen + (long) width * values.length;
    if (total > Integer.MAX_VALUE) throw new IOException("checkpoint too large: " + total);
    ByteBuffer buf = ByteBuffer.allocate((int) total);
    buf.put(MAGIC).putInt(VERSION).putLong(total - HEADER).putInt(0);
    buf.putInt(model.length).put(model).put((byte) (precision == Precision.FLOAT32 ? 0 : 1));
    buf.putInt(names.size());
    for (int i = 0; i < names.size(); i++) {
      buf.putInt(encoded.get(i).length).put(encoded.get(i));
      int[] s = shapes.get(i);
      buf.putInt(s.length);
      for (int d : s) buf.putInt(d);
    }
    for (double v : values) {
      if (width == 4) buf.putFloat((float) v);
      else buf.putDouble(v);
    }
    CRC32 crc = new CRC32();
    crc.update(buf.array(), HEADER, (int) (total - HEADER));
    buf.putInt(20, (int) crc.getValue());
    buf.flip();
    AtomicFiles.write(path, buf);
  }

  /** Reads and verifies {@code path}, without a model to compare with. */
  public static Checkpoint read(Path path) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new CheckpointException("checkpoint " + path + " does not exist", e);
    }
    String where = "checkpoint " + path;
    int magicLen = Math.min(bytes.length, MAGIC.length);
    if (!Arrays.equals(bytes, 0, magicLen, MAGIC, 0, magicLen) || bytes.length == 0) {
      throw new CheckpointException(path + " is not a Deltac checkpoint (bad magic number)");
    }
    if (bytes.length < HEADER) {
      throw new CheckpointException(where + " is truncated: " + bytes.length
          + " bytes, shorter than the " + HEADER + "-byte header");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    int version = buf.getInt(8);
    if (version != VERSION) {
      throw new CheckpointException(where + " has format version " + version
          + "; this runtime reads version " + VERSION);
    }
    long expected = HEADER + buf.getLong(12);
    if (bytes.length < expected) {
      throw new CheckpointException(where + " is truncated: " + bytes.length + " of " + expected
          + " bytes");
    }
    if (bytes.length > expected) {
      throw new CheckpointException(where + " is corrupt: " + (bytes.length - expected)
          + " unexpected bytes after the end");
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, HEADER, bytes.length - HEADER);
    if ((int) crc.getValue() != buf.getInt(20)) {
      throw new CheckpointException(where + " is corrupt: checksum mismatch");
    }
    try {
      return parseBody(buf.position(HEADER));
    } catch (BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
      throw new CheckpointException(where + " is corrupt: unreadable header", e);
    }
  }

  private static Checkpoint parseBody(ByteBuffer buf) {
    String model = string(buf);
    byte p = buf.get();
    if (p != 0 && p != 1) throw new IllegalArgumentException("precision byte " + p);
    Precision precision = p == 0 ? Precision.FLOAT32 : Precision.FLOAT64;
    int count = buf.getInt();
    if (count < 0 || count > buf.remaining()) throw new IllegalArgumentException("count");
    List<String> names = new ArrayList<>();
    List<int[]> shapes = new ArrayList<>();
    long total = 0;
    for (int i = 0; i < count; i++) {
      names.add(string(buf));
      int rank = buf.getInt();
      if (rank < 0 || rank > 64) throw new IllegalArgumentException("rank " + rank);
      int[] s = new int[rank];
      for (int d = 0; d < rank; d++) s[d] = buf.getInt();
      shapes.add(s);
      total += size(s);
    }
    int width = precision == Precision.FLOAT32 ? 4 : 8;
    if (total * width != buf.remaining()) throw new IllegalArgumentException("value count");
    double[] values = new double[(int) total];
    for (int i = 0; i < values.length; i++) {
      values[i] = width == 4 ? buf.getFloat() : buf.getDouble();
    }
    return new Checkpoint(model, precision, names, shapes, values);
  }

  private static String string(ByteBuffer buf) {
    int n = buf.getInt();
    if (n < 0 || n > buf.remaining()) throw new IllegalArgumentException("string length " + n);
    byte[] b = new byte[n];
    buf.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
