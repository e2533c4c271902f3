package dev.deltac.cli;

import dev.deltac.runtime.io.Checkpoint;
import dev.deltac.runtime.kernels.DenseKernels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/**
 * Trains two small models through {@code deltac train} (the compiler, Janino and the trainer, as
 * a user runs them) in this JVM's vector width ({@code -Ddeltac.vector.bits}) and prints the
 * SHA-256 of each checkpoint's tensors, for {@link VectorWidthCheckpointTest}: an MLP whose first
 * layer runs through the dense kernels and a CNN whose convolution runs through Conv2dKernels, on
 * 1, 2 and 3 threads (batches of 96: three shards of 32). Prints the kernels' name first (only that without a directory argument).
 */
public final class VectorWidthTrainProbe {
  static final String MLP = """
      model WidthMlp {
        input x[64]
        target label[4]
        h = dense(x, 48, relu)
        logits = dense(h, 4)
        output logits
        loss softmax_cross_entropy(logits, label)
      }
      """;

  static final String CNN = """
      model WidthCnn {
        input image[100]
        target label[4]
        img = reshape(image, [1, 10, 10])
        c1 = conv2d(img, 8, 3, padding = 1, act = relu)
        p1 = maxpool2d(c1, 2)
        h = dense(flatten(p1), 32, relu)
        logits = dense(h, 4)
        output logits
        loss softmax_cross_entropy(logits, label)
      }
      """;

  private VectorWidthTrainProbe() {}

  public static void main(String[] args) throws Exception {
    System.out.println("kernels " + DenseKernels.get().name());
    if (args.length == 0) return;
    Path dir = Path.of(args[0]);
    train(dir, "WidthMlp", MLP, 64);
    train(dir, "WidthCnn", CNN, 100);
  }

  private static void train(Path dir, String name, String source, int inputs) throws Exception {
    Path nn = dir.resolve(name + ".nn");
    Files.writeString(nn, source);
    Random r = new Random(5);
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < 384; i++) {
      int label = r.nextInt(4);
      for (int j = 0; j < inputs; j++) {
        // inputs that depend on the label, so that training moves the weights far from init
        csv.append(String.format(java.util.Locale.ROOT, "%.6f,", r.nextGaussian() + (j % 4 == label ? 1 : 0)));
      }
      csv.append(label).append('\n');
    }
    Files.writeString(dir.resolve(name + ".csv"), csv.toString());
    for (int threads = 1; threads <= 3; threads++) {
      Path out = dir.resolve(name + "-" + threads);
      StringWriter o = new StringWriter();
      StringWriter e = new StringWriter();
      int code = Main.run(new PrintWriter(o), new PrintWriter(e), "train", nn.toString(),
          "--no-progress", "--epochs", "3", "--batch", "96", "--lr", "0.01", "--threads",
          String.valueOf(threads), "-o", out.toString());
      if (code != 0) throw new IllegalStateException(name + ": " + e + o);
      if (!o.toString().contains("kernels     dense products: " + DenseKernels.get().name())) {
        throw new IllegalStateException(name + " did not run the dense kernels: " + o);
      }
      System.out.println(name + " threads " + threads + " " + sha(out.resolve(name + ".ckpt")));
    }
  }

  /** SHA-256 over every tensor's name and values (the file also holds wall times). */
  static String sha(Path ckpt) throws Exception {
    Checkpoint c = Checkpoint.read(ckpt);
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    for (String n : c.names()) {
      d.update(n.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      double[] v = c.values(n);
      ByteBuffer b = ByteBuffer.allocate(8 * v.length);
      for (double x : v) b.putLong(Double.doubleToRawLongBits(x));
      d.update(b.array());
    }
    return HexFormat.of().formatHex(d.digest());
  }
}
