package dev.deltac.compiler.autodiff;

import dev.deltac.compiler.ir.GraphBuilder;
import dev.deltac.compiler.ir.Node;

/**
 * The vector-Jacobian product of one primitive: given a node and the cotangent {@code g} of its
 * value (same shape), the cotangent contribution for each operand, in operand order. A null
 * entry is a symbolic zero.
 */
@FunctionalInterface
public interface VjpRule {
  Node[] apply(GraphBuilder b, Node node, Node g);
}
