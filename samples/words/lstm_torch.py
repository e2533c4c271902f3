"""The PyTorch twin of lstm.nn: the same model, data split, initialization distributions and
training (Adam lr 0.003, batch 32, 3 epochs, a fresh shuffle per epoch, every partial batch
kept), on one thread. Prints the held-out loss (mean cross-entropy over the 16 positions, as
`deltac train` reports it, so per character including the end and the padding), the training
time and samples/s, the process's CPU time, and 20 sampled words.

  python samples/words/lstm_torch.py [DATA_DIR] [EPOCHS]    # DATA_DIR: samples/words/data
"""
import csv
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

T, V, E, H = 16, 27, 16, 64
torch.set_num_threads(1)
torch.manual_seed(0)


def load(path):
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    t = torch.tensor([[int(v) for v in r] for r in rows], dtype=torch.long)
    return t[:, :T], t[:, T:]


class WordsLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.e = nn.Embedding(V, E)  # normal(0, 1), as lstm.nn's embedding
        # PyTorch's default init, uniform(-1/sqrt(H), 1/sqrt(H)) for all four tensors, is the
        # one dsl.md section 9 gives lstm(xs, H); weight_ih_l0 is hs.W_ih, bias_hh_l0 hs.b_hh...
        self.hs = nn.LSTM(E, H, batch_first=True)
        self.logits = nn.Linear(H, V)
        nn.init.xavier_uniform_(self.logits.weight)  # dense without relu: xavier, zero bias
        nn.init.zeros_(self.logits.bias)

    def forward(self, ids):
        hs, _ = self.hs(self.e(ids))  # from a zero state
        return self.logits(hs)


def loss_of(model, ids, nxt):
    return F.cross_entropy(model(ids).reshape(-1, V), nxt.reshape(-1))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "data")
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    xs, ys = load(os.path.join(data, "train.csv"))
    txs, tys = load(os.path.join(data, "test.csv"))
    model = WordsLstm()
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


if __name__ == "__main__":
    main()
