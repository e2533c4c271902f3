package dev.deltac.runtime.io;

import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * What a checkpoint was written for: the model's name, a SHA-256 of its interface (the names and
 * shapes of its inputs, targets, outputs and parameters, in order; not the precision, since a
 * checkpoint loads into either) and a SHA-256 of the {@code .nn} source text it was compiled
 * from (all zeros when unknown, e.g. a model built from the Java API alone; the interface hash is
 * zeros only in a version-1 file written again). A resume refuses a
 * checkpoint whose fingerprint differs: another model, or another version of the file.
 */
public final class Fingerprint {
  static final int HASH_BYTES = 32;
  private static final byte[] UNKNOWN = new byte[HASH_BYTES];

  private final String modelName;
  private final byte[] interfaceHash;
  private final byte[] sourceHash;

  Fingerprint(String modelName, byte[] interfaceHash, byte[] sourceHash) {
    this.modelName = modelName;
    this.interfaceHash = interfaceHash.clone();
    this.sourceHash = sourceHash.clone();
  }

  /** The fingerprint of {@code info}, compiled from {@code source} (null: unknown). */
  public static Fingerprint of(ModelInfo info, byte[] source) {
    return new Fingerprint(info.name(), interfaceHash(info),
        source == null ? UNKNOWN : sha256(source));
  }

  /** The fingerprint of {@code info}, compiled from {@code source} text (null: unknown). */
  public static Fingerprint of(ModelInfo info, String source) {
    return of(info, source == null ? null : source.getBytes(StandardCharsets.UTF_8));
  }

  public String modelName() {
    return modelName;
  }

  /** Hex SHA-256 of the model's interface. */
  public String interfaceHash() {
    return HexFormat.of().formatHex(interfaceHash);
  }

  /** Hex SHA-256 of the source text, or null when unknown. */
  public String sourceHash() {
    return hasSource() ? HexFormat.of().formatHex(sourceHash) : null;
  }

  public boolean hasSource() {
    return !Arrays.equals(sourceHash, UNKNOWN);
  }

  /** False for the fingerprint of a version-1 file rewritten in version 2 (not known then). */
  public boolean hasInterface() {
    return !Arrays.equals(interfaceHash, UNKNOWN);
  }

  /** A fingerprint that knows the model's name only. */
  static Fingerprint unknown(String modelName) {
    return new Fingerprint(modelName, UNKNOWN, UNKNOWN);
  }

  byte[] interfaceHashBytes() {
    return interfaceHash.clone();
  }

  byte[] sourceHashBytes() {
    return sourceHash.clone();
  }

  /** Same model name and interface; the sources too when both are known. */
  public boolean matches(Fingerprint other) {
    return modelName.equals(other.modelName)
        && (!hasInterface() || !other.hasInterface()
            || Arrays.equals(interfaceHash, other.interfaceHash))
        && (!hasSource() || !other.hasSource() || Arrays.equals(sourceHash, other.sourceHash));
  }

  private static byte[] interfaceHash(ModelInfo info) {
    MessageDigest md = digest();
    update(md, info.name());
    for (List<TensorInfo> kind : List.of(info.inputs(), info.targets(), info.outputs(),
        info.params())) {
      md.update(ByteBuffer.allocate(4).putInt(kind.size()).array());
      for (TensorInfo t : kind) {
        update(md, t.name());
        int[] s = t.shape();
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * s.length).putInt(s.length);
        for (int d : s) b.putInt(d);
        md.update(b.array());
      }
    }
    return md.digest();
  }

  private static void update(MessageDigest md, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    md.update(ByteBuffer.allocate(4).putInt(b.length).array());
    md.update(b);
  }

  private static byte[] sha256(byte[] data) {
    return digest().digest(data);
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return modelName + " interface " + interfaceHash().substring(0, 12) + " source "
        + (hasSource() ? sourceHash().substring(0, 12) : "unknown");
  }
}
