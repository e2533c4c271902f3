"""Writes attention_block.txt: values and gradients of attention_block.nn computed by PyTorch.

Run with a PyTorch 2 python from the repository root:
  python compiler/src/test/resources/torch/attention_block.py
Every number is float64, written with repr (round-trip exact). Lines are
`<kind> <name> <values...>`: param, input, target (two samples, back to back), output (per
sample), loss (the batch mean of the per-sample mse, which is F.mse_loss over both), grad
(of the loss per param) and inputgrad.
"""
import os
import torch
import torch.nn.functional as F

torch.manual_seed(13)
T, D, H, HD, M = 4, 6, 2, 3, 12
dt = torch.float64


def p(*shape, scale=0.5):
    return (torch.randn(*shape, dtype=dt) * scale).requires_grad_()


params = {
    "h1.gain": (1 + p(D, scale=0.2)).detach().requires_grad_(), "h1.bias": p(D, scale=0.2),
    "q.W": p(D, D), "q.b": p(D, scale=0.1),
    "k.W": p(D, D), "k.b": p(D, scale=0.1),
    "v.W": p(D, D), "v.b": p(D, scale=0.1),
    "p.W": p(D, D), "p.b": p(D, scale=0.1),
    "h2.gain": (1 + p(D, scale=0.2)).detach().requires_grad_(), "h2.bias": p(D, scale=0.2),
    "m1.W": p(M, D), "m1.b": p(M, scale=0.1),
    "m2.W": p(D, M), "m2.b": p(D, scale=0.1),
}
xs = torch.randn(2, T, D, dtype=dt).requires_grad_()
ys = torch.randn(2, T, D, dtype=dt)


def block(x):
    P = params
    h1 = F.layer_norm(x, (D,), P["h1.gain"], P["h1.bias"], eps=1e-5)
    q = F.linear(h1, P["q.W"], P["q.b"]).reshape(T, H, HD).permute(1, 0, 2)
    k = F.linear(h1, P["k.W"], P["k.b"]).reshape(T, H, HD).permute(1, 0, 2)
    v = F.linear(h1, P["v.W"], P["v.b"]).reshape(T, H, HD).permute(1, 0, 2)
    s = q @ k.permute(0, 2, 1) / HD ** 0.5
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    a = torch.softmax(torch.where(mask, s, torch.tensor(-1e9, dtype=dt)), dim=-1)
    c = (a @ v).permute(1, 0, 2).reshape(T, D)
    r = x + F.linear(c, P["p.W"], P["p.b"])
    h2 = F.layer_norm(r, (D,), P["h2.gain"], P["h2.bias"], eps=1e-5)
    m1 = F.gelu(F.linear(h2, P["m1.W"], P["m1.b"]))
    return r + F.linear(m1, P["m2.W"], P["m2.b"])


outs = torch.stack([block(xs[i]) for i in range(2)])
loss = F.mse_loss(outs, ys)
loss.backward()


def line(kind, name, t):
    return kind + " " + name + " " + " ".join(repr(float(v)) for v in t.detach().reshape(-1)) + "\n"


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "attention_block.txt"), "w") as f:
    f.write("# made by attention_block.py with torch " + torch.__version__ + "\n")
    for n, t in params.items():
        f.write(line("param", n, t))
    f.write(line("input", "xs", xs))
    f.write(line("target", "y", ys))
    for i in range(2):
        f.write(line("output", str(i), outs[i]))
    f.write(line("loss", "loss", loss.reshape(1)))
    for n, t in params.items():
        f.write(line("grad", n, t.grad))
    f.write(line("inputgrad", "xs", xs.grad))
