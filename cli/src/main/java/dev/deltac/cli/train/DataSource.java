package dev.deltac.cli.train;

import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.TensorInfo;
import dev.deltac.runtime.data.CsvLoader;
import dev.deltac.runtime.data.DataFormatException;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.data.IdxLoader;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds and reads a model's data: a CSV file, or a folder of IDX files in the MNIST layout
 * ({@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]}, and optionally
 * {@code t10k-*} as the held-out set).
 *
 * <p>CSV columns are matched to the model by count, by {@link CsvLoader#forModel} (the same
 * split as in Java): with as many columns as the packed inputs plus targets, the first ones are
 * the inputs and the rest the targets; with one column more than the inputs and a
 * multi-element target, the last column holds class labels {@code 0..n-1}, one-hot encoded.
 */
public final class DataSource {
  /** The training set, and the held-out set when the data has one (else null). */
  public record Loaded(Dataset train, Dataset heldOut, String description) {}

  private DataSource() {}

  /** Where to look when no {@code --data} is given: {@code MODEL.csv} beside the model file. */
  public static Path defaultFor(Path modelFile) {
    String name = modelFile.getFileName().toString().replaceFirst("\\.nn$", "");
    Path dir = modelFile.toAbsolutePath().getParent();
    return dir.resolve(name + ".csv");
  }

  public static Loaded load(Path data, ModelInfo info) throws IOException {
    return load(data, info, false);
  }

  /**
   * With {@code inputsOnly} allowed, a CSV file with exactly as many columns as the packed inputs
   * reads as inputs with no targets (a dataset whose target size is 0), for inference.
   */
  public static Loaded load(Path data, ModelInfo info, boolean inputsOnly) throws IOException {
    if (Files.isDirectory(data)) return idx(data, info);
    if (!Files.exists(data)) {
      throw new DataFormatException(data + ": no such file or folder (name the data with --data PATH:"
          + " a CSV file or a folder of IDX files)");
    }
    return new Loaded(csv(data, info, inputsOnly), null, data.toString());
  }

  private static Dataset csv(Path file, ModelInfo info, boolean inputsOnly) throws IOException {
    int in = info.inputSize();
    int out = info.targetSize();
    int columns = columnCount(file);
    CsvLoader loader = new CsvLoader();
    // Integer inputs and targets are integer columns (dsl.md section 9), checked as read.
    boolean integerTargets = false;
    for (TensorInfo t : info.inputs()) integerColumns(loader, t, 0);
    for (TensorInfo t : info.targets()) {
      integerColumns(loader, t, in);
      integerTargets |= t.integer();
    }
    if (inputsOnly && columns == in) {
      Dataset d = loader.inputColumns(range(0, in)).targetColumns().read(file);
      if (d.inputSize() != in) {
        throw new DataFormatException(file + ": read " + d.inputSize() + " inputs per row, model needs " + in);
      }
      return d;
    }
    if (columns == in + out) {
      loader.inputColumns(range(0, in)).targetColumns(range(in, in + out));
    } else if (columns == in + 1 && out > 1 && !integerTargets) {
      loader.inputColumns(range(0, in)).targetColumns(in).oneHot(out);
    } else {
      throw new DataFormatException(file + ":1: " + columns + " columns, but model " + info.name()
          + " takes " + in + " input" + (in == 1 ? "" : "s") + " and " + out + " target"
          + (out == 1 ? "" : "s") + " per sample: expected " + (in + out) + " columns"
          + (out > 1 ? " (or " + (in + 1) + ", the last holding class labels)" : ""));
    }
    Dataset d = loader.read(file);
    if (d.inputSize() != in || d.targetSize() != out) {
      throw new DataFormatException(file + ": read " + d.inputSize() + " inputs and "
          + d.targetSize() + " targets per row, model needs " + in + " and " + out);
    }
    return d;
  }

  private static void integerColumns(CsvLoader loader, TensorInfo t, int first) {
    if (!t.integer()) return;
    for (int k = 0; k < t.size(); k++) loader.integerColumn(first + t.offset() + k, t.indexBound());
  }

  private static int columnCount(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      do {
        line = r.readLine();
      } while (line != null && line.isBlank());
      if (line == null) throw new DataFormatException(file + ": empty file");
      int n = 1;
      boolean quoted = false;
      for (char c : line.toCharArray()) {
        if (c == '"') quoted = !quoted;
        else if (c == ',' && !quoted) n++;
      }
      return n;
    }
  }

  private static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) r[i] = from + i;
    return r;
  }

  private static Loaded idx(Path dir, ModelInfo info) throws IOException {
    Path images = find(dir, "train-images-idx3-ubyte");
    Path labels = find(dir, "train-labels-idx1-ubyte");
    if (images == null || labels == null) {
      throw new DataFormatException(dir + ": no train-images-idx3-ubyte[.gz] and"
          + " train-labels-idx1-ubyte[.gz] in this folder");
    }
    int classes = info.targetSize();
    Dataset train = IdxLoader.load(images, labels, classes);
    checkSizes(train, info, images);
    Path testImages = find(dir, "t10k-images-idx3-ubyte");
    Path testLabels = find(dir, "t10k-labels-idx1-ubyte");
    Dataset test = null;
    if (testImages != null && testLabels != null) {
      test = IdxLoader.load(testImages, testLabels, classes);
      checkSizes(test, info, testImages);
    }
    return new Loaded(train, test, dir + " (IDX" + (test != null ? ", t10k as the held-out set)" : ")"));
  }

  private static void checkSizes(Dataset d, ModelInfo info, Path file) throws DataFormatException {
    if (d.inputSize() != info.inputSize()) {
      throw new DataFormatException(file + ": images of " + d.inputSize() + " values, but model "
          + info.name() + " takes " + info.inputSize() + " inputs");
    }
  }

  private static Path find(Path dir, String base) {
    for (String name : new String[] {base, base + ".gz"}) {
      Path p = dir.resolve(name);
      if (Files.isRegularFile(p)) return p;
    }
    return null;
  }
}
