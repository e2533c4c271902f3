package dev.deltac.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.TensorInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CsvLoader#forModel}: the command line's column split, from Java. */
class CsvLoaderForModelTest {
  /** Inputs {@code a[2]} and {@code b}, targets {@code y[targets]}. */
  static ModelInfo info(int targets) {
    return new ModelInfo("M", Precision.FLOAT32,
        List.of(TensorInfo.packed("a", new int[] {2}, 0), TensorInfo.packed("b", new int[0], 2)),
        List.of(TensorInfo.packed("y", new int[] {targets}, 0)),
        List.of(TensorInfo.packed("p", new int[] {targets}, 0)), List.of());
  }

  @Test
  void inputsThenTargetsInDeclarationOrder() throws DataFormatException {
    Dataset d = CsvLoader.forModel(info(2)).read("d.csv", "a0,a1,b,y0,y1\n1,2,3,4,5\n6,7,8,9,10\n");
    assertEquals(2, d.count());
    assertEquals(3, d.inputSize());
    assertEquals(2, d.targetSize());
    assertArrayEquals(new float[] {1, 2, 3, 6, 7, 8}, d.inputs());
    assertArrayEquals(new float[] {4, 5, 9, 10}, d.targets());
  }

  @Test
  void oneColumnMoreThanTheInputsHoldsClassLabels() throws DataFormatException {
    Dataset d = CsvLoader.forModel(info(3)).read("d.csv", "1,2,3,2\n4,5,6,0\n");
    assertEquals(3, d.targetSize());
    assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, d.targets());
    Dataset named = CsvLoader.forModel(info(3)).classes("setosa", "versicolor", "virginica")
        .read("d.csv", "a0,a1,b,species\n1,2,3,virginica\n4,5,6,setosa\n");
    assertArrayEquals(d.targets(), named.targets());
    assertEquals("d.csv:2:4: class label '3' is not an integer in 0..2",
        assertThrows(DataFormatException.class,
            () -> CsvLoader.forModel(info(3)).read("d.csv", "1,2,3,1\n1,2,3,3\n")).getMessage());
  }

  @Test
  void inputsOnlyWhenAllowed() throws DataFormatException {
    Dataset d = CsvLoader.forModel(info(1)).allowInputsOnly(true).read("d.csv", "1,2,3\n");
    assertEquals(3, d.inputSize());
    assertEquals(0, d.targetSize());
    assertEquals("d.csv:1: 3 columns, but model M takes 3 inputs and 1 target per sample:"
        + " expected 4 columns", assertThrows(DataFormatException.class,
            () -> CsvLoader.forModel(info(1)).read("d.csv", "1,2,3\n")).getMessage());
  }

  @Test
  void aWrongColumnCountSaysWhatTheModelTakes() {
    assertEquals("d.csv:1: 6 columns, but model M takes 3 inputs and 2 targets per sample:"
        + " expected 5 columns (or 4, the last holding class labels)",
        assertThrows(DataFormatException.class,
            () -> CsvLoader.forModel(info(2)).read("d.csv", "1,2,3,4,5,6\n")).getMessage());
  }

  @Test
  void chosenColumnsMustGiveTheModelsSizes() throws DataFormatException {
    Dataset d = CsvLoader.forModel(info(1)).targets("y").read("d.csv", "y,a0,a1,b\n1,2,3,4\n");
    assertArrayEquals(new float[] {2, 3, 4}, d.inputs());
    assertArrayEquals(new float[] {1}, d.targets());
    assertEquals("d.csv: the chosen columns give 2 inputs and 1 targets per row, but model M"
        + " takes 3 and 1", assertThrows(DataFormatException.class,
            () -> CsvLoader.forModel(info(1)).inputColumns(0, 1).read("d.csv", "1,2,3,4\n"))
            .getMessage());
  }
}
