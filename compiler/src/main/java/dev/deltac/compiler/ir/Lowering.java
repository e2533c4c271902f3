package dev.deltac.compiler.ir;

import dev.deltac.compiler.ast.Decl;
import dev.deltac.compiler.check.CheckResult;
import dev.deltac.compiler.check.InitSpec;
import dev.deltac.compiler.check.LayerParam;
import dev.deltac.compiler.ast.Dim;
import dev.deltac.compiler.ast.Expr;
import dev.deltac.compiler.ast.Stmt;
import dev.deltac.compiler.diag.SourceSpan;
import dev.deltac.compiler.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lowers a checked model or function to an IR graph: layer sugar expands into params and
 * primitive ops, {@code for} loops unroll with {@code state} threaded through the iterations,
 * {@code loss +=} terms are summed, and functions become graphs whose inputs are their
 * arguments and whose loss is their value. The input must have passed the checker; anything
 * ill-formed that still arrives here is a compiler bug and throws.
 */
public final class Lowering {
  private final CheckResult check;
  private final Map<String, InitSpec> layerInits = new HashMap<>();
  private GraphBuilder b = new GraphBuilder();
  private final Map<String, Object> env = new HashMap<>();
  private final List<Node> inputs = new ArrayList<>();
  private final List<Node> targets = new ArrayList<>();
  private final List<Node> params = new ArrayList<>();
  private final List<ParamSpec> paramSpecs = new ArrayList<>();
  private final Map<String, Node> outputs = new LinkedHashMap<>();
  private final Set<String> states = new HashSet<>();
  private Node loss;
  private int masks;

  /** Whether {@code for} loops are rolled ({@link Op#LOOP}) or unrolled. */
  public enum Loops {
    /** Roll a loop when its unrolled form would be large ({@link #ROLL_WORK}), else unroll. */
    AUTO,
    /** Roll every loop that can be rolled. */
    ROLL,
    /** Unroll every loop (the first edition's lowering). */
    UNROLL
  }

  /**
   * AUTO unrolls a loop whose steps times body nodes is at most this: measured (docs/ARCHITECTURE.md,
   * "Rolled loops"), the unrolled code of such a loop is small and runs faster.
   */
  public static final int ROLL_WORK = 512;

  private final Loops loops;

  private Lowering(CheckResult check, Decl decl, Loops loops) {
    this.check = check;
    this.loops = loops;
    for (LayerParam lp : check.layerParams(decl)) layerInits.put(lp.fullName(), lp.init());
  }

  /** Lowers {@code decl}, which {@code check} found free of errors. */
  /** The checker's binding of a builtin call's arguments to its parameters, or null. */
  dev.deltac.compiler.check.Builtins.BoundCall boundCall(dev.deltac.compiler.ast.Expr.Call call) {
    return check.call(call);
  }

  public static Graph lower(Decl decl, CheckResult check) {
    return lower(decl, check, defaultLoops());
  }

  /**
   * The default loop lowering: AUTO, or the system property {@code deltac.loops} ({@code roll},
   * {@code unroll}, {@code auto}).
   */
  public static Loops defaultLoops() {
    String p = System.getProperty("deltac.loops");
    if (p == null) return Loops.AUTO;
    for (Loops l : Loops.values()) if (l.name().equalsIgnoreCase(p.trim())) return l;
    throw new IllegalArgumentException("-Ddeltac.loops must be auto, roll or unroll, not \"" + p + "\"");
  }

  /** Lowers {@code decl} with loops rolled or unrolled as {@code loops} says. */
  public static Graph lower(Decl decl, CheckResult check, Loops loops) {
    Lowering l = new Lowering(check, decl, loops);
    if (decl instanceof Decl.Model m) {
      l.statements(m.body(), null);
      // `output` names the final values wherever it stands, as the checker reads it (after a
      // loop, a state's last value; a binding may come after the statement).
      for (Stmt s : m.body()) {
        if (s instanceof Stmt.Output o) {
          for (var id : o.names()) l.outputs.put(id.name(), l.node(l.env.get(id.name()), id.name()));
        }
      }
      return l.graph(m.name().name(), Graph.Kind.MODEL);
    }
    Decl.Function f = (Decl.Function) decl;
    for (Decl.Arg a : f.args()) {
      Node in = l.b.input(a.name().name(), shape(a.shape()), a.span());
      l.inputs.add(in);
      l.env.put(a.name().name(), in);
    }
    l.statements(f.body(), null);
    return l.graph(f.name().name(), Graph.Kind.FUNCTION);
  }

