"""Makes the PyTorch fixtures of BatchNormTorchTest (float64, training mode).

Run from this folder with a python that has torch 2:  python make_fixtures.py
Each case: one training step on batch A (loss, outputs, gradients of gain, bias and the input,
running statistics after it), a second step on batch B (running statistics after it), then
eval-mode outputs and loss on batch A (inference with the running statistics).
The .nn twins are in BatchNormTorchTest.
"""
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

CASES = [
    # name, module, per-sample shape, batch
    ("bn1d_vector", torch.nn.BatchNorm1d(3), (3,), 4),
    ("bn1d_sequence", torch.nn.BatchNorm1d(3, momentum=0.3, eps=1e-3), (3, 5), 3),
    ("bn2d_image", torch.nn.BatchNorm2d(2), (2, 3, 4), 5),
]


def line(f, name, t):
    f.write(name + " " + " ".join(repr(float(v)) for v in t.detach().reshape(-1).tolist()) + "\n")


for name, bn, shape, batch in CASES:
    bn = bn.double()
    with torch.no_grad():
        bn.weight.copy_(torch.rand(bn.num_features) + 0.5)
        bn.bias.copy_(torch.randn(bn.num_features) * 0.3)
    xa = (torch.randn(batch, *shape) * 1.5 + 0.7).requires_grad_(True)
    ya = torch.randn(batch, *shape)
    xb = torch.randn(batch, *shape) * 0.8 - 0.2
    yb = torch.randn(batch, *shape)
    with open(name + ".txt", "w") as f:
        f.write("# made by make_fixtures.py with torch " + torch.__version__ + "\n")
        f.write("batch " + str(batch) + "\n")
        line(f, "gain", bn.weight)
        line(f, "bias", bn.bias)
        line(f, "xa", xa)
        line(f, "ya", ya)
        line(f, "xb", xb)
        line(f, "yb", yb)
        bn.train()
        out = bn(xa)
        loss = torch.nn.functional.mse_loss(out, ya)
        loss.backward()
        line(f, "loss", loss)
        line(f, "out", out)
        line(f, "dgain", bn.weight.grad)
        line(f, "dbias", bn.bias.grad)
        line(f, "dx", xa.grad)
        line(f, "running_mean1", bn.running_mean)
        line(f, "running_var1", bn.running_var)
        bn(xb)
        line(f, "running_mean2", bn.running_mean)
        line(f, "running_var2", bn.running_var)
        bn.eval()
        with torch.no_grad():
            out = bn(xa)
            line(f, "eval_out", out)
            line(f, "eval_loss", torch.nn.functional.mse_loss(out, ya))
