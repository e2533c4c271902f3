package dev.deltac.compiler.emit;

import com.palantir.javapoet.NameAllocator;
import dev.deltac.compiler.ir.Attr;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.ParamSpec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one generated class shares across the graphs it is emitted from: the element type,
 * the Java names of user tensors (unique, legal, never a keyword), work buffers, constant tables
 * and which small helper methods the code calls.
 */
final class ClassContext {
  /** Fields every model class has, whatever the user's names. */
  static final String DROPOUT_SEED = "dropoutSeed";
  static final String SAMPLE_INDEX = "sampleIndex";
  static final String MAX_BATCH = "capacity";
  static final String LOSS_SCALE = "lossScale";
  static final String PARAMS = "params";
  static final String GRADS = "grads";
  static final String INPUT_GRADIENTS = "dInputs";
  /** The running statistics as blocks ({@code buffers()}); only in models with batch_norm. */
  static final String RUNNING_BLOCKS = "runningBlocks";

  /** Members every generated class names itself, whatever the user's names. */
  static final List<String> FIXED_MEMBERS = List.of("INFO", "INPUT_SIZE", "TARGET_SIZE",
      "OUTPUT_SIZE", "PARAM_COUNT", "ARG_COUNT", MAX_BATCH, PARAMS, GRADS, INPUT_GRADIENTS,
      DROPOUT_SEED, SAMPLE_INDEX, LOSS_SCALE, ClassContext.RUNNING_BLOCKS);

  /** Small static helpers a generated class may need; emitted only when used. */
  enum Helper { RELU, LEAKY_RELU, ELU, STEP, SQUARE, SIGMOID, GELU, GELU_GRAD, SOFTPLUS, CONSTANTS }

  final Num num;
  final EmitOptions options;
  final NameAllocator names = new NameAllocator();
  final Map<String, String> paramField = new LinkedHashMap<>();
  final Map<String, String> gradField = new LinkedHashMap<>();
  final Map<String, ParamSpec> paramSpec = new LinkedHashMap<>();
  final Map<String, String> inputField = new LinkedHashMap<>();
  /** Running statistics of batch_norm (not trained), by .nn name: their fields. */
  final Map<String, String> statField = new LinkedHashMap<>();
  final List<dev.deltac.compiler.ir.RunningStats.Stat> stats;
  final Map<String, String> targetField = new LinkedHashMap<>();
  final Map<String, Integer> leafSize = new HashMap<>();
  /** Work buffers: field name to length. */
  final Map<String, Integer> buffers = new LinkedHashMap<>();
  /**
   * The whole-batch passes' per-sample segment methods by body: a segment whose body another pass
   * already emitted calls that method instead (see {@code BatchedPass}).
   */
  final Map<String, String> segmentMethods = new HashMap<>();
  /** Batch-major work buffers of the batched passes: field name to length per sample. */
  final Map<String, Integer> batchBuffers = new LinkedHashMap<>();
  /** Batch-major double buffers ({@link SampleMajorPass}): field name to length per sample. */
  final Map<String, Integer> batchDoubles = new LinkedHashMap<>();
  /** Scratch matrices (row arrays): field name to {rows, columns}. */
  final Map<String, int[]> scratchRows = new LinkedHashMap<>();
  /** The field holding the loss seed (1/batch) in a model, or null: the seed is then 1. */
  String seedField;
  /** Double array fields and their sizes. */
  final Map<String, Integer> doubleArrays = new LinkedHashMap<>();
  /** Scalar double fields. */
  final Set<String> doubleFields = new java.util.LinkedHashSet<>();
  /** The double scratch row (or null) and its size. */
  String doubleScratch;
  int doubleScratchSize;
  /** Constant tables: field name to values, deduplicated by value. */
  final Map<String, double[]> constants = new LinkedHashMap<>();
  private final Map<Attr, String> constantByAttr = new HashMap<>();
  final Set<Helper> helpers = EnumSet.noneOf(Helper.class);
  /** The code of each rolled-loop body emitted so far (see {@link LoopKernels}). */
  final Map<dev.deltac.compiler.ir.LoopBody, LoopKernels.BodyCode> loopBodies = new java.util.IdentityHashMap<>();
  /** The methods of the loop bodies' steps, added to the class with the helpers. */
  final java.util.List<com.palantir.javapoet.MethodSpec> loopMethods = new java.util.ArrayList<>();

