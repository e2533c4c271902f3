package dev.deltac.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.types.Shape;
import dev.deltac.compiler.types.ShapeException;
import dev.deltac.compiler.types.ShapeRules;
import org.junit.jupiter.api.Test;

class ConvGeometryTest {
  private static final SourceSpan AT = SourceSpan.NONE;

  private static void fails(String fragment, Runnable r) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  @Test
  void outputSizeForStrideAndPadding() {
    // channels, height, width, filters, kernel, stride, padding -> outHeight, outWidth
    int[][] cases = {
      {2, 7, 7, 3, 3, 1, 0, 5, 5},
      {2, 7, 7, 3, 3, 1, 1, 7, 7},
      {2, 7, 7, 3, 2, 2, 0, 3, 3},
      {2, 7, 7, 3, 3, 2, 1, 4, 4},
      {2, 7, 7, 3, 1, 1, 0, 7, 7},
      {1, 28, 28, 8, 3, 2, 0, 13, 13},
      {1, 5, 5, 1, 5, 1, 0, 1, 1},
      {1, 1, 1, 1, 3, 1, 1, 1, 1},
      {4, 9, 6, 2, 3, 2, 1, 5, 3},
      {4, 10, 10, 2, 3, 3, 2, 4, 4},
    };
    for (int[] t : cases) {
      ConvGeometry g = new ConvGeometry(t[0], t[1], t[2], t[3], t[4], t[5], t[6]);
      assertEquals(t[7], g.outHeight(), g.toString());
      assertEquals(t[8], g.outWidth(), g.toString());
      assertEquals(Shape.of(t[3], t[7], t[8]), g.outputShape(), g.toString());
    }
  }

  @Test
  void acceptsExactlyWhatTheShapeCheckerAcceptsWithTheSameOutput() {
    for (int h = 1; h <= 9; h++) {
      for (int k = 1; k <= 6; k++) {
        for (int s = 1; s <= 3; s++) {
          for (int p = 0; p <= 2; p++) {
            Shape x = Shape.of(2, h, h + 1);
            Shape expected;
            try {
              expected = ShapeRules.conv2d(x, 3, k, s, p);
            } catch (ShapeException e) {
              int kk = k, ss = s, pp = p, hh = h;
              fails("the window is larger than the padded input",
                  () -> new ConvGeometry(2, hh, hh + 1, 3, kk, ss, pp));
              continue;
            }
            assertEquals(expected, new ConvGeometry(2, h, h + 1, 3, k, s, p).outputShape());
          }
        }
      }
    }
  }

  @Test
  void derivedSizesAndShapes() {
    ConvGeometry g = new ConvGeometry(2, 7, 5, 3, 3, 2, 1);
    assertEquals(9, g.paddedHeight());
    assertEquals(7, g.paddedWidth());
    assertEquals(9, g.window());
    assertEquals(18, g.kernelRow());
    assertEquals(Shape.of(2, 7, 5), g.inputShape());
    assertEquals(Shape.of(3, 2, 3, 3), g.kernelShape());
    assertEquals(Shape.of(3, 4, 3), g.outputShape());
  }

  @Test
  void poolingHasOnePlanePerChannelAndNoPadding() {
    ConvGeometry g = ConvGeometry.pool(8, 28, 28, 3, 2);
    assertEquals(new ConvGeometry(8, 28, 28, 8, 3, 2, 0), g);
    assertEquals(Shape.of(8, 13, 13), g.outputShape());
    assertEquals(ShapeRules.pool2d("maxpool2d", Shape.of(8, 28, 28), 3, 2), g.outputShape());
  }

  @Test
  void invalidGeometryIsRejectedWithTheReason() {
    fails("convolution geometry [1, 2, 2] -> 1 (kernel 5, stride 1, padding 0): the window is larger"
        + " than the padded input", () -> new ConvGeometry(1, 2, 2, 1, 5, 1, 0));
    fails("kernel and stride must be positive", () -> new ConvGeometry(1, 4, 4, 1, 3, 0, 0));
    fails("kernel and stride must be positive", () -> new ConvGeometry(1, 4, 4, 1, 0, 1, 0));
    fails("padding must not be negative", () -> new ConvGeometry(1, 4, 4, 1, 3, 1, -1));
    fails("channels, height, width and filters must be positive",
        () -> new ConvGeometry(0, 4, 4, 1, 3, 1, 0));
    fails("channels, height, width and filters must be positive",
        () -> new ConvGeometry(1, 4, 4, 0, 3, 1, 0));
  }

  @Test
  void everyConvolutionNodeOfOneLayerHasTheSameGeometry() {
    GraphBuilder b = new GraphBuilder();
    Node x = b.input("x", Shape.of(2, 7, 6), AT);
    Node w = b.param("W", Shape.of(3, 2, 3, 3), AT);
    Node y = b.make(Op.CONV2D, Attr.ints(2, 1), AT, x, w);
    ConvGeometry expected = new ConvGeometry(2, 7, 6, 3, 3, 2, 1);
    assertEquals(expected.outputShape(), y.shape());
    Node g = b.input("g", y.shape(), AT);
    Node dx = b.make(Op.CONV2D_GRAD_INPUT, Attr.ints(2, 1, 7, 6), AT, w, g);
    Node dw = b.make(Op.CONV2D_GRAD_KERNEL, Attr.ints(2, 1, 3), AT, x, g);
    assertEquals(expected, ConvGeometry.of(y));
    assertEquals(expected, ConvGeometry.of(dx));
    assertEquals(expected, ConvGeometry.of(dw));
    assertEquals(x.shape(), dx.shape());
    assertEquals(w.shape(), dw.shape());
  }

  @Test
  void everyPoolingNodeOfOneLayerHasTheSameGeometry() {
    GraphBuilder b = new GraphBuilder();
    Node x = b.input("x", Shape.of(3, 7, 6), AT);
    ConvGeometry expected = ConvGeometry.pool(3, 7, 6, 3, 2);
    for (Op op : new Op[] {Op.MAXPOOL2D, Op.AVGPOOL2D}) {
      Node y = b.make(op, Attr.ints(3, 2), AT, x);
      assertEquals(expected, ConvGeometry.of(y));
      assertEquals(expected.outputShape(), y.shape());
    }
    Node g = b.input("g", expected.outputShape(), AT);
    Node maxGrad = b.make(Op.MAXPOOL2D_GRAD, Attr.ints(3, 2), AT, x, g);
    Node avgGrad = b.make(Op.AVGPOOL2D_GRAD, Attr.ints(3, 2, 7, 6), AT, g);
    assertEquals(expected, ConvGeometry.of(maxGrad));
    assertEquals(expected, ConvGeometry.of(avgGrad));
    assertEquals(x.shape(), avgGrad.shape());
  }

  @Test
  void aGradientThatDoesNotFitTheGeometryIsRejected() {
    GraphBuilder b = new GraphBuilder();
    Node w = b.param("W", Shape.of(3, 2, 3, 3), AT);
    Node g = b.input("g", Shape.of(3, 5, 5), AT);
    // Input 7x7, stride 1, padding 1 gives 7x7 outputs, not 5x5.
    fails("gradient [3, 5, 5] does not fit",
        () -> b.make(Op.CONV2D_GRAD_INPUT, Attr.ints(1, 1, 7, 7), AT, w, g));
    fails("is not a convolution or pooling op", () -> ConvGeometry.of(w));
  }
}
