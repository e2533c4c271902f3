package dev.deltac.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The selection rule. Surefire runs this class three times (see runtime/pom.xml): with the
 * module, without it, and with {@code -Ddeltac.vector=false}; {@code deltac.test.expectKernels}
 * says what each run must select.
 */
class KernelSelectionTest {
  @Test
  void selectsWhatThisJvmAllows() {
    String expected = System.getProperty("deltac.test.expectKernels", "vector-");
    String name = DenseKernels.get().name();
    assertTrue(name.equals(expected) || expected.endsWith("-") && name.startsWith(expected),
        "selected " + name + ", expected " + expected);
    assertSame(DenseKernels.get(), DenseKernels.get());
    // the finite check follows the selection and links in every one of these JVMs
    float[] a = new float[40];
    assertTrue(FiniteCheck.allFinite(a, 0, a.length));
    a[33] = Float.NaN;
    assertTrue(!FiniteCheck.allFinite(a, 0, a.length));
  }

  @Test
  void propertyFalseForcesScalarElseVectorWhenLoadable() {
    DenseLayerKernels vector = DenseKernels.vector().orElse(null);
    assertSame(DenseKernels.scalar(), DenseKernels.choose("false", () -> vector));
    assertSame(DenseKernels.scalar(), DenseKernels.choose(" FALSE ", () -> vector));
    assertSame(DenseKernels.scalar(), DenseKernels.choose(null, () -> null));
    assertSame(DenseKernels.scalar(), DenseKernels.choose("true", () -> null));
    if (vector != null) {
      assertSame(vector, DenseKernels.choose(null, () -> vector));
      assertSame(vector, DenseKernels.choose("true", () -> vector));
    }
  }

  /** What the training summary prints: the selection, and why it is scalar when it is. */
  @Test
  void describeNamesTheSelectionAndTheReason() {
    String d = DenseKernels.describe();
    String name = DenseKernels.get().name();
    assertTrue(d.startsWith(name + " ("), d);
    if (name.startsWith("vector-")) {
      assertTrue(d.endsWith("(Vector API, " + name.substring(7) + "-bit vectors)"), d);
    } else if ("false".equals(System.getProperty(DenseKernels.VECTOR_PROPERTY))) {
      assertEquals("scalar (-Ddeltac.vector=false)", d);
    } else if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      assertEquals("scalar (the JVM was started without --add-modules jdk.incubator.vector)", d);
    }
  }

  @Test
  void usedOnceGeneratedCodeCallsThem() {
    DenseKernels.forward(1, 1, 1, new float[][] {{2}}, null, new float[] {3}, 0, 1,
        new float[1], 0, 1);
    assertTrue(DenseKernels.used());
  }
}
