package dev.deltac.compiler.emit;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.deltac.compiler.ir.Graph;
import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.ParamSpec;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * Members shared by generated model and function classes: the static {@code ModelInfo}, work
 * buffers, constant tables, scalar helpers, and copying inputs in and outputs out.
 */
final class ClassParts {
  /** Work buffers allocated per generated method, to keep constructors small. */
  private static final int BUFFERS_PER_METHOD = 250;

  private ClassParts() {}

  /** {@code private static ModelInfo buildInfo()}: names, shapes, offsets and initializers. */
  static MethodSpec infoMethod(ClassContext ctx, Graph g) {
    return infoMethod(ctx, g, null);
  }

  /**
   * The same, for a model with its operation counts per sample ({@code flops}: forward and
   * training step, or null).
   */
  static MethodSpec infoMethod(ClassContext ctx, Graph g, long[] flops) {
    CodeBlock.Builder b = CodeBlock.builder();
    b.add("return new $T($L, $T.$L,\n$>", JavaTypes.MODEL_INFO, SourceText.literal(ctx.options.className()),
        JavaTypes.PRECISION, ctx.options.precision().name());
    b.add("packed(new $T[] {", JavaTypes.TENSOR_INFO);
    packed(b, g.inputs(), null);
    b.add("}),\npacked(new $T[] {", JavaTypes.TENSOR_INFO);
    packed(b, g.targets(), null);
    b.add("}),\npacked(new $T[] {", JavaTypes.TENSOR_INFO);
    packed(b, null, g.outputs());
    b.add("}),\n$T.asList(new $T[] {", JavaTypes.ARRAYS, JavaTypes.TENSOR_INFO);
    int offset = 0;
    int block = 0;
    boolean first = true;
    for (ParamSpec p : g.paramSpecs()) {
      int blocks = p.shape().rank() >= 2 ? p.shape().dim(0) : 1;
      b.add(first ? "\n" : ",\n");
      first = false;
      StringBuilder args = new StringBuilder();
      for (double v : p.initArgs()) args.append(args.length() > 0 ? ", " : "").append(v);
      b.add("new $T($L, new int[] {$L}, $L, $L, $L, $L, new double[] {$L})", JavaTypes.TENSOR_INFO,
          SourceText.literal(p.name()), dims(p.shape().dims()), offset, block, blocks,
          p.init() == null ? "null" : SourceText.literal(p.init()), args);
      offset += p.shape().size();
      block += blocks;
    }
    b.add("})");
    if (!ctx.stats.isEmpty()) {
      // The running statistics of batch_norm: buffers, one block each, not trained.
      b.add(",\n$T.asList(new $T[] {", JavaTypes.ARRAYS, JavaTypes.TENSOR_INFO);
      int off = 0;
      for (int k = 0; k < ctx.stats.size(); k++) {
        var s = ctx.stats.get(k);
        b.add(k == 0 ? "\n" : ",\n");
        b.add("new $T($L, new int[] {$L}, $L, $L, 1, $S, null)", JavaTypes.TENSOR_INFO,
            SourceText.literal(s.name()), s.channels(), off, k, s.variance() ? "ones" : "zeros");
        off += s.channels();
      }
      b.add("})");
    }
    b.add(")");
    if (flops != null) b.add(".withFlops($LL, $LL)", flops[0], flops[1]);
    b.add(";\n$<");
    return MethodSpec.methodBuilder("buildInfo").addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(JavaTypes.MODEL_INFO).addCode(b.build()).build();
  }

