package dev.deltac.runtime.kernels;

import java.util.Optional;

/**
 * The dense-layer kernels generated code calls, chosen once per JVM.
 *
 * <p>Selection (first use of this class): the Vector API implementation when the module
 * {@code jdk.incubator.vector} is in the boot layer ({@code java --add-modules
 * jdk.incubator.vector ...}), the hardware has 256-bit vectors (or 128-bit ones and
 * {@code -Ddeltac.vector.bits=128} asks for them), and the system property
 * {@value #VECTOR_PROPERTY} is not {@code false}; otherwise the portable scalar implementation.
 * The vector class is loaded reflectively, so the runtime runs without the module (slower), as
 * Apache Lucene's {@code VectorizationProvider} does.
 *
 * <p>The static methods forward to {@link #get()}; see {@link DenseLayerKernels} for their exact
 * semantics.
 */
public final class DenseKernels {
  /** System property; {@code -Ddeltac.vector=false} forces the scalar kernels. */
  public static final String VECTOR_PROPERTY = "deltac.vector";

  static final String VECTOR_MODULE = "jdk.incubator.vector";
  private static final String VECTOR_CLASS = "dev.deltac.runtime.kernels.VectorDenseKernels";

  private static final DenseLayerKernels SELECTED =
      choose(System.getProperty(VECTOR_PROPERTY), DenseKernels::vectorOrNull);

  /** Set by calls through this class (a benign race: every writer writes true). */
  private static boolean used;

  private DenseKernels() {}

  /**
   * Whether generated code in this JVM has called these kernels: small products are generated
   * as inline loops and never reach them (see {@code docs/PERFORMANCE.md}).
   */
  public static boolean used() {
    return used;
  }

  /**
   * Forgets earlier calls, so that {@link #used()} tells whether the code run after this (one
   * training run) called the kernels, whatever ran before in this JVM.
   */
  public static void resetUsed() {
    used = false;
  }

  /**
   * For people: the kernels in use and why, e.g. {@code vector-512 (Vector API, 512-bit
   * vectors)} or {@code scalar (the JVM was started without --add-modules jdk.incubator.vector)}.
   */
  public static String describe() {
    if (SELECTED != ScalarDenseKernels.INSTANCE) {
      return SELECTED.name() + " (Vector API, " + SELECTED.name().substring("vector-".length())
          + "-bit vectors)";
    }
    String property = System.getProperty(VECTOR_PROPERTY);
    if (property != null && property.trim().equalsIgnoreCase("false")) {
      return "scalar (-D" + VECTOR_PROPERTY + "=false)";
    }
    if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
      return "scalar (the JVM was started without --add-modules " + VECTOR_MODULE + ")";
    }
    return "scalar (this machine's vectors are too narrow for the vector kernels)";
  }

  /** The implementation in use. */
  public static DenseLayerKernels get() {
    return SELECTED;
  }

  /** The portable scalar implementation, whatever was selected (tests, benchmarks). */
  public static DenseLayerKernels scalar() {
    return ScalarDenseKernels.INSTANCE;
  }

  /** The Vector API implementation if this JVM can run it, whatever was selected. */
  public static Optional<DenseLayerKernels> vector() {
    return Optional.ofNullable(VectorHolder.INSTANCE);
  }

  /** @see DenseLayerKernels#forward */
  public static void forward(int batch, int m, int n, float[][] w, float[] bias,
      float[] x, int xOff, int xStride, float[] y, int yOff, int yStride) {
    if (!used) used = true;
    SELECTED.forward(batch, m, n, w, bias, x, xOff, xStride, y, yOff, yStride);
  }

  /** @see DenseLayerKernels#inputGradient */
  public static void inputGradient(int batch, int m, int n, float[][] w,
      float[] d, int dOff, int dStride, float[] dx, int dxOff, int dxStride) {
    if (!used) used = true;
    SELECTED.inputGradient(batch, m, n, w, d, dOff, dStride, dx, dxOff, dxStride);
  }

  /** @see DenseLayerKernels#weightGradient */
  public static void weightGradient(int batch, int m, int n,
      float[] d, int dOff, int dStride, float[] x, int xOff, int xStride,
      float[][] gw, float[] gb) {
    if (!used) used = true;
    SELECTED.weightGradient(batch, m, n, d, dOff, dStride, x, xOff, xStride, gw, gb);
  }

  /** @see DenseLayerKernels#backward */
  public static void backward(int batch, int m, int n, float[][] w,
      float[] d, int dOff, int dStride, float[] x, int xOff, int xStride,
      float[][] gw, float[] gb, float[] dx, int dxOff, int dxStride) {
    if (!used) used = true;
    SELECTED.backward(batch, m, n, w, d, dOff, dStride, x, xOff, xStride, gw, gb,
        dx, dxOff, dxStride);
  }

  /** The selection rule, with its inputs as parameters. */
  static DenseLayerKernels choose(String property,
      java.util.function.Supplier<DenseLayerKernels> vector) {
    if (property != null && property.trim().equalsIgnoreCase("false")) {
      return ScalarDenseKernels.INSTANCE;
    }
    DenseLayerKernels v = vector.get();
    return v != null ? v : ScalarDenseKernels.INSTANCE;
  }

  private static DenseLayerKernels vectorOrNull() {
    return VectorHolder.INSTANCE;
  }

  /** Loads the vector class at most once, and only when asked. */
  private static final class VectorHolder {
    static final DenseLayerKernels INSTANCE = load();

    private static DenseLayerKernels load() {
      if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) return null;
      try {
        Class<?> c = Class.forName(VECTOR_CLASS);
        java.lang.reflect.Method supported = c.getDeclaredMethod("hardwareSupported");
        if (!(Boolean) supported.invoke(null)) return null;
        java.lang.reflect.Constructor<?> k = c.getDeclaredConstructor();
        return (DenseLayerKernels) k.newInstance();
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        return null;
      }
    }
  }
}
