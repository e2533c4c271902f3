package dev.deltac.compiler.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Small models of the second edition's tensor features (broadcasting, axes), shared by the
 * finite-difference test of whole models and the generated-code-against-interpreter test.
 */
public final class TensorModels {
  private TensorModels() {}

  /** Name to source. */
  public static Map<String, String> all() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("broadcasting", """
        model Bc {
          input  xs[4, 3]
          target y[4, 3]
          param  b[3]
          param  s[4, 1] = uniform(0.5, 1.5)
          param  W[3, 3]
          param  r[1, 3]
          param  u[2, 1, 3]
          h = tanh(xs * s + b)               # [4, 3] * [4, 1] + [3]
          z = h @ W + r                      # [4, 3] + [1, 3]
          g = where(z > b, z, s * 0.5)       # mask [4, 3], values [4, 3] and [4, 1]
          q = max(g, b) - z / (s * s + 1) + 1
          t = sum(u * s, 0)                  # not an axis yet: [2, 4, 3] summed whole
          o = q + t * 0.01 + b * r - s
          output o
          loss mse(o, y)
        }""".replace("sum(u * s, 0)", "sum(u * s)"));
    m.put("broadcasting before a large dense layer (batched pass)", """
        model BcWide {
          input  xs[4, 10]
          target y[3]
          param  b[10]
          param  s[4, 1] = uniform(0.5, 1.5)
          h = dense(flatten(xs * s + b), 40, tanh)
          o = dense(h, 3)
          output o
          loss mse(o, y)
        }""");
    m.put("axes", """
        model Ax {
          input  xs[4, 3]
          target y[4, 3]
          param  W[3, 3]
          param  u[2, 4, 3]
          z = xs @ W                           # [4, 3]
          p = softmax(z)                       # along the last axis
          q = log_softmax(z, axis=0)
          r = softmax(u + z, axis=-2)          # [2, 4, 3] along its middle axis
          s = sum(z, axis=1) + mean(z, axis=-1) + logsumexp(z, axis=1) + amax(z, axis=1)  # [4]
          t = amax(u, axis=0) + sum(r, axis=0) + mean(u, 0) + logsumexp(u, axis=0)      # [4, 3]
          o = p + q * 0.1 + t * s[0] - reshape(s, [4, 1]) + logsumexp(z) + amax(z) * 0.5
          output o
          loss mse(o, y)
        }""");
    m.put("concat along an axis, stack, permute", """
        model Cat {
          input  xs[2, 3]
          target y[3, 7]
          param  W[2, 3, 2]
          param  v[3]
          a = concat(xs, xs * v, axis=0)                 # [4, 3]
          b = concat(xs, reshape(v, [1, 3]), axis=-2)    # [3, 3]
          c = concat(permute(a, [1, 0]), b, axis=1)      # [3, 7]
          d = stack(v, v * 2, sum(xs, axis=0))           # [3, 3]
          e = permute(W, [2, 0, -2]) + xs                # [2, 2, 3]
          f = stack(sum(v), amax(v))                     # [2]
          o = c + reshape(sum(d, axis=1), [3, 1]) + sum(e) * 0.1 * f[0] + f[1]
          output o
          loss mse(o, y)
        }""");
    m.put("causal self-attention", """
        model Attn {
          input  xs[4, 3]
          target y[4, 3]
          param  Wq[3, 3]
          param  Wk[3, 3]
          param  Wv[3, 3]
          param  pos[4, 3] = normal(0, 0.5)
          h = xs + pos
          q = h @ Wq
          k = h @ Wk
          v = h @ Wv
          s = q @ k.T / sqrt(3)                          # [4, 4]
          a = softmax(where(causal_mask(4), s, -1e9))    # rows attend to the past only
          o = a @ v + h
          output o
          loss mse(o, y)
        }""");
    m.put("batched matmul: heads, broadcast batch axes, vectors", """
        model Bmm {
          input  xs[4, 6]
          target y[4, 6]
          param  Wq[6, 6]
          param  Wk[2, 3, 3]
          param  U[3, 1, 3, 4]
          param  v[3]
          h = permute(reshape(xs, [4, 2, 3]), [1, 0, 2])       # [2, 4, 3], heads first
          q = permute(reshape(xs @ Wq, [4, 2, 3]), [1, 0, 2])  # [2, 4, 3]
          k = h @ Wk                                           # [2, 4, 3] @ [2, 3, 3]
          s = q @ permute(k, [0, 2, 1]) / sqrt(3)              # [2, 4, 4]
          a = softmax(where(causal_mask(4), s, -1e9))
          c = a @ k                                            # [2, 4, 3]
          u = q @ U                                            # [2, 4, 3] @ [3, 1, 3, 4] -> [3, 2, 4, 4]
          w = k @ v + v @ permute(h, [0, 2, 1])                # [2, 4] twice
          p = h @ Wq[0:3, 0:3]                                 # a plain matrix on the right
          r = Wq[0:4, 0:4] @ s                                 # a plain matrix on the left: [2, 4, 4]
          o = reshape(permute(c + p, [1, 0, 2]), [4, 6]) + reshape(sum(w, axis=0) + mean(sum(u, axis=0)[0], axis=1), [4, 1]) + sum(r, axis=0)[:, 0:1]
          output o
          loss mse(o, y)
        }""");
    m.put("dense and layer_norm over the last axis", """
        model DenseRows {
          input  xs[2, 4, 3]
          target y[4, 3]
          a = dense(xs, 5, tanh)             # [2, 4, 5]
          n = layer_norm(a)                  # over the last axis, params [5]
          s = sum(n, axis=0)
          b = dense(s, 3)                    # [4, 3]
          b0 = b[0]
          v = layer_norm(b0)                 # the vector form still works
          nb = layer_norm(b)
          o = nb + v
          output o
          loss mse(o, y)
        }""");
    m.put("dense over rows through the matrix kernels", """
        model DenseWide {
          input  xs[6, 16]
          target y[6, 16]
          h = dense(xs, 24, relu)            # 6 x 16 x 24 multiply-adds: the row kernels
          d = dense(h, 16)
          r = d + xs
          z = layer_norm(r)
          k = permute(z, [1, 0]) @ h         # [16, 6] @ [6, 24]: rows of a non-param right side
          e = dense(k, 16)                   # [16, 16]
          o = z + mean(e, axis=0) * 0.1
          output o
          loss mse(o, y)
        }""");
    m.put("indexing and slicing on every axis", """
        model Sub {
          input  xs[3, 4, 5]
          target y[3]
          param  W[4, 5]
          a = xs[:, 1]                    # [3, 5]
          b = xs[1, :, 2:4]               # [4, 2]
          c = xs[0:2, 1:3, 4]             # [2, 2]
          d = W[:, 0:2] * b + W[1:3, 3]   # [4, 2] + [2]
          s = a[:, 0] + sum(d) + sum(c)   # [3]
          e = 0
          for t in 0..3 {
            loss += mse(xs[t, 2, 1:4], W[t, 1:4])
          }
          output s
          loss += mse(s, y)
        }""".replace("          e = 0\n", ""));
    return m;
  }
}
