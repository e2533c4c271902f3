package dev.deltac.compiler.ir;

import dev.deltac.runtime.ModelInfo;
import dev.deltac.runtime.Precision;
import dev.deltac.runtime.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The runtime's view of a graph ({@link ModelInfo}): packed offsets of inputs, targets and
 * outputs, and the parameter block layout (a rank 0 or 1 tensor is one block, a higher rank
 * tensor one block per first-axis row).
 */
public final class GraphInfo {
  private GraphInfo() {}

  public static ModelInfo of(Graph g, Precision precision) {
    List<TensorInfo> params = new ArrayList<>();
    int offset = 0;
    int block = 0;
    for (ParamSpec p : g.paramSpecs()) {
      int blocks = blockCount(p.shape().dims());
      params.add(new TensorInfo(p.name(), p.shape().dims(), offset, block, blocks, p.init(),
          p.initArgs()));
      offset += p.shape().size();
      block += blocks;
    }
    return new ModelInfo(g.name(), precision, packed(g.inputs()), packed(g.targets()),
        packedNamed(g.outputs()), params, buffers(g));
  }

  /** The running statistics as buffers: one block each, in {@link RunningStats} order. */
  public static List<TensorInfo> buffers(Graph g) {
    List<TensorInfo> out = new ArrayList<>();
    int offset = 0;
    for (RunningStats.Stat s : RunningStats.of(g)) {
      out.add(new TensorInfo(s.name(), new int[] {s.channels()}, offset, out.size(), 1,
          s.variance() ? "ones" : "zeros", null));
      offset += s.channels();
    }
    return out;
  }

  /** Blocks of a parameter of this shape: 1 for rank 0 and 1, else the first dimension. */
  public static int blockCount(int[] shape) {
    return shape.length <= 1 ? 1 : shape[0];
  }

  private static List<TensorInfo> packed(List<Node> leaves) {
    List<TensorInfo> out = new ArrayList<>();
    int off = 0;
    for (Node n : leaves) {
      out.add(n.isInteger() ? TensorInfo.integers(n.attr().name(), n.shape().dims(), off, n.indexBound())
          : TensorInfo.packed(n.attr().name(), n.shape().dims(), off));
      off += n.size();
    }
    return out;
  }

  private static List<TensorInfo> packedNamed(Map<String, Node> named) {
    List<TensorInfo> out = new ArrayList<>();
    int off = 0;
    for (Map.Entry<String, Node> e : named.entrySet()) {
      out.add(TensorInfo.packed(e.getKey(), e.getValue().shape().dims(), off));
      off += e.getValue().size();
    }
    return out;
  }
}
