"""The PyTorch twin of lstm.nn: the same model, data split, initialization distributions and
training (Adam lr 0.003, batch 32, 3 epochs, a fresh shuffle per epoch, every partial batch
kept), on one thread. Prints the held-out loss (mean cross-entropy over the 16 positions, as
`deltac train` reports it, so per character including the end and the padding), the training
time and samples/s, the process's CPU time, and 20 sampled words.

  python samples/words/lstm_torch.py [DATA_DIR] [EPOCHS]    # DATA_DIR: samples/words/data
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from words_torch import T, V, train  # noqa: E402  the shared data, loss, loop and report

E, H = 16, 64
torch.set_num_threads(1)
torch.manual_seed(0)


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


def main():
    train(WordsLstm(), 3)


if __name__ == "__main__":
    main()
