package dev.deltac.runtime.data;

import dev.deltac.runtime.Checks;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.TensorInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a {@link Dataset} from CSV. {@link #forModel(ModelInfo)} reads the files of
 * {@code deltac train} and {@code deltac predict} exactly as they do; {@code new CsvLoader()}
 * lets you choose the columns.
 *
 * <pre>{@code
 * Dataset train = CsvLoader.forModel(model.info()).read(Path.of("iris.csv"));
 * Dataset named = new CsvLoader().inputs("x0", "x1").targets("y").read(Path.of("xor.csv"));
 * }</pre>
 *
 * <ul>
 *   <li>Header: detected when some field of the first row is not a value (a number or a
 *       declared class name) while the same field of the second row is (or, for a one-row file,
 *       when any field is not a value); force it with {@link #header(boolean)}.
 *   <li>Columns: chosen by header name or 0-based index. By default the targets are the last
 *       column and the inputs every other column; with only inputs chosen, the targets are the
 *       last column not among them; with only targets chosen, the inputs are all the others.
 *   <li>One-hot: {@link #oneHot(int)} turns the single target column's integer labels
 *       {@code 0..n-1} into n targets; {@link #classes(String...)} does the same for named labels.
 *   <li>Fields may be quoted ({@code "1,5"}, {@code ""} for a quote); blank lines are skipped.
 * </ul>
 * A malformed file fails with one {@link DataFormatException} such as
 * {@code data.csv:17: expected 3 columns, found 2} or {@code data.csv:4:2: 'abc' is not a number}.
 */
public final class CsvLoader {
  private Boolean header;
  private char delimiter = ',';
  private List<Object> inputColumns;
  private List<Object> targetColumns;
  private int oneHot;
  private List<String> classNames;
  private ModelInfo model;
  private boolean inputsOnly;

  /** A loader whose columns are chosen by hand (by default the last column is the target). */
  public CsvLoader() {}

  /**
   * A loader that splits the columns by {@code info}'s sizes, as the command line does, with
   * {@code in} = {@link ModelInfo#inputSize()} and {@code out} = {@link ModelInfo#targetSize()}:
   * <ul>
   *   <li>{@code in + out} columns: the first {@code in} are the inputs, in the order of the
   *       model's {@code input} declarations, each tensor row-major; the last {@code out} are the
   *       targets, likewise;
   *   <li>{@code in + 1} columns when {@code out > 1}: the last column holds class labels, the
   *       integers {@code 0..out-1} (or the names given to {@link #classes(String...)}), one-hot
   *       encoded into {@code out} targets;
   *   <li>with {@link #allowInputsOnly(boolean)}, {@code in} columns: inputs only, a dataset with
   *       no targets, for prediction.
   * </ul>
   * Any other column count fails with a {@link DataFormatException} that gives the counts the
   * model expects. Columns chosen explicitly ({@link #inputColumns}, {@link #targets}, ...)
   * replace this split; the result must still have the model's sizes.
   */
  public static CsvLoader forModel(ModelInfo info) {
    CsvLoader l = new CsvLoader();
    l.model = Checks.checkNotNull(info, "info");
    return l;
  }

  /**
   * With {@link #forModel}: whether a file with exactly as many columns as the model's inputs
   * reads as inputs with no targets (target size 0), as {@code deltac predict} allows. Default
   * false.
   */
  public CsvLoader allowInputsOnly(boolean on) {
    this.inputsOnly = on;
    return this;
  }

  /** Forces the first row to be (or not be) a header, instead of detecting it. */
  public CsvLoader header(boolean present) {
    this.header = present;
    return this;
  }

  /** The field separator (default {@code ','}). */
  public CsvLoader delimiter(char c) {
    this.delimiter = c;
    return this;
  }

  /** Input columns by header name. */
  public CsvLoader inputs(String... names) {
    this.inputColumns = List.of((Object[]) names);
    return this;
  }

  /** Input columns by 0-based index. */
  public CsvLoader inputColumns(int... indices) {
    this.inputColumns = boxed(indices);
    return this;
  }

  /** Target columns by header name. */
  public CsvLoader targets(String... names) {
    this.targetColumns = List.of((Object[]) names);
    return this;
  }

  /** Target columns by 0-based index. */
  public CsvLoader targetColumns(int... indices) {
    this.targetColumns = boxed(indices);
    return this;
  }

  /** Columns (0-based) that hold integer indices, with the exclusive bound of their values. */
  private final java.util.Map<Integer, Integer> integerColumns = new java.util.HashMap<>();

  /** For the columns of a model's integer tensors: what they hold, e.g. "input `ids`[3]". */
  private final java.util.Map<Integer, String> columnLabels = new java.util.HashMap<>();

  /**
   * Column {@code index} (0-based) holds integer indices (an integer input or target of the
   * model, dsl.md section 9) in {@code 0..bound-1}, or any integer when {@code bound} is 0: a
   * value that is not an integer, or out of that range, is an error naming the line and column.
   */
  public CsvLoader integerColumn(int index, int bound) {
    integerColumns.put(index, Math.max(0, bound));
    return this;
  }

  /** The single target column holds integer class labels {@code 0..classes-1}, one-hot encoded. */
  public CsvLoader oneHot(int classes) {
    Checks.checkArgument(classes >= 2, "one-hot needs at least 2 classes: %s", classes);
    this.oneHot = classes;
    this.classNames = null;
    return this;
  }

  /** The single target column holds these class names; class i is one-hot position i. */
  public CsvLoader classes(String... names) {
    Checks.checkArgument(names.length >= 2, "one-hot needs at least 2 classes: %s", names.length);
    this.classNames = List.of(names);
    this.oneHot = names.length;
    return this;
  }

  private static List<Object> boxed(int[] indices) {
    List<Object> l = new ArrayList<>();
    for (int i : indices) l.add(i);
    return l;
  }

  /** Reads a UTF-8 CSV file; messages name it by {@code path}. */
  public Dataset read(Path path) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      return read(path.toString(), r);
    }
  }

  /** Reads CSV text; {@code name} is used in messages. */
  public Dataset read(String name, String text) throws DataFormatException {
    try {
      return read(name, new StringReader(text));
    } catch (DataFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException(e); // a StringReader does not fail
    }
  }

  private Dataset read(String file, Reader reader) throws IOException {
    List<String[]> rows = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
    String line;
    int lineNo = 0;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (lineNo == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
      if (line.isBlank()) continue;
      rows.add(split(file, lineNo, line));
      lines.add(lineNo);
    }
    if (rows.isEmpty()) throw new DataFormatException(file + ": no data rows");
    boolean hasHeader = header != null ? header : detectHeader(rows);
    String[] names = hasHeader ? rows.get(0) : null;
    int first = hasHeader ? 1 : 0;
    if (rows.size() == first) throw new DataFormatException(file + ": no data rows");
    int width = rows.get(0).length;
    if (model != null && inputColumns == null && targetColumns == null) {
      return splitForModel(file, width).readRows(file, rows, lines, names, first);
    }
    Dataset d = readRows(file, rows, lines, names, first);
    if (model != null && (d.inputSize() != model.inputSize()
        || d.targetSize() != model.targetSize() && !(inputsOnly && d.targetSize() == 0))) {
      throw new DataFormatException(file + ": the chosen columns give " + d.inputSize()
          + " inputs and " + d.targetSize() + " targets per row, but model " + model.name()
          + " takes " + model.inputSize() + " and " + model.targetSize());
    }
    return d;
  }

  /** A copy of this loader with the columns of a {@code width}-column file split for the model. */
  private CsvLoader splitForModel(String file, int width) throws DataFormatException {
    int in = model.inputSize();
    int out = model.targetSize();
    CsvLoader l = new CsvLoader();
    l.header = header;
    l.delimiter = delimiter;
    l.classNames = classNames;
    l.integerColumns.putAll(integerColumns);
    // Integer inputs and targets are integer columns, checked as read.
    boolean integerTargets = false;
    for (TensorInfo t : model.inputs()) l.integerColumns("input", t, 0);
    for (TensorInfo t : model.targets()) {
      l.integerColumns("target", t, in);
      integerTargets |= t.integer();
    }
    l.inputColumns = boxed(range(0, in));
    if (inputsOnly && width == in) {
      l.targetColumns = List.of();
    } else if (width == in + out) {
      l.targetColumns = boxed(range(in, in + out));
    } else if (width == in + 1 && out > 1 && !integerTargets) {
      l.targetColumns = List.of(in);
      if (classNames != null && classNames.size() != out) {
        throw new DataFormatException(file + ": " + classNames.size() + " class names, but model "
            + model.name() + " has " + out + " targets");
      }
      l.oneHot = out;
    } else {
      throw new DataFormatException(file + ":1: " + width + " columns, but model " + model.name()
          + " takes " + in + " input" + (in == 1 ? "" : "s") + " and " + out + " target"
          + (out == 1 ? "" : "s") + " per sample: expected " + (in + out) + " columns"
          + (out > 1 ? " (or " + (in + 1) + ", the last holding class labels)" : "")
          + (inputsOnly ? " (or " + in + ", inputs only)" : ""));
    }
    return l;
  }

  /** Marks the columns of an integer tensor whose packed values start at column {@code first}. */
  private void integerColumns(String kind, TensorInfo t, int first) {
    if (!t.integer()) return;
    for (int k = 0; k < t.size(); k++) {
      integerColumn(first + t.offset() + k, t.indexBound());
      columnLabels.put(first + t.offset() + k, kind + " `" + t.name() + "`" + (t.size() == 1 ? "" : "[" + k + "]"));
    }
  }

  private static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) r[i] = from + i;
    return r;
  }

  private Dataset readRows(String file, List<String[]> rows, List<Integer> lines, String[] names,
      int first) throws DataFormatException {
    int width = rows.get(0).length;
    int[] targets = resolveTargets(file, names, width);
    int[] inputs = resolveInputs(file, names, width, targets);
    if (oneHot > 0 && targets.length != 1) {
      throw new DataFormatException(file + ": one-hot needs exactly one target column, got "
          + targets.length);
    }
    int n = rows.size() - first;
    int targetSize = oneHot > 0 ? oneHot : targets.length;
    float[] xs = new float[n * inputs.length];
    float[] ts = new float[n * targetSize];
    for (int i = 0; i < n; i++) {
      String[] row = rows.get(first + i);
      int ln = lines.get(first + i);
      if (row.length != width) {
        throw new DataFormatException(file + ":" + ln + ": expected " + width + " columns, found "
            + row.length);
      }
      for (int j = 0; j < inputs.length; j++) {
        xs[i * inputs.length + j] = value(file, ln, inputs[j], row[inputs[j]], names);
      }
      if (oneHot > 0) {
        int c = targets[0];
        ts[i * targetSize + label(file, ln, c, row[c])] = 1f;
      } else {
        for (int j = 0; j < targets.length; j++) {
          ts[i * targetSize + j] = value(file, ln, targets[j], row[targets[j]], names);
        }
      }
    }
    return new Dataset(xs, ts, n, inputs.length, targetSize);
  }

  private boolean detectHeader(List<String[]> rows) {
    String[] a = rows.get(0);
    if (rows.size() == 1) {
      for (String f : a) {
        if (!isValue(f)) return true;
      }
      return false;
    }
    String[] b = rows.get(1);
    for (int j = 0; j < Math.min(a.length, b.length); j++) {
      if (!isValue(a[j]) && isValue(b[j])) return true;
    }
    return false;
  }

  /** A number, or one of the declared class names. */
  private boolean isValue(String s) {
    return isNumber(s) || (classNames != null && classNames.contains(s.trim()));
  }

  private static boolean isNumber(String s) {
    try {
      Double.parseDouble(s.trim());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private int[] resolveTargets(String file, String[] names, int width) throws DataFormatException {
    if (targetColumns != null) return resolve(file, names, width, targetColumns);
    if (inputColumns == null) return new int[] {width - 1};
    int[] ins = resolve(file, names, width, inputColumns);
    for (int c = width - 1; c >= 0; c--) {
      final int col = c;
      if (Arrays.stream(ins).noneMatch(x -> x == col)) return new int[] {c};
    }
    throw new DataFormatException(file + ": every column is an input; no column left for targets");
  }

  private int[] resolveInputs(String file, String[] names, int width, int[] targets)
      throws DataFormatException {
    if (inputColumns != null) return resolve(file, names, width, inputColumns);
    int[] ins = new int[width - targets.length];
    int k = 0;
    for (int c = 0; c < width; c++) {
      final int col = c;
      if (Arrays.stream(targets).noneMatch(x -> x == col)) {
        if (k == ins.length) break;
        ins[k++] = c;
      }
    }
    return Arrays.copyOf(ins, k);
  }

  private static int[] resolve(String file, String[] names, int width, List<Object> cols)
      throws DataFormatException {
    int[] out = new int[cols.size()];
    for (int i = 0; i < out.length; i++) {
      Object c = cols.get(i);
      if (c instanceof Integer idx) {
        if (idx < 0 || idx >= width) {
          throw new DataFormatException(file + ": column index " + idx + " is out of range: the"
              + " file has " + width + " columns (0.." + (width - 1) + ")");
        }
        out[i] = idx;
      } else {
        String name = (String) c;
        if (names == null) {
          throw new DataFormatException(file + ": column '" + name + "' chosen by name, but the"
              + " file has no header row");
        }
        int idx = Arrays.asList(names).indexOf(name);
        if (idx < 0) {
          throw new DataFormatException(file + ":1: no column named '" + name + "' (columns: "
              + String.join(", ", names) + ")");
        }
        out[i] = idx;
      }
    }
    return out;
  }

  /** A number, or an integer index for an {@link #integerColumn}. */
  private float value(String file, int line, int col, String field, String[] names)
      throws DataFormatException {
    Integer bound = integerColumns.get(col);
    if (bound == null) return number(file, line, col, field, names);
    String f = field.trim();
    String colName = names == null ? "" : " (column '" + names[col] + "')";
    long v;
    try {
      v = Long.parseLong(f);
    } catch (NumberFormatException e) {
      String what = columnLabels.get(col);
      throw new DataFormatException(file + ":" + line + ":" + (col + 1) + ": '" + field
          + "' is not an integer" + colName + "; this column holds indices"
          + (what == null ? "" : " (" + what + ")"));
    }
    if (bound > 0 ? v < 0 || v >= bound : Math.abs(v) > (1 << 24)) {
      String what = columnLabels.get(col);
      throw new DataFormatException(file + ":" + line + ":" + (col + 1) + ": "
          + (what == null ? "index " + v : what + " is " + v + ", which") + " is outside "
          + (bound > 0 ? "0.." + (bound - 1) : "the exact float range ±2^24") + colName);
    }
    return v;
  }

  private static float number(String file, int line, int col, String field, String[] names)
      throws DataFormatException {
    try {
      return Float.parseFloat(field.trim());
    } catch (NumberFormatException e) {
      String colName = names == null ? "" : " (column '" + names[col] + "')";
      throw new DataFormatException(file + ":" + line + ":" + (col + 1) + ": '" + field
          + "' is not a number" + colName);
    }
  }

  private int label(String file, int line, int col, String field) throws DataFormatException {
    String f = field.trim();
    if (classNames != null) {
      int idx = classNames.indexOf(f);
      if (idx < 0) {
        throw new DataFormatException(file + ":" + line + ":" + (col + 1) + ": unknown class '"
            + f + "' (classes: " + String.join(", ", classNames) + ")");
      }
      return idx;
    }
    double v;
    try {
      v = Double.parseDouble(f);
    } catch (NumberFormatException e) {
      v = Double.NaN;
    }
    if (v != Math.rint(v) || v < 0 || v >= oneHot) {
      throw new DataFormatException(file + ":" + line + ":" + (col + 1) + ": class label '" + f
          + "' is not an integer in 0.." + (oneHot - 1));
    }
    return (int) v;
  }

  /** Splits one line into fields, honouring double quotes. */
  private String[] split(String file, int lineNo, String line) throws DataFormatException {
    List<String> fields = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    boolean quoted = false;
    int quoteStart = 0;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            sb.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          sb.append(ch);
        }
      } else if (ch == '"' && sb.toString().isBlank()) {
        quoted = true;
        quoteStart = fields.size() + 1;
        sb.setLength(0);
      } else if (ch == delimiter) {
        fields.add(sb.toString());
        sb.setLength(0);
      } else {
        sb.append(ch);
      }
    }
    if (quoted) {
      throw new DataFormatException(file + ":" + lineNo + ":" + quoteStart
          + ": unterminated quoted field");
    }
    fields.add(sb.toString());
    return fields.toArray(new String[0]);
  }
}
