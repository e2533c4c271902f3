package dev.deltac.compiler.emit;

import com.palantir.javapoet.TypeName;
import dev.deltac.compiler.ir.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The training pass of a tiny model (every gradient element unrolled, see {@code
 * ModelEmitter.firstSample}) in node-major order: each unit of the per-sample code runs in a loop
 * over the batch before the next unit starts, on batch-major copies of the per-sample buffers.
 *
 * <p>The per-sample order runs one sample's chain of dependent transcendental calls (XOR: four
 * hidden sigmoids, then the output's {@code e^-|z|}, then the loss's log) before the next
 * sample's; the processor cannot look far enough ahead to overlap samples. Node-major, the
 * calls of one unit are independent across the batch and overlap (docs/PERFORMANCE.md, "Step
 * overhead and two threads, session 4").
 *
 * <p>Same bits as the per-sample code: every per-sample value gets its own slot per sample
 * ({@code buffer[s * size + i]}), so the operations on one slot keep their order; the only state
 * shared by the samples that the pass writes is the gradient elements, and each is written by one
 * unit only (checked), so its terms are still added in sample order, the first sample's written
 * rather than added. Anything else (a kernel call over a whole buffer, a gradient handed to a
 * call, a call of a method of the class other than the scalar helpers, a write to another field,
 * integer leaves) and the pass is not built ({@link #build} returns null).
 */
final class SampleMajorPass {
  /** {@code -Ddeltac.sampleMajor=false} keeps the per-sample path (tests compare the two). */
  static final String PROPERTY = "deltac.sampleMajor";
  /** More methods than this and the model keeps the per-sample path. */
  static final int MAX_METHODS = 8;

  private final ClassContext ctx;
  /** Per-sample array fields (work buffers, double arrays) to their per-sample length. */
  private final Map<String, Integer> arrays = new HashMap<>();
  /** Per-sample double arrays, among {@link #arrays}. */
  private final Set<String> doubles = new HashSet<>();
  /** Leaf fields (inputs, targets) to their offset in the packed sample. */
  private final Map<String, Integer> inputs = new HashMap<>();
  private final Map<String, Integer> targets = new HashMap<>();
  /** Fields that are the same for every sample: read anywhere, never written. */
  private final Set<String> shared = new HashSet<>();
  private final Set<String> grads;
  /** Batch-major fields by per-sample field, once {@link #build} registers them. */
  private final Map<String, String> batchField = new LinkedHashMap<>();
  private boolean registering;
  private final Expr inputBatch;
  private final Expr inputOff;
  private final Expr targetBatch;
  private final Expr targetOff;

  private static final class NotPerSample extends RuntimeException {
    NotPerSample(String why) {
      super(why, null, false, false);
    }
  }

  private SampleMajorPass(ClassContext ctx, List<Node> inputLeaves, List<Node> targetLeaves,
      Expr inputBatch, Expr inputOff, Expr targetBatch, Expr targetOff) {
    this.ctx = ctx;
    this.inputBatch = inputBatch;
    this.inputOff = inputOff;
    this.targetBatch = targetBatch;
    this.targetOff = targetOff;
    arrays.putAll(ctx.buffers);
    arrays.putAll(ctx.doubleArrays);
    doubles.addAll(ctx.doubleArrays.keySet());
    int o = 0;
    for (Node n : inputLeaves) {
      if (n.isInteger()) throw new NotPerSample("integer input");
      inputs.put(ctx.inputField.get(n.attr().name()), o);
      o += n.size();
    }
    o = 0;
    for (Node n : targetLeaves) {
      if (n.isInteger()) throw new NotPerSample("integer target");
      targets.put(ctx.targetField.get(n.attr().name()), o);
      o += n.size();
    }
    shared.addAll(ctx.paramField.values());
    shared.addAll(ctx.constants.keySet());
    if (ctx.seedField != null) shared.add(ctx.seedField);
    grads = new HashSet<>(ctx.gradField.values());
  }

  /**
   * The bodies of {@code backwardSamples0(inputBatch, inputOff, targetBatch, targetOff, batch)},
   * {@code backwardSamples1(...)}, ..., to be called in order, the last returning the loss sum
   * (the others nothing), from the per-sample units ({@code first}: the first sample's, which
   * write the gradients; {@code grad}: the others'), or null when the units do not qualify.
   */
  static List<List<Stmt>> build(ClassContext ctx, List<Node> inputLeaves, List<Node> targetLeaves,
      List<Units.Unit> first, List<Units.Unit> grad, Expr lossValue, Expr inputBatch, Expr inputOff,
      Expr targetBatch, Expr targetOff, Expr batch) {
    if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) return null;
    if (first == null || first.size() < grad.size() || !ctx.leafSize.keySet().stream()
        .allMatch(k -> k.startsWith("input:") || k.startsWith("target:"))) {
      return null;
    }
    try {
      SampleMajorPass p = new SampleMajorPass(ctx, inputLeaves, targetLeaves, inputBatch, inputOff,
          targetBatch, targetOff);
      p.body(first, grad, lossValue, batch); // checks everything, registers nothing
      p.registering = true;
      return p.body(first, grad, lossValue, batch);
    } catch (NotPerSample e) {
      return null;
    }
  }

  private List<List<Stmt>> body(List<Units.Unit> first, List<Units.Unit> grad, Expr lossValue, Expr batch) {
    Map<Expr, Integer> writer = new HashMap<>();
    List<List<Stmt>> methods = new ArrayList<>();
    List<Stmt> out = new ArrayList<>();
    Local s = Local.of("sample");
    // Consecutive units share a loop over the samples (fewer loops, fewer loads and stores of
    // the loop state) until one calls a costly function (exp, log, sigmoid, ...): the units after
    // it, which read its results, start a new loop, so that the costly calls of all samples run
    // back to back with nothing waiting on them.
    List<List<Stmt>> firsts = new ArrayList<>();
    List<List<Stmt>> rests = new ArrayList<>();
    for (int k = 0; k <= first.size(); k++) {
      List<Stmt> loops = new ArrayList<>();
      boolean last = k == first.size();
      List<Stmt> a = last ? null : first.get(k).code();
      List<Stmt> b = last || k >= grad.size() ? null : grad.get(k).code();
      if (!last) {
        for (Stmt st : a) gradientWrites(st, k, writer);
        if (b != null) {
          for (Stmt st : b) gradientWrites(st, k, writer);
          firsts.add(a);
          rests.add(b);
          if (firsts.size() > 1 && Trees.estimate(loop(firsts, rests, s, batch)) > Units.METHOD_BUDGET) {
            // too large for one method with this unit: the loop ends before it
            loops.addAll(loop(firsts.subList(0, firsts.size() - 1), rests.subList(0, rests.size() - 1), s, batch));
            firsts.subList(0, firsts.size() - 1).clear();
            rests.subList(0, rests.size() - 1).clear();
          }
        }
      }
      boolean flush = last || b == null || costly(a);
      if (flush && !firsts.isEmpty()) loops.addAll(loop(firsts, rests, s, batch));
      if (flush) {
        firsts.clear();
        rests.clear();
      }
      if (last) {
        Local sum = Local.of("sum");
        loops.add(new Stmt.Decl(TypeName.DOUBLE, sum, Expr.i(0)));
        loops.add(new Stmt.For(s, Expr.i(0), batch, 1, new Stmt.Block(List.of(
            new Stmt.Assign(Expr.v(sum), "+=", expr(lossValue, Expr.v(s)))))));
        loops.add(new Stmt.Return(Expr.v(sum)));
      } else if (b == null) {
        // the elements no term writes: zeroed, the same for every batch
        if (mentionsPerSample(a)) throw new NotPerSample("per-sample value in the zeroing");
        loops.addAll(a);
      }
      if (loops.isEmpty()) continue;
      int size = Trees.estimate(loops);
      if (size > Units.METHOD_BUDGET) throw new NotPerSample("a loop too large for one method");
      if (!out.isEmpty() && Trees.estimate(out) + size > Units.METHOD_BUDGET) {
        methods.add(out);
        out = new ArrayList<>();
      }
      out.addAll(loops);
    }
    methods.add(out);
    if (methods.size() > MAX_METHODS) throw new NotPerSample("too many methods");
    return methods;
  }

  /**
   * One loop over the samples running these units in order; when a unit's first-sample code
   * differs (it writes gradients), sample 0 runs first on its own with the first-sample code.
   */
  private List<Stmt> loop(List<List<Stmt>> firsts, List<List<Stmt>> rests, Local s, Expr batch) {
    List<Stmt> out = new ArrayList<>();
    if (firsts.equals(rests)) {
      List<Stmt> body = new ArrayList<>();
      for (List<Stmt> u : rests) body.addAll(rewrite(u, Expr.v(s)));
      out.add(new Stmt.For(s, Expr.i(0), batch, 1, new Stmt.Block(body)));
      return out;
    }
    List<Stmt> head = new ArrayList<>();
    for (List<Stmt> u : firsts) head.addAll(rewrite(u, Expr.i(0)));
    out.add(new Stmt.Block(head));
    List<Stmt> body = new ArrayList<>();
    for (List<Stmt> u : rests) body.addAll(rewrite(u, Expr.v(s)));
    out.add(new Stmt.For(s, Expr.i(1), batch, 1, new Stmt.Block(body)));
    return out;
  }

  /** The static scalar helpers of the generated class ({@code ClassParts.helpers}). */
  private static final Set<String> HELPERS = Set.of("relu", "step", "square", "leakyRelu", "elu",
      "sigmoid", "gelu", "geluGrad", "softplus");

  /** Functions cheap enough to share a loop with the code that reads their results. */
  private static final Set<String> CHEAP = Set.of("abs", "max", "min", "signum", "reluf", "stepf",
      "relu", "step", "square");

  private static boolean costly(List<Stmt> stmts) {
    boolean[] found = new boolean[1];
    for (Stmt st : stmts) visit(st, found);
    return found[0];
  }

  private static void visit(Stmt st, boolean[] found) {
    if (st instanceof Stmt.Assign a) {
      costly(a.target(), found);
      costly(a.value(), found);
    } else if (st instanceof Stmt.Decl d && d.init() != null) {
      costly(d.init(), found);
    } else if (st instanceof Stmt.Eval e) {
      costly(e.call(), found);
    } else if (st instanceof Stmt.For f) {
      for (Stmt x : f.body().body()) visit(x, found);
    } else if (st instanceof Stmt.If i) {
      costly(i.cond(), found);
      for (Stmt x : i.then().body()) visit(x, found);
      if (i.orElse() != null) {
        for (Stmt x : i.orElse().body()) visit(x, found);
      }
    } else if (st instanceof Stmt.Block b) {
      for (Stmt x : b.body()) visit(x, found);
    }
  }

  private static void costly(Expr e, boolean[] found) {
    if (e instanceof Expr.Call c) {
      if (!CHEAP.contains(c.method())) found[0] = true;
      for (Expr a : c.args()) costly(a, found);
    } else if (e instanceof Expr.Index x) {
      costly(x.array(), found);
      costly(x.index(), found);
    } else if (e instanceof Expr.Bin b) {
      costly(b.left(), found);
      costly(b.right(), found);
    } else if (e instanceof Expr.Unary u) {
      costly(u.operand(), found);
    } else if (e instanceof Expr.Cast c) {
      costly(c.operand(), found);
    } else if (e instanceof Expr.Cond c) {
      costly(c.cond(), found);
      costly(c.a(), found);
      costly(c.b(), found);
    } else if (e instanceof Expr.Paren p) {
      costly(p.inner(), found);
    }
  }

  /** Records the gradient elements st writes as written by unit k; one unit per element. */
  private void gradientWrites(Stmt st, int k, Map<Expr, Integer> writer) {
    if (st instanceof Stmt.Assign a && Trees.mentions(a.target(), grads)) {
      Integer w = writer.putIfAbsent(a.target(), k);
      if (w != null && w != k) throw new NotPerSample("a gradient element written by two units");
    } else if (st instanceof Stmt.Block b) {
      for (Stmt x : b.body()) gradientWrites(x, k, writer);
    } else if (st instanceof Stmt.For f) {
      for (Stmt x : f.body().body()) gradientWrites(x, k, writer);
    } else if (st instanceof Stmt.If i) {
      for (Stmt x : i.then().body()) gradientWrites(x, k, writer);
      if (i.orElse() != null) {
        for (Stmt x : i.orElse().body()) gradientWrites(x, k, writer);
      }
    }
  }

  private boolean mentionsPerSample(List<Stmt> stmts) {
    Set<String> f = new HashSet<>(arrays.keySet());
    f.addAll(inputs.keySet());
    f.addAll(targets.keySet());
    f.addAll(ctx.doubleFields);
    for (Stmt st : stmts) {
      if (Trees.mentions(st, f)) return true;
    }
    return false;
  }

  private List<Stmt> rewrite(List<Stmt> stmts, Expr s) {
    List<Stmt> out = new ArrayList<>();
    for (Stmt st : stmts) out.add(stmt(st, s));
    return out;
  }

  private Stmt stmt(Stmt st, Expr s) {
    if (st instanceof Stmt.Assign a) {
      Expr base = a.target();
      while (base instanceof Expr.Index x) base = x.array();
      boolean local = base instanceof Expr.Var;
      if (!local && (!(base instanceof Expr.Field f) || !(grads.contains(f.name())
          || arrays.containsKey(f.name()) || ctx.doubleFields.contains(f.name())))) {
        throw new NotPerSample("writes " + base);
      }
      return new Stmt.Assign(expr(a.target(), s), a.op(), expr(a.value(), s));
    }
    if (st instanceof Stmt.Decl d) return new Stmt.Decl(d.type(), d.local(), d.init() == null ? null : expr(d.init(), s));
    if (st instanceof Stmt.Eval e) return new Stmt.Eval(expr(e.call(), s));
    if (st instanceof Stmt.For f) {
      return new Stmt.For(f.var(), expr(f.from(), s), expr(f.to(), s), f.step(),
          new Stmt.Block(rewrite(f.body().body(), s)));
    }
    if (st instanceof Stmt.If i) {
      return new Stmt.If(expr(i.cond(), s), new Stmt.Block(rewrite(i.then().body(), s)),
          i.orElse() == null ? null : new Stmt.Block(rewrite(i.orElse().body(), s)));
    }
    if (st instanceof Stmt.Block b) return new Stmt.Block(rewrite(b.body(), s));
    if (st instanceof Stmt.Comment) return st;
    throw new NotPerSample("statement " + st);
  }

  private boolean perSample(String f) {
    return arrays.containsKey(f) || inputs.containsKey(f) || targets.containsKey(f)
        || ctx.doubleFields.contains(f);
  }

  private Expr expr(Expr e, Expr s) {
    if (e instanceof Expr.Index x && x.array() instanceof Expr.Field f && perSample(f.name())) {
      Expr i = expr(x.index(), s);
      String n = f.name();
      if (inputs.containsKey(n)) {
        return Expr.at(inputBatch, Expr.plus(Expr.plus(inputOff, Expr.times(s, inputSize())),
            Expr.plus(Expr.i(inputs.get(n)), i)));
      }
      if (targets.containsKey(n)) {
        return Expr.at(targetBatch, Expr.plus(Expr.plus(targetOff, Expr.times(s, targetSize())),
            Expr.plus(Expr.i(targets.get(n)), i)));
      }
      Integer size = arrays.get(n);
      if (size == null) throw new NotPerSample("indexed scalar " + n);
      return Expr.at(Expr.field(batch(n, size, doubles.contains(n))), Expr.plus(Expr.times(s, size), i));
    }
    if (e instanceof Expr.Field f) {
      if (ctx.doubleFields.contains(f.name())) return Expr.at(Expr.field(batch(f.name(), 1, true)), s);
      if (shared.contains(f.name()) || grads.contains(f.name())) return e;
      throw new NotPerSample("field " + f.name());
    }
    if (e instanceof Expr.Index x) return Expr.at(expr(x.array(), s), expr(x.index(), s));
    if (e instanceof Expr.Bin b) return new Expr.Bin(b.op(), expr(b.left(), s), expr(b.right(), s));
    if (e instanceof Expr.Unary u) return new Expr.Unary(u.op(), expr(u.operand(), s));
    if (e instanceof Expr.Cast c) return new Expr.Cast(c.type(), expr(c.operand(), s));
    if (e instanceof Expr.Cond c) return new Expr.Cond(expr(c.cond(), s), expr(c.a(), s), expr(c.b(), s));
    if (e instanceof Expr.Call c) {
      // the class's own methods: only the static scalar helpers (a method reading the
      // per-sample fields itself would escape the rewrite)
      if (c.owner() == null && !HELPERS.contains(c.method())) throw new NotPerSample("calls " + c.method());
      List<Expr> args = new ArrayList<>();
      for (Expr a : c.args()) {
        // a gradient handed to a call could be written there, past the one-writer check
        if (Trees.mentions(a, grads)) throw new NotPerSample("a gradient passed to " + c.method());
        args.add(expr(a, s));
      }
      return new Expr.Call(c.owner(), c.method(), args);
    }
    if (e instanceof Expr.Paren p) return new Expr.Paren(expr(p.inner(), s));
    if (e instanceof Expr.Length) throw new NotPerSample("array length");
    return e;
  }

  private int inputSize;
  private int targetSize;

  private int inputSize() {
    if (inputSize == 0) inputSize = ctx.leafSize.entrySet().stream()
        .filter(en -> en.getKey().startsWith("input:")).mapToInt(Map.Entry::getValue).sum();
    return inputSize;
  }

  private int targetSize() {
    if (targetSize == 0) targetSize = ctx.leafSize.entrySet().stream()
        .filter(en -> en.getKey().startsWith("target:")).mapToInt(Map.Entry::getValue).sum();
    return targetSize;
  }

  /** The batch-major twin of per-sample field f ({@code maxBatch × size} elements). */
  private String batch(String f, int size, boolean dbl) {
    if (!registering) return f;
    return batchField.computeIfAbsent(f, k -> dbl ? ctx.batchDoubles(k + "N", size) : ctx.batchBuffer(k + "N", size));
  }
}
