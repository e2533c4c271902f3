package dev.deltac.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.TensorInfo;
import dev.deltac.runtime.io.Checkpoint;
import dev.deltac.runtime.io.CheckpointException;
import dev.deltac.runtime.testing.SoftmaxRegression;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StandardizationTest {
  /** Inputs {@code x[2]} (floats) then {@code ids: int[1]} (an index below 10). */
  static final ModelInfo INFO = new ModelInfo("M", Precision.FLOAT32,
      List.of(TensorInfo.packed("x", new int[] {2}, 0),
          TensorInfo.integers("ids", new int[] {1}, 2, 10)),
      List.of(TensorInfo.packed("y", new int[] {1}, 0)),
      List.of(TensorInfo.packed("o", new int[] {1}, 0)), List.of());

  static final Dataset DATA = Dataset.of(
      new float[][] {{1, 7, 3}, {3, 7, 9}, {5, 7, 0}, {7, 7, 4}},
      new float[][] {{0}, {1}, {0}, {1}});

  @Test
  void populationStatisticsPerPositionIntegersAndConstantsUntouched() {
    Standardization st = Standardization.fit(INFO, DATA);
    // x[0]: 1, 3, 5, 7 (mean 4, population sd sqrt(5)); x[1] constant: scale 1; ids: identity
    assertArrayEquals(new double[] {4, 7, 0}, st.mean());
    assertArrayEquals(new double[] {Math.sqrt(5), 1, 1}, st.scale());
    Dataset d = st.apply(DATA);
    assertArrayEquals(new float[] {(float) (-3 / Math.sqrt(5)), 0, 3, (float) (-1 / Math.sqrt(5)),
        0, 9, (float) (1 / Math.sqrt(5)), 0, 0, (float) (3 / Math.sqrt(5)), 0, 4}, d.inputs());
    assertArrayEquals(new float[] {1, 7, 3, 3, 7, 9, 5, 7, 0, 7, 7, 4}, DATA.inputs(),
        "the original dataset is not changed");
    assertEquals(DATA.targets(), d.targets());
  }

  @Test
  void roundTripsThroughACheckpointAndIsCheckedAgainstTheModel() throws Exception {
    Standardization st = Standardization.fit(INFO, DATA);
    Checkpoint c = Checkpoint.parse("c", st.attachTo(Checkpoint.of(new SoftmaxRegression(4, 3, 1)))
        .toBytes());
    Path p = Path.of("c.ckpt");
    Standardization back = Standardization.from(c, p, INFO);
    assertArrayEquals(st.mean(), back.mean());
    assertArrayEquals(st.scale(), back.scale());
    assertNull(Standardization.from(Checkpoint.of(new SoftmaxRegression(4, 3, 1)), p, INFO));

    ModelInfo wider = new ModelInfo("M", Precision.FLOAT32,
        List.of(TensorInfo.packed("x", new int[] {4}, 0)), INFO.targets(), INFO.outputs(),
        List.of());
    assertEquals("checkpoint c.ckpt: its standardization has 3 means and 3 scales, but model M"
        + " takes 4 input values",
        assertThrows(CheckpointException.class, () -> Standardization.from(c, p, wider))
            .getMessage());
    Checkpoint zero = c.withAttachments(Map.of(Standardization.SCALE, new double[] {1, 0, 1}));
    assertEquals("checkpoint c.ckpt: standardization of input value 1 has mean 7.0 and scale 0.0"
        + " (a scale must be positive and finite)",
        assertThrows(CheckpointException.class, () -> Standardization.from(zero, p, INFO))
            .getMessage());
  }
}
