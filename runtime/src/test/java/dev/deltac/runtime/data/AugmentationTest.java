package dev.deltac.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.TensorInfo;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AugmentationTest {
  static final int C = 2;
  static final int H = 3;
  static final int W = 4;

  /** A [C, H, W] image of distinct values 1, 2, ... (0 is the fill). */
  static float[] image(int first) {
    float[] x = new float[C * H * W];
    for (int i = 0; i < x.length; i++) x[i] = first + i;
    return x;
  }

  /** torchvision's RandomCrop(padding=s) at offset (s + dy, s + dx), then the flip, by hand. */
  static float[] reference(float[] in, boolean mirror, int dy, int dx, int s) {
    int ph = H + 2 * s;
    int pw = W + 2 * s;
    float[] padded = new float[C * ph * pw];
    for (int c = 0; c < C; c++) {
      for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) padded[(c * ph + y + s) * pw + x + s] = in[(c * H + y) * W + x];
      }
    }
    float[] out = new float[C * H * W];
    for (int c = 0; c < C; c++) {
      for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
          int cx = mirror ? W - 1 - x : x;
          out[(c * H + y) * W + x] = padded[(c * ph + y + s + dy) * pw + cx + s + dx];
        }
      }
    }
    return out;
  }

  @Test
  void shiftsAndFlipsAsCropThenMirror() {
    Augmentation a = new Augmentation(true, 2, C, H, W);
    for (boolean mirror : new boolean[] {false, true}) {
      for (int dy = -2; dy <= 2; dy++) {
        for (int dx = -2; dx <= 2; dx++) {
          float[] batch = new float[3 * C * H * W];
          System.arraycopy(image(1), 0, batch, C * H * W, C * H * W);
          float[] before = batch.clone();
          a.transform(batch, C * H * W, mirror, dy, dx);
          float[] got = Arrays.copyOfRange(batch, C * H * W, 2 * C * H * W);
          assertArrayEquals(reference(image(1), mirror, dy, dx, 2), got,
              "mirror " + mirror + ", dy " + dy + ", dx " + dx);
          // the neighbours are untouched
          assertArrayEquals(Arrays.copyOf(before, C * H * W), Arrays.copyOf(batch, C * H * W));
          assertArrayEquals(Arrays.copyOfRange(before, 2 * C * H * W, 3 * C * H * W),
              Arrays.copyOfRange(batch, 2 * C * H * W, 3 * C * H * W));
        }
      }
    }
    float[] x = image(1);
    a.transform(x, 0, true, 0, 0);
    assertEquals(4f, x[0]); // row 0 of channel 0 reversed: 4 3 2 1
    assertEquals(1f, x[3]);
  }

  @Test
  void everySampleIsOneOfItsFlipsAndShiftsAndAllOccur() {
    int n = 64;
    int size = C * H * W;
    Augmentation a = new Augmentation(true, 1, C, H, W);
    Set<String> seen = new HashSet<>();
    int mirrored = 0;
    for (long step = 1; step <= 40; step++) {
      float[] batch = new float[n * size];
      for (int i = 0; i < n; i++) System.arraycopy(image(100 * i + 1), 0, batch, i * size, size);
      a.apply(batch, n, 7, step);
      for (int i = 0; i < n; i++) {
        float[] got = Arrays.copyOfRange(batch, i * size, (i + 1) * size);
        String which = null;
        for (boolean mirror : new boolean[] {false, true}) {
          for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
              if (Arrays.equals(reference(image(100 * i + 1), mirror, dy, dx, 1), got)) {
                which = mirror + " " + dy + " " + dx;
              }
            }
          }
        }
        assertTrue(which != null, "sample " + i + " of step " + step + " is no flip/shift");
        seen.add(which);
        if (which.startsWith("true")) mirrored++;
      }
    }
    assertEquals(18, seen.size()); // 2 x 3 x 3
    assertTrue(mirrored > 0.45 * 40 * n && mirrored < 0.55 * 40 * n, "mirrored " + mirrored);
  }

  @Test
  void drawsDependOnSeedAndStepOnly() {
    int n = 16;
    float[] base = new float[n * C * H * W];
    for (int i = 0; i < base.length; i++) base[i] = i + 1;
    float[] a = base.clone();
    float[] b = base.clone();
    float[] c = base.clone();
    new Augmentation(true, 2, C, H, W).apply(a, n, 3, 5);
    Augmentation other = new Augmentation(true, 2, C, H, W);
    other.apply(c, n, 3, 6); // another step first: no state carries over
    other.apply(b, n, 3, 5);
    assertArrayEquals(a, b);
    assertFalse(Arrays.equals(a, c));
    float[] d = base.clone();
    new Augmentation(true, 2, C, H, W).apply(d, n, 4, 5);
    assertFalse(Arrays.equals(a, d));
    // only the first n samples are touched
    float[] e = base.clone();
    new Augmentation(true, 2, C, H, W).apply(e, n - 1, 3, 5);
    assertArrayEquals(Arrays.copyOfRange(base, (n - 1) * C * H * W, base.length),
        Arrays.copyOfRange(e, (n - 1) * C * H * W, base.length));
  }

  @Test
  void allocatesNothingPerBatch() {
    int n = 64;
    Augmentation a = new Augmentation(true, 2, 1, 28, 28);
    float[] batch = new float[n * 784];
    for (int i = 0; i < batch.length; i++) batch[i] = i % 255;
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    for (long s = 1; s <= 2000; s++) a.apply(batch, n, 1, s); // warm up: compiled, inlined
    long before = mx.getThreadAllocatedBytes(id);
    for (long s = 1; s <= 200; s++) a.apply(batch, n, 1, s);
    long after = mx.getThreadAllocatedBytes(id);
    assertTrue(after - before < 1024, "allocated " + (after - before) + " bytes in 200 batches");
  }

  static ModelInfo model(TensorInfo input) {
    return new ModelInfo("M", Precision.FLOAT32, List.of(input),
        List.of(TensorInfo.packed("y", new int[] {10}, 0)),
        List.of(TensorInfo.packed("p", new int[] {10}, 0)),
        List.of(new TensorInfo("W", new int[] {10, input.size()}, 0, 0, 10, "he", null)));
  }

  @Test
  void parsesTheOptionAndInfersTheImage() {
    ModelInfo flat = model(TensorInfo.packed("image", new int[] {784}, 0));
    Augmentation a = Augmentation.parse("flip,shift=2", flat);
    assertTrue(a.flip());
    assertEquals(2, a.shift());
    assertEquals("flip,shift=2,image=1x28x28", a.toString());
    assertEquals("shift=3,image=1x28x28", Augmentation.parse(" shift=3 ", flat).toString());
    assertEquals("flip,image=1x16x49", Augmentation.parse("flip,image=16x49", flat).toString());
    ModelInfo rgb = model(TensorInfo.packed("image", new int[] {3, 32, 32}, 0));
    assertEquals("flip,shift=4,image=3x32x32", Augmentation.parse("flip,shift=4", rgb).toString());
  }

  @Test
  void rejectsBadOptionsWithClearMessages() {
    ModelInfo flat = model(TensorInfo.packed("image", new int[] {784}, 0));
    assertMessage("unknown augmentation 'rotate=10'", "flip,rotate=10", flat);
    assertMessage("empty augmentation", " ", flat);
    assertMessage("unknown augmentation ''", "flip,", flat);
    assertMessage("shift must be a non-negative integer, got '-1'", "shift=-1", flat);
    assertMessage("shift must be a non-negative integer, got 'two'", "shift=two", flat);
    assertMessage("changes nothing", "shift=0", flat);
    assertMessage("shift=28 must be smaller than the image's height and width (28x28)",
        "shift=28", flat);
    assertMessage("image 1x28x27 has 756 values, but input image has 784", "flip,image=28x27",
        flat);
    assertMessage("image must be CxHxW or HxW", "flip,image=784", flat);
    assertMessage("image width must be a positive integer, got '0'", "flip,image=1x784x0", flat);
    ModelInfo odd = model(TensorInfo.packed("x", new int[] {10}, 0));
    assertMessage("cannot read input x of 10 values as an image; give its shape", "flip", odd);
    ModelInfo ids = model(TensorInfo.integers("ids", new int[] {16}, 0, 100));
    assertMessage("needs a model with one float input (an image), but M has integer input ids",
        "flip", ids);
  }

  private static void assertMessage(String part, String spec, ModelInfo m) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Augmentation.parse(spec, m));
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }
}
