package dev.deltac.compiler.emit;

import dev.deltac.compiler.ir.Node;
import dev.deltac.compiler.ir.Op;
import dev.deltac.compiler.types.Shape;

/**
 * Direct convolution and pooling on [c, h, w] tensors and their gradients, with constant bounds.
 * Loop nests and summation orders follow the reference interpreter. Kernels are stored as row
 * arrays {@code W[f][(c * k + u) * k + v]}.
 */
final class ConvKernels {
  private final Access a;
  private final Num num;

  ConvKernels(Access access) {
    this.a = access;
    this.num = access.num;
  }

  private static Ix e(String s) {
    return Ix.e(s);
  }

  /** {@code if (y < 0 || y >= h) continue;} when padding can take y out of range. */
  private static void guard(Code c, String var, int p, int limit) {
    if (p > 0) c.line("if (" + var + " < 0 || " + var + " >= " + limit + ") continue;");
  }

  void forward(Node n, String o, Code c) {
    Node x = n.input(0);
    Node w = n.input(1);
    Shape xs = x.shape();
    Shape os = n.shape();
    int s = n.attr().intAt(0);
    int p = n.attr().intAt(1);
    int ch = xs.dim(0);
    int h = xs.dim(1);
    int wd = xs.dim(2);
    int k = w.shape().dim(2);
    int ckk = ch * k * k;
    c.open("for (int f = 0; f < " + os.dim(0) + "; f++)");
    c.open("for (int i = 0; i < " + os.dim(1) + "; i++)");
    c.open("for (int j = 0; j < " + os.dim(2) + "; j++)");
    c.line(num.t + " acc = 0;");
    c.open("for (int ch = 0; ch < " + ch + "; ch++)");
    c.open("for (int u = 0; u < " + k + "; u++)");
    c.line("int yy = i * " + s + " + u - " + p + ";");
    guard(c, "yy", p, h);
    c.open("for (int v = 0; v < " + k + "; v++)");
    c.line("int xx = j * " + s + " + v - " + p + ";");
    guard(c, "xx", p, wd);
    c.line("acc += " + a.at(w, Ix.v("f"), e("(ch * " + k + " + u) * " + k + " + v"), ckk) + " * "
        + a.at(x, e("(ch * " + h + " + yy) * " + wd + " + xx")) + ";");
    c.close().close().close();
    c.line(o + "[(f * " + os.dim(1) + " + i) * " + os.dim(2) + " + j] = acc;");
    c.close().close().close();
  }

  /** Operands (W, g): the scatter of g through the kernel. */
  void inputGrad(Node n, String o, Code c) {
    Node w = n.input(0);
    Node g = n.input(1);
    Shape gs = g.shape();
    int s = n.attr().intAt(0);
    int p = n.attr().intAt(1);
    int h = n.attr().intAt(2);
    int wd = n.attr().intAt(3);
    int ch = w.shape().dim(1);
    int k = w.shape().dim(2);
    int ckk = ch * k * k;
    c.line("java.util.Arrays.fill(" + o + ", " + num.lit(0) + ");");
    c.open("for (int f = 0; f < " + gs.dim(0) + "; f++)");
    c.open("for (int i = 0; i < " + gs.dim(1) + "; i++)");
    c.open("for (int j = 0; j < " + gs.dim(2) + "; j++)");
    c.line(num.t + " gv = " + a.at(g, e("(f * " + gs.dim(1) + " + i) * " + gs.dim(2) + " + j")) + ";");
    c.open("for (int ch = 0; ch < " + ch + "; ch++)");
    c.open("for (int u = 0; u < " + k + "; u++)");
    c.line("int yy = i * " + s + " + u - " + p + ";");
    guard(c, "yy", p, h);
    c.open("for (int v = 0; v < " + k + "; v++)");
    c.line("int xx = j * " + s + " + v - " + p + ";");
    guard(c, "xx", p, wd);
    c.line(o + "[(ch * " + h + " + yy) * " + wd + " + xx] += "
        + a.at(w, Ix.v("f"), e("(ch * " + k + " + u) * " + k + " + v"), ckk) + " * gv;");
    c.close().close().close().close().close().close();
  }

