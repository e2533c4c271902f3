package dev.deltac.runtime.data;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.Rng;
import dev.deltac.runtime.TensorInfo;
import java.util.Locale;

/**
 * Random image augmentation of training batches ({@code deltac train --augment flip,shift=2}):
 * each sample of a batch, read as a {@code [C, H, W]} image, is independently
 * <ol>
 *   <li>shifted by {@code dy, dx}, each uniform in {@code [-shift, shift]}: the sample becomes
 *       {@code out[c][y][x] = in[c][y + dy][x + dx]}, 0 outside the image (torchvision's
 *       {@code RandomCrop(size, padding=shift)} with zero fill), then</li>
 *   <li>with {@code flip}, mirrored left-right with probability 1/2
 *       ({@code RandomHorizontalFlip()}).</li>
 * </ol>
 * The draws of sample {@code i} of optimizer step {@code s} come from one stream of the seed
 * ({@link Rng#reseed}), in a fixed order (flip, dy, dx, whatever the options), so a run is the
 * same whatever the thread count, and a resumed run is the same as one never stopped. The batch
 * is rewritten in place on the training thread through one sample-sized scratch row: nothing is
 * allocated per step. Values shifted in are 0 (the training mean with {@code --standardize}).
 */
public final class Augmentation {
  /** Separates the augmentation's streams from the dropout seeds of the same steps. */
  private static final long STREAM = 0x6175676d656e7421L; // "augment!"

  private final boolean flip;
  private final int shift;
  private final int channels;
  private final int height;
  private final int width;
  private final float[] scratch;
  private final Rng rng = new Rng(0);

  /**
   * @param flip mirror left-right with probability 1/2
   * @param shift the largest shift in pixels along each axis (0: none)
   */
  public Augmentation(boolean flip, int shift, int channels, int height, int width) {
    Checks.checkArgument(channels > 0 && height > 0 && width > 0,
        "image shape must be positive: %sx%sx%s", channels, height, width);
    Checks.checkArgument(shift >= 0 && shift < Math.min(height, width),
        "shift must be in [0, %s) for %sx%s images: %s", Math.min(height, width), height, width,
        shift);
    Checks.checkArgument(flip || shift > 0, "an augmentation needs flip or a shift > 0");
    this.flip = flip;
    this.shift = shift;
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.scratch = new float[channels * height * width];
  }

  /**
   * Parses a comma-separated list of {@code flip}, {@code shift=N} and {@code image=CxHxW} (or
   * {@code HxW}). Without {@code image} the shape is the model's input's when it has rank 3
   * ({@code [C, H, W]}) or 2 ({@code [H, W]}), else a square single-channel image of the input's
   * size ({@code image[784]}: 1x28x28). Throws {@link IllegalArgumentException} saying what is
   * wrong.
   */
  public static Augmentation parse(String spec, ModelInfo model) {
    boolean flip = false;
    int shift = 0;
    int[] image = null;
    String s = spec == null ? "" : spec.trim();
    if (s.isEmpty()) throw new IllegalArgumentException("empty augmentation: " + USAGE);
    for (String raw : s.split(",", -1)) {
      String item = raw.trim();
      if (item.equals("flip")) {
        flip = true;
      } else if (item.startsWith("shift=")) {
        shift = number(item.substring(6), "shift");
      } else if (item.startsWith("image=")) {
        String[] dims = item.substring(6).toLowerCase(Locale.ROOT).split("x", -1);
        if (dims.length < 2 || dims.length > 3) {
          throw new IllegalArgumentException("image must be CxHxW or HxW, got " + item);
        }
        image = new int[3];
        image[0] = dims.length == 3 ? number(dims[0], "image channels") : 1;
        image[1] = number(dims[dims.length - 2], "image height");
        image[2] = number(dims[dims.length - 1], "image width");
      } else {
        throw new IllegalArgumentException("unknown augmentation '" + item + "': " + USAGE);
      }
    }
    if (!flip && shift == 0) {
      throw new IllegalArgumentException("augmentation '" + spec + "' changes nothing: " + USAGE);
    }
    if (model.inputs().size() != 1 || model.inputs().get(0).integer()) {
      throw new IllegalArgumentException("--augment needs a model with one float input (an"
          + " image), but " + model.name() + " has " + describe(model));
    }
    TensorInfo in = model.inputs().get(0);
    if (image == null) image = imageShape(in);
    if (image == null) {
      throw new IllegalArgumentException("cannot read input " + in.name() + " of "
          + in.size() + " values as an image; give its shape: --augment ...,image=CxHxW");
    }
    long size = (long) image[0] * image[1] * image[2];
    if (size != in.size()) {
      throw new IllegalArgumentException("image " + image[0] + "x" + image[1] + "x" + image[2]
          + " has " + size + " values, but input " + in.name() + " has " + in.size());
    }
    if (shift >= Math.min(image[1], image[2])) {
      throw new IllegalArgumentException("shift=" + shift + " must be smaller than the image's"
          + " height and width (" + image[1] + "x" + image[2] + ")");
    }
    return new Augmentation(flip, shift, image[0], image[1], image[2]);
  }