  private Graph graph(String name, Graph.Kind kind) {
    return new Graph(name, kind, inputs, targets, params, paramSpecs, outputs, loss, Map.of(), Map.of());
  }

  private void statements(List<Stmt> body, Set<String> scope) {
    for (Stmt s : body) statement(s, scope);
  }

  private void statement(Stmt s, Set<String> scope) {
    if (s instanceof Stmt.Input in) {
      Node n = in.integer()
          ? b.integerLeaf(Op.INPUT, in.name().name(), check.indexBound(in), shape(in.shape()), in.span())
          : b.input(in.name().name(), shape(in.shape()), in.span());
      inputs.add(n);
      env.put(in.name().name(), n);
    } else if (s instanceof Stmt.Target t) {
      Node n = t.integer()
          ? b.integerLeaf(Op.TARGET, t.name().name(), check.indexBound(t), shape(t.shape()), t.span())
          : b.target(t.name().name(), shape(t.shape()), t.span());
      targets.add(n);
      env.put(t.name().name(), n);
    } else if (s instanceof Stmt.Param p) {
      InitSpec init = check.initOf(p);
      env.put(p.name().name(), param(p.name().name(), shape(p.shape()), init, p.span()));
    } else if (s instanceof Stmt.Const c) {
      Shape shape = shape(c.shape());
      double[] v = new double[c.values().size()];
      for (int i = 0; i < v.length; i++) v[i] = number(c.values().get(i));
      env.put(c.name().name(), b.constant(shape, v));
    } else if (s instanceof Stmt.Bind bind) {
      String name = bind.name().name();
      if (scope != null && !states.contains(name)) scope.add(name);
      if (roll != null && states.contains(name)) roll.assigned.add(name);
      int mark = b.mark();
      env.put(name, b.label(expr(bind.value(), name), label(name)));
      b.labelSince(mark, label(name));
    } else if (s instanceof Stmt.State st) {
      if (roll != null) throw new CannotRoll("a state declared in the loop");
      states.add(st.name().name());
      env.put(st.name().name(), b.label(stateStart(st), label(st.name().name())));
    } else if (s instanceof Stmt.For f) {
      if (roll != null) throw new CannotRoll("a nested loop");
      if (loops != Loops.UNROLL && iterations.isEmpty() && rolled(f, scope)) return;
      for (long t = f.from().value(); t < f.to().value(); t++) {
        Set<String> inner = new HashSet<>();
        Object shadowed = env.put(f.var().name(), (int) t);
        iterations.addLast(f.var().name() + t);
        statements(f.body(), inner);
        iterations.removeLast();
        for (String name : inner) env.remove(name);
        restore(f.var().name(), shadowed);
      }
    } else if (s instanceof Stmt.Output) {
      if (roll != null) throw new CannotRoll("an output in the loop");
      // Lowered after the whole body (see lower).
    } else if (s instanceof Stmt.Loss l) {
      int mark = b.mark();
      Node v = expr(l.value(), null);
      loss = l.accumulate() && loss != null ? b.make(Op.ADD, l.span(), loss, v) : v;
      b.labelSince(mark, label("loss"));
    } else if (s instanceof Stmt.Return r) {
      if (roll != null) throw new CannotRoll("a return in the loop");
      loss = expr(r.value(), null);
    }
    // Train blocks configure the command-line trainer, not the graph.
  }

  /** The loop iterations being unrolled, innermost last ({@code t3}). */
  private final java.util.ArrayDeque<String> iterations = new java.util.ArrayDeque<>();

  /** A binding's name for generated code: {@code h}, or {@code h_t3} in iteration 3 of a loop over t. */
  private String label(String name) {
    StringBuilder sb = new StringBuilder(name);
    for (String it : iterations) sb.append('_').append(it);
    return sb.toString();
  }