  /** Operands (x, g): dW[f, c, u, v] = sum over i, j of g[f, i, j] * x[c, i*s + u - p, j*s + v - p]. */
  void kernelGrad(Node n, String o, Code c) {
    Node x = n.input(0);
    Node g = n.input(1);
    Shape xs = x.shape();
    Shape gs = g.shape();
    int s = n.attr().intAt(0);
    int p = n.attr().intAt(1);
    int k = n.attr().intAt(2);
    int ch = xs.dim(0);
    int h = xs.dim(1);
    int wd = xs.dim(2);
    c.open("for (int f = 0; f < " + gs.dim(0) + "; f++)");
    c.open("for (int ch = 0; ch < " + ch + "; ch++)");
    c.open("for (int u = 0; u < " + k + "; u++)");
    c.open("for (int v = 0; v < " + k + "; v++)");
    c.line(num.t + " acc = 0;");
    c.open("for (int i = 0; i < " + gs.dim(1) + "; i++)");
    c.line("int yy = i * " + s + " + u - " + p + ";");
    guard(c, "yy", p, h);
    c.open("for (int j = 0; j < " + gs.dim(2) + "; j++)");
    c.line("int xx = j * " + s + " + v - " + p + ";");
    guard(c, "xx", p, wd);
    c.line("acc += " + a.at(g, e("(f * " + gs.dim(1) + " + i) * " + gs.dim(2) + " + j")) + " * "
        + a.at(x, e("(ch * " + h + " + yy) * " + wd + " + xx")) + ";");
    c.close().close();
    c.line(o + "[((f * " + ch + " + ch) * " + k + " + u) * " + k + " + v] = acc;");
    c.close().close().close().close();
  }

  void pool(Node n, String o, Code c) {
    Node x = n.input(0);
    Shape xs = x.shape();
    Shape os = n.shape();
    int size = n.attr().intAt(0);
    int s = n.attr().intAt(1);
    boolean max = n.op() == Op.MAXPOOL2D;
    c.open("for (int ch = 0; ch < " + os.dim(0) + "; ch++)");
    c.open("for (int i = 0; i < " + os.dim(1) + "; i++)");
    c.open("for (int j = 0; j < " + os.dim(2) + "; j++)");
    c.line(num.t + " acc = " + (max ? num.lit(Double.NEGATIVE_INFINITY) : num.lit(0)) + ";");
    c.open("for (int u = 0; u < " + size + "; u++)");
    c.open("for (int v = 0; v < " + size + "; v++)");
    String val = a.at(x, e("(ch * " + xs.dim(1) + " + i * " + s + " + u) * " + xs.dim(2)
        + " + j * " + s + " + v"));
    c.line(max ? "acc = Math.max(acc, " + val + ");" : "acc += " + val + ";");
    c.close().close();
    c.line(o + "[(ch * " + os.dim(1) + " + i) * " + os.dim(2) + " + j] = "
        + (max ? "acc" : "acc / " + (size * size)) + ";");
    c.close().close().close();
  }

  /** Operands (x, g): each window's gradient goes to its first maximum. */
  void maxPoolGrad(Node n, String o, Code c) {
    Node x = n.input(0);
    Node g = n.input(1);
    Shape xs = x.shape();
    Shape gs = g.shape();
    int size = n.attr().intAt(0);
    int s = n.attr().intAt(1);
    c.line("java.util.Arrays.fill(" + o + ", " + num.lit(0) + ");");
    c.open("for (int ch = 0; ch < " + gs.dim(0) + "; ch++)");
    c.open("for (int i = 0; i < " + gs.dim(1) + "; i++)");
    c.open("for (int j = 0; j < " + gs.dim(2) + "; j++)");
    c.line("int best = -1;");
    c.line(num.t + " bestVal = " + num.lit(Double.NEGATIVE_INFINITY) + ";");
    c.open("for (int u = 0; u < " + size + "; u++)");
    c.open("for (int v = 0; v < " + size + "; v++)");
    c.line("int idx = (ch * " + xs.dim(1) + " + i * " + s + " + u) * " + xs.dim(2) + " + j * " + s
        + " + v;");
    c.line(num.t + " val = " + a.at(x, Ix.v("idx")) + ";");
    c.open("if (best < 0 || val > bestVal)");
    c.line("best = idx;");
    c.line("bestVal = val;");
    c.close().close().close();
    c.line(o + "[best] += " + a.at(g, e("(ch * " + gs.dim(1) + " + i) * " + gs.dim(2) + " + j")) + ";");
    c.close().close().close();
  }

  /** Operand g; attr [size, stride, h, w]. */
  void avgPoolGrad(Node n, String o, Code c) {
    Node g = n.input(0);
    Shape gs = g.shape();
    int size = n.attr().intAt(0);
    int s = n.attr().intAt(1);
    int h = n.attr().intAt(2);
    int w = n.attr().intAt(3);
    c.line("java.util.Arrays.fill(" + o + ", " + num.lit(0) + ");");
    c.open("for (int ch = 0; ch < " + gs.dim(0) + "; ch++)");
    c.open("for (int i = 0; i < " + gs.dim(1) + "; i++)");
    c.open("for (int j = 0; j < " + gs.dim(2) + "; j++)");
    c.line(num.t + " gv = " + num.cast("(" + a.at(g, e("(ch * " + gs.dim(1) + " + i) * " + gs.dim(2)
        + " + j")) + " * " + (1.0 / (size * size)) + ")") + ";");
    c.open("for (int u = 0; u < " + size + "; u++)");
    c.open("for (int v = 0; v < " + size + "; v++)");
    c.line(o + "[(ch * " + h + " + i * " + s + " + u) * " + w + " + j * " + s + " + v] += gv;");
    c.close().close().close().close().close();
  }
}