  private static void packed(CodeBlock.Builder b, List<Node> leaves, Map<String, Node> named) {
    int off = 0;
    boolean first = true;
    if (leaves != null) {
      for (Node n : leaves) {
        b.add(first ? "" : ", ");
        first = false;
        if (n.isInteger()) {
          b.add("$T.integers($S, new int[] {$L}, $L, $L)", JavaTypes.TENSOR_INFO, n.attr().name(),
              dims(n.shape().dims()), off, n.indexBound());
        } else {
          b.add("$T.packed($S, new int[] {$L}, $L)", JavaTypes.TENSOR_INFO, n.attr().name(),
              dims(n.shape().dims()), off);
        }
        off += n.size();
      }
    } else {
      for (Map.Entry<String, Node> e : named.entrySet()) {
        b.add(first ? "" : ", ");
        first = false;
        b.add("$T.packed($S, new int[] {$L}, $L)", JavaTypes.TENSOR_INFO, e.getKey(),
            dims(e.getValue().shape().dims()), off);
        off += e.getValue().size();
      }
    }
  }

  /** {@code private static List<TensorInfo> packed(TensorInfo[] ts)}. */
  static MethodSpec packedMethod() {
    return MethodSpec.methodBuilder("packed").addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(com.palantir.javapoet.ParameterizedTypeName.get(ClassName.get(List.class), JavaTypes.TENSOR_INFO))
        .addParameter(com.palantir.javapoet.ArrayTypeName.of(JavaTypes.TENSOR_INFO), "tensors")
        .addStatement("return $T.asList(tensors)", JavaTypes.ARRAYS).build();
  }

