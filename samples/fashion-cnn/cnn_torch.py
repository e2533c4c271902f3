"""The fashion-cnn sample's twin in PyTorch 2: the same net (fashion_cnn.nn), Adam lr 1e-3 with a
cosine schedule over all steps, batch 64, every partial batch kept, trained on the full
Fashion-MNIST training set and tested on the 10 000 test images after each epoch.

    python samples/fashion-cnn/cnn_torch.py [data dir] [epochs] [threads]

It prints per epoch the test accuracy and the training samples/s (the training loop alone, as
`deltac train` reports "the steps alone"), and the CPU time of the training loop.
"""
import gzip
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def images(name):
    return torch.tensor(idx(name), dtype=torch.float32).div_(255.0).unsqueeze(1)


def model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(128, 10))


def main():
    global DATA
    DATA = sys.argv[1] if len(sys.argv) > 1 else DATA
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    xs = images("train-images-idx3-ubyte.gz")
    ys = torch.tensor(idx("train-labels-idx1-ubyte.gz"), dtype=torch.long)
    tx = images("t10k-images-idx3-ubyte.gz")
    ty = torch.tensor(idx("t10k-labels-idx1-ubyte.gz"), dtype=torch.long)
    net = model()
    batch = 64
    steps = epochs * math.ceil(len(xs) / batch)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=0.0)
    wall, cpu = 0.0, 0.0
    print(f"PyTorch {torch.__version__}, {threads} thread(s), {epochs} epochs of batch {batch}, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for epoch in range(epochs):
        net.train()
        w0, c0 = time.perf_counter(), time.process_time()
        order = torch.randperm(len(xs))
        for i in range(0, len(xs), batch):
            b = order[i:i + batch]
            loss = F.cross_entropy(net(xs[b]), ys[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        net.eval()
        with torch.no_grad():
            correct = sum((net(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item()
                          for i in range(0, len(tx), 1000))
        print(f"epoch {epoch + 1}: test accuracy {100.0 * correct / len(tx):.2f}%, "
              f"{(epoch + 1) * len(xs) / wall:.0f} samples/s ({wall:.1f} s, {cpu:.1f} s CPU)",
              flush=True)


if __name__ == "__main__":
    main()
