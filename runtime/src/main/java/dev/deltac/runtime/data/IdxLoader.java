package dev.deltac.runtime.data;

import dev.deltac.runtime.Checks;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST, gzipped or not (detected by the gzip magic
 * number, not the file name). An IDX file is: two zero bytes, a type byte (0x08 unsigned byte,
 * 0x09 signed byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double), the number of dimensions,
 * each dimension as a big-endian int, then the values, big-endian, row-major.
 *
 * <p>Byte offsets in messages count in the uncompressed stream.
 */
public final class IdxLoader {
  private IdxLoader() {}

  /** An IDX array: its dimensions, its values as floats, and its type byte. */
  public record IdxArray(int[] dims, float[] values, int type) {
    /** Elements per item: the product of all dimensions but the first. */
    public int itemSize() {
      int n = 1;
      for (int d = 1; d < dims.length; d++) n *= dims[d];
      return n;
    }
  }

  /**
   * MNIST-style images and labels as a dataset: unsigned-byte images scaled to [0, 1] (divided
   * by 255; other types kept as they are), labels one-hot in {@code classes} classes.
   */
  public static Dataset load(Path images, Path labels, int classes) throws IOException {
    Checks.checkArgument(classes >= 2, "need at least 2 classes: %s", classes);
    return load(images.toString(), Files.readAllBytes(images), labels.toString(),
        Files.readAllBytes(labels), classes);
  }

  /** Like {@link #load(Path, Path, int)} on the files' bytes (gzipped or not). */
  static Dataset load(String images, byte[] imageBytes, String labels, byte[] labelBytes,
      int classes) throws DataFormatException {
    Checks.checkArgument(classes >= 2, "need at least 2 classes: %s", classes);
    IdxArray im = parse(images, decompress(images, imageBytes));
    IdxArray lb = parse(labels, decompress(labels, labelBytes));
    if (lb.dims().length != 1) {
      throw new DataFormatException(labels + ": byte 3: expected a 1-dimensional label file, found "
          + lb.dims().length + " dimensions");
    }
    if (im.dims()[0] != lb.dims()[0]) {
      throw new DataFormatException(images + " holds " + im.dims()[0] + " items but " + labels
          + " holds " + lb.dims()[0] + " labels");
    }
    int n = lb.dims()[0];
    float[] ts = new float[n * classes];
    int header = 4 + 4;
    int width = typeWidth(lb.type());
    for (int i = 0; i < n; i++) {
      float v = lb.values()[i];
      if (v != Math.rint(v) || v < 0 || v >= classes) {
        throw new DataFormatException(labels + ": byte " + (header + (long) i * width) + ": label "
            + format(v) + " is not in 0.." + (classes - 1));
      }
      ts[i * classes + (int) v] = 1f;
    }
    float[] xs = im.values();
    if (im.type() == 0x08) {
      for (int i = 0; i < xs.length; i++) xs[i] /= 255f;
    }
    return new Dataset(xs, ts, n, im.itemSize(), classes);
  }

  private static String format(float v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Float.toString(v);
  }

  /** Reads one IDX file. */
  public static IdxArray read(Path path) throws IOException {
    return parse(path.toString(), decompress(path.toString(), Files.readAllBytes(path)));
  }

  static byte[] decompress(String file, byte[] raw) throws DataFormatException {
    if (raw.length < 2 || (raw[0] & 0xFF) != 0x1F || (raw[1] & 0xFF) != 0x8B) return raw;
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
      return in.readAllBytes();
    } catch (ZipException | java.io.EOFException e) {
      throw new DataFormatException(file + ": broken gzip stream: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new DataFormatException(file + ": cannot decompress: " + e.getMessage(), e);
    }
  }

  /** Parses IDX bytes; {@code file} is used in messages. */
  public static IdxArray parse(String file, byte[] b) throws DataFormatException {
    if (b.length < 4) {
      throw new DataFormatException(file + ": byte " + b.length + ": file ends inside the"
          + " 4-byte IDX header");
    }
    if (b[0] != 0 || b[1] != 0) {
      throw new DataFormatException(String.format("%s: byte 0: not an IDX file (starts with"
          + " 0x%02x 0x%02x, expected 0x00 0x00)", file, b[0] & 0xFF, b[1] & 0xFF));
    }
    int type = b[2] & 0xFF;
    int width = typeWidth(type);
    if (width == 0) {
      throw new DataFormatException(String.format("%s: byte 2: unknown IDX data type 0x%02x",
          file, type));
    }
    int rank = b[3] & 0xFF;
    if (rank == 0) throw new DataFormatException(file + ": byte 3: IDX file with 0 dimensions");
    int header = 4 + 4 * rank;
    if (b.length < header) {
      throw new DataFormatException(file + ": byte " + b.length + ": file ends inside the "
          + header + "-byte header");
    }
    ByteBuffer buf = ByteBuffer.wrap(b);
    int[] dims = new int[rank];
    long item = 1; // values per item: every dimension but the first
    for (int d = 0; d < rank; d++) {
      dims[d] = buf.getInt(4 + 4 * d);
      if (dims[d] < 0) {
        throw new DataFormatException(file + ": byte " + (4 + 4 * d) + ": negative dimension "
            + dims[d]);
      }
      if (d > 0) {
        item *= dims[d]; // at most (2^31 - 1)^2: no overflow, checked at once
        if (item > Integer.MAX_VALUE) {
          throw new DataFormatException(file + ": byte " + (4 + 4 * d) + ": items of "
              + item + " or more values (dimensions " + dimsText(dims, d) + "...) are more"
              + " than this reader holds");
        }
      }
    }
    long count = dims[0] * item;
    long expected = header + count * width;
    if (count > Integer.MAX_VALUE || b.length < expected) {
      throw new DataFormatException(file + ": byte " + b.length + ": file ends after "
          + (b.length - header) + " of " + count * width + " data bytes (truncated?)");
    }
    if (b.length > expected) {
      throw new DataFormatException(file + ": byte " + expected + ": " + (b.length - expected)
          + " unexpected bytes after the data");
    }
    float[] v = new float[(int) count];
    buf.position(header);
    for (int i = 0; i < v.length; i++) {
      switch (type) {
        case 0x08 -> v[i] = buf.get() & 0xFF;
        case 0x09 -> v[i] = buf.get();
        case 0x0B -> v[i] = buf.getShort();
        case 0x0C -> v[i] = buf.getInt();
        case 0x0D -> v[i] = buf.getFloat();
        default -> v[i] = (float) buf.getDouble();
      }
    }
    return new IdxArray(dims, v, type);
  }

  private static String dimsText(int[] dims, int upTo) {
    StringBuilder sb = new StringBuilder();
    for (int d = 0; d <= upTo; d++) sb.append(d > 0 ? " x " : "").append(dims[d]);
    return sb.toString();
  }

  private static int typeWidth(int type) {
    return switch (type) {
      case 0x08, 0x09 -> 1;
      case 0x0B -> 2;
      case 0x0C, 0x0D -> 4;
      case 0x0E -> 8;
      default -> 0;
    };
  }
}