  static final String USAGE = "give a comma-separated list of flip, shift=N and image=CxHxW,"
      + " e.g. --augment flip,shift=2";

  private static int number(String text, String what) {
    try {
      int v = Integer.parseInt(text.trim());
      if (v < 0 || (v == 0 && !what.equals("shift"))) throw new NumberFormatException();
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " must be a " + (what.equals("shift")
          ? "non-negative" : "positive") + " integer, got '" + text + "'");
    }
  }

  private static String describe(ModelInfo m) {
    StringBuilder b = new StringBuilder();
    for (TensorInfo t : m.inputs()) {
      if (b.length() > 0) b.append(", ");
      b.append(t.integer() ? "integer input " : "input ").append(t.name());
    }
    return b.length() == 0 ? "no input" : b.toString();
  }

  /** The input's [C, H, W] when its shape or size says it; null otherwise. */
  private static int[] imageShape(TensorInfo in) {
    int[] s = in.shape();
    if (s.length == 3) return new int[] {s[0], s[1], s[2]};
    if (s.length == 2) return new int[] {1, s[0], s[1]};
    int side = (int) Math.round(Math.sqrt(in.size()));
    return side > 1 && side * side == in.size() ? new int[] {1, side, side} : null;
  }

  public boolean flip() {
    return flip;
  }

  public int shift() {
    return shift;
  }

  /** The settings, as given to {@link #parse}: {@code flip,shift=2,image=1x28x28}. */
  @Override
  public String toString() {
    return (flip ? "flip," : "") + (shift > 0 ? "shift=" + shift + "," : "") + "image="
        + channels + "x" + height + "x" + width;
  }

  /**
   * Augments the first {@code n} samples of {@code xs} (rows of {@code C*H*W} values) in place,
   * with the draws of optimizer step {@code step} of the run seeded {@code seed}.
   */
  public void apply(float[] xs, int n, long seed, long step) {
    int size = scratch.length;
    rng.reseed(seed ^ STREAM, step);
    for (int i = 0; i < n; i++) {
      boolean mirror = rng.nextLong() < 0;
      int dy = rng.nextInt(2 * shift + 1) - shift;
      int dx = rng.nextInt(2 * shift + 1) - shift;
      transform(xs, i * size, flip && mirror, dy, dx);
    }
  }

  /**
   * Rewrites the image at {@code xs[off...]} as {@code out[c][y][x] = in[c][y + dy][x' + dx]},
   * {@code x' = W - 1 - x} when mirrored, else x; 0 outside.
   */
  void transform(float[] xs, int off, boolean mirror, int dy, int dx) {
    if (!mirror && dy == 0 && dx == 0) return;
    System.arraycopy(xs, off, scratch, 0, scratch.length);
    int plane = height * width;
    for (int c = 0; c < channels; c++) {
      int base = off + c * plane;
      for (int y = 0; y < height; y++) {
        int sy = y + dy;
        int row = base + y * width;
        if (sy < 0 || sy >= height) {
          java.util.Arrays.fill(xs, row, row + width, 0f);
          continue;
        }
        int src = c * plane + sy * width;
        for (int x = 0; x < width; x++) {
          int sx = (mirror ? width - 1 - x : x) + dx;
          xs[row + x] = sx >= 0 && sx < width ? scratch[src + sx] : 0f;
        }
      }
    }
  }
}