  ClassContext(EmitOptions options, Graph g) {
    this.options = options;
    this.num = new Num(options.precision());
    // Names the generated class fixes, then every type's simple name and package root: user
    // names come after, so that they can never hide a member, obscure a type or be a keyword
    // (NameAllocator renames keywords). Locals are named per method from a copy of this
    // allocator (Render.Scope), so they never hide a field either.
    for (String f : FIXED_MEMBERS) names.newName(f, "member:" + f);
    for (String r : JavaTypes.reservedNames()) names.newName(r, "type:" + r);
    for (ParamSpec p : g.paramSpecs()) {
      paramSpec.put(p.name(), p);
      paramField.put(p.name(), names.newName(SourceText.identifier(p.name()), "param:" + p.name()));
    }
    for (Node in : g.inputs()) {
      String n = in.attr().name();
      inputField.put(n, names.newName(SourceText.identifier(n), "input:" + n));
      leafSize.put("input:" + n, in.size());
    }
    for (Node t : g.targets()) {
      String n = t.attr().name();
      targetField.put(n, names.newName(SourceText.identifier(n), "target:" + n));
      leafSize.put("target:" + n, t.size());
    }
    this.stats = dev.deltac.compiler.ir.RunningStats.of(g);
    for (dev.deltac.compiler.ir.RunningStats.Stat s : stats) {
      statField.put(s.name(), names.newName(SourceText.identifier(s.name()), "stat:" + s.name()));
    }
    for (ParamSpec p : g.paramSpecs()) {
      gradField.put(p.name(), names.newName("d" + SourceText.identifier(p.name()), "grad:" + p.name()));
    }
  }

  /** A new unique member name based on {@code suggestion}. */
  String member(String suggestion) {
    return names.newName(suggestion);
  }

  String batchBuffer(String suggestion, int size) {
    String n = names.newName(suggestion);
    batchBuffers.put(n, size);
    return n;
  }

  String batchDoubles(String suggestion, int size) {
    String n = names.newName(suggestion);
    batchDoubles.put(n, size);
    return n;
  }

  String buffer(String suggestion, int size) {
    String n = names.newName(suggestion);
    buffers.put(n, size);
    return n;
  }

  /** A scalar double field (per-sample state shared between kernels, e.g. a log-sum-exp). */
  String doubleField(String suggestion) {
    String n = names.newName(suggestion);
    doubleFields.add(n);
    return n;
  }

  /** A double array field of {@code size} elements (per-sample state shared between kernels). */
  String doubleArray(String suggestion, int size) {
    String n = names.newName(suggestion);
    doubleArrays.put(n, size);
    return n;
  }

  /** The double scratch row of at least {@code size} elements (one per class, reused). */
  String doubleScratch(int size) {
    doubleScratchSize = Math.max(doubleScratchSize, size);
    if (doubleScratch == null) doubleScratch = names.newName("dscratch");
    return doubleScratch;
  }

  /** A scratch field of {@code rows} row arrays of {@code cols} elements, zeroed once. */
  String scratchRows(String suggestion, int rows, int cols) {
    String n = names.newName(suggestion);
    scratchRows.put(n, new int[] {rows, cols});
    return n;
  }

  /** The static table holding a non-uniform constant's values. */
  String constant(Node c) {
    return constantByAttr.computeIfAbsent(c.attr(), a -> {
      String n = names.newName("K" + c.id());
      constants.put(n, a.doubles());
      if (a.doubleCount() > 64) helpers.add(Helper.CONSTANTS);
      return n;
    });
  }

  /** Rank &gt;= 2 params are stored as row arrays: {@code shape[0]} rows of this many elements. */
  static int rowSize(Node param) {
    return param.shape().rank() >= 2 ? param.size() / param.shape().dim(0) : param.size();
  }

  static boolean isMatrixParam(Node n) {
    return n.op() == dev.deltac.compiler.ir.Op.PARAM && n.shape().rank() >= 2;
  }

  List<String> paramNames() {
    return new ArrayList<>(paramSpec.keySet());
  }
}
