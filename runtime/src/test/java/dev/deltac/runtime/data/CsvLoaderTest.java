package dev.deltac.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvLoaderTest {
  @TempDir Path dir;

  private static String error(CsvLoader loader, String text) {
    return assertThrows(DataFormatException.class, () -> loader.read("data.csv", text))
        .getMessage();
  }

  @Test
  void defaultsToLastColumnAsTargetWithDetectedHeader() throws IOException {
    Path p = dir.resolve("xor.csv");
    Files.writeString(p, "x1,x2,y\n0,0,0\n0,1,1\n\n1,0,1\n1,1,0\n");
    Dataset d = new CsvLoader().read(p);
    assertEquals(4, d.count());
    assertEquals(2, d.inputSize());
    assertArrayEquals(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, d.inputs());
    assertArrayEquals(new float[] {0, 1, 1, 0}, d.targets());
  }

  @Test
  void noHeaderWhenTheFirstRowIsNumeric() throws DataFormatException {
    Dataset d = new CsvLoader().read("d.csv", "1,2.5,-3e2\n4,5,6\n");
    assertEquals(2, d.count());
    assertArrayEquals(new float[] {1, 2.5f, 4, 5}, d.inputs());
    assertArrayEquals(new float[] {-300, 6}, d.targets());
  }

  @Test
  void columnsByNameAndOneHotLabels() throws DataFormatException {
    String text = "id,label,a,b\n7,2,0.5,1\n8,0,1.5,2\n";
    Dataset d = new CsvLoader().inputs("b", "a").targets("label").oneHot(3).read("d.csv", text);
    assertArrayEquals(new float[] {1, 0.5f, 2, 1.5f}, d.inputs());
    assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, d.targets());
    assertEquals(3, d.targetSize());
  }

  @Test
  void columnsByIndexAndNamedClassesWithQuotes() throws DataFormatException {
    String text = "\"sepal, len\",species\n5.1,setosa\n\"7.0\",\"virginica\"\n";
    Dataset d = new CsvLoader().inputColumns(0).targetColumns(1)
        .classes("setosa", "versicolor", "virginica").read("iris.csv", text);
    assertArrayEquals(new float[] {5.1f, 7.0f}, d.inputs());
    assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1}, d.targets());
  }

  @Test
  void onlyInputsChosenMeansTargetIsLastOtherColumn() throws DataFormatException {
    Dataset d = new CsvLoader().inputColumns(1, 2).read("d.csv", "1,2,3\n4,5,6\n");
    assertArrayEquals(new float[] {2, 3, 5, 6}, d.inputs());
    assertArrayEquals(new float[] {1, 4}, d.targets());
  }

  @Test
  void forcedHeader() throws DataFormatException {
    Dataset d = new CsvLoader().header(true).read("d.csv", "1,2\n3,4\n");
    assertEquals(1, d.count());
  }

  @Test
  void wrongColumnCountNamesTheLine() {
    assertEquals("data.csv:4: expected 3 columns, found 2",
        error(new CsvLoader(), "a,b,c\n1,2,3\n\n4,5\n"));
  }

  @Test
  void badNumberNamesLineAndColumn() {
    assertEquals("data.csv:3:2: 'abc' is not a number (column 'b')",
        error(new CsvLoader(), "a,b,c\n1,2,3\n4,abc,6\n"));
  }

  @Test
  void badLabelsAreReported() {
    assertEquals("data.csv:2:3: class label '3' is not an integer in 0..2",
        error(new CsvLoader().oneHot(3), "1,2,0\n1,2,3\n"));
    assertEquals("data.csv:2:2: unknown class 'cat' (classes: dog, bird)",
        error(new CsvLoader().classes("dog", "bird"), "1,dog\n2,cat\n"));
  }

  @Test
  void unknownColumnsAndOtherProblems() {
    assertEquals("data.csv:1: no column named 'z' (columns: a, b)",
        error(new CsvLoader().inputs("z"), "a,b\n1,2\n"));
    assertEquals("data.csv: column index 5 is out of range: the file has 2 columns (0..1)",
        error(new CsvLoader().targetColumns(5), "1,2\n"));
    assertEquals("data.csv: no data rows", error(new CsvLoader(), "\n\n"));
    assertEquals("data.csv: no data rows", error(new CsvLoader(), "a,b\n"));
    assertEquals("data.csv:2:2: unterminated quoted field",
        error(new CsvLoader(), "1,2\n3,\"4\n"));
    assertEquals("data.csv: column 'a' chosen by name, but the file has no header row",
        error(new CsvLoader().inputs("a"), "1,2\n"));
  }

  @Test
  void integerColumnsHoldIndicesAndRejectOthersWithAPosition() throws DataFormatException {
    CsvLoader l = new CsvLoader().inputColumns(0, 1).targetColumns(2).integerColumn(1, 5).integerColumn(2, 0);
    Dataset d = l.read("d.csv", "0.5,4,-7\n1.5,0,3\n");
    assertArrayEquals(new float[] {0.5f, 4, 1.5f, 0}, d.inputs());
    assertArrayEquals(new float[] {-7, 3}, d.targets());
    CsvLoader m = new CsvLoader().inputColumns(0, 1).targetColumns(2).integerColumn(1, 5);
    assertEquals("data.csv:2:2: '1.5' is not an integer; this column holds indices",
        error(m, "0.5,4,1\n1.5,1.5,3\n"));
    assertEquals("data.csv:1:2: index 5 is outside 0..4", error(m, "0.5,5,1\n"));
  }
}
