package dev.deltac.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Fuzzing the IDX reader (docs/FUZZING.md): an images file and a labels file, gzipped or not,
 * give a consistent dataset or one {@link DataFormatException} that names a file. Input layout:
 * byte 0 the number of classes (2 + its low 4 bits), bytes 1-2 the length of the images file
 * (big-endian), then the images file, then the labels file.
 */
class IdxLoaderFuzzTest {
  @FuzzTest(maxDuration = "5m")
  void idx(byte[] data) {
    if (data.length < 3) return;
    int classes = 2 + (data[0] & 0x0F);
    int split = Math.min((data[1] & 0xFF) << 8 | (data[2] & 0xFF), data.length - 3);
    byte[] images = Arrays.copyOfRange(data, 3, 3 + split);
    byte[] labels = Arrays.copyOfRange(data, 3 + split, data.length);
    try {
      Dataset d = IdxLoader.load("images.idx", images, "labels.idx", labels, classes);
      assertEquals(classes, d.targetSize());
      assertEquals((long) d.count() * d.inputSize(), d.inputs().length);
      for (int i = 0; i < d.count(); i++) {
        float sum = 0;
        for (int k = 0; k < classes; k++) sum += d.targets()[i * classes + k];
        assertEquals(1f, sum, "one-hot label " + i);
      }
    } catch (DataFormatException e) {
      String m = e.getMessage();
      assertTrue(m.startsWith("images.idx") || m.startsWith("labels.idx"), m);
    }
  }
}
