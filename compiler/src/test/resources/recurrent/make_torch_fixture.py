"""Makes torch_fixture.txt: torch.nn.LSTM / GRU / RNN (tanh and relu) outputs and gradients in
float64, for RecurrentTorchFixtureTest.

Run with a PyTorch 2 python:  python make_torch_fixture.py > torch_fixture.txt

Each case: a layer of T steps, n inputs, H hidden units (batch_first, zero initial state), its
params as PyTorch initializes them (uniform(-1/sqrt(H), 1/sqrt(H)), seeded), a batch of B input
sequences xs and targets ys, and the loss mean over the batch of sum(hs * ys). Written: every param,
xs, ys, hs, the loss, the gradient of every param and of xs. One line per array: `name v1 v2 ...`,
row-major, repr of float64 (exact round trip).
"""
import torch

torch.set_default_dtype(torch.float64)

CASES = [
    ("lstm", torch.nn.LSTM, {}, 5, 3, 4),
    ("gru", torch.nn.GRU, {}, 6, 2, 3),
    ("rnn_tanh", torch.nn.RNN, {"nonlinearity": "tanh"}, 4, 3, 5),
    ("rnn_relu", torch.nn.RNN, {"nonlinearity": "relu"}, 4, 3, 5),
]
B = 3


def line(name, t):
    print(name + " " + " ".join(repr(float(v)) for v in t.detach().reshape(-1).tolist()))


for k, (case, cls, kw, T, n, H) in enumerate(CASES):
    torch.manual_seed(100 + k)
    layer = cls(n, H, batch_first=True, **kw)
    xs = torch.randn(B, T, n, requires_grad=True)
    ys = torch.randn(B, T, H)
    hs, _ = layer(xs)
    loss = (hs * ys).sum() / B
    loss.backward()
    print(f"case {case} {T} {n} {H} {B}")
    for p in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]:
        line(p, getattr(layer, p))
    line("xs", xs)
    line("ys", ys)
    line("hs", hs)
    line("loss", loss.reshape(1))
    for p in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]:
        line("grad_" + p, getattr(layer, p).grad)
    line("grad_xs", xs.grad)