  private void restore(String name, Object shadowed) {
    if (shadowed == null) env.remove(name);
    else env.put(name, shadowed);
  }

  private Node param(String name, Shape shape, InitSpec init, SourceSpan span) {
    Node p = b.param(name, shape, span);
    params.add(p);
    double[] args = new double[init.args().size()];
    for (int i = 0; i < args.length; i++) args[i] = init.args().get(i);
    paramSpecs.add(new ParamSpec(name, shape, init.name(), args, span));
    return p;
  }

  private Node stateStart(Stmt.State st) {
    Shape shape = shape(st.shape());
    InitSpec init = check.stateInitializer(st);
    if (init != null) {
      switch (init.name()) {
        case "zeros": return b.constant(shape, 0.0);
        case "ones": return b.constant(shape, 1.0);
        case "const": return b.constant(shape, init.args().get(0));
        default: throw new IllegalStateException("state " + st.name() + " cannot start from " + init.name());
      }
    }
    Node v = expr(st.start(), null);
    return v.shape().equals(shape) ? v : b.broadcast(v, shape);
  }

  private Node expr(Expr e, String binding) {
    if (e instanceof Expr.Num n) return b.scalar(n.value());
    if (e instanceof Expr.Bool bo) return b.scalar(bo.value() ? 1 : 0);
    if (e instanceof Expr.Name n) return node(env.get(n.name()), n.name());
    if (e instanceof Expr.Member m) {
      String name = memberName(m);
      return node(env.get(name), name);
    }
    if (e instanceof Expr.Neg n) return b.make(Op.NEG, n.span(), expr(n.operand(), null));
    if (e instanceof Expr.Transpose t) return b.make(Op.TRANSPOSE, t.span(), expr(t.operand(), null));
    if (e instanceof Expr.If i) {
      return b.make(Op.WHERE, i.span(), expr(i.cond(), null), expr(i.then(), null),
          expr(i.otherwise(), null));
    }
    if (e instanceof Expr.Index ix && check.isInteger(ix.index())) {
      return b.make(Op.GATHER, ix.span(), expr(ix.target(), null), expr(ix.index(), null));
    }
    if (e instanceof Expr.Index ix) return index(expr(ix.target(), null), ix.index(), ix.span());
    if (e instanceof Expr.Slice sl) {
      return b.make(Op.SLICE, Attr.ints(integer(sl.from()), integer(sl.to())), sl.span(),
          expr(sl.target(), null));
    }
    if (e instanceof Expr.Subscript sub) return subscript(sub);
    if (e instanceof Expr.Binary bin) return binary(bin);
    if (e instanceof Expr.Call c) return Calls.lower(this, c, binding);
    throw new IllegalStateException("cannot lower " + e);
  }

  /**
   * {@code x[e1, e2, ...]}: the entries applied from the last to the first, so that the axes of
   * the earlier ones do not move; axis k is brought first (PERMUTE) for INDEX and SLICE, and a
   * sliced axis is moved back.
   */
  private Node subscript(Expr.Subscript s) {
    Node x = expr(s.target(), null);
    for (int k = s.entries().size() - 1; k >= 0; k--) {
      Expr.Entry en = s.entries().get(k);
      if (en.whole()) continue;
      int r = x.shape().rank();
      int[] front = new int[r];
      front[0] = k;
      for (int i = 0, j = 1; i < r; i++) if (i != k) front[j++] = i;
      Node moved = k == 0 ? x : b.make(Op.PERMUTE, Attr.ints(front), s.span(), x);
      if (en.index()) {
        x = index(moved, en.from(), s.span());
      } else {
        Node sliced = b.make(Op.SLICE, Attr.ints(integer(en.from()), integer(en.to())), s.span(), moved);
        int[] back = new int[r];
        for (int i = 0; i < r; i++) back[front[i]] = i;
        x = k == 0 ? sliced : b.make(Op.PERMUTE, Attr.ints(back), s.span(), sliced);
      }
    }
    return x;
  }

