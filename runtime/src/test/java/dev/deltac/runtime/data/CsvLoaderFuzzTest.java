package dev.deltac.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzing the CSV reader (docs/FUZZING.md): whatever the bytes, it returns a consistent dataset
 * or throws one {@link DataFormatException} that names the file; nothing else comes out. The
 * first byte picks the options: bits 0-1 the header (detect, present, absent), bit 2 one-hot
 * labels (bits 4-7: 2 to 17 classes), bit 3 named classes; 3 in bits 0-1 means ";" as the
 * delimiter.
 * The regression inputs are in src/test/resources/.../CsvLoaderFuzzTestInputs/csv.
 */
class CsvLoaderFuzzTest {
  @FuzzTest(maxDuration = "5m")
  void csv(byte[] data) {
    if (data.length == 0) return;
    int options = data[0] & 0xFF;
    String text = new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
    CsvLoader loader = new CsvLoader();
    if ((options & 3) == 1) loader.header(true);
    if ((options & 3) == 2) loader.header(false);
    if ((options & 3) == 3) loader.delimiter(';');
    if ((options & 4) != 0) loader.oneHot(2 + (options >>> 4));
    if ((options & 8) != 0) loader.classes("cat", "dog", "bird");
    try {
      Dataset d = loader.read("fuzz.csv", text);
      assertTrue(d.count() >= 0);
      assertEquals((long) d.count() * d.inputSize(), d.inputs().length);
      assertEquals((long) d.count() * d.targetSize(), d.targets().length);
    } catch (DataFormatException e) {
      assertTrue(e.getMessage().startsWith("fuzz.csv"), e.getMessage());
    }
  }
}