  static String dims(int[] d) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < d.length; i++) sb.append(i > 0 ? ", " : "").append(d[i]);
    return sb.toString();
  }

  /** Input and target buffers, as final fields. */
  static void leafFields(TypeSpec.Builder type, ClassContext ctx) {
    for (Map.Entry<String, String> e : ctx.inputField.entrySet()) {
      type.addField(FieldSpec.builder(ctx.num.array(), e.getValue(), Modifier.PRIVATE, Modifier.FINAL)
          .initializer("new $T[$L]", ctx.num.type(), ctx.leafSize.get("input:" + e.getKey())).build());
    }
    for (Map.Entry<String, String> e : ctx.targetField.entrySet()) {
      type.addField(FieldSpec.builder(ctx.num.array(), e.getValue(), Modifier.PRIVATE, Modifier.FINAL)
          .initializer("new $T[$L]", ctx.num.type(), ctx.leafSize.get("target:" + e.getKey())).build());
    }
  }

  /**
   * Work buffer fields, assigned by {@code allocateBuffers0()...} methods that the constructor
   * calls (statements to add to it are appended to {@code ctor}).
   */
  static void bufferFields(TypeSpec.Builder type, ClassContext ctx, CodeBlock.Builder ctor) {
    int k = 0;
    MethodSpec.Builder m = null;
    int methods = 0;
    for (Map.Entry<String, Integer> e : ctx.buffers.entrySet()) {
      type.addField(FieldSpec.builder(ctx.num.array(), e.getKey(), Modifier.PRIVATE).build());
      if (k % BUFFERS_PER_METHOD == 0) {
        if (m != null) type.addMethod(m.build());
        m = MethodSpec.methodBuilder("allocateBuffers" + methods++).addModifiers(Modifier.PRIVATE);
        ctor.addStatement("allocateBuffers$L()", methods - 1);
      }
      m.addStatement("$N = new $T[$L]", e.getKey(), ctx.num.type(), e.getValue());
      k++;
    }
    for (String f : ctx.doubleFields) {
      type.addField(FieldSpec.builder(double.class, f, Modifier.PRIVATE).build());
    }
    for (Map.Entry<String, Integer> e : ctx.doubleArrays.entrySet()) {
      type.addField(FieldSpec.builder(double[].class, e.getKey(), Modifier.PRIVATE, Modifier.FINAL)
          .initializer("new double[$L]", e.getValue()).build());
    }
    if (ctx.doubleScratch != null) {
      type.addField(FieldSpec.builder(double[].class, ctx.doubleScratch, Modifier.PRIVATE, Modifier.FINAL)
          .initializer("new double[$L]", ctx.doubleScratchSize).build());
    }
    for (Map.Entry<String, Integer> e : ctx.batchBuffers.entrySet()) {
      type.addField(FieldSpec.builder(ctx.num.array(), e.getKey(), Modifier.PRIVATE).build());
      if (k % BUFFERS_PER_METHOD == 0) {
        if (m != null) type.addMethod(m.build());
        m = MethodSpec.methodBuilder("allocateBuffers" + methods++).addModifiers(Modifier.PRIVATE);
        ctor.addStatement("allocateBuffers$L()", methods - 1);
      }
      m.addStatement("$N = new $T[$N * $L]", e.getKey(), ctx.num.type(), ClassContext.MAX_BATCH, e.getValue());
      k++;
    }
    for (Map.Entry<String, Integer> e : ctx.batchDoubles.entrySet()) {
      type.addField(FieldSpec.builder(double[].class, e.getKey(), Modifier.PRIVATE).build());
      if (k % BUFFERS_PER_METHOD == 0) {
        if (m != null) type.addMethod(m.build());
        m = MethodSpec.methodBuilder("allocateBuffers" + methods++).addModifiers(Modifier.PRIVATE);
        ctor.addStatement("allocateBuffers$L()", methods - 1);
      }
      m.addStatement("$N = new double[$N * $L]", e.getKey(), ClassContext.MAX_BATCH, e.getValue());
      k++;
    }
    for (Map.Entry<String, int[]> e : ctx.scratchRows.entrySet()) {
      type.addField(FieldSpec.builder(ctx.num.matrix(), e.getKey(), Modifier.PRIVATE).build());
      if (k % BUFFERS_PER_METHOD == 0) {
        if (m != null) type.addMethod(m.build());
        m = MethodSpec.methodBuilder("allocateBuffers" + methods++).addModifiers(Modifier.PRIVATE);
        ctor.addStatement("allocateBuffers$L()", methods - 1);
      }
      m.addStatement("$N = new $T[$L][$L]", e.getKey(), ctx.num.type(), e.getValue()[0], e.getValue()[1]);
      k++;
    }
    if (m != null) type.addMethod(m.build());
  }

  /** Constant tables: short ones inline, long ones parsed from text at class initialization. */
  static void constantFields(TypeSpec.Builder type, ClassContext ctx) {
    for (Map.Entry<String, double[]> e : ctx.constants.entrySet()) {
      double[] v = e.getValue();
      StringBuilder sb = new StringBuilder();
      FieldSpec.Builder f = FieldSpec.builder(ctx.num.array(), e.getKey(), Modifier.PRIVATE,
          Modifier.STATIC, Modifier.FINAL);
      if (v.length <= 64) {
        CodeBlock.Builder init = CodeBlock.builder().add("{");
        Render.Scope scope = Render.Scope.method(ctx.names);
        for (int i = 0; i < v.length; i++) {
          if (i > 0) init.add(", ");
          init.add(Render.expr(ctx.num.lit(v[i]), scope));
        }
        f.initializer(init.add("}").build());
      } else {
        for (int i = 0; i < v.length; i++) sb.append(i > 0 ? " " : "").append(v[i]);
        f.initializer("constants($S)", sb.toString());
      }
      type.addField(f.build());
    }
  }

  /**
   * The small static helpers the code calls (the JIT inlines them). Their parameters are the
   * only names in their bodies besides types, so they cannot collide with anything.
   */
  static void helpers(TypeSpec.Builder type, ClassContext ctx) {
    for (MethodSpec m : ctx.loopMethods) type.addMethod(m);
    TypeName t = ctx.num.type();
    boolean f = ctx.num.isFloat;
    for (ClassContext.Helper h : ctx.helpers) {
      MethodSpec.Builder m = switch (h) {
        // branch-free, the same values as x > 0 ? x : 0 (docs/PERFORMANCE.md, fourth round)
        case RELU -> scalar("relu", t).addStatement("return $T.$N(x)", JavaTypes.MATH_FUNCTIONS, f ? "reluf" : "relu");
        // float64 helpers call the interpreter's own definitions (the same bits); float32 keeps
        // float arithmetic (a float elu rounds the expm1 before the product)
        case STEP -> scalar("step", t).addStatement("return $T.$N(x)", JavaTypes.MATH_FUNCTIONS, f ? "stepf" : "step");
        case SQUARE -> scalar("square", t).addStatement("return x * x");
        case LEAKY_RELU -> f ? scalar("leakyRelu", t).addParameter(t, "alpha")
            .addStatement("return x > 0 ? x : alpha * x")
            : scalar("leakyRelu", t).addParameter(t, "alpha")
            .addStatement("return $T.leakyRelu(x, alpha)", JavaTypes.MATH_FUNCTIONS);
        case ELU -> f ? scalar("elu", t).addParameter(t, "alpha")
            .addStatement("return x > 0 ? x : alpha * (float) $T.expm1(x)", JavaTypes.MATH)
            : scalar("elu", t).addParameter(t, "alpha")
            .addStatement("return $T.elu(x, alpha)", JavaTypes.MATH_FUNCTIONS);
        case SIGMOID -> scalar("sigmoid", t).addStatement("return $T.$N(x)", JavaTypes.MATH_FUNCTIONS, f ? "sigmoidf" : "sigmoid");
        case GELU -> scalar("gelu", t).addStatement("return $T.gelu(x)", JavaTypes.MATH_FUNCTIONS);
        case GELU_GRAD -> scalar("geluGrad", t).addStatement("return $T.geluGrad(x)", JavaTypes.MATH_FUNCTIONS);
        case SOFTPLUS -> scalar("softplus", t).addStatement("return $T.softplus(x)", JavaTypes.MATH_FUNCTIONS);
        case CONSTANTS -> MethodSpec.methodBuilder("constants").addModifiers(Modifier.PRIVATE, Modifier.STATIC)
            .returns(ctx.num.array()).addParameter(JavaTypes.STRING, "text")
            .addStatement("$T[] parts = text.split($S)", JavaTypes.STRING, " ")
            .addStatement("$T values = new $T[parts.length]", ctx.num.array(), t)
            .beginControlFlow("for (int i = 0; i < parts.length; i++)")
            .addStatement("values[i] = ($T) $T.parseDouble(parts[i])", t, JavaTypes.DOUBLE)
            .endControlFlow()
            .addStatement("return values");
      };
      type.addMethod(m.build());
    }
  }

  private static MethodSpec.Builder scalar(String name, TypeName t) {
    return MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(t).addParameter(t, "x");
  }

  /** Copies one sample's packed leaves from {@code src[off...]} into their buffers. */
  static MethodSpec loadMethod(String name, ClassContext ctx, List<Node> leaves,
      Map<String, String> fields) {
    Local src = Local.of("src");
    Local off = Local.of("off");
    Render.Scope scope = Render.Scope.method(ctx.names);
    MethodSpec.Builder m = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE)
        .addParameter(ctx.num.array(), scope.declare(src)).addParameter(int.class, scope.declare(off));
    Code c = new Code();
    int o = 0;
    for (Node n : leaves) {
      if (n.isInteger()) {
        // Indices are checked where they enter: a bad one is a clear error, never an
        // ArrayIndexOutOfBoundsException inside a kernel.
        boolean input = n.op() == dev.deltac.compiler.ir.Op.INPUT;
        c.eval(Expr.call(JavaTypes.INDICES, "check", Expr.v(src), Expr.add(Expr.v(off), Expr.i(o)),
            Expr.i(n.size()), Expr.i(n.indexBound()), new Expr.Str(input ? "input" : "target"),
            new Expr.Str(n.attr().name()), Expr.div(Expr.v(off), Expr.field(input ? "INPUT_SIZE" : "TARGET_SIZE"))));
      }
      c.eval(Expr.call(JavaTypes.SYSTEM, "arraycopy", Expr.v(src), Expr.add(Expr.v(off), Expr.i(o)),
          Expr.field(fields.get(n.attr().name())), Expr.i(0), Expr.i(n.size())));
      o += n.size();
    }
    return m.addCode(Render.stmts(c.stmts(), scope)).build();
  }

  /**
   * Writes the values of {@code nodes} packed into {@code dst[off...]}, divided by {@code divisor}
   * when it is not null.
   */
  static void storeInto(Access a, List<Node> nodes, Expr dst, Expr off, Expr divisor, Code c) {
    int o = 0;
    for (Node n : nodes) {
      int base = o;
      Expr arr = a.arr(n);
      if (arr != null && divisor == null && n.size() > NodeKernels.UNROLL_ELEMENTS) {
        c.eval(Expr.call(JavaTypes.SYSTEM, "arraycopy", arr, Expr.i(0), dst,
            Expr.add(off, Expr.i(base)), Expr.i(n.size())));
      } else {
        c.loop("i", n.size(), n.size() <= NodeKernels.UNROLL_ELEMENTS, i -> {
          Expr v = a.at(n, i);
          c.assign(Expr.at(dst, Expr.add(off, Expr.plus(i, base))), divisor == null ? v : Expr.div(v, divisor));
        });
      }
      o += n.size();
    }
  }

  /**
   * {@code public static TrainingDefaults trainingDefaults()}: the model's {@code train} block
   * with the defaults of {@code deltac train} filled in, so code that uses the generated class
   * trains with the same settings as the command line without repeating them.
   */
  static MethodSpec trainingDefaultsMethod(EmitOptions options) {
    dev.deltac.runtime.train.TrainingDefaults d = options.trainingDefaults();
    com.palantir.javapoet.TypeName map = com.palantir.javapoet.ParameterizedTypeName.get(
        JavaTypes.MAP, ClassName.get(String.class), JavaTypes.OBJECT);
    CodeBlock.Builder b = CodeBlock.builder();
    b.addStatement("$T optimizerArgs = new $T<$T, $T>()", map, JavaTypes.TREE_MAP,
        ClassName.get(String.class), JavaTypes.OBJECT);
    mapEntries(b, "optimizerArgs", d.optimizerArgs());
    b.addStatement("$T scheduleArgs = new $T<$T, $T>()", map, JavaTypes.TREE_MAP,
        ClassName.get(String.class), JavaTypes.OBJECT);
    mapEntries(b, "scheduleArgs", d.scheduleArgs());
    b.addStatement("return new $T($S, optimizerArgs, $L, $S, scheduleArgs, $L, $L, $LL, $L, $L)",
        JavaTypes.TRAINING_DEFAULTS, d.optimizer(), Double.toString(d.learningRate()),
        d.schedule(), d.batchSize(), d.epochs(), d.seed(), Double.toString(d.clipNorm()),
        Double.toString(d.clipValue()));
    return MethodSpec.methodBuilder("trainingDefaults")
        .addJavadoc("The settings of $L's {@code train} block, with the defaults of {@code deltac "
            + "train} for those it leaves out.\n", options.sourceFile())
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(JavaTypes.TRAINING_DEFAULTS)
        .addCode(b.build()).build();
  }

  private static void mapEntries(CodeBlock.Builder b, String map, Map<String, Object> entries) {
    for (Map.Entry<String, Object> e : entries.entrySet()) {
      Object v = e.getValue();
      if (v instanceof Boolean flag) {
        b.addStatement("$N.put($S, $T.valueOf($L))", map, e.getKey(), JavaTypes.BOOLEAN, flag);
      } else if (v instanceof Integer i) {
        b.addStatement("$N.put($S, $T.valueOf($L))", map, e.getKey(), JavaTypes.INTEGER, i);
      } else if (v instanceof Long l) {
        b.addStatement("$N.put($S, $T.valueOf($LL))", map, e.getKey(), JavaTypes.LONG, l);
      } else if (v instanceof Number n) {
        b.addStatement("$N.put($S, $T.valueOf($L))", map, e.getKey(), JavaTypes.DOUBLE,
            Double.toString(n.doubleValue()));
      } else {
        throw new IllegalArgumentException("training setting " + e.getKey() + " = " + v
            + ": expected a number or a flag");
      }
    }
  }
}