  private Node binary(Expr.Binary bin) {
    Node l = expr(bin.left(), null);
    Node r = expr(bin.right(), null);
    // One arm per infix operator and no default: a new operator must say here which op it is.
    Op op = switch (bin.op()) {
      case ADD -> Op.ADD;
      case SUB -> Op.SUB;
      case MUL -> Op.MUL;
      case DIV -> Op.DIV;
      case POW -> Op.POW;
      case LT -> Op.LT;
      case LE -> Op.LE;
      case GT -> Op.GT;
      case GE -> Op.GE;
      case EQ -> Op.EQ;
      case NE -> Op.NE;
      case MATMUL -> Op.MATMUL;
    };
    if (op == Op.MATMUL && (l.shape().rank() > 2 || r.shape().rank() > 2)) {
      return BatchProducts.matmul(b, l, r, bin.span());
    }
    if (op == Op.MATMUL) return b.make(Op.MATMUL, Attr.ints(0, 0), bin.span(), l, r);
    return b.make(op, bin.span(), l, r);
  }

  // Services for the call lowering.

  GraphBuilder builder() {
    return b;
  }

  Node lower(Expr e) {
    return expr(e, null);
  }

  /** A param that layer sugar introduces, with the initializer the checker resolved for it. */
  Node newParam(String name, Shape shape, SourceSpan span) {
    InitSpec init = layerInits.get(name);
    if (init == null) throw new IllegalStateException("the checker knows no layer param " + name);
    // A layer in a loop body is one layer applied at every step (an RNN cell): its params are
    // made at the first step and shared by the others.
    for (Node existing : params) {
      if (existing.attr().name().equals(name)) {
        if (!existing.shape().equals(shape)) {
          throw new IllegalStateException("layer param " + name + " is " + existing.shape() + " and " + shape);
        }
        env.put(name, existing);
        return roll != null ? roll.inside(existing, name) : existing;
      }
    }
    if (roll != null) {
      GraphBuilder inner = b;
      b = roll.outer;
      Node p = param(name, shape, init, span);
      b = inner;
      env.put(name, p);
      return roll.inside(p, name);
    }
    Node p = param(name, shape, init, span);
    env.put(name, p);
    return p;
  }

  /** Whether the checker found that {@code e} holds integer indices. */
  boolean isInteger(Expr e) {
    return check.isInteger(e);
  }

  /** A new dropout mask's id, unique within the graph (masks in unrolled loops differ too). */
  int nextMaskId() {
    return masks++;
  }

  /** True when {@code name} is bound in the model (so it is not an activation keyword). */
  boolean isBound(String name) {
    return env.containsKey(name);
  }

  /**
   * x[i] along the first axis: INDEX for a static i; in a rolled loop, an index that depends on
   * the loop variable reads that row with GATHER (t is a scalar leaf holding an exact integer).
   */
  private Node index(Node x, Expr i, SourceSpan span) {
    if (roll != null && mentions(i, roll.var)) return b.make(Op.GATHER, span, x, expr(i, null));
    return b.make(Op.INDEX, Attr.ints(integer(i)), span, x);
  }

  /** True when expression e reads the name {@code var}. */
  private static boolean mentions(Expr e, String var) {
    if (e instanceof Expr.Name n) return n.name().equals(var);
    if (e instanceof Expr.Num || e instanceof Expr.Bool) return false;
    if (e instanceof Expr.Neg n) return mentions(n.operand(), var);
    if (e instanceof Expr.Binary bin) return mentions(bin.left(), var) || mentions(bin.right(), var);
    return true;
  }

  // ---- Rolled loops (dsl.md section 9, "Loops at any length").

  /** A loop that cannot be rolled (yet): it is unrolled instead. */
  private static final class CannotRoll extends RuntimeException {
    CannotRoll(String why) {
      super(why, null, false, false);
    }
  }

  /** The loop being rolled: its body's builder, leaves and captures. */
  private final class Roll {
    final GraphBuilder outer;
    final String var;
    Node t;
    /** State name to its leaf (the value at the start of the step), in order of first read. */
    final Map<String, Node> stateLeaves = new LinkedHashMap<>();
    final Map<String, Node> stateStarts = new LinkedHashMap<>();
    /** States the body assigns, in order. */
    final java.util.LinkedHashSet<String> assigned = new java.util.LinkedHashSet<>();
    /** Outer node id to its capture leaf, in order of first read. */
    final Map<Integer, Node> captures = new LinkedHashMap<>();
    final Map<Integer, Node> captured = new LinkedHashMap<>();
    int leaves;

