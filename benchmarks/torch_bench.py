#!/usr/bin/env python3
"""Times one float32 training step (forward, backward, SGD) of the issue 7 workloads in PyTorch
on one thread; prints `workload median_microseconds` lines (TORCH_BENCH_STAT=min: the fastest
step instead, for side by sides with a best-of harness on a loaded machine)."""
import os, sys, time
import torch
import torch.nn as nn

torch.set_num_threads(1)
torch.manual_seed(0)


class TinyRnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.wx = nn.Linear(3, 16, bias=False)
        self.wh = nn.Linear(16, 16)
        self.wy = nn.Linear(16, 2, bias=False)

    def forward(self, xs, ys):
        h = torch.zeros(xs.shape[0], 16)
        loss = 0
        for t in range(8):
            h = torch.tanh(self.wx(xs[:, t]) + self.wh(h))
            loss = loss + ((self.wy(h) - ys[:, t]) ** 2).mean(dim=1)
        return loss.mean()


def workload(key):
    name, b = key.split("_b")
    b = int(b)
    if name == "xor":
        net = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
        x, y = torch.rand(b, 2), torch.rand(b, 1)
        lossf = lambda: nn.functional.binary_cross_entropy(net(x), y)
    elif name in ("mlp", "deep"):
        if name == "mlp":
            net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
            x = torch.rand(b, 784) * 2 - 1
        else:
            layers = []
            for _ in range(4):
                layers += [nn.Linear(256, 256), nn.Tanh()]
            net = nn.Sequential(*layers, nn.Linear(256, 10))
            x = torch.rand(b, 256) * 2 - 1
        y = torch.randint(0, 10, (b,))
        lossf = lambda: nn.functional.cross_entropy(net(x), y)
    else:
        net = TinyRnn()
        x, y = torch.rand(b, 8, 3), torch.rand(b, 8, 2)
        lossf = lambda: net(x, y)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = lossf()
        loss.backward()
        opt.step()
    return step


def main():
    keys = sys.argv[1].split(",") if len(sys.argv) > 1 else [
        "xor_b4", "mlp_b1", "mlp_b32", "mlp_b256", "deep_b64", "rnn_b32"]
    for key in keys:
        step = workload(key)
        for _ in range(50):
            step()
        times = []
        deadline = time.perf_counter() + 2.0
        while time.perf_counter() < deadline or len(times) < 20:
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        times.sort()
        pick = times[0] if os.environ.get("TORCH_BENCH_STAT") == "min" else times[len(times) // 2]
        print(key, "%.2f" % (pick * 1e6), flush=True)


if __name__ == "__main__":
    main()
