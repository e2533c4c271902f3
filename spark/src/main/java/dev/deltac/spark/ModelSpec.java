package dev.deltac.spark;

import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.kernels.DenseKernels;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What an executor needs to build the model: the {@code .nn} source text (compiled once per
 * executor JVM, cached by {@link #hash}), the model's name, the maximum batch of the driver's
 * instance, the shard size, and the dense kernels the driver's JVM uses (executors must use the
 * same ones, or the bits would differ).
 */
public record ModelSpec(String fileName, String source, String modelName, int maxBatch,
    int shardSize, int inputSize, int targetSize, String kernels, String hash)
    implements Serializable {

  /** The spec of {@code model}, compiled from {@code source}. */
  public static ModelSpec of(String fileName, String source, FloatModel model, int shardSize) {
    String kernels = DenseKernels.get().name();
    return new ModelSpec(fileName, source, model.info().name(), model.maxBatch(), shardSize,
        model.info().inputSize(), model.info().targetSize(), kernels,
        sha256(fileName + "\n" + model.info().name() + "\n" + model.maxBatch() + "\n" + source));
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
