package dev.deltac.runtime;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * How much heap a model takes, and checks that refuse, with the sizes, what would not fit,
 * before it is allocated, rather than failing with an {@link OutOfMemoryError} part-way.
 *
 * <p>A model's arrays are measured on instances, by reflection over their fields (arrays only,
 * each counted once, with the JVM's 16-byte array header): the parameters (the arrays of
 * {@code params()}) on one side, everything else (gradients, work buffers) on the other. A
 * generated model's buffers grow linearly with its maximum batch, so instances built for batches
 * of 1 and 2 give the fixed bytes and the bytes per sample exactly ({@link #measure}).
 */
public final class Memory {
  private Memory() {}

  /** Elements a Java array can hold, as HotSpot allows them. */
  public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  /**
   * The heap of a model class.
   *
   * @param paramBytes the parameters (shared by replicas)
   * @param fixedBytes gradients and buffers that do not depend on the maximum batch
   * @param bytesPerSample buffer bytes per sample of maximum batch
   * @param largestPerSample elements per sample of the largest per-batch array (it must stay
   *     below {@link #MAX_ARRAY} elements)
   */
  public record Footprint(long paramBytes, long fixedBytes, long bytesPerSample,
      long largestPerSample) {

    /** Bytes of one instance built for batches of up to {@code maxBatch}. */
    public long modelBytes(long maxBatch) {
      return paramBytes + replicaBytes(maxBatch);
    }

    /** Bytes of one more replica (parameters shared). */
    public long replicaBytes(long maxBatch) {
      return fixedBytes + maxBatch * bytesPerSample;
    }

    /** The largest maximum batch whose arrays Java can allocate ({@code Long.MAX_VALUE}: any). */
    public long largestBatch() {
      return largestPerSample == 0 ? Long.MAX_VALUE : MAX_ARRAY / largestPerSample;
    }
  }

  /**
   * The footprint of the model class that {@code factory} builds for a maximum batch, measured
   * on instances for batches of 1 and 2.
   */
  public static Footprint measure(IntFunction<? extends Model> factory) {
    Model one = factory.apply(1);
    Model two = factory.apply(2);
    long[] a = arrays(one);
    long[] b = arrays(two);
    long perSample = Math.max(0, b[1] - a[1]);
    Map<String, Integer> l1 = lengths(one);
    Map<String, Integer> l2 = lengths(two);
    long largest = 0;
    for (Map.Entry<String, Integer> e : l2.entrySet()) {
      largest = Math.max(largest, e.getValue() - l1.getOrDefault(e.getKey(), 0));
    }
    return new Footprint(a[0], Math.max(0, a[1] - perSample), perSample, largest);
  }

  /** The length of every array field of {@code model}. */
  private static Map<String, Integer> lengths(Model model) {
    Map<String, Integer> out = new HashMap<>();
    for (Class<?> c = model.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        Object v = value(f, model);
        if (v != null) out.put(c.getName() + "." + f.getName(), Array.getLength(v));
      }
    }
    return out;
  }

  /** The array in field {@code f} of {@code model}, or null (not an array, or not readable). */
  private static Object value(Field f, Object model) {
    if (Modifier.isStatic(f.getModifiers()) || !f.getType().isArray()) return null;
    try {
      f.setAccessible(true);
      return f.get(model);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // not measurable (a module boundary): counted as nothing
    }
  }

  /**
   * {parameter bytes, other bytes} of the arrays held by {@code model}'s fields, each array
   * counted once: the parameter blocks (shared by replicas) apart, the rest (gradients, buffers,
   * the instance's own block-reference arrays) together.
   */
  public static long[] arrays(Model model) {
    Set<Object> params = Collections.newSetFromMap(new IdentityHashMap<>());
    long paramBytes = 0;
    Object[] blocks = model instanceof FloatModel f ? f.params()
        : model instanceof DoubleModel d ? d.params() : new Object[0];
    for (Object block : blocks) {
      if (params.add(block)) paramBytes += arrayBytes(block);
    }
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    seen.addAll(params);
    long other = 0;
    for (Class<?> c = model.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        Object v = value(f, model);
        if (v == null || !seen.add(v)) continue;
        other += arrayBytes(v);
        if (v instanceof Object[] rows) {
          for (Object r : rows) {
            if (r != null && r.getClass().isArray() && seen.add(r)) other += arrayBytes(r);
          }
        }
      }
    }
    return new long[] {paramBytes, other};
  }

  private static long arrayBytes(Object array) {
    long n = Array.getLength(array);
    Class<?> t = array.getClass().getComponentType();
    long width = t == double.class || t == long.class ? 8
        : t == float.class || t == int.class ? 4
        : t == short.class || t == char.class ? 2 : t.isPrimitive() ? 1 : 4;
    return (16 + n * width + 7) & ~7L;
  }

  /** Heap bytes the JVM could still allocate: the maximum heap minus what is in use. */
  public static long available() {
    Runtime r = Runtime.getRuntime();
    return r.maxMemory() - (r.totalMemory() - r.freeMemory());
  }

  /**
   * Throws a {@link MemoryLimitException} when {@code bytes} more would not fit in the heap
   * (keeping 5% of the maximum heap for everything else). Before refusing, it collects garbage
   * once, since the heap in use counts dead objects too. {@code message} is called only then and
   * should say what needs the bytes; the exception adds the heap's figures and the remedies.
   */
  public static void require(long bytes, Supplier<String> message) {
    long max = Runtime.getRuntime().maxMemory();
    long reserve = max / 20;
    if (bytes <= available() - reserve) return;
    System.gc();
    long free = available();
    if (bytes <= free - reserve) return;
    throw new MemoryLimitException(message.get() + ", but the JVM heap has "
        + size(Math.max(free, 0)) + " free of " + size(max) + "; lower the batch size or raise"
        + " the heap (java -Xmx; for ./deltac: DELTAC_JAVA_OPTS=-Xmx" + suggest(bytes, max - free)
        + ")");
  }

  /** A round heap size that would hold {@code bytes} plus what is in use. */
  private static String suggest(long bytes, long used) {
    long need = (long) ((bytes + Math.max(used, 0)) * 1.25);
    long g = (need + (1L << 30) - 1) >> 30;
    return g + "g";
  }

  /** {@code 1.5 GiB}, {@code 380 MiB}, {@code 12 KiB}, {@code 100 bytes}. */
  public static String size(long bytes) {
    if (bytes >= 10L << 30) return String.format(Locale.ROOT, "%.0f GiB", bytes / 1073741824.0);
    if (bytes >= 1L << 30) return String.format(Locale.ROOT, "%.1f GiB", bytes / 1073741824.0);
    if (bytes >= 1L << 20) return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    if (bytes >= 1L << 10) return String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0);
    return bytes + " bytes";
  }
}