    Roll(GraphBuilder outer, String var) {
      this.outer = outer;
      this.var = var;
    }

    /** The body's view of a value: itself when the body made it, else a leaf. */
    Node inside(Node n, String name) {
      if (b.owns(n)) return n;
      if (name != null && states.contains(name)) {
        Node leaf = stateLeaves.get(name);
        if (leaf == null) {
          leaf = b.input("loop.state." + name, n.shape(), SourceSpan.NONE);
          stateLeaves.put(name, leaf);
          stateStarts.put(name, n);
        }
        return leaf;
      }
      Node leaf = captures.get(n.id());
      if (leaf == null) {
        leaf = n.op() == Op.PARAM ? b.param(n.attr().name(), n.shape(), n.span())
            : n.op() == Op.CONST ? b.remake(n, List.of())
            : b.input("loop.capture" + (leaves++), n.shape(), SourceSpan.NONE);
        if (n.op() != Op.CONST) {
          captures.put(n.id(), leaf);
          captured.put(n.id(), n);
        }
      }
      return leaf;
    }
  }

  private Roll roll;

  /**
   * Lowers loop f rolled, when it can be and {@link #loops} says so: its body once into a graph
   * of its own and one LOOP node. Returns false (having changed nothing) when it unrolls.
   */
  private boolean rolled(Stmt.For f, Set<String> scope) {
    int from = (int) f.from().value();
    int to = (int) f.to().value();
    if (to - from < 2) return false;
    boolean addsLoss = false;
    for (Stmt s : f.body()) addsLoss |= s instanceof Stmt.Loss;
    Map<String, Object> savedEnv = new HashMap<>(env);
    int savedMasks = masks;
    Node savedLoss = loss;
    GraphBuilder outer = b;
    Roll r = new Roll(outer, f.var().name());
    LoopBody body;
    List<String> carriedStates = new ArrayList<>();
    List<Node> starts = new ArrayList<>();
    List<Node> captureNodes = new ArrayList<>();
    Node lossLeaf = null;
    try {
      b = new GraphBuilder();
      roll = r;
      r.t = b.input("loop." + f.var().name(), Shape.SCALAR, f.var().span());
      env.put(f.var().name(), r.t);
      if (addsLoss) {
        lossLeaf = b.input("loop.loss", Shape.SCALAR, SourceSpan.NONE);
        loss = lossLeaf;
      }
      Set<String> inner = new HashSet<>();
      statements(f.body(), inner);
      // The carried values: the states the body assigns, then the loss.
      List<Node> in = new ArrayList<>();
      List<Node> out = new ArrayList<>();
      for (String name : r.assigned) {
        Node v = (Node) env.get(name);
        Node leaf = r.stateLeaves.remove(name);
        Node start = r.stateStarts.remove(name);
        if (start == null) {
          start = (Node) savedEnv.get(name);
          leaf = b.input("loop.state." + name, start.shape(), SourceSpan.NONE);
        }
        if (!v.shape().equals(leaf.shape()) || !b.owns(v)) throw new CannotRoll("state " + name + " changes shape");
        carriedStates.add(name);
        starts.add(start);
        in.add(leaf);
        out.add(v);
      }
      if (addsLoss) {
        in.add(lossLeaf);
        out.add(loss);
        starts.add(savedLoss != null ? savedLoss : outer.scalar(-0.0));
      }
      // States read but not assigned are captures of their values before the loop.
      for (Map.Entry<String, Node> e : r.stateLeaves.entrySet()) {
        Node start = r.stateStarts.get(e.getKey());
        r.captures.put(-1 - r.captures.size(), e.getValue());
        r.captured.put(-1 - r.captured.size(), start);
      }
      List<Node> leaves = new ArrayList<>(in);
      leaves.add(r.t);
      leaves.addAll(r.captures.values());
      captureNodes.addAll(r.captured.values());
      Map<String, Node> outputs = new LinkedHashMap<>();
      for (int i = 0; i < out.size(); i++) outputs.put("c" + i, out.get(i));
      Graph g = new Graph("loop over " + f.var().name(), Graph.Kind.FUNCTION, leaves, List.of(),
          List.of(), List.of(), outputs, null, Map.of(), Map.of());
      body = new LoopBody(g, in.size(), captureNodes.size(), false, new int[0]);
      for (Node n : g.nodes()) {
        if (n.op() == Op.DROPOUT_MASK || n.op() == Op.BATCH_MEAN || n.op() == Op.RUNNING_STAT) {
          throw new CannotRoll("dropout or batch statistics in the loop");
        }
      }
      if (loops == Loops.AUTO && (long) (to - from) * g.nodes().size() <= ROLL_WORK) {
        throw new CannotRoll("small enough to unroll");
      }
      for (String name : inner) env.remove(name);
    } catch (CannotRoll | IllegalStateException | IllegalArgumentException e) {
      env.clear();
      env.putAll(savedEnv);
      masks = savedMasks;
      loss = savedLoss;
      b = outer;
      roll = null;
      return false;
    } finally {
      b = outer;
      roll = null;
    }
    restore(f.var().name(), savedEnv.get(f.var().name()));
    List<Node> operands = new ArrayList<>(starts);
    operands.addAll(captureNodes);
    Node loop = b.make(Op.LOOP, Attr.loop(body, from, to), f.span(), operands);
    b.label(loop, "loop_" + f.var().name());
    int last = (to - from) * body.rowSize();
    for (int i = 0; i < carriedStates.size(); i++) {
      String name = carriedStates.get(i);
      Node leaf = body.carriedIn(i);
      int off = last + body.offset(i);
      Node part = b.make(Op.SLICE, Attr.ints(off, off + leaf.size()), f.span(), loop);
      env.put(name, b.label(b.reshape(part, leaf.shape()), label(name)));
    }
    if (addsLoss) {
      int off = last + body.offset(body.carried() - 1);
      loss = b.reshape(b.make(Op.SLICE, Attr.ints(off, off + 1), f.span(), loop), Shape.SCALAR);
    }
    return true;
  }

