package dev.deltac.exchange;

import dev.deltac.runtime.FloatModel;
import dev.deltac.runtime.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's tensors by {@code .nn} name ({@code h.W}), in declaration order and in their
 * {@code .nn} shapes, as the exchange formats see them: taken out of a model to be written, and
 * put back into one from a file.
 *
 * <p>Everything goes through {@link #slots}: one entry per named tensor that a file holds: the
 * params, then the model's non-trained state (the running statistics of a {@code batch_norm},
 * {@code b0.running_mean}, {@code b0.running_var}), so export, ONNX initializers and
 * {@code --init} carry both.
 */
public final class ModelTensors {
  private ModelTensors() {}

  /** One named tensor of a model: where its values live, element i row-major. */
  interface Slot {
    String name();

    int[] shape();

    float[] get();

    void set(float[] values);
  }

  /** The slots of a model, in file order: params, then buffers (one block each). */
  static List<Slot> slots(FloatModel model) {
    List<Slot> slots = new ArrayList<>();
    float[][] blocks = model.params();
    for (TensorInfo t : model.info().params()) slots.add(paramSlot(t, blocks));
    float[][] buffers = model.buffers();
    for (TensorInfo t : model.info().buffers()) slots.add(paramSlot(t, buffers));
    return slots;
  }

  private static Slot paramSlot(TensorInfo t, float[][] blocks) {
    return new Slot() {
      @Override
      public String name() {
        return t.name();
      }

      @Override
      public int[] shape() {
        return t.shape();
      }

      @Override
      public float[] get() {
        float[] out = new float[t.size()];
        int bs = t.blockSize();
        for (int b = 0; b < t.blockCount(); b++) {
          System.arraycopy(blocks[t.firstBlock() + b], 0, out, b * bs, bs);
        }
        return out;
      }

      @Override
      public void set(float[] values) {
        int bs = t.blockSize();
        for (int b = 0; b < t.blockCount(); b++) {
          System.arraycopy(values, b * bs, blocks[t.firstBlock() + b], 0, bs);
        }
      }
    };
  }

  /** The model's tensors, copied out, in declaration order. */
  public static List<NamedTensor> of(FloatModel model) {
    List<NamedTensor> out = new ArrayList<>();
    for (Slot s : slots(model)) out.add(new NamedTensor(s.name(), s.shape(), s.get()));
    return out;
  }

  /**
   * Sets the model's tensors from {@code tensors} (a file's, named {@code file} in messages),
   * after {@code renames}. Every model tensor must be there with its shape and no other tensor
   * may be: otherwise nothing is changed and one {@link ExchangeException} lists every missing,
   * extra and misshapen tensor (and every rename whose name the file lacks).
   */
  public static void load(FloatModel model, List<NamedTensor> tensors, Renames renames, String file)
      throws ExchangeException {
    Map<String, NamedTensor> byModelName = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (String from : renames.pairs().keySet()) {
      boolean present = false;
      for (NamedTensor t : tensors) present |= t.name().equals(from);
      if (!present) problems.add("rename " + from + "=" + renames.modelName(from) + ": the file has no tensor " + from);
    }
    for (NamedTensor t : tensors) {
      String name = renames.modelName(t.name());
      if (byModelName.put(name, t) != null) problems.add("two tensors of the file are named " + name + " after renaming");
    }
    List<Slot> slots = slots(model);
    List<String> missing = new ArrayList<>();
    List<String> misshapen = new ArrayList<>();
    for (Slot s : slots) {
      NamedTensor t = byModelName.remove(s.name());
      if (t == null) {
        missing.add(s.name() + " " + Arrays.toString(s.shape()));
      } else if (!Arrays.equals(t.shape(), s.shape())) {
        String was = t.name().equals(s.name()) ? "" : " (the file's " + t.name() + ")";
        misshapen.add(s.name() + was + " is " + t.shapeText() + " in the file, " + Arrays.toString(s.shape())
            + " in the model" + (transposed(t.shape(), s.shape()) ? " (transposed?)" : ""));
      }
    }
    List<String> extra = new ArrayList<>();
    for (Map.Entry<String, NamedTensor> e : byModelName.entrySet()) {
      NamedTensor t = e.getValue();
      extra.add(t.name() + " " + t.shapeText() + (t.name().equals(e.getKey()) ? "" : " (renamed " + e.getKey() + ")"));
    }
    if (!problems.isEmpty() || !missing.isEmpty() || !extra.isEmpty() || !misshapen.isEmpty()) {
      StringBuilder sb = new StringBuilder(file).append(" does not fit model ").append(model.info().name()).append(':');
      for (String p : problems) sb.append("\n  ").append(p);
      if (!missing.isEmpty()) sb.append("\n  missing from the file: ").append(String.join(", ", missing));
      if (!extra.isEmpty()) sb.append("\n  not in the model: ").append(String.join(", ", extra));
      for (String m : misshapen) sb.append("\n  misshapen: ").append(m);
      if (!extra.isEmpty() && !missing.isEmpty()) {
        sb.append("\n  (map names with --rename FILE_NAME=MODEL_NAME, e.g. --rename 0.weight=h.W)");
      }
      throw new ExchangeException(sb.toString());
    }
    Map<String, NamedTensor> all = new LinkedHashMap<>();
    for (NamedTensor t : tensors) all.put(renames.modelName(t.name()), t);
    for (Slot s : slots) s.set(all.get(s.name()).values());
  }

  private static boolean transposed(int[] a, int[] b) {
    return a.length == 2 && b.length == 2 && a[0] == b[1] && a[1] == b[0];
  }
}
