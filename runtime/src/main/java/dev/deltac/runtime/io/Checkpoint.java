package dev.deltac.runtime.io;

import dev.deltac.runtime.DoubleModel;
import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.Params;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.TensorInfo;
import dev.deltac.runtime.optim.OptimState;
import dev.deltac.runtime.train.EpochMetrics;
import dev.deltac.runtime.train.TrainingState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A model's parameters on disk, and optionally the whole state of a training run. Big-endian:
 * <pre>
 *   header: magic "DLTCCKPT" (8 bytes) | version int | body length long | CRC32 of the body int
 *   body, version 2:
 *     model name (int length + UTF-8) | precision byte (0 float32, 1 float64)
 *     | interface SHA-256 (32 bytes) | source SHA-256 (32 bytes, zeros: unknown)  (Fingerprint)
 *     | tensor count int | per tensor: name, rank int, dims int...
 *     | values of every tensor in order, row-major, float32 or float64
 *     | state byte: 0 parameters only, 1 a training state follows:
 *         epoch int | batch int | step long | epoch loss sum double
 *         | flags byte (1 finished, 2 stopped early, 4 restored best)
 *         | settings (string: "epochs=10, batch=32, seed=0, ...")
 *         | training samples int | validation samples int | data hash long
 *         | best epoch int | best loss double | patience counter int
 *         | best parameters: present byte, then float32 values in tensor order
 *         | history count int | per epoch: epoch int, train loss, train accuracy,
 *           validation loss, validation accuracy, learning rate (doubles), steps long
 *         | optimizer kind (string) | hyper-parameter count int | per one: name, value double
 *         | optimizer steps long | learning rate double
 *         | slot count int | per slot: name, float32 values in tensor order
 *     then, version 3: attachment count int | per attachment (by name): name,
 *         value count int, float64 values
 *   body, version 2 (read only): version 3 without the attachments.
 *   body, version 1 (read only): the same without the fingerprint and the state.
 * </pre>
 * A model with batch_norm also stores its buffers ({@link ModelInfo#buffers()}, the running
 * statistics, state that is not trained) as tensors after its parameters, named
 * {@code h.running_mean} and {@code h.running_var} (names no declared parameter can have): the
 * format is unchanged, so every older checkpoint still loads. The training state's arrays
 * (optimizer slots, best parameters) cover the parameters only.
 * Writes are atomic ({@link AtomicFiles}). Reading checks, in order: the magic number (else "not
 * a checkpoint"), the version, the length (else "truncated"), the checksum (else "corrupt"),
 * then every field against the bytes left (else "corrupt at byte N" naming the field). Loading
 * into a model then checks the model name and every parameter's name and shape.
 *
 * <p>Precision: a checkpoint loads into a model of either precision. float32 values widen
 * exactly into a float64 model; float64 values are rounded to the nearest float for a float32
 * model (train or check in float64, deploy in float32). Training states are float32 (the
 * {@link dev.deltac.runtime.train.Trainer} trains float32 models).
 */
public final class Checkpoint {
  static final byte[] MAGIC = "DLTCCKPT".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 3;
  static final int HEADER = 8 + 4 + 8 + 4;
  private static final int MAX_RANK = 64;

  private final int version;
  private final String modelName;
  private final Precision precision;
  private final Fingerprint fingerprint;
  private final List<String> names;
  private final List<int[]> shapes;
  private final double[] values;
  private final State state;
  private final Map<String, double[]> attachments;

  /** A training state with its arrays flat, in tensor order (independent of block layout). */
  private record State(int epoch, int batch, long step, double epochLossSum, int flags,
      String config, int trainSamples, int validationSamples, long dataHash,
      int bestEpoch, double bestLoss, int patienceCount, float[] best,
      List<EpochMetrics> history,
      String optKind, Map<String, Double> hyper, long optSteps, double optLr,
      List<String> slotNames, List<float[]> slots) {}

  private Checkpoint(int version, String modelName, Precision precision, Fingerprint fingerprint,
      List<String> names, List<int[]> shapes, double[] values, State state,
      Map<String, double[]> attachments) {
    this.version = version;
    this.attachments = sortedCopy(attachments);
    this.modelName = modelName;
    this.precision = precision;
    this.fingerprint = fingerprint;
    this.names = List.copyOf(names);
    this.shapes = List.copyOf(shapes);
    this.values = values;
    this.state = state;
  }

  /** A snapshot of the model's current parameters. */
  public static Checkpoint of(FloatModel model) {
    return of(model.info(), withBuffers(model.info(), Params.flatten(model.info(), model.params()),
        model.buffers(), null), null, null);
  }

  /** Whether a tensor of a checkpoint is a buffer (a running statistic), not a parameter. */
  public static boolean isBuffer(String name) {
    return name.endsWith(".running_mean") || name.endsWith(".running_var");
  }

  /** The parameter values, then every buffer's (one block each), in {@link ModelInfo#buffers()} order. */
  private static double[] withBuffers(ModelInfo info, double[] params, float[][] f, double[][] d) {
    if (info.buffers().isEmpty()) return params;
    int n = params.length;
    for (TensorInfo t : info.buffers()) n += t.size();
    double[] out = Arrays.copyOf(params, n);
    int o = params.length;
    for (TensorInfo t : info.buffers()) {
      for (int i = 0; i < t.size(); i++) out[o + i] = f != null ? f[t.firstBlock()][i] : d[t.firstBlock()][i];
      o += t.size();
    }
    return out;
  }

  /** Sets the model's buffers from this checkpoint (after {@link #checkFits}). */
  private void setBuffers(ModelInfo info, float[][] f, double[][] d) {
    for (TensorInfo t : info.buffers()) {
      int from = offsetOf(t.name());
      for (int i = 0; i < t.size(); i++) {
        if (f != null) f[t.firstBlock()][i] = (float) values[from + i];
        else d[t.firstBlock()][i] = values[from + i];
      }
    }
  }

  /** A snapshot of the model's current parameters. */
  public static Checkpoint of(DoubleModel model) {
    return of(model.info(), withBuffers(model.info(), Params.flatten(model.info(), model.params()),
        null, model.buffers()), null, null);
  }

  /**
   * A snapshot of a training run: the model's parameters, what it was compiled from, and the
   * trainer's state (see {@link TrainingState}).
   */
  public static Checkpoint of(FloatModel model, Fingerprint fingerprint, TrainingState s) {
    ModelInfo info = model.info();
    if (!fingerprint.modelName().equals(info.name())) {
      throw new IllegalArgumentException("fingerprint of " + fingerprint.modelName()
          + " for model " + info.name());
    }
    OptimState o = s.optimizer();
    List<String> slotNames = new ArrayList<>();
    List<float[]> slots = new ArrayList<>();
    for (OptimState.Slot slot : o.slots()) {
      slotNames.add(slot.name());
      slots.add(flat(info, slot.blocksView(), "optimizer slot " + slot.name()));
    }
    int flags = (s.finished() ? 1 : 0) | (s.stoppedEarly() ? 2 : 0) | (s.restoredBest() ? 4 : 0);
    State st = new State(s.epoch(), s.batch(), s.step(), s.epochLossSum(), flags, s.config(),
        s.trainSamples(), s.validationSamples(), s.dataHash(),
        s.bestEpoch(), s.bestLoss(), s.patienceCount(),
        s.best() == null ? null : flat(info, s.best(), "best parameters"), s.history(),
        o.kind(), o.hyper(), o.steps(), o.learningRate(), slotNames, slots);
    return of(info, withBuffers(info, Params.flatten(info, model.params()), model.buffers(), null),
        fingerprint, st);
  }

  private static float[] flat(ModelInfo info, float[][] blocks, String what) {
    if (blocks.length != info.blockCount()) {
      throw new IllegalArgumentException(what + " has " + blocks.length + " blocks, model "
          + info.name() + " " + info.blockCount());
    }
    return Params.flattenFloats(info, blocks);
  }

  private static Checkpoint of(ModelInfo info, double[] values, Fingerprint fp, State state) {
    List<String> names = new ArrayList<>();
    List<int[]> shapes = new ArrayList<>();
    for (TensorInfo t : info.params()) {
      names.add(t.name());
      shapes.add(t.shape());
    }
    for (TensorInfo t : info.buffers()) {
      names.add(t.name());
      shapes.add(t.shape());
    }
    return new Checkpoint(VERSION, info.name(), info.precision(),
        fp != null ? fp : Fingerprint.of(info, (byte[]) null), names, shapes, values, state,
        Map.of());
  }

  private static Map<String, double[]> sortedCopy(Map<String, double[]> m) {
    Map<String, double[]> out = new java.util.TreeMap<>();
    for (Map.Entry<String, double[]> e : m.entrySet()) {
      out.put(java.util.Objects.requireNonNull(e.getKey(), "attachment name"),
          e.getValue().clone());
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  /**
   * This checkpoint with named float64 arrays attached (replacing any of the same name): data
   * that belongs with the parameters but is not one, such as the input standardization that
   * {@code deltac train --standardize} fitted ({@link dev.deltac.runtime.data.Standardization}).
   */
  public Checkpoint withAttachments(Map<String, double[]> more) {
    Map<String, double[]> all = new java.util.TreeMap<>(attachments);
    all.putAll(more);
    return new Checkpoint(version, modelName, precision, fingerprint, names, shapes, values,
        state, all);
  }

  /** The attached arrays by name (empty for files before version 3). */
  public Map<String, double[]> attachments() {
    return attachments;
  }

  /** A copy of the attached array {@code name}, or null. */
  public double[] attachment(String name) {
    double[] a = attachments.get(name);
    return a == null ? null : a.clone();
  }

  /** Writes the model's parameters to {@code path}, atomically. */
  public static void write(Path path, FloatModel model) throws IOException {
    of(model).writeTo(path);
  }

  /** Writes the model's parameters to {@code path}, atomically. */
  public static void write(Path path, DoubleModel model) throws IOException {
    of(model).writeTo(path);
  }

  /** Reads {@code path} into the model's parameters, after checking that it fits. */
  public static void load(Path path, FloatModel model) throws IOException {
    read(path).loadParams(path, model);
  }

  /** Reads {@code path} into the model's parameters, after checking that it fits. */
  public static void load(Path path, DoubleModel model) throws IOException {
    Checkpoint c = read(path);
    c.checkFits(path, model.info());
    for (TensorInfo t : model.info().params()) {
      Params.set(t, model.params(), c.values, c.offsetOf(t.name()));
    }
    c.setBuffers(model.info(), null, model.buffers());
  }

  /** Sets the model's parameters to this checkpoint's, after checking that it fits. */
  public void loadParams(Path path, FloatModel model) throws CheckpointException {
    checkFits(path, model.info());
    for (TensorInfo t : model.info().params()) {
      Params.set(t, model.params(), values, offsetOf(t.name()));
    }
    setBuffers(model.info(), model.buffers(), null);
  }

  /** The format version the file was written in (1: parameters only, no fingerprint). */
  public int version() {
    return version;
  }

  public String modelName() {
    return modelName;
  }

  public Precision precision() {
    return precision;
  }

  /** What the checkpoint was written for; null for a version-1 file. */
  public Fingerprint fingerprint() {
    return fingerprint;
  }

  public List<String> names() {
    return names;
  }

  public int[] shape(String name) {
    int i = names.indexOf(name);
    return i < 0 ? null : shapes.get(i).clone();
  }

  /** The row-major values of parameter {@code name}, or null. */
  public double[] values(String name) {
    int i = names.indexOf(name);
    if (i < 0) return null;
    int from = offsetOf(name);
    return Arrays.copyOfRange(values, from, from + size(shapes.get(i)));
  }

  /** Whether a training state was saved (else the parameters only). */
  public boolean hasTrainingState() {
    return state != null;
  }

  /** Whether the saved run had ended; false without a training state. */
  public boolean finished() {
    return state != null && (state.flags & 1) != 0;
  }

  /** The saved run's optimizer steps; -1 without a training state. */
  public long step() {
    return state == null ? -1 : state.step;
  }

  /**
   * The saved training state with its arrays in {@code info}'s block layout, after
   * {@link #checkFits}; null without one.
   */
  public TrainingState trainingState(Path path, ModelInfo info) throws CheckpointException {
    if (state == null) return null;
    checkFits(path, info);
    State s = state;
    List<OptimState.Slot> slots = new ArrayList<>();
    for (int i = 0; i < s.slotNames.size(); i++) {
      slots.add(new OptimState.Slot(s.slotNames.get(i),
          Params.unflattenFloats(info, s.slots.get(i))));
    }
    OptimState o = new OptimState(s.optKind, s.hyper, s.optSteps, s.optLr, slots);
    return new TrainingState(s.epoch, s.batch, s.step, s.epochLossSum, (s.flags & 1) != 0,
        (s.flags & 2) != 0, (s.flags & 4) != 0, s.config, s.trainSamples, s.validationSamples,
        s.dataHash, s.bestEpoch, s.bestLoss,
        s.patienceCount, s.best == null ? null : Params.unflattenFloats(info, s.best), s.history, o);
  }

  private int offsetOf(String name) {
    int off = 0;
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equals(name)) return off;
      off += size(shapes.get(i));
    }
    throw new IllegalArgumentException("no parameter " + name);
  }

  private static int size(int[] shape) {
    int n = 1;
    for (int d : shape) n *= d;
    return n;
  }

  /** Throws a {@link CheckpointException} naming the first difference from {@code info}. */
  public void checkFits(Path path, ModelInfo info) throws CheckpointException {
    if (!modelName.equals(info.name())) {
      throw new CheckpointException("checkpoint " + path + " was written for model " + modelName
          + " but this is " + info.name());
    }
    for (TensorInfo t : info.params()) {
      int[] s = shape(t.name());
      if (s == null) {
        throw new CheckpointException("checkpoint " + path + " has no parameter " + t.name()
            + ", which model " + info.name() + " needs");
      }
      if (!Arrays.equals(s, t.shape())) {
        throw new CheckpointException("checkpoint " + path + ": parameter " + t.name()
            + " has shape " + dims(s) + " in the checkpoint but " + dims(t.shape())
            + " in the model");
      }
    }
    for (TensorInfo t : info.buffers()) {
      int[] s = shape(t.name());
      if (s == null) {
        throw new CheckpointException("checkpoint " + path + " has no running statistic " + t.name()
            + ", which model " + info.name() + " needs (its batch_norm layers keep them)");
      }
      if (!Arrays.equals(s, t.shape())) {
        throw new CheckpointException("checkpoint " + path + ": running statistic " + t.name()
            + " has shape " + dims(s) + " in the checkpoint but " + dims(t.shape())
            + " in the model");
      }
    }
    for (String n : names) {
      if (isBuffer(n) && info.buffers().stream().anyMatch(t -> t.name().equals(n))) continue;
      if (info.param(n) == null) {
        throw new CheckpointException("checkpoint " + path + " has parameter " + n
            + ", which model " + info.name() + " does not have");
      }
    }
  }

  /**
   * Throws a {@link CheckpointException} unless this checkpoint was written for the model of
   * {@code expected}: the same name, parameters, interface, and (when both are known) the same
   * source text. {@code file} names the source in the message.
   */
  public void checkSameModel(Path path, ModelInfo info, Fingerprint expected, String file)
      throws CheckpointException {
    checkFits(path, info);
    if (fingerprint == null) {
      throw new CheckpointException("checkpoint " + path + " is a version-1 checkpoint (the"
          + " parameters only, without a fingerprint); it cannot be resumed");
    }
    if (fingerprint.hasInterface() && expected.hasInterface()
        && !Arrays.equals(fingerprint.interfaceHashBytes(), expected.interfaceHashBytes())) {
      throw new CheckpointException("checkpoint " + path + " was written for another version of"
          + " model " + info.name() + ": its inputs, targets or outputs differ");
    }
    if (fingerprint.hasSource() && expected.hasSource()
        && !Arrays.equals(fingerprint.sourceHashBytes(), expected.sourceHashBytes())) {
      throw new CheckpointException("checkpoint " + path + " was written from another version of "
          + file + " (the source has changed since: SHA-256 "
          + fingerprint.sourceHash().substring(0, 12) + " then, "
          + expected.sourceHash().substring(0, 12) + " now)");
    }
  }

  private static String dims(int[] s) {
    return Arrays.toString(s);
  }

  /** Writes this checkpoint to {@code path}, atomically. */
  public void writeTo(Path path) throws IOException {
    AtomicFiles.write(path, ByteBuffer.wrap(toBytes()));
  }

  /**
   * The file's bytes, always in the current version (a version-1 checkpoint read and written
   * again gets a fingerprint of unknown interface and source).
   */
  public byte[] toBytes() throws IOException {
    long estimate = HEADER + 256 + 64L * names.size()
        + (precision == Precision.FLOAT32 ? 4L : 8L) * values.length;
    if (state != null) {
      estimate += 512 + 3L * state.config.length() + 52L * state.history.size()
          + 4L * values.length * (state.slots.size() + (state.best != null ? 1 : 0));
    }
    Out o = new Out(estimate);
    o.buf.put(MAGIC).putInt(VERSION).putLong(0).putInt(0);
    o.string(modelName);
    o.ensure(1 + 2 * Fingerprint.HASH_BYTES + 4);
    o.buf.put((byte) (precision == Precision.FLOAT32 ? 0 : 1));
    Fingerprint fp = fingerprint != null ? fingerprint : Fingerprint.unknown(modelName);
    o.buf.put(fp.interfaceHashBytes()).put(fp.sourceHashBytes());
    o.buf.putInt(names.size());
    for (int i = 0; i < names.size(); i++) {
      o.string(names.get(i));
      int[] s = shapes.get(i);
      o.ensure(4 + 4L * s.length);
      o.buf.putInt(s.length);
      for (int d : s) o.buf.putInt(d);
    }
    o.ensure((precision == Precision.FLOAT32 ? 4L : 8L) * values.length);
    for (double v : values) {
      if (precision == Precision.FLOAT32) o.buf.putFloat((float) v);
      else o.buf.putDouble(v);
    }
    o.ensure(1);
    o.buf.put((byte) (state == null ? 0 : 1));
    if (state != null) writeState(o, state);
    o.ensure(4);
    o.buf.putInt(attachments.size());
    for (Map.Entry<String, double[]> e : attachments.entrySet()) {
      o.string(e.getKey());
      o.ensure(4 + 8L * e.getValue().length);
      o.buf.putInt(e.getValue().length);
      for (double v : e.getValue()) o.buf.putDouble(v);
    }
    int total = o.buf.position();
    o.buf.putLong(12, total - HEADER);
    CRC32 crc = new CRC32();
    crc.update(o.buf.array(), HEADER, total - HEADER);
    o.buf.putInt(20, (int) crc.getValue());
    return Arrays.copyOf(o.buf.array(), total);
  }

  private static void writeState(Out o, State s) throws IOException {
    o.ensure(128);
    o.buf.putInt(s.epoch).putInt(s.batch).putLong(s.step).putDouble(s.epochLossSum)
        .put((byte) s.flags);
    o.string(s.config);
    o.ensure(128);
    o.buf.putInt(s.trainSamples).putInt(s.validationSamples).putLong(s.dataHash)
        .putInt(s.bestEpoch).putDouble(s.bestLoss).putInt(s.patienceCount);
    o.buf.put((byte) (s.best == null ? 0 : 1));
    if (s.best != null) o.floats(s.best);
    o.ensure(4 + 52L * s.history.size());
    o.buf.putInt(s.history.size());
    for (EpochMetrics m : s.history) {
      o.buf.putInt(m.epoch()).putDouble(m.trainLoss()).putDouble(m.trainAccuracy())
          .putDouble(m.validationLoss()).putDouble(m.validationAccuracy())
          .putDouble(m.learningRate()).putLong(m.steps());
    }
    o.string(s.optKind);
    o.ensure(4);
    o.buf.putInt(s.hyper.size());
    for (Map.Entry<String, Double> e : s.hyper.entrySet()) {
      o.string(e.getKey());
      o.ensure(8);
      o.buf.putDouble(e.getValue());
    }
    o.ensure(20);
    o.buf.putLong(s.optSteps).putDouble(s.optLr).putInt(s.slotNames.size());
    for (int i = 0; i < s.slotNames.size(); i++) {
      o.string(s.slotNames.get(i));
      o.floats(s.slots.get(i));
    }
  }

  /** A growing big-endian buffer. */
  private static final class Out {
    ByteBuffer buf;

    Out(long initial) throws IOException {
      buf = ByteBuffer.allocate((int) Math.min(Math.max(initial, 256), Integer.MAX_VALUE - 8));
    }

    void ensure(long more) throws IOException {
      long need = buf.position() + more;
      if (need <= buf.capacity()) return;
      if (need > Integer.MAX_VALUE - 8) {
        throw new IOException("checkpoint too large: more than " + need + " bytes");
      }
      ByteBuffer b = ByteBuffer.allocate((int) Math.min(Math.max(need, 2L * buf.capacity()),
          Integer.MAX_VALUE - 8));
      buf.flip();
      b.put(buf);
      buf = b;
    }

    void string(String s) throws IOException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      ensure(4 + b.length);
      buf.putInt(b.length).put(b);
    }

    void floats(float[] f) throws IOException {
      ensure(4L * f.length);
      buf.asFloatBuffer().put(f);
      buf.position(buf.position() + 4 * f.length);
    }
  }

  /** Reads and verifies {@code path}, without a model to compare with. */
  public static Checkpoint read(Path path) throws IOException {
    byte[] bytes;
    try {
      long size = Files.size(path);
      if (size > Integer.MAX_VALUE - 8) {
        throw new CheckpointException("checkpoint " + path + " is " + size
            + " bytes, more than this runtime reads (2 GiB)");
      }
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new CheckpointException("checkpoint " + path + " does not exist", e);
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      throw new CheckpointException("cannot read checkpoint " + path + ": " + e, e);
    }
    return parse(path.toString(), bytes);
  }

  /**
   * Verifies and decodes a checkpoint's bytes; {@code file} names it in messages. Throws only
   * {@link CheckpointException}.
   */
  public static Checkpoint parse(String file, byte[] bytes) throws CheckpointException {
    String where = "checkpoint " + file;
    int magicLen = Math.min(bytes.length, MAGIC.length);
    if (!Arrays.equals(bytes, 0, magicLen, MAGIC, 0, magicLen) || bytes.length == 0) {
      throw new CheckpointException(file + " is not a Deltac checkpoint (bad magic number)");
    }
    if (bytes.length < HEADER) {
      throw new CheckpointException(where + " is truncated: " + bytes.length
          + " bytes, shorter than the " + HEADER + "-byte header");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    int version = buf.getInt(8);
    if (version < 1 || version > VERSION) {
      throw new CheckpointException(where + " has format version " + version
          + "; this runtime reads versions 1 to " + VERSION);
    }
    long expected = HEADER + buf.getLong(12);
    if (expected < HEADER) {
      throw new CheckpointException(where + " is corrupt: negative body length "
          + (expected - HEADER));
    }
    if (bytes.length < expected) {
      throw new CheckpointException(where + " is truncated: " + bytes.length + " of " + expected
          + " bytes");
    }
    if (bytes.length > expected) {
      throw new CheckpointException(where + " is corrupt: " + (bytes.length - expected)
          + " unexpected bytes after the end");
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, HEADER, bytes.length - HEADER);
    if ((int) crc.getValue() != buf.getInt(20)) {
      throw new CheckpointException(where + " is corrupt: checksum mismatch");
    }
    return new In(where, buf.position(HEADER)).body(version);
  }

  /** Reads the body, checking every count and length against the bytes left. */
  private static final class In {
    private final String where;
    private final ByteBuffer buf;

    In(String where, ByteBuffer buf) {
      this.where = where;
      this.buf = buf;
    }

    private CheckpointException corrupt(int at, String what) {
      return new CheckpointException(where + " is corrupt at byte " + at + ": " + what);
    }

    private void need(long n, String what) throws CheckpointException {
      if (n > buf.remaining()) {
        throw corrupt(buf.position(), what + " needs " + n + " bytes, " + buf.remaining()
            + " left");
      }
    }

    int i32(String what) throws CheckpointException {
      need(4, what);
      return buf.getInt();
    }

    long i64(String what) throws CheckpointException {
      need(8, what);
      return buf.getLong();
    }

    double f64(String what) throws CheckpointException {
      need(8, what);
      return buf.getDouble();
    }

    byte i8(String what) throws CheckpointException {
      need(1, what);
      return buf.get();
    }

    int count(String what, long bytesEach) throws CheckpointException {
      int at = buf.position();
      int n = i32(what);
      if (n < 0) throw corrupt(at, what + " is negative (" + n + ")");
      if (n * bytesEach > buf.remaining()) {
        throw corrupt(at, what + " " + n + " does not fit in the " + buf.remaining()
            + " bytes left");
      }
      return n;
    }

    String string(String what) throws CheckpointException {
      int n = count(what + " length", 1);
      byte[] b = new byte[n];
      buf.get(b);
      return new String(b, StandardCharsets.UTF_8);
    }

    byte[] bytes(int n, String what) throws CheckpointException {
      need(n, what);
      byte[] b = new byte[n];
      buf.get(b);
      return b;
    }

    float[] floats(int n, String what) throws CheckpointException {
      need(4L * n, what);
      float[] f = new float[n];
      buf.asFloatBuffer().get(f);
      buf.position(buf.position() + 4 * n);
      return f;
    }

    Checkpoint body(int version) throws CheckpointException {
      String model = string("model name");
      int at = buf.position();
      byte p = i8("precision");
      if (p != 0 && p != 1) throw corrupt(at, "precision byte " + p + " is neither 0 nor 1");
      Precision precision = p == 0 ? Precision.FLOAT32 : Precision.FLOAT64;
      int width = p == 0 ? 4 : 8;
      Fingerprint fp = null;
      if (version >= 2) {
        fp = new Fingerprint(model, bytes(Fingerprint.HASH_BYTES, "interface hash"),
            bytes(Fingerprint.HASH_BYTES, "source hash"));
      }
      int count = count("tensor count", 4 + 4 + 4);
      List<String> names = new ArrayList<>();
      List<int[]> shapes = new ArrayList<>();
      long total = 0;
      for (int i = 0; i < count; i++) {
        String name = string("name of tensor " + i);
        if (names.contains(name)) {
          throw corrupt(buf.position(), "tensor " + name + " appears twice");
        }
        names.add(name);
        at = buf.position();
        int rank = i32("rank of " + name);
        if (rank < 0 || rank > MAX_RANK) {
          throw corrupt(at, "rank of " + name + " is " + rank + ", not in [0, " + MAX_RANK + "]");
        }
        need(4L * rank, "shape of " + name);
        int[] s = new int[rank];
        long size = 1;
        for (int d = 0; d < rank; d++) {
          s[d] = buf.getInt();
          if (s[d] < 0) throw corrupt(at, "dimension " + d + " of " + name + " is " + s[d]);
          size = Math.min(size * s[d], Integer.MAX_VALUE + 1L);
        }
        shapes.add(s);
        total += size;
        if (total * width > buf.remaining()) {
          throw corrupt(at, "tensor " + name + " " + Arrays.toString(s) + " brings the values to "
              + total + ", more than the " + buf.remaining() + " bytes left hold");
        }
      }
      double[] values = new double[(int) total];
      for (int i = 0; i < values.length; i++) {
        values[i] = width == 4 ? buf.getFloat() : buf.getDouble();
      }
      State state = null;
      if (version >= 2) {
        at = buf.position();
        byte has = i8("state flag");
        if (has == 1) {
          long trained = total;
          for (int i = 0; i < names.size(); i++) {
            if (isBuffer(names.get(i))) trained -= size(shapes.get(i));
          }
          state = state((int) trained);
        } else if (has != 0) {
          throw corrupt(at, "state flag " + has + " is neither 0 nor 1");
        }
      }
      Map<String, double[]> attachments = new LinkedHashMap<>();
      if (version >= 3) {
        int n = count("attachment count", 4 + 4);
        for (int i = 0; i < n; i++) {
          String name = string("name of attachment " + i);
          if (attachments.containsKey(name)) {
            throw corrupt(buf.position(), "attachment " + name + " appears twice");
          }
          int len = count("length of attachment " + name, 8);
          double[] a = new double[len];
          for (int k = 0; k < len; k++) a[k] = buf.getDouble();
          attachments.put(name, a);
        }
      }
      if (buf.hasRemaining()) {
        throw corrupt(buf.position(), buf.remaining() + " bytes left after the last field");
      }
      return new Checkpoint(version, model, precision, fp, names, shapes, values, state,
          attachments);
    }

    private State state(int paramCount) throws CheckpointException {
      int epoch = nonNegative("epoch");
      int batch = nonNegative("batch");
      long step = i64("step");
      if (step < 0) throw corrupt(buf.position() - 8, "step " + step + " is negative");
      double lossSum = f64("epoch loss sum");
      int at = buf.position();
      int flags = i8("flags");
      if ((flags & ~7) != 0) throw corrupt(at, "unknown flags " + flags);
      String config = string("settings");
      int trainSamples = nonNegative("training samples");
      int valSamples = nonNegative("validation samples");
      long dataHash = i64("data hash");
      at = buf.position();
      int bestEpoch = i32("best epoch");
      if (bestEpoch < -1) throw corrupt(at, "best epoch " + bestEpoch + " is below -1");
      double bestLoss = f64("best loss");
      int patienceCount = nonNegative("patience counter");
      at = buf.position();
      byte hasBest = i8("best parameters flag");
      if (hasBest != 0 && hasBest != 1) {
        throw corrupt(at, "best parameters flag " + hasBest + " is neither 0 nor 1");
      }
      float[] best = hasBest == 1 ? floats(paramCount, "best parameters") : null;
      int n = count("history length", 4 + 6 * 8);
      List<EpochMetrics> history = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        history.add(new EpochMetrics(buf.getInt(), buf.getDouble(), buf.getDouble(),
            buf.getDouble(), buf.getDouble(), buf.getDouble(), buf.getLong(), Double.NaN,
            Double.NaN));
      }
      String kind = string("optimizer kind");
      int h = count("hyper-parameter count", 4 + 8);
      Map<String, Double> hyper = new LinkedHashMap<>();
      for (int i = 0; i < h; i++) {
        String k = string("hyper-parameter name");
        hyper.put(k, f64("hyper-parameter " + k));
      }
      long optSteps = i64("optimizer steps");
      if (optSteps < 0) throw corrupt(buf.position() - 8, "optimizer steps " + optSteps);
      double lr = f64("learning rate");
      int slotCount = count("slot count", 4);
      List<String> slotNames = new ArrayList<>();
      List<float[]> slots = new ArrayList<>();
      for (int i = 0; i < slotCount; i++) {
        String s = string("slot name");
        slotNames.add(s);
        slots.add(floats(paramCount, "optimizer slot " + s));
      }
      return new State(epoch, batch, step, lossSum, flags, config, trainSamples, valSamples,
          dataHash, bestEpoch, bestLoss, patienceCount, best, history, kind, hyper, optSteps,
          lr, slotNames, slots);
    }

    private int nonNegative(String what) throws CheckpointException {
      int at = buf.position();
      int v = i32(what);
      if (v < 0) throw corrupt(at, what + " is negative (" + v + ")");
      return v;
    }
  }
}
