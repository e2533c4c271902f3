package dev.deltac.compiler.types;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShapeRulesTest {
  private static Shape s(int... d) {
    return Shape.of(d);
  }

  private static void fails(String fragment, Runnable r) {
    ShapeException e = assertThrows(ShapeException.class, r::run);
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  @Test
  void broadcastScalarAgainstAnythingElseEqualShapes() {
    assertEquals(s(2, 3), ShapeRules.broadcast("+", Shape.SCALAR, s(2, 3)));
    assertEquals(s(4), ShapeRules.broadcast("+", s(4), Shape.SCALAR));
    assertEquals(s(4), ShapeRules.broadcast("+", s(4), s(4)));
    assertEquals(s(4), ShapeRules.broadcast("elementwise `*`", s(4), s(1)));
    assertEquals(s(3, 4), ShapeRules.broadcast("+", s(3, 4), s(4)));
    assertEquals(s(3, 4), ShapeRules.broadcast("+", s(3, 1), s(1, 4)));
    assertEquals(s(2, 3, 4), ShapeRules.broadcast("+", s(3, 1), s(2, 1, 4)));
    fails("elementwise `*` of [4] and [3]: axis 0 of the result has sizes 4 and 3", () -> ShapeRules.broadcast("elementwise `*`", s(4), s(3)));
    fails("`+` of [2, 3] and [2]: axis 1 of the result has sizes 3 and 2", () -> ShapeRules.broadcast("`+`", s(2, 3), s(2)));
  }

  @Test
  void matmulInAllFourForms() {
    assertEquals(s(4), ShapeRules.matmul(s(4, 2), s(2)));
    assertEquals(s(4, 5), ShapeRules.matmul(s(4, 2), s(2, 5)));
    assertEquals(s(5), ShapeRules.matmul(s(2), s(2, 5)));
    assertEquals(Shape.SCALAR, ShapeRules.matmul(s(3), s(3)));
    fails("matrix product `@` of [4, 3] and [2]: inner dimensions 3 and 2 differ", () -> ShapeRules.matmul(s(4, 3), s(2)));
    // Rank 3 or more: NumPy's matmul, batch axes broadcast.
    assertEquals(s(2, 2), ShapeRules.matmul(s(2, 2, 2), s(2)));
    assertEquals(s(4, 3, 3), ShapeRules.matmul(s(4, 3, 5), s(4, 5, 3)));
    assertEquals(s(4, 3, 7), ShapeRules.matmul(s(4, 3, 5), s(5, 7)));
    assertEquals(s(4, 3, 7), ShapeRules.matmul(s(3, 5), s(4, 5, 7)));
    assertEquals(s(2, 6, 3, 7), ShapeRules.matmul(s(2, 1, 3, 5), s(6, 5, 7)));
    assertEquals(s(4, 7), ShapeRules.matmul(s(5), s(4, 5, 7)));
    fails("the batch axes [2] and [3] do not broadcast", () -> ShapeRules.matmul(s(2, 3, 5), s(3, 5, 7)));
    fails("inner dimensions 5 (the last axis of [2, 3, 5]) and 4 (the second-to-last axis of [2, 4, 7]) differ",
        () -> ShapeRules.matmul(s(2, 3, 5), s(2, 4, 7)));
    fails("of [] and [2]", () -> ShapeRules.matmul(Shape.SCALAR, s(2)));
  }

  @Test
  void transposeReductionsAndVectorFunctions() {
    assertEquals(s(3, 2), ShapeRules.transpose(s(2, 3)));
    fails("transpose of [3]", () -> ShapeRules.transpose(s(3)));
    assertEquals(Shape.SCALAR, ShapeRules.reduce("sum", s(2, 3)));
    assertEquals(Shape.SCALAR, ShapeRules.dot(s(3), s(3)));
    fails("dot of [3] and [4]", () -> ShapeRules.dot(s(3), s(4)));
    assertEquals(s(3, 4), ShapeRules.outer(s(3), s(4)));
    assertEquals(s(5), ShapeRules.vector("softmax", s(5)));
    fails("softmax of [2, 5]: needs a vector", () -> ShapeRules.vector("softmax", s(2, 5)));
    fails("mse of [2] and [3]", () -> ShapeRules.loss("mse", s(2), s(3)));
    assertEquals(s(2), ShapeRules.where(s(2), s(2), Shape.SCALAR));
  }

  @Test
  void indexSliceConcatReshapeFlatten() {
    assertEquals(s(3), ShapeRules.index(s(8, 3), 7));
    assertEquals(Shape.SCALAR, ShapeRules.index(s(8), 0));
    fails("index [8] of [8, 3]: out of range 0..7", () -> ShapeRules.index(s(8, 3), 8));
    assertEquals(s(2, 3), ShapeRules.slice(s(8, 3), 2, 4));
    fails("slice [4:4] of [8]", () -> ShapeRules.slice(s(8), 4, 4));
    assertEquals(s(5, 2), ShapeRules.concat(List.of(s(2, 2), s(3, 2))));
    fails("concat of [2, 2] and [3, 3]", () -> ShapeRules.concat(List.of(s(2, 2), s(3, 3))));
    assertEquals(s(2, 3), ShapeRules.reshape(s(6), 2, 3));
    fails("6 elements cannot become 4", () -> ShapeRules.reshape(s(6), 2, 2));
    assertEquals(s(24), ShapeRules.flatten(s(2, 3, 4)));
  }

  @Test
  void layersConvAndPool() {
    assertEquals(s(128), ShapeRules.dense(s(784), 128));
    assertEquals(s(128, 784), ShapeRules.denseWeight(s(784), 128));
    // On a tensor: the last axis, as torch.nn.Linear; params as for the vector.
    assertEquals(s(2, 16, 64), ShapeRules.dense(s(2, 16, 32), 64));
    assertEquals(s(64, 32), ShapeRules.denseWeight(s(2, 16, 32), 64));
    assertEquals(s(16, 32), ShapeRules.layerNorm(s(16, 32)));
    fails("dense of []: needs a vector [n] or a tensor [..., n]", () -> ShapeRules.dense(Shape.SCALAR, 3));
    // h' = floor((h + 2p - k) / s) + 1
    assertEquals(s(8, 28, 28), ShapeRules.conv2d(s(1, 28, 28), 8, 3, 1, 1));
    assertEquals(s(8, 13, 13), ShapeRules.conv2d(s(1, 28, 28), 8, 3, 2, 0));
    assertEquals(s(8, 1, 3, 3), ShapeRules.conv2dWeight(s(1, 28, 28), 8, 3));
    assertEquals(s(8, 14, 14), ShapeRules.pool2d("maxpool2d", s(8, 28, 28), 2, 2));
    assertEquals(s(8, 9, 9), ShapeRules.pool2d("avgpool2d", s(8, 28, 28), 3, 3));
    assertEquals(s(8, 13, 13), ShapeRules.pool2d("maxpool2d", s(8, 28, 28), 3, 2));
    fails("the kernel is larger than the padded input", () -> ShapeRules.conv2d(s(1, 2, 2), 1, 5, 1, 0));
    fails("needs an image [c, h, w]", () -> ShapeRules.pool2d("maxpool2d", s(4, 4), 2, 2));
  }

  @Test
  void sizesAboveTheLimitAreRejected() {
    fails("above the limit of 2147483647", () -> ShapeRules.outer(s(100_000), s(100_000)));
    fails("above the limit", () -> ShapeRules.of("param `W`", 1L << 20, 1L << 20, 1L << 20));
    assertEquals(Long.MAX_VALUE, ShapeRules.saturatingMultiply(1L << 40, 1L << 40));
  }
}
