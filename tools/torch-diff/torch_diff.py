"""Differential check of `deltac gradients` against PyTorch 2 on small models of every op of the
language's second edition (and the kinks and ties of the first): loss, outputs, param gradients
and input gradients in float64, at relative error 1e-7.

Run from anywhere with a PyTorch 2 python (DEVELOPERS.md says how to get one):
  python tools/torch-diff/torch_diff.py            # every case
  python tools/torch-diff/torch_diff.py attn bn    # the cases whose name contains a word
DELTAC overrides the launcher (e.g. a script running `java -jar cli/target/deltac.jar`); the
cases' .nn and .json files are left in TORCH_DIFF_DIR (default /tmp/deltac-torch-diff).
Exit status 1 when any case differs or fails to compile.
"""
import json, subprocess, sys, os, math, random
import torch, torch.nn.functional as F
dt = torch.float64
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DELTAC = os.environ.get("DELTAC", os.path.join(ROOT, "deltac"))
WORK = os.environ.get("TORCH_DIFF_DIR", "/tmp/deltac-torch-diff")
fails = []

SELECT = sys.argv[1:]

def run_case(name, nn, params, inputs, targets, fwd, batch=3, seed=0, int_ranges=None, outputs=None, batch_fwd=None, pinit=None):
    if SELECT and not any(w in name for w in SELECT):
        return
    g = torch.Generator().manual_seed(seed)
    P = {k: (torch.randn(tuple(s), generator=g, dtype=dt) * 0.5) for k, s in params.items()}
    if pinit: P.update(pinit(P))
    samples = []
    for b in range(batch):
        s = {}
        for k, spec in list(inputs.items()) + list(targets.items()):
            shape, kind = spec[0], spec[1]
            if kind == "int":
                hi = spec[2]
                s[k] = torch.randint(0, hi, shape, generator=g)
            elif kind == "onehot":
                n = spec[2]
                s[k] = F.one_hot(torch.randint(0, n, (), generator=g), n).to(dt)
            elif kind == "ties":
                s[k] = torch.randint(-2, 3, tuple(shape), generator=g).to(dt)
            elif kind == "prob":
                s[k] = torch.rand(tuple(shape), generator=g, dtype=dt)
            else:
                s[k] = torch.randn(tuple(shape), generator=g, dtype=dt)
        samples.append(s)
    case = {"precision": "float64",
            "params": {k: v.tolist() for k, v in P.items()},
            "batch": [{k: v.tolist() for k, v in s.items()} for s in samples]}
    os.makedirs(WORK, exist_ok=True)
    with open(f"{WORK}/{name}.nn", "w") as f: f.write(nn)
    with open(f"{WORK}/{name}.json", "w") as f: json.dump(case, f)
    r = subprocess.run([DELTAC, "gradients", f"{WORK}/{name}.nn", "--case", f"{WORK}/{name}.json"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f"[{name}] deltac failed: {r.stderr.strip()[:2000]}"); fails.append(name); return
    got = json.loads(r.stdout)
    # torch
    Pt = {k: v.clone().requires_grad_() for k, v in P.items()}
    ins = [{k: (v.clone().requires_grad_() if (k in inputs and inputs[k][1] not in ("int",)) else v) for k, v in s.items()} for s in samples]
    losses, outs = [], []
    if batch_fwd:
        outs, loss = batch_fwd(Pt, ins)
    else:
        for s in ins:
            o, l = fwd(Pt, s)
            losses.append(l); outs.append(o)
        loss = torch.stack(losses).mean()
    loss.backward()
    worst = [0.0, ""]
    def cmp(label, a, b):
        a = torch.tensor(a, dtype=dt).reshape(-1); b = b.detach().reshape(-1).to(dt)
        if a.numel() != b.numel():
            worst[:] = [float("inf"), f"{label} size {a.numel()} vs {b.numel()}"]; return
        err = ((a - b).abs() / (b.abs().clamp_min(1e-6))).max().item() if a.numel() else 0.0
        # relative to max magnitude as well
        err2 = ((a - b).abs().max() / (b.abs().max().clamp_min(1e-12))).item() if a.numel() else 0.0
        e = min(err, max(err2, 0)) if err2 < 1e-9 else err
        if e > worst[0]: worst[:] = [e, label]
    cmp("loss", got["loss"], loss)
    for i, o in enumerate(outs):
        for k, v in o.items():
            cmp(f"out{i}.{k}", got["outputs"][i][k], v)
    for k, v in Pt.items():
        gr = v.grad if v.grad is not None else torch.zeros_like(v)
        cmp(f"grad {k}", got["gradients"][k], gr)
    if "inputGradients" in got:
        for i, s in enumerate(ins):
            for k in inputs:
                if inputs[k][1] == "int":
                    if k in got["inputGradients"][i]: worst[:] = [float("inf"), f"int input {k} has gradient"]
                    continue
                gr = s[k].grad if s[k].grad is not None else torch.zeros_like(s[k])
                cmp(f"ingrad{i}.{k}", got["inputGradients"][i][k], gr)
    status = "OK " if worst[0] <= 1e-7 else "BAD"
    if status == "BAD": fails.append(name)
    print(f"[{status}] {name}: worst rel err {worst[0]:.2e} at {worst[1]}")

# ---- broadcasting, axes, slicing, batched @, embeddings, class indices, attention ----

def lin(x, P, n): return F.linear(x, P[n + ".W"], P[n + ".b"])
def ln(x, P, n): return F.layer_norm(x, (x.shape[-1],), P[n + ".gain"], P[n + ".bias"], eps=1e-5)

# 1 broadcasting [T,d]+[d], [T,d]*[T,1], where broadcast
run_case("bcast", """
model B {
  input x[4, 3]
  input c[4, 1]
  target y[4, 3]
  param b[3]
  param s[4, 1]
  z = x + b
  w = z * c + s
  m = where(x > 0, w, b)
  output m
  loss mse(m, y)
}""", {"b": (3,), "s": (4, 1)}, {"x": ((4, 3), "f"), "c": ((4, 1), "f")}, {"y": ((4, 3), "f")},
 lambda P, s: (lambda z: (lambda w: (lambda m: ({"m": m}, F.mse_loss(m, s["y"])))(torch.where(s["x"] > 0, w, P["b"].expand(4, 3))))(z * s["c"] + P["s"]))(s["x"] + P["b"]))

# 2 reductions along axes, negative axes
def f2(P, s):
    x = s["x"] * P["a"]
    r = x.sum(dim=0).sum() + x.mean(dim=-1).sum() * 2 + x.amax(dim=1).sum() * 0.5 + torch.logsumexp(x, dim=-2).sum() + torch.logsumexp(x.reshape(-1), 0)
    return {"r": r}, (r - s["y"]) ** 2
run_case("axes", """
model A {
  input x[3, 5]
  target y
  param a[3, 5]
  x2 = x * a
  r = sum(sum(x2, axis=0)) + sum(mean(x2, axis=-1)) * 2 + sum(amax(x2, axis=1)) * 0.5 + sum(logsumexp(x2, axis=-2)) + logsumexp(x2)
  output r
  loss (r - y)^2
}""", {"a": (3, 5)}, {"x": ((3, 5), "f")}, {"y": ((), "f")}, f2)

# 3 softmax / log_softmax along axis 0 and -1, rank 3
def f3(P, s):
    x = s["x"] * P["a"]
    p = torch.softmax(x, dim=0)
    q = torch.log_softmax(x, dim=1)
    u = torch.softmax(x, dim=-1)
    o = p * q + u
    return {"o": o}, F.mse_loss(o, s["y"])
run_case("softmax_axes", """
model S {
  input x[2, 3, 4]
  target y[2, 3, 4]
  param a[2, 3, 4]
  x2 = x * a
  o = softmax(x2, axis=0) * log_softmax(x2, axis=1) + softmax(x2)
  output o
  loss mse(o, y)
}""", {"a": (2, 3, 4)}, {"x": ((2, 3, 4), "f")}, {"y": ((2, 3, 4), "f")}, f3)

# 4 slicing on every axis, concat axis, stack, permute, reshape
def f4(P, s):
    x = s["x"] * P["a"]
    a = x[1]            # [3,4]
    b = x[:, 1:3]       # [2,2,4]
    c = x[0, :, 2:4]    # [3,2]
    d = x[:, :, 3]      # [2,3]
    e = torch.cat([b, x[:, 0:1]], dim=1)  # [2,3,4]
    f = torch.stack([a, a * 2])           # [2,3,4]
    g = e.permute(2, 0, 1)                # [4,2,3]
    h = torch.cat([c.T, d], dim=-1)       # [2, 3+3]
    r = (g.reshape(4, 6) ** 2).sum() + (f * e).sum() + (h.sin()).sum()
    return {"r": r}, (r - s["y"]) ** 2
run_case("slices", """
model Sl {
  input x[2, 3, 4]
  target y
  param a[2, 3, 4]
  x2 = x * a
  a1 = x2[1]
  b = x2[:, 1:3]
  c = x2[0, :, 2:4]
  d = x2[:, :, 3]
  e = concat(b, x2[:, 0:1], axis=1)
  f = stack(a1, a1 * 2)
  g = permute(e, [2, 0, 1])
  h = concat(c.T, d, axis=-1)
  r = sum(reshape(g, [4, 6])^2) + sum(f * e) + sum(sin(h))
  output r
  loss (r - y)^2
}""", {"a": (2, 3, 4)}, {"x": ((2, 3, 4), "f")}, {"y": ((), "f")}, f4)

# 5 batched matmul with broadcasting
def f5(P, s):
    x = s["x"]                      # [2,3,4]
    y1 = x @ P["W"]                 # [2,3,4]@[4,5] -> [2,3,5]
    y2 = P["Q"] @ x                 # [3,3]@[2,3,4] -> [2,3,4]
    y3 = x @ x.permute(0, 2, 1)     # [2,3,3]
    y4 = x @ P["v"]                 # [2,3]
    y5 = P["u"] @ x                 # [3]@[2,3,4] -> [2,4]
    r = y1.tanh().sum() + (y2 * x).sum() + y3.sum() * 0.1 + y4.sum() + (y5 ** 2).sum()
    return {"r": r}, (r - s["y"]) ** 2
run_case("batched_mm", """
model M {
  input x[2, 3, 4]
  target y
  param W[4, 5]
  param Q[3, 3]
  param v[4]
  param u[3]
  r = sum(tanh(x @ W)) + sum((Q @ x) * x) + sum(x @ permute(x, [0, 2, 1])) * 0.1 + sum(x @ v) + sum((u @ x)^2)
  output r
  loss (r - y)^2
}""", {"W": (4, 5), "Q": (3, 3), "v": (4,), "u": (3,)}, {"x": ((2, 3, 4), "f")}, {"y": ((), "f")}, f5)

# 6 embedding + gather repeated + one_hot + class-index CE [T, C]
def f6(P, s):
    e = P["emb.W"][s["ids"]]         # [5, 4]
    g = P["E"][s["ids"][0:3]]        # [3, 4]
    oh = F.one_hot(s["ids"], 6).to(dt)  # [5,6]
    h = lin(e, P, "h")               # [5, 6]
    logits = h + oh * P["s"] + g.sum() * 0.1
    l = F.cross_entropy(logits, s["t"])
    return {"logits": logits}, l
run_case("embed_ce", """
model E {
  input ids: int[5]
  target t: int[5]
  param E[6, 4]
  param s
  emb = embedding(ids, 6, 4)
  g = E[ids[0:3]]
  h = dense(emb, 6)
  logits = h + one_hot(ids, 6) * s + sum(g) * 0.1
  output logits
  loss softmax_cross_entropy(logits, t)
}""", {"E": (6, 4), "s": (), "emb.W": (6, 4), "h.W": (6, 4), "h.b": (6,)}, {"ids": ((5,), "int", 3)}, {"t": ((5,), "int", 6)}, f6, batch=4)

# 7 scalar int label CE + cross_entropy with probabilities
def f7(P, s):
    z = lin(s["x"], P, "z")
    l1 = F.cross_entropy(z.unsqueeze(0), s["c"].reshape(1))
    p = torch.softmax(z, -1)
    l2 = -torch.log(p[s["c"]])
    return {"p": p}, l1 + 0.5 * l2
run_case("int_label", """
model C {
  input x[4]
  target c: int
  z = dense(x, 5)
  p = softmax(z)
  output p
  loss softmax_cross_entropy(z, c) + 0.5 * cross_entropy(p, c)
}""", {"z.W": (5, 4), "z.b": (5,)}, {"x": ((4,), "f")}, {"c": ((), "int", 5)}, f7, batch=4)

# 8 dense & layer_norm on rank 3, causal mask attention
def f8(P, s):
    x = s["x"]  # [2, 4, 6]
    h = ln(x, P, "h")
    d = lin(h, P, "d")  # [2,4,3]
    sc = d @ d.permute(0, 2, 1)  # [2,4,4]
    m = torch.tril(torch.ones(4, 4, dtype=torch.bool))
    a = torch.softmax(torch.where(m, sc, torch.tensor(-1e9, dtype=dt)), -1)
    o = a @ d
    return {"o": o}, F.mse_loss(o, s["y"])
run_case("rank3_attn", """
model R {
  input x[2, 4, 6]
  target y[2, 4, 3]
  h = layer_norm(x)
  d = dense(h, 3)
  sc = d @ permute(d, [0, 2, 1])
  a = softmax(where(causal_mask(4), sc, -1e9))
  o = a @ d
  output o
  loss mse(o, y)
}""", {"h.gain": (6,), "h.bias": (6,), "d.W": (3, 6), "d.b": (3,)}, {"x": ((2, 4, 6), "f")}, {"y": ((2, 4, 3), "f")}, f8)



# ---- ties after relu, gathers of rank-3 tables, cross_entropy on rows ----
def lin(x, P, n): return F.linear(x, P[n + ".W"], P[n + ".b"])

# ties in amax after relu: rows of all-negative -> zeros tie
def f1(P, s):
    x = torch.relu(s["x"] - 10 * P["a"].abs())   # many zeros
    r = x.amax(dim=1).sum() + torch.relu(s["x"]).amax(dim=0).sum()
    return {"r": r}, (r - s["y"]) ** 2
run_case("amax_ties", """
model T {
  input x[3, 4]
  target y
  param a[3, 4]
  x2 = relu(x - 10 * abs(a))
  r = sum(amax(x2, axis=1)) + sum(amax(relu(x), axis=0))
  output r
  loss (r - y)^2
}""", {"a": (3, 4)}, {"x": ((3, 4), "f")}, {"y": ((), "f")}, f1)

# elementwise max/min ties, clamp boundaries
def f2(P, s):
    a = torch.relu(s["x"]); b = torch.relu(-s["x"]) * P["w"]
    r = (torch.maximum(a, b) * 3 + torch.minimum(a, b * 0) + torch.clamp(s["x"] * P["w"], -0.5, 0.5)).sum()
    return {"r": r}, (r - s["y"]) ** 2
run_case("max_ties", """
model T2 {
  input x[6]
  target y
  param w[6]
  a = relu(x)
  b = relu(-x) * w
  r = sum(max(a, b) * 3 + min(a, b * 0) + clamp(x * w, -0.5, 0.5))
  output r
  loss (r - y)^2
}""", {"w": (6,)}, {"x": ((6,), "f")}, {"y": ((), "f")}, f2)

# gather rank-3 table with rank-2 ids
def f3(P, s):
    g = P["E"][s["ids"]]   # [2,3, 2,2]
    r = (g * g.sum()).sum() + P["E"][s["ids"][1, 2]].sum()
    return {"r": r}, (r - s["y"]) ** 2
run_case("gather_r3", """
model G {
  input ids: int[2, 3]
  target y
  param E[4, 2, 2]
  g = E[ids]
  r = sum(g * sum(g)) + sum(E[ids[1, 2]])
  output r
  loss (r - y)^2
}""", {"E": (4, 2, 2)}, {"ids": ((2, 3), "int", 4)}, {"y": ((), "f")}, f3)

# cross_entropy with probabilities [T,C] and int[T]
def f4(P, s):
    p = torch.softmax(s["x"] * P["a"], -1)
    l = F.nll_loss(torch.log(p), s["t"])
    return {"p": p}, l
run_case("ce_tc", """
model CE {
  input x[3, 4]
  target t: int[3]
  param a[3, 4]
  p = softmax(x * a)
  output p
  loss cross_entropy(p, t)
}""", {"a": (3, 4)}, {"x": ((3, 4), "f")}, {"t": ((3,), "int", 4)}, f4)

# batch norm C, C L, C H W
def bn(x, P, n, dims):
    m = x.mean(dim=dims, keepdim=True); v = x.var(dim=dims, unbiased=False, keepdim=True)
    shape = [1, -1] + [1] * (x.dim() - 2)
    return (x - m) / torch.sqrt(v + 1e-5) * P[n + ".gain"].reshape(shape) + P[n + ".bias"].reshape(shape)


# ---- ties in the data: amax, elementwise, max-pool ----
def f1(P, s):
    x = s["x"]
    r = (x.amax(dim=1) * P["a"]).sum() + (x.amax(dim=0) * P["b"]).sum()
    return {"r": r}, (r - s["y"]) ** 2
run_case("amax_input_ties", """
model T {
  input x[3, 4]
  target y
  param a[3]
  param b[4]
  r = sum(amax(x, axis=1) * a) + sum(amax(x, axis=0) * b)
  output r
  loss (r - y)^2
}""", {"a": (3,), "b": (4,)}, {"x": ((3, 4), "ties")}, {"y": ((), "f")}, f1, batch=4)

def f2(P, s):
    x = s["x"]; z = s["z"]
    w = P["w"]
    r = (torch.maximum(x, z) * w).sum() + (torch.minimum(x, z) * w * w).sum()
    r = r + (torch.relu(x) * w).sum() + (torch.abs(x) * w).sum() + (torch.clamp(x, -1, 1) * w).sum()
    r = r + (F.leaky_relu(x, 0.1) * w).sum() + (F.elu(x) * w).sum() + (F.softplus(x) * w).sum()
    return {"r": r}, (r - s["y"]) ** 2
run_case("elementwise_ties", """
model T2 {
  input x[8]
  input z[8]
  target y
  param w[8]
  r1 = sum(max(x, z) * w) + sum(min(x, z) * w * w)
  r = r1 + sum(relu(x) * w) + sum(abs(x) * w) + sum(clamp(x, -1, 1) * w) + sum(leaky_relu(x, alpha=0.1) * w) + sum(elu(x) * w) + sum(softplus(x) * w)
  output r
  loss (r - y)^2
}""", {"w": (8,)}, {"x": ((8,), "ties"), "z": ((8,), "ties")}, {"y": ((), "f")}, f2, batch=4)

def f3(P, s):
    x = s["x"] * P["a"]
    m = torch.nn.functional.max_pool2d(s["x"].unsqueeze(0), 2).squeeze(0)
    r = (m * P["b"]).sum()
    return {"r": r}, (r - s["y"]) ** 2
run_case("maxpool_ties", """
model T3 {
  input x[1, 4, 4]
  target y
  param a
  param b[1, 2, 2]
  m = maxpool2d(x, 2)
  r = sum(m * b)
  output r
  loss (r - y)^2
}""", {"a": (), "b": (1, 2, 2)}, {"x": ((1, 4, 4), "ties")}, {"y": ((), "f")}, f3, batch=4)


# ---- every elementwise function at integer-valued inputs (kinks, ties) ----
ops = {
 "max": ("sum(max(x, z) * w)", lambda x, z, w: (torch.maximum(x, z) * w).sum()),
 "min": ("sum(min(x, z) * w)", lambda x, z, w: (torch.minimum(x, z) * w).sum()),
 "relu": ("sum(relu(x) * w)", lambda x, z, w: (torch.relu(x) * w).sum()),
 "abs": ("sum(abs(x) * w)", lambda x, z, w: (torch.abs(x) * w).sum()),
 "clamp": ("sum(clamp(x, -1, 1) * w)", lambda x, z, w: (torch.clamp(x, -1, 1) * w).sum()),
 "leaky": ("sum(leaky_relu(x, alpha=0.1) * w)", lambda x, z, w: (F.leaky_relu(x, 0.1) * w).sum()),
 "elu": ("sum(elu(x) * w)", lambda x, z, w: (F.elu(x) * w).sum()),
 "softplus": ("sum(softplus(x) * w)", lambda x, z, w: (F.softplus(x) * w).sum()),
 "pow": ("sum(pow(x, 2) * w)", lambda x, z, w: (torch.pow(x, 2) * w).sum()),
 "powxz": ("sum(pow(abs(x) + 1, z) * w)", lambda x, z, w: (torch.pow(x.abs() + 1, z) * w).sum()),
 "hat": ("sum(x ^ 3 * w)", lambda x, z, w: (x ** 3 * w).sum()),
 "where": ("sum(where(x > z, x, z) * w)", lambda x, z, w: (torch.where(x > z, x, z) * w).sum()),
 "if": ("if sum(x) > 0 then sum(x * w) else sum(z * w)", lambda x, z, w: (x * w).sum() if x.sum() > 0 else (z * w).sum()),
 "gelu": ("sum(gelu(x) * w)", lambda x, z, w: (F.gelu(x) * w).sum()),
 "sqrt": ("sum(sqrt(abs(x) + 1) * w)", lambda x, z, w: (torch.sqrt(x.abs() + 1) * w).sum()),
 "huber": ("huber(x * w, z)", lambda x, z, w: F.huber_loss(x * w, z)),
 "huber_half": ("huber(x * w, z, delta=0.5)", lambda x, z, w: F.huber_loss(x * w, z, delta=0.5)),
}
for name, (expr, fn) in ops.items():
    run_case("ew_" + name, f"""
model T2 {{
  input x[8]
  input z[8]
  target y
  param w[8]
  r = {expr}
  output r
  loss (r - y)^2
}}""", {"w": (8,)}, {"x": ((8,), "ties"), "z": ((8,), "ties")}, {"y": ((), "f")},
        (lambda fn: lambda P, s: (lambda r: ({"r": r}, (r - s["y"]) ** 2))(fn(s["x"], s["z"], P["w"])))(fn), batch=4)


# ---- batch normalization (batch-coupled), recurrent layers ----
def stackk(ins, k): return torch.stack([s[k] for s in ins])
def bn_case(name, shape, dims):
    C = shape[0]
    nd = len(shape)
    def bf(P, ins):
        x = stackk(ins, "x") * 1.0
        m = torch.nn.BatchNorm1d(C, dtype=dt) if nd < 3 else torch.nn.BatchNorm2d(C, dtype=dt)
        m.train()
        with torch.no_grad():
            m.weight.copy_(P["n.gain"]); m.bias.copy_(P["n.bias"])
        # functional form so grads flow to P
        y = F.batch_norm(x, torch.zeros(C, dtype=dt), torch.ones(C, dtype=dt), P["n.gain"], P["n.bias"], training=True, momentum=0.1, eps=1e-5)
        z = torch.tanh(y) * P["w"]
        t = stackk(ins, "y")
        per = ((z - t) ** 2).reshape(len(ins), -1).mean(dim=1)
        return [{"z": z[i]} for i in range(len(ins))], per.mean()
    sh = "[" + ", ".join(map(str, shape)) + "]"
    run_case(name, f"""
model BN {{
  input x{sh}
  target y{sh}
  param w{sh}
  n = batch_norm(x)
  z = tanh(n) * w
  output z
  loss mse(z, y)
}}""", {"w": shape, "n.gain": (C,), "n.bias": (C,)}, {"x": (shape, "f")}, {"y": (shape, "f")}, None, batch=4, batch_fwd=bf)
bn_case("bn_c", (3,), None)
bn_case("bn_cl", (3, 5), None)
bn_case("bn_chw", (2, 3, 3), None)

# batch norm after conv, with momentum/eps args
def bf2(P, ins):
    x = stackk(ins, "x")
    c = F.conv2d(x, P["c.W"], P["c.b"], padding=1)
    y = F.batch_norm(c, torch.zeros(2, dtype=dt), torch.ones(2, dtype=dt), P["n.gain"], P["n.bias"], training=True, momentum=0.3, eps=1e-3)
    r = torch.relu(y).mean(dim=(2, 3))
    logits = F.linear(r, P["logits.W"], P["logits.b"])
    l = F.cross_entropy(logits, torch.stack([s["t"] for s in ins]))
    return [{"logits": logits[i]} for i in range(len(ins))], l
run_case("bn_conv", """
model BC {
  input x[1, 4, 4]
  target t: int
  c = conv2d(x, 2, 3, padding=1)
  n = batch_norm(c, momentum=0.3, eps=1e-3)
  r = mean(mean(relu(n), axis=2), axis=1)
  logits = dense(r, 3)
  output logits
  loss softmax_cross_entropy(logits, t)
}""", {"c.W": (2, 1, 3, 3), "c.b": (2,), "n.gain": (2,), "n.bias": (2,), "logits.W": (3, 2), "logits.b": (3,)}, {"x": ((1, 4, 4), "f")}, {"t": ((), "int", 3)}, None, batch=5, batch_fwd=bf2)

# recurrent layers
def rec_case(name, kind, H, n, T, act=None):
    G = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
    def f(P, s):
        if kind == "lstm": m = torch.nn.LSTM(n, H, dtype=dt)
        elif kind == "gru": m = torch.nn.GRU(n, H, dtype=dt)
        else: m = torch.nn.RNN(n, H, nonlinearity=act or "tanh", dtype=dt)
        out, _ = torch.func.functional_call(m, {"weight_ih_l0": P["r.W_ih"], "weight_hh_l0": P["r.W_hh"], "bias_ih_l0": P["r.b_ih"], "bias_hh_l0": P["r.b_hh"]}, (s["xs"].unsqueeze(1),))
        hs = out.squeeze(1)
        o = F.linear(hs, P["o.W"], P["o.b"])
        return {"o": o}, F.mse_loss(o, s["ys"]) + hs[T - 1].sum() * 0.1
    extra = f", act={act}" if act else ""
    run_case(name, f"""
model R {{
  input xs[{T}, {n}]
  target ys[{T}, 2]
  r = {kind}(xs, {H}{extra})
  o = dense(r, 2)
  output o
  loss mse(o, ys) + sum(r[{T - 1}]) * 0.1
}}""", {"r.W_ih": (G * H, n), "r.W_hh": (G * H, H), "r.b_ih": (G * H,), "r.b_hh": (G * H,), "o.W": (2, H), "o.b": (2,)},
      {"xs": ((T, n), "f")}, {"ys": ((T, 2), "f")}, f, batch=3)
rec_case("lstm", "lstm", 5, 3, 6)
rec_case("gru", "gru", 5, 3, 6)
rec_case("rnn", "rnn", 5, 3, 6)
rec_case("rnn_relu", "rnn", 4, 3, 5, act="relu")
rec_case("lstm_long", "lstm", 3, 2, 40)


# ---- broadcast @, float-target softmax_cross_entropy on rows, where, for/state, multi-head ----
def f1(P, s):
    x = s["x"]  # [1,3,4]
    y = x @ P["B"]    # [1,3,4]@[2,4,5] -> [2,3,5]
    r = (y.tanh() * P["C"]).sum() + torch.logsumexp(P["v"], 0) + torch.dot(P["v"], P["v"]) + torch.outer(P["v"], P["u"]).sum()
    r = r + (x.reshape(-1) * P["f"]).sum() + x.mean() + (P["M"].T @ P["u"]).sum()
    return {"r": r}, (r - s["y"]) ** 2
run_case("mm_bcast", """
model MB {
  input x[1, 3, 4]
  target y
  param B[2, 4, 5]
  param A[3, 2]
  param C[2, 3, 5]
  param v[4]
  param u[3]
  param f[12]
  param M[3, 4]
  r1 = sum(tanh(x @ B) * C) + logsumexp(v) + dot(v, v) + sum(outer(v, u))
  r = r1 + sum(flatten(x) * f) + mean(x) + sum(M.T @ u)
  output r
  loss (r - y)^2
}""", {"B": (2, 4, 5), "A": (3, 2), "C": (2, 3, 5), "v": (4,), "u": (3,), "f": (12,), "M": (3, 4)}, {"x": ((1, 3, 4), "f")}, {"y": ((), "f")}, f1)

def f2(P, s):
    z = s["x"] * P["a"]
    l = -(s["y"] * torch.log_softmax(z, -1)).sum()
    return {"p": torch.softmax(z, -1)}, l
run_case("sce_onehot_tc", """
model S {
  input x[3, 4]
  target y[3, 4]
  param a[3, 4]
  z = x * a
  output p
  p = softmax(z)
  loss softmax_cross_entropy(z, y)
}""", {"a": (3, 4)}, {"x": ((3, 4), "f")}, {"y": ((3, 4), "prob")}, f2)

def f3(P, s):
    x = s["x"]
    mask = s["m"] > 0   # [3,1]
    w = torch.where(mask, x * P["a"], P["b"])
    r = w.sum() + torch.cat([x, P["a"]], 0).pow(2).sum()
    return {"w": w}, (r - s["y"]) ** 2
run_case("where_bcast", """
model W {
  input x[3, 4]
  input m[3, 1]
  target y
  param a[3, 4]
  param b[4]
  w = where(m > 0, x * a, b)
  r = sum(w) + sum(concat(x, a)^2)
  output w
  loss (r - y)^2
}""", {"a": (3, 4), "b": (4,)}, {"x": ((3, 4), "f"), "m": ((3, 1), "f")}, {"y": ((), "f")}, f3)

def f4(P, s):
    h = torch.zeros(4, dtype=dt); l = 0
    for t in range(5):
        h = torch.tanh(P["Wx"] @ s["xs"][t] + P["Wh"] @ h + P["bh"])
        l = l + F.mse_loss(P["Wy"] @ h, s["ys"][t])
    return {"h": h}, l
run_case("for_state", """
model TinyRnn {
  input  xs[5, 3]
  target ys[5, 2]
  param  Wx[4, 3]
  param  Wh[4, 4]
  param  bh[4]
  param  Wy[2, 4]
  state  h[4] = zeros
  for t in 0..5 {
    h = tanh(Wx @ xs[t] + Wh @ h + bh)
    loss += mse(Wy @ h, ys[t])
  }
  output h
}""", {"Wx": (4, 3), "Wh": (4, 4), "bh": (4,), "Wy": (2, 4)}, {"xs": ((5, 3), "f")}, {"ys": ((5, 2), "f")}, f4)

def f5(P, s):
    q = s["x"] @ P["Wq"]  # [6, 4]
    qh = q.reshape(6, 2, 2).permute(1, 0, 2)  # [2,6,2]
    sc = qh @ qh.transpose(1, 2) / 2 ** 0.5
    a = torch.softmax(torch.where(torch.tril(torch.ones(6, 6, dtype=torch.bool)), sc, torch.tensor(-1e9, dtype=dt)), -1)
    c = (a @ qh).permute(1, 0, 2).reshape(6, 4)
    lse = torch.logsumexp(c, dim=-1)
    l = F.cross_entropy(c, s["t"]) + lse.mean() + c.amax(-1).sum() * 0.1
    return {"c": c}, l
run_case("attn_mh_ce", """
model A {
  input x[6, 3]
  target t: int[6]
  param Wq[3, 4]
  q = x @ Wq
  qh = permute(reshape(q, [6, 2, 2]), [1, 0, 2])
  sc = qh @ permute(qh, [0, 2, 1]) / sqrt(2)
  a = softmax(where(causal_mask(6), sc, -1e9))
  c = reshape(permute(a @ qh, [1, 0, 2]), [6, 4])
  output c
  loss softmax_cross_entropy(c, t) + mean(logsumexp(c, axis=-1)) + sum(amax(c, axis=-1)) * 0.1
}""", {"Wq": (3, 4)}, {"x": ((6, 3), "f")}, {"t": ((6,), "int", 4)}, f5)


# ---- rows and rank-3 losses, stack, embedding into lstm ----
# cross_entropy on [T,C] with float targets, fused from softmax along rows
def f1(P, s):
    z = s["x"] * P["a"]
    p = torch.softmax(z, -1)
    l = -(s["y"] * torch.log(p)).sum()
    return {"p": p}, l
run_case("ce_softmax_rows", """
model S {
  input x[3, 4]
  target y[3, 4]
  param a[3, 4]
  p = softmax(x * a)
  output p
  loss cross_entropy(p, y)
}""", {"a": (3, 4)}, {"x": ((3, 4), "f")}, {"y": ((3, 4), "prob")}, f1)
# rank-3 softmax_cross_entropy with float targets
def f2(P, s):
    z = s["x"] * P["a"]
    l = -(s["y"] * torch.log_softmax(z, -1)).sum()
    return {"z": z}, l
run_case("sce_rank3", """
model S3 {
  input x[2, 3, 4]
  target y[2, 3, 4]
  param a[2, 3, 4]
  z = x * a
  output z
  loss softmax_cross_entropy(z, y)
}""", {"a": (2, 3, 4)}, {"x": ((2, 3, 4), "f")}, {"y": ((2, 3, 4), "prob")}, f2)
# stack of matrices, reshape, .T, mean axis
def f3(P, s):
    a = s["x"] @ P["W"]    # [3,2]
    st = torch.stack([a, a.sin(), P["B"]])   # [3,3,2]
    r = st.reshape(9, 2).T  # [2,9]
    m = r.mean(dim=1)   # [2]
    return {"m": m}, F.mse_loss(m, s["y"])
run_case("stack_mat", """
model St {
  input x[3, 4]
  target y[2]
  param W[4, 2]
  param B[3, 2]
  a = x @ W
  st = stack(a, sin(a), B)
  r = reshape(st, [9, 2]).T
  m = mean(r, axis=1)
  output m
  loss mse(m, y)
}""", {"W": (4, 2), "B": (3, 2)}, {"x": ((3, 4), "f")}, {"y": ((2,), "f")}, f3)
# gru in a loop? lstm followed by attention-ish; embedding -> lstm -> dense CE int
def f4(P, s):
    e = P["emb.W"][s["ids"]]
    m = torch.nn.LSTM(3, 4, dtype=dt)
    out, _ = torch.func.functional_call(m, {"weight_ih_l0": P["r.W_ih"], "weight_hh_l0": P["r.W_hh"], "bias_ih_l0": P["r.b_ih"], "bias_hh_l0": P["r.b_hh"]}, (e.unsqueeze(1),))
    hs = out.squeeze(1)
    lo = F.linear(hs, P["o.W"], P["o.b"])
    return {"o": lo}, F.cross_entropy(lo, s["t"])
run_case("emb_lstm_ce", """
model EL {
  input ids: int[7]
  target t: int[7]
  emb = embedding(ids, 5, 3)
  r = lstm(emb, 4)
  o = dense(r, 5)
  output o
  loss softmax_cross_entropy(o, t)
}""", {"emb.W": (5, 3), "r.W_ih": (16, 3), "r.W_hh": (16, 4), "r.b_ih": (16,), "r.b_hh": (16,), "o.W": (5, 4), "o.b": (5,)},
 {"ids": ((7,), "int", 5)}, {"t": ((7,), "int", 5)}, f4)


# ---- convolutions and pooling, extreme logits, layer_norm/gelu/elu/huber ----
def f1(P, s):
    x = s["x"]
    c = F.conv2d(x, P["c.W"], P["c.b"], stride=2, padding=1)
    m = F.max_pool2d(torch.tanh(c), 2, stride=1)
    a = F.avg_pool2d(c, 2, stride=2)
    r = (m ** 2).sum() + a.sum()
    return {"r": r}, (r - s["y"]) ** 2
run_case("conv_pool", """
model C {
  input x[2, 7, 7]
  target y
  c = conv2d(x, 3, 3, stride=2, padding=1)
  m = maxpool2d(tanh(c), 2, stride=1)
  a = avgpool2d(c, 2)
  r = sum(m^2) + sum(a)
  output r
  loss (r - y)^2
}""", {"c.W": (3, 2, 3, 3), "c.b": (3,)}, {"x": ((2, 7, 7), "f")}, {"y": ((), "f")}, f1)
def f2(P, s):
    z = s["x"] * P["a"] * 30
    l = F.binary_cross_entropy_with_logits(z, s["y"]) + F.binary_cross_entropy(torch.sigmoid(z / 30), s["y"]) + F.softplus(z).mean() * 0.01
    return {"z": z}, l
run_case("bce_extreme", """
model B {
  input x[5]
  target y[5]
  param a[5]
  z = x * a * 30
  output z
  loss bce_with_logits(z, y) + bce(sigmoid(z / 30), y) + mean(softplus(z)) * 0.01
}""", {"a": (5,)}, {"x": ((5,), "f")}, {"y": ((5,), "prob")}, f2)
def f3(P, s):
    h = F.layer_norm(s["x"], (6,), P["h.gain"], P["h.bias"], eps=1e-5)
    g = F.gelu(F.linear(h, P["d.W"], P["d.b"]))
    e = F.elu(g, alpha=0.5)
    l = F.huber_loss(e, s["y"], delta=0.3)
    return {"e": e}, l
run_case("ln_gelu_elu_huber", """
model L {
  input x[6]
  target y[4]
  h = layer_norm(x)
  d = dense(h, 4, gelu)
  e = elu(d, alpha=0.5)
  output e
  loss huber(e, y, delta=0.3)
}""", {"h.gain": (6,), "h.bias": (6,), "d.W": (4, 6), "d.b": (4,)}, {"x": ((6,), "f")}, {"y": ((4,), "f")}, f3)

print("failed:" if fails else "all cases agree", " ".join(fails))
sys.exit(1 if fails else 0)
