package dev.deltac.cli.train;

import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.data.CsvLoader;
import dev.deltac.runtime.data.DataFormatException;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.data.IdxLoader;
import java.io.IOException;
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
    if (Files.isDirectory(data) && Files.isRegularFile(data.resolve("train.csv"))) {
      // A folder of CSV files: train.csv, and test.csv as the held-out set when present.
      Path test = data.resolve("test.csv");
      boolean held = Files.isRegularFile(test);
      return new Loaded(csv(data.resolve("train.csv"), info, inputsOnly), held ? csv(test, info, inputsOnly) : null,
          data + " (train.csv" + (held ? ", test.csv as the held-out set)" : ")"));
    }
    if (Files.isDirectory(data)) return idx(data, info);
    if (!Files.exists(data)) {
      throw new DataFormatException(data + ": no such file or folder (name the data with --data PATH:"
          + " a CSV file or a folder of IDX files)");
    }
    return new Loaded(csv(data, info, inputsOnly), null, data.toString());
  }

  private static Dataset csv(Path file, ModelInfo info, boolean inputsOnly) throws IOException {
    return CsvLoader.forModel(info).allowInputsOnly(inputsOnly).read(file);
  }

  private static Loaded idx(Path dir, ModelInfo info) throws IOException {
    Path images = find(dir, "train-images-idx3-ubyte");
    Path labels = find(dir, "train-labels-idx1-ubyte");
    if (images == null || labels == null) {
      throw new DataFormatException(dir + ": no train.csv, and no train-images-idx3-ubyte[.gz] and"
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
