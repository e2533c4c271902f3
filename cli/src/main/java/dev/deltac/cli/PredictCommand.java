package dev.deltac.cli;

import dev.deltac.cli.train.DataSource;
import dev.deltac.compiler.Compilation;
import dev.deltac.compiler.CompileException;
import dev.deltac.compiler.CompiledModel;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.TensorInfo;
import dev.deltac.runtime.data.Dataset;
import dev.deltac.runtime.data.Standardization;
import dev.deltac.runtime.io.Checkpoint;
import dev.deltac.runtime.train.Metrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deltac predict MODEL.nn --checkpoint C --data ...}: inference with trained parameters.
 * Writes one CSV row of outputs per sample, with the predicted class last for a classifier; when
 * the data has targets, also reports the mean loss and, for class targets, the accuracy, the
 * confusion matrix and each class's precision and recall (on stderr, after the CSV).
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run inference with a checkpoint's parameters; print the outputs as CSV,",
        "with the predicted class last for a classifier (a model whose loss is a cross-entropy).",
        "With targets in the data, also report the loss (and accuracy for one-hot targets)."})
public final class PredictCommand implements Callable<Integer> {
  private static final int CHUNK = 256;

  @Parameters(index = "0", paramLabel = "MODEL.nn", description = "the model file")
  Path file;

  @Option(names = "--checkpoint", required = true, paramLabel = "C", description = "trained parameters")
  Path checkpoint;

  @Option(names = "--data", required = true, paramLabel = "PATH",
      description = "a CSV file (the inputs, optionally followed by the targets) or a folder of"
          + " IDX files (its t10k-* files when present, else train-*)")
  Path data;

  @Option(names = "--model", paramLabel = "NAME", description = "which model, when the file has several")
  String name;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write the CSV here (default: stdout)")
  Path output;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Compilation c = Compiling.compile(file, err);
    if (c == null) return 1;
    try {
      CompiledModel compiled = c.model(name);
      FloatModel model = compiled.newModel(CHUNK);
      Checkpoint saved = Checkpoint.read(checkpoint);
      saved.loadParams(checkpoint, model);
      Standardization standardization = Standardization.from(saved, checkpoint, model.info());
      DataSource.Loaded loaded = DataSource.load(data, model.info(), true);
      Dataset d = loaded.heldOut() != null ? loaded.heldOut() : loaded.train();
      if (standardization != null) {
        // the checkpoint was trained on standardized inputs: the same transform, as in training
        d = standardization.apply(d);
      }
      float[] outs = new float[d.count() * model.info().outputSize()];
      predict(model, d, outs);
      TensorInfo classOutput = classifies(compiled) ? Metrics.accuracyOutput(model.info()) : null;
      if (output != null) {
        try (Writer w = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
          writeCsv(model.info(), classOutput, outs, d.count(), w);
        }
      } else {
        writeCsv(model.info(), classOutput, outs, d.count(), out);
        out.flush();
      }
      if (d.targetSize() > 0) report(model, d, err);
      return 0;
    } catch (CompileException | IOException e) {
      err.println("deltac predict: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      // an integer input outside its range (dev.deltac.runtime.Indices)
      err.println("deltac predict: " + e.getMessage());
      return 1;
    }
  }

  private static void predict(FloatModel model, Dataset d, float[] outs) {
    int in = d.inputSize();
    int o = model.info().outputSize();
    for (int i = 0; i < d.count(); i++) model.predict(d.inputs(), i * in, outs, i * o);
  }

  /**
   * Whether the model's loss is a classification loss ({@code bce}, {@code bce_with_logits},
   * {@code cross_entropy}, {@code softmax_cross_entropy}), so its outputs score classes.
   */
  static boolean classifies(CompiledModel m) {
    Node loss = m.lowered().loss();
    if (loss == null) return false;
    for (Node n : Graph.reachable(List.of(loss))) {
      switch (n.op()) {
        case BCE, BCE_LOGITS, CROSS_ENTROPY, SOFTMAX_CE:
          return true;
        default:
          break;
      }
    }
    return false;
  }

  /**
   * One CSV row per sample: every output element, then, for a classifier, the predicted class
   * as accuracy counts it: the argmax of the output compared with the targets, or for a single
   * output, 1 when it is at least 0.5, else 0.
   */
  private static void writeCsv(ModelInfo info, TensorInfo classOutput, float[] outs, int count,
      Writer w) throws IOException {
    StringBuilder header = new StringBuilder();
    for (TensorInfo t : info.outputs()) {
      for (int j = 0; j < t.size(); j++) {
        if (header.length() > 0) header.append(',');
        header.append(t.size() == 1 ? t.name() : t.name() + "_" + j);
      }
    }
    if (classOutput != null) header.append(",class");
    w.write(header.append('\n').toString());
    int o = info.outputSize();
    StringBuilder row = new StringBuilder();
    for (int i = 0; i < count; i++) {
      row.setLength(0);
      for (int j = 0; j < o; j++) {
        if (j > 0) row.append(',');
        row.append(outs[i * o + j]);
      }
      if (classOutput != null) {
        int from = i * o + classOutput.offset();
        int k = classOutput.size();
        int best = 0;
        if (k == 1) {
          best = outs[from] >= 0.5f ? 1 : 0;
        } else {
          for (int j = 1; j < k; j++) {
            if (outs[from + j] > outs[from + best]) best = j;
          }
        }
        row.append(',').append(best);
      }
      w.write(row.append('\n').toString());
    }
  }

  private static void report(FloatModel model, Dataset d, PrintWriter err) {
    String line = String.format(Locale.ROOT, "%d samples: mean loss %.4g", d.count(),
        Metrics.loss(model, d));
    if (Metrics.hasAccuracy(model.info(), d)) {
      line += String.format(Locale.ROOT, ", accuracy %.4f", Metrics.accuracy(model, d));
    }
    err.println(line);
    int[][] confusion = Metrics.confusion(model, d);
    if (confusion != null) err.print(confusionText(confusion));
    err.flush();
  }

  /**
   * The confusion matrix (rows: true class, columns: predicted class), then each class's
   * precision (right among those predicted as it) and recall (found among those that are it);
   * "-" where nothing was predicted as, or is, the class.
   */
  static String confusionText(int[][] m) {
    int k = m.length;
    int width = 6;
    for (int[] row : m) {
      for (int v : row) width = Math.max(width, Integer.toString(v).length() + 1);
    }
    StringBuilder sb = new StringBuilder("confusion matrix (rows: true class, columns: predicted)\n");
    sb.append(String.format(Locale.ROOT, "%6s", ""));
    for (int p = 0; p < k; p++) sb.append(String.format(Locale.ROOT, "%" + width + "d", p));
    sb.append('\n');
    for (int t = 0; t < k; t++) {
      sb.append(String.format(Locale.ROOT, "%6d", t));
      for (int p = 0; p < k; p++) sb.append(String.format(Locale.ROOT, "%" + width + "d", m[t][p]));
      sb.append('\n');
    }
    sb.append(" class  precision  recall\n");
    for (int c = 0; c < k; c++) {
      int predicted = 0;
      int actual = 0;
      for (int i = 0; i < k; i++) {
        predicted += m[i][c];
        actual += m[c][i];
      }
      sb.append(String.format(Locale.ROOT, "%6d  %9s  %6s%n", c, ratio(m[c][c], predicted),
          ratio(m[c][c], actual)));
    }
    return sb.toString();
  }

  private static String ratio(int a, int b) {
    return b == 0 ? "-" : String.format(Locale.ROOT, "%.4f", (double) a / b);
  }
}
