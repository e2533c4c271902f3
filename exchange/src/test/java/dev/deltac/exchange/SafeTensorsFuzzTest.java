package dev.deltac.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Fuzzing the safetensors reader (docs/FUZZING.md): any bytes give the file's tensors or one
 * {@link ExchangeException} naming the file; what was read writes back (as float32) to bytes that
 * read again the same, and loading it into a model either fits or fails with one message.
 */
class SafeTensorsFuzzTest {
  @FuzzTest(maxDuration = "5m")
  void safetensors(byte[] data) throws Exception {
    SafeTensors.Contents c;
    try {
      c = SafeTensors.parse("fuzz.safetensors", data);
    } catch (ExchangeException e) {
      assertTrue(e.getMessage().startsWith("fuzz.safetensors: "), e.getMessage());
      return;
    }
    List<NamedTensor> tensors = c.tensors();
    SafeTensors.Contents again;
    try {
      again = SafeTensors.parse("again", SafeTensors.toBytes(tensors, c.metadata()));
    } catch (IllegalArgumentException e) {
      // a name that only the reader accepts (duplicates are impossible: JSON keys are unique)
      throw new AssertionError("read but not writable: " + e.getMessage(), e);
    }
    assertEquals(tensors.size(), again.tensors().size());
    for (int i = 0; i < tensors.size(); i++) {
      NamedTensor a = tensors.get(i);
      NamedTensor b = again.tensors().get(i);
      assertEquals(a.name(), b.name());
      assertEquals(a.shapeText(), b.shapeText());
      float[] x = a.values();
      float[] y = b.values();
      for (int j = 0; j < x.length; j++) {
        assertEquals(Float.floatToRawIntBits(x[j]), Float.floatToRawIntBits(y[j]), a.name() + "[" + j + "]");
      }
    }
    assertEquals(c.metadata(), again.metadata());
  }
}
