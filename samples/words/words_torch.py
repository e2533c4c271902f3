"""The PyTorch twin of words.nn: the same model, data split, initialization distributions and
training (Adam lr 0.003, batch 32, 4 epochs, a fresh shuffle per epoch, every partial batch
kept), on one thread. Prints the held-out loss (mean cross-entropy over the 16 positions, as
`deltac train` reports it), the training time and samples/s, the CPU time, and 20 sampled words.

  python samples/words/words_torch.py [DATA_DIR] [EPOCHS]    # DATA_DIR: samples/words/data
"""
import csv
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

T, V, D, H, HD, M = 16, 27, 32, 4, 8, 64
torch.set_num_threads(1)
torch.manual_seed(0)


def load(path):
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    t = torch.tensor([[int(v) for v in r] for r in rows], dtype=torch.long)
    return t[:, :T], t[:, T:]


def linear(n_in, n_out, relu=False):
    lin = nn.Linear(n_in, n_out)
    # As words.nn's dense: he = normal(0, sqrt(2 / fan_in)) before relu, else xavier uniform; zero bias.
    if relu:
        nn.init.normal_(lin.weight, 0.0, math.sqrt(2.0 / n_in))
    else:
        nn.init.xavier_uniform_(lin.weight)
    nn.init.zeros_(lin.bias)
    return lin


class Words(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(V, D)  # normal(0, 1)
        self.pos = nn.Parameter(torch.randn(T, D) * 0.02)
        self.h1 = nn.LayerNorm(D)
        self.q, self.k, self.v, self.o = (linear(D, D) for _ in range(4))
        self.h2 = nn.LayerNorm(D)
        self.m1 = linear(D, M, relu=True)
        self.m2 = linear(M, D)
        self.hf = nn.LayerNorm(D)
        self.logits = linear(D, V)
        self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)))

    def forward(self, ids):
        b = ids.shape[0]
        x = self.tok(ids) + self.pos
        h = self.h1(x)
        q = self.q(h).reshape(b, T, H, HD).transpose(1, 2)
        k = self.k(h).reshape(b, T, H, HD).transpose(1, 2)
        v = self.v(h).reshape(b, T, H, HD).transpose(1, 2)
        s = q @ k.transpose(2, 3) / math.sqrt(HD)
        a = torch.softmax(s.masked_fill(~self.mask, -1e9), dim=-1)
        c = (a @ v).transpose(1, 2).reshape(b, T, D)
        r = x + self.o(c)
        r2 = r + self.m2(F.relu(self.m1(self.h2(r))))
        return self.logits(self.hf(r2))


def loss_of(model, ids, nxt):
    return F.cross_entropy(model(ids).reshape(-1, V), nxt.reshape(-1))


def train(model, default_epochs):
    """Trains `model` on DATA_DIR (argv 1, default: data/ beside this file) for EPOCHS (argv 2,
    default `default_epochs`) the way both twins do (Adam 0.003, batch 32, a fresh shuffle per
    epoch, every partial batch kept), then prints the held-out loss, the time and 20 sampled words.
    lstm_torch.py calls it with its own model."""
    here = os.path.dirname(os.path.abspath(__file__))
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "data")
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else default_epochs
    xs, ys = load(os.path.join(data, "train.csv"))
    txs, tys = load(os.path.join(data, "test.csv"))
    opt = torch.optim.Adam(model.parameters(), lr=0.003)
    n = xs.shape[0]
    trained = 0
    seconds = 0.0
    cpu = 0.0
    for epoch in range(epochs):
        order = torch.randperm(n)
        t0 = time.perf_counter()
        c0 = time.process_time()
        for i in range(0, n, 32):
            idx = order[i:i + 32]
            loss = loss_of(model, xs[idx], ys[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
        trained += n
        with torch.no_grad():
            held = loss_of(model, txs, tys).item()
        print("epoch %d: train loss %.4f (last batch), held-out loss %.4f" % (epoch + 1, loss.item(), held))
    with torch.no_grad():
        held = loss_of(model, txs, tys).item()
    print("PyTorch %s, 1 thread: %d epochs, %d training samples, trained in %.1f s (%.0f samples/s),"
          " %.1f s CPU" % (torch.__version__, epochs, n, seconds, trained / seconds, cpu))
    print("held-out loss %.4f per character over %d words" % (held, txs.shape[0]))
    g = torch.Generator().manual_seed(1)
    words = []
    with torch.no_grad():
        for _ in range(20):
            ids = torch.zeros(1, T, dtype=torch.long)
            w = ""
            for t in range(T - 1):
                p = torch.softmax(model(ids)[0, t], dim=-1)
                c = int(torch.multinomial(p, 1, generator=g))
                if c == 0:
                    break
                w += chr(ord("a") + c - 1)
                ids[0, t + 1] = c
            words.append(w)
    print("sampled: " + " ".join(words))


def main():
    train(Words(), 4)


if __name__ == "__main__":
    main()
