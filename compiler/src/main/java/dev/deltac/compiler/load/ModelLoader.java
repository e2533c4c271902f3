package dev.deltac.compiler.load;

import dev.deltac.runtime.Memory;
import dev.deltac.runtime.MemoryLimitException;
import dev.deltac.runtime.Model;
import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.codehaus.commons.compiler.CompileException;
import org.codehaus.commons.compiler.Location;
import org.codehaus.janino.SimpleCompiler;

/**
 * Stage 8 of the pipeline: compiles generated sources in memory with Janino, with the runtime
 * library's class loader as parent, and caches the classes by a SHA-256 of the class name and
 * source (the source spells out every emit option: package, name, precision). Compile errors
 * come back as {@link GeneratedCodeException}, never as a raw Janino exception. Thread-safe.
 */
public final class ModelLoader {
  private static final Map<String, Compiled> CACHE = new ConcurrentHashMap<>();

  /** A compiled class with the bytecode of every class its source defined. */
  public record Compiled(Class<?> type, Map<String, byte[]> bytecodes) {}

  private ModelLoader() {}

  /** The class {@code fqcn} defined by {@code source}, compiled once per distinct source. */
  public static Class<?> load(String fqcn, String source) {
    return compile(fqcn, source).type();
  }

  /** Like {@link #load}, with the bytecode (for inspection and tests). */
  public static Compiled compile(String fqcn, String source) {
    Objects.requireNonNull(fqcn, "fqcn == null");
    Objects.requireNonNull(source, "source == null");
    String key = hash(fqcn, source);
    Compiled c = CACHE.get(key);
    if (c != null) return c;
    c = compileUncached(fqcn, source);
    Compiled prev = CACHE.putIfAbsent(key, c);
    return prev != null ? prev : c;
  }

  /** Compiles without looking at or filling the cache (for measuring compile time). */
  public static Compiled compileUncached(String fqcn, String source) {
    String file = fqcn.substring(fqcn.lastIndexOf('.') + 1) + ".java";
    SimpleCompiler sc = new SimpleCompiler();
    sc.setParentClassLoader(Model.class.getClassLoader());
    sc.setDebuggingInformation(true, true, true);
    try {
      sc.cook(file, new StringReader(source));
      return new Compiled(sc.getClassLoader().loadClass(fqcn), sc.getBytecodes());
    } catch (CompileException e) {
      Location loc = e.getLocation();
      String msg = e.getMessage();
      if (loc != null) {
        // Janino prefixes the message with the location; keep only the text.
        String prefix = loc.toString() + ": ";
        if (msg != null && msg.startsWith(prefix)) msg = msg.substring(prefix.length());
      }
      throw new GeneratedCodeException(fqcn, source, loc == null ? 0 : loc.getLineNumber(),
          loc == null ? 0 : loc.getColumnNumber(), msg, e);
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      throw new GeneratedCodeException(fqcn, source, 0, 0, String.valueOf(e), e);
    }
  }

  /** Footprints of model classes, measured once per class on instances for batches of 1 and 2. */
  private static final ClassValue<Memory.Footprint> FOOTPRINTS = new ClassValue<>() {
    @Override
    protected Memory.Footprint computeValue(Class<?> type) {
      return Memory.measure(b -> instantiate(type, b));
    }
  };

  /**
   * A new instance of a generated model class through its {@code (int maxBatch)} constructor.
   * Before building it for a batch larger than 2, checks that its arrays fit in a Java array and
   * in the heap, else throws a {@link MemoryLimitException} that gives the sizes.
   */
  public static Model newModel(Class<?> modelClass, int maxBatch) {
    if (maxBatch > 2) checkFits(modelClass, maxBatch);
    return instantiate(modelClass, maxBatch);
  }

  /** The heap a model class takes (parameters, fixed buffers, bytes per sample of batch). */
  public static Memory.Footprint footprint(Class<?> modelClass) {
    return FOOTPRINTS.get(modelClass);
  }

  private static void checkFits(Class<?> modelClass, int maxBatch) {
    Memory.Footprint f = FOOTPRINTS.get(modelClass);
    String name = modelClass.getSimpleName();
    if (maxBatch > f.largestBatch()) {
      throw new MemoryLimitException("model " + name + " cannot be built for batches of "
          + maxBatch + ": a work buffer of " + f.largestPerSample() + " values per sample would"
          + " hold " + (long) maxBatch * f.largestPerSample() + ", more than a Java array can;"
          + " the largest batch is " + f.largestBatch());
    }
    long bytes = f.modelBytes(maxBatch);
    Memory.require(bytes, () -> "model " + name + " for batches of up to " + maxBatch
        + " needs about " + Memory.size(bytes) + " (parameters " + Memory.size(f.paramBytes())
        + ", gradients and fixed buffers " + Memory.size(f.fixedBytes()) + ", work buffers "
        + Memory.size(f.bytesPerSample()) + " per sample x " + maxBatch + ")");
  }

  private static Model instantiate(Class<?> modelClass, int maxBatch) {
    try {
      return (Model) modelClass.getConstructor(int.class).newInstance(maxBatch);
    } catch (InvocationTargetException e) {
      Throwable t = e.getCause();
      if (t instanceof RuntimeException) throw (RuntimeException) t;
      if (t instanceof Error) throw (Error) t;
      throw new IllegalStateException(t);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(modelClass.getName() + " is not a generated model class", e);
    }
  }

  /** Compiles (or finds in the cache) and instantiates a generated model. */
  public static Model newModel(String fqcn, String source, int maxBatch) {
    return newModel(load(fqcn, source), maxBatch);
  }

  /** A new instance of a generated function class (no-argument constructor). */
  public static Object newFunction(String fqcn, String source) {
    try {
      return load(fqcn, source).getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(fqcn + " is not a generated function class", e);
    }
  }

  /** Number of cached classes. */
  public static int cacheSize() {
    return CACHE.size();
  }

  static String hash(String fqcn, String source) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(fqcn.getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(source.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      for (byte b : md.digest()) sb.append(String.format("%02x", b));
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
