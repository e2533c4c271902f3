"""The fashion-cnn sample in PyTorch 2 (conv 3x3 same 32, relu, maxpool 2, conv 3x3 same 32, relu,
maxpool 2, dense 128 relu, dropout 0.25, dense 10, softmax cross-entropy, Adam lr 1e-3), training
steps at batch 64 on random data of the sample's shapes: samples/s by wall time and by process
CPU time, rounds alternating between the thread counts (companion of CnnStepReport).

    python benchmarks/cnn_torch.py [steps] [rounds] [threads,...]
    DELTAC_TORCH_MODEL=resnet python benchmarks/cnn_torch.py ...   # the fashion-resnet sample
        (samples/fashion-resnet/resnet_torch.py's Resnet), companion of
        CnnStepReport samples/fashion-resnet/fashion_resnet.nn
"""
import os
import sys
import time

import torch
from torch import nn


def model():
    if os.environ.get("DELTAC_TORCH_MODEL") == "resnet":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                        "samples", "fashion-resnet"))
        from resnet_torch import Resnet
        return Resnet()
    # the fashion-cnn sample's twin defines the net (samples/fashion-cnn/cnn_torch.py; loaded by
    # path, since this file has the same module name)
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples", "fashion-cnn",
                        "cnn_torch.py")
    spec = importlib.util.spec_from_file_location("fashion_cnn_torch", path)
    twin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(twin)
    return twin.model()


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    counts = [int(t) for t in (sys.argv[3] if len(sys.argv) > 3 else "1,2").split(",")]
    batch = 64
    torch.manual_seed(1)
    g = torch.Generator().manual_seed(3)
    x = torch.rand(batch, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (batch,), generator=g)
    nets = [model() for _ in counts]
    opts = [torch.optim.Adam(n.parameters(), lr=1e-3) for n in nets]
    loss_fn = nn.CrossEntropyLoss()
    print(f"PyTorch {torch.__version__}, batch {batch}, {steps} steps per round, "
          f"load average {os.getloadavg()[0]:.2f}")
    for r in range(rounds + 1):  # round 0 warms up
        for net, opt, t in zip(nets, opts, counts):
            torch.set_num_threads(t)
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(steps):
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(net(x), y)
                loss.backward()
                opt.step()
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            if r == 0:
                continue
            n = steps * batch
            print(f"round {r} threads {t}: {n / wall:.0f} samples/s wall, "
                  f"{n / cpu:.0f} samples/s per CPU-second, {wall * 1e3 / steps:.2f} ms/step, "
                  f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
