"""The PyTorch side of StepBench.java: words_torch.py's model and loss, one thread, batch 32,
random ids; 5 s of warm-up, then steps (forward, backward, Adam) for the given seconds; prints the
median wall and thread-CPU time per step and the fastest step's CPU time.

    python samples/words/step_torch.py [seconds]
"""
import importlib.util
import os
import sys
import time

import torch

torch.set_num_threads(1)
here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("words_torch", os.path.join(here, "words_torch.py"))
w = importlib.util.module_from_spec(spec)
spec.loader.exec_module(w)
seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8
torch.manual_seed(0)
model = w.Words()
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
ids = torch.randint(0, 27, (32, 16))
nxt = torch.randint(0, 27, (32, 16))


def step():
    loss = w.loss_of(model, ids, nxt)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


t = time.perf_counter()
while time.perf_counter() - t < 5:
    step()
wall, cpu = [], []
t = time.perf_counter()
while time.perf_counter() - t < seconds or len(wall) < 20:
    c0 = time.thread_time()
    t0 = time.perf_counter()
    step()
    wall.append((time.perf_counter() - t0) * 1e6)
    cpu.append((time.thread_time() - c0) * 1e6)
wall.sort()
cpu.sort()
n = len(wall)
print("torch step: median %.0f us wall (%.0f samples/s), %.0f us CPU (%.0f samples/s by CPU), "
      "min CPU %.0f us, %d steps" % (wall[n // 2], 32 / (wall[n // 2] / 1e6), cpu[n // 2],
                                     32 / (cpu[n // 2] / 1e6), cpu[0], n))
