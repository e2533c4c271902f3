"""The PyTorch twin of fashion_resnet.nn trained with `--augment flip,shift=2`: the same model,
initialization distributions and training (AdamW lr 0.002 with weight decay 0.05, dropout 0.3
before the dense layer, batch 64, a cosine schedule over every step of the run down to 0, a fresh
shuffle per epoch, the partial batch kept, every training image shifted by dy, dx uniform in
[-2, 2] with zero fill and then mirrored left-right with probability 1/2, as Deltac's
Augmentation), on one thread unless told otherwise. Reads the
IDX files of Fashion-MNIST as `deltac train --data DIR` does (pixels / 255) and prints the test
accuracy after every epoch, the training time and the samples/s.

  python samples/fashion-resnet/resnet_torch.py [DATA_DIR] [EPOCHS] [THREADS]
      # DATA_DIR: /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)
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
EPOCHS = 24
SHIFT = 2  # --augment flip,shift=2


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def images(name):
    return torch.tensor(idx(name), dtype=torch.float32).div_(255.0).unsqueeze(1)


def conv(c_in, c_out, stride=1):
    layer = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1)
    # As fashion_resnet.nn's conv2d without an activation: xavier uniform with Deltac's fans
    # (fan_in = c_in * 3 * 3, fan_out = c_out, the [out, in...] rule), zero bias.
    a = math.sqrt(6.0 / (c_in * 9 + c_out))
    nn.init.uniform_(layer.weight, -a, a)
    nn.init.zeros_(layer.bias)
    return layer


def augment(x, shift=SHIFT):
    """Each image of x [B, C, H, W] shifted, out[y][x] = in[y + dy][x + dx] with dy, dx uniform
    in [-shift, shift] and 0 outside (RandomCrop(padding=shift)), then mirrored left-right with
    probability 1/2 (RandomHorizontalFlip): deltac train --augment flip,shift=2."""
    b, c, h, w = x.shape
    mirror = torch.rand(b) < 0.5
    dy = torch.randint(-shift, shift + 1, (b,))
    dx = torch.randint(-shift, shift + 1, (b,))
    padded = F.pad(x, (shift, shift, shift, shift))
    rows = torch.arange(h)[None, :] + dy[:, None] + shift                          # [B, H]
    cols = torch.arange(w)[None, :].expand(b, w)
    cols = torch.where(mirror[:, None], w - 1 - cols, cols) + dx[:, None] + shift   # [B, W]
    out = padded[torch.arange(b)[:, None, None, None], torch.arange(c)[None, :, None, None],
                 rows[:, None, :, None], cols[:, None, None, :]]
    return out


class Block(nn.Module):
    """conv-BN-relu-conv-BN plus the skip, relu (fashion_resnet.nn's residual blocks)."""

    def __init__(self, c):
        super().__init__()
        self.c1, self.b1 = conv(c, c), nn.BatchNorm2d(c)
        self.c2, self.b2 = conv(c, c), nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(self.b2(self.c2(F.relu(self.b1(self.c1(x))))) + x)


class Resnet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c0, self.b0 = conv(1, 24), nn.BatchNorm2d(24)
        self.r1 = Block(24)
        self.c3, self.b3 = conv(24, 48, stride=2), nn.BatchNorm2d(48)
        self.r2 = Block(48)
        self.c6, self.b6 = conv(48, 96, stride=2), nn.BatchNorm2d(96)
        self.r3 = Block(96)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(96, 10)
        a = math.sqrt(6.0 / (96 + 10))
        nn.init.uniform_(self.head.weight, -a, a)
        nn.init.zeros_(self.head.bias)

    def forward(self, x):
        p0 = F.max_pool2d(F.relu(self.b0(self.c0(x))), 2)             # [24, 14, 14]
        r1 = self.r1(p0)
        r2 = self.r2(F.relu(self.b3(self.c3(r1))))                   # [48, 7, 7]
        r3 = self.r3(F.relu(self.b6(self.c6(r2))))                   # [96, 4, 4]
        return self.head(self.drop(r3.mean(dim=(2, 3))))


def main():
    global DATA, EPOCHS
    DATA = sys.argv[1] if len(sys.argv) > 1 else DATA
    EPOCHS = int(sys.argv[2]) if len(sys.argv) > 2 else EPOCHS
    torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    torch.manual_seed(1)
    xs, ys = images("train-images-idx3-ubyte.gz"), torch.tensor(idx("train-labels-idx1-ubyte.gz"), dtype=torch.long)
    tx, ty = images("t10k-images-idx3-ubyte.gz"), torch.tensor(idx("t10k-labels-idx1-ubyte.gz"), dtype=torch.long)
    model = Resnet()
    batch = 64
    steps = EPOCHS * math.ceil(len(xs) / batch)
    opt = torch.optim.AdamW(model.parameters(), lr=0.002, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=0.0)
    train_time = 0.0
    for epoch in range(EPOCHS):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(xs))
        for i in range(0, len(xs), batch):
            idx_b = order[i:i + batch]
            loss = F.cross_entropy(model(augment(xs[idx_b])), ys[idx_b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        train_time += time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            correct = sum((model(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item()
                          for i in range(0, len(tx), 1000))
        print(f"epoch {epoch + 1}: test accuracy {100.0 * correct / len(tx):.2f}%, "
              f"{(epoch + 1) * len(xs) / train_time:.0f} samples/s", flush=True)
    print(f"trained {EPOCHS} epochs in {train_time:.0f} s")


if __name__ == "__main__":
    main()
