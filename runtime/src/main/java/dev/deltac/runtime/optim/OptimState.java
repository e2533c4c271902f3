package dev.deltac.runtime.optim;

import dev.deltac.runtime.Checks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of an optimizer's whole state, for checkpoints ({@link Optimizer#state()},
 * {@link Optimizer#restore}): its kind and hyper-parameters (a restore checks that they match),
 * the steps taken, the learning rate, and its slots: per-element state in the parameters' block
 * layout, such as Adam's first and second moments {@code m} and {@code v} or SGD's momentum
 * buffer. A slot list is empty before the first step (the state is allocated then). Arrays are
 * copied in and out, so a snapshot never shares storage with an optimizer.
 */
public final class OptimState {
  private final String kind;
  private final Map<String, Double> hyper;
  private final long steps;
  private final double learningRate;
  private final List<Slot> slots;

  /** One per-element state array, named ({@code m}, {@code v}, {@code momentum}). */
  public record Slot(String name, float[][] blocks) {
    public Slot {
      Checks.checkNotNull(name, "name");
      blocks = copy(blocks);
    }

    @Override
    public float[][] blocks() {
      return copy(blocks);
    }

    /** The blocks themselves, not copied (for writers that only read them). */
    public float[][] blocksView() {
      return blocks;
    }
  }

  public OptimState(String kind, Map<String, Double> hyper, long steps, double learningRate,
      List<Slot> slots) {
    this.kind = Checks.checkNotNull(kind, "kind");
    this.hyper = Collections.unmodifiableMap(new LinkedHashMap<>(hyper));
    Checks.checkArgument(steps >= 0, "steps must be >= 0: %s", steps);
    this.steps = steps;
    this.learningRate = learningRate;
    this.slots = List.copyOf(slots);
  }

  /** {@code sgd}, {@code adam} or {@code adamw} for the built-in optimizers. */
  public String kind() {
    return kind;
  }

  /** The hyper-parameters, in a fixed order (learning rate excluded: schedules change it). */
  public Map<String, Double> hyper() {
    return hyper;
  }

  public long steps() {
    return steps;
  }

  public double learningRate() {
    return learningRate;
  }

  public List<Slot> slots() {
    return slots;
  }

  /** The slot called {@code name}, or null. */
  public Slot slot(String name) {
    for (Slot s : slots) {
      if (s.name().equals(name)) return s;
    }
    return null;
  }

  /** {@code adam(beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0)}. */
  public String describe() {
    StringBuilder sb = new StringBuilder(kind).append('(');
    boolean first = true;
    for (Map.Entry<String, Double> e : hyper.entrySet()) {
      if (!first) sb.append(", ");
      first = false;
      sb.append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.append(')').toString();
  }

  /**
   * Checks that this snapshot was taken from an optimizer like {@code kind} with {@code hyper}
   * (bit for bit) and whose slots, if any, are {@code names}, all in one block layout (the
   * caller checks that it is the parameters' layout).
   */
  void checkRestorable(String kind, Map<String, Double> hyper, List<String> names) {
    String mine = new OptimState(kind, hyper, 0, 0, List.of()).describe();
    boolean same = this.kind.equals(kind) && this.hyper.keySet().equals(hyper.keySet());
    if (same) {
      for (Map.Entry<String, Double> e : hyper.entrySet()) {
        same &= Double.doubleToLongBits(e.getValue())
            == Double.doubleToLongBits(this.hyper.get(e.getKey()));
      }
    }
    if (!same) {
      throw new IllegalArgumentException("the saved optimizer state is for " + describe()
          + ", but this optimizer is " + mine);
    }
    if (!slots.isEmpty()) {
      List<String> have = new ArrayList<>();
      for (Slot s : slots) have.add(s.name());
      if (!have.equals(names)) {
        throw new IllegalArgumentException("the saved state of " + describe() + " has slots "
            + have + ", expected " + names);
      }
      float[][] first = slots.get(0).blocksView();
      for (Slot s : slots) {
        if (!sameLayout(first, s.blocksView())) {
          throw new IllegalArgumentException("the saved slots of " + describe()
              + " differ in layout");
        }
      }
    }
  }

  /** A copy of slot {@code name}'s blocks, or null when the snapshot has no slots. */
  static float[][] restoreSlot(OptimState s, String name) {
    Slot slot = s.slot(name);
    return slot == null ? null : slot.blocks();
  }

  static boolean sameLayout(float[][] a, float[][] b) {
    if (a.length != b.length) return false;
    for (int i = 0; i < a.length; i++) {
      if (a[i].length != b[i].length) return false;
    }
    return true;
  }

  static float[][] copy(float[][] blocks) {
    float[][] c = new float[blocks.length][];
    for (int b = 0; b < blocks.length; b++) c[b] = blocks[b].clone();
    return c;
  }

  static float[][] zerosLike(float[][] blocks) {
    float[][] z = new float[blocks.length][];
    for (int b = 0; b < blocks.length; b++) z[b] = new float[blocks[b].length];
    return z;
  }

  static void checkLayout(float[][] params, float[][] grads, float[][] state) {
    if (grads.length != params.length) {
      throw new IllegalArgumentException("params have " + params.length + " blocks, grads "
          + grads.length);
    }
    if (state != null && state.length != params.length) {
      throw new IllegalArgumentException("optimizer state was made for " + state.length
          + " blocks, params have " + params.length);
    }
  }
}