  /** A static integer: a literal, a loop variable, or arithmetic on them. */
  int integer(Expr e) {
    if (e instanceof Expr.Name n && env.get(n.name()) instanceof Integer i) return i;
    double v = number(e);
    if (v != Math.rint(v)) throw new IllegalStateException("not an integer: " + e);
    return (int) v;
  }

  /** A static number: a literal, a negated literal, a loop variable or arithmetic on them. */
  double number(Expr e) {
    if (e instanceof Expr.Num n) return n.value();
    if (e instanceof Expr.Neg n) return -number(n.operand());
    if (e instanceof Expr.Name n && env.get(n.name()) instanceof Integer i) return i;
    if (e instanceof Expr.Binary bin) {
      double l = number(bin.left());
      double r = number(bin.right());
      return switch (bin.op()) {
        case ADD -> l + r;
        case SUB -> l - r;
        case MUL -> l * r;
        case DIV -> l / r;
        case POW -> Math.pow(l, r);
        case MATMUL, LT, LE, GT, GE, EQ, NE ->
            throw new IllegalStateException("not a static number: " + e);
      };
    }
    throw new IllegalStateException("not a static number: " + e);
  }

  private Node node(Object v, String name) {
    if (v instanceof Node n) return roll != null ? roll.inside(n, name) : n;
    if (v instanceof Integer i) return b.scalar(i);
    throw new IllegalStateException("unresolved name " + name);
  }

  static String memberName(Expr.Member m) {
    if (m.target() instanceof Expr.Name n) return n.name() + "." + m.member().name();
    throw new IllegalStateException("member of a non-name: " + m);
  }

  static Shape shape(List<Dim> dims) {
    int[] d = new int[dims.size()];
    for (int i = 0; i < d.length; i++) d[i] = Math.toIntExact(dims.get(i).value());
    return Shape.of(d);
  }
}
