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
}
