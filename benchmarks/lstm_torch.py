#!/usr/bin/env python3
"""The PyTorch twin of LstmReport: torch.nn.LSTM(16, 32, batch_first=True), mse against
ys[T, 32], batch 32, one thread, float32; one training step is zero_grad, forward, backward and
SGD. Prints per T the median step time and training samples/s, by wall-clock time and by the
thread's CPU time (one thread: torch.set_num_threads(1), so the CPU time is all of the work).

Usage: lstm_torch.py SECONDS T..."""
import sys, time
import torch

torch.set_num_threads(1)
torch.manual_seed(0)
N, H, B = 16, 32, 32


def main():
    seconds = float(sys.argv[1])
    print("| T | PyTorch step (batch 32) | PyTorch samples/s |")
    print("|---|---|---|")
    for t in map(int, sys.argv[2:]):
        lstm = torch.nn.LSTM(N, H, batch_first=True)
        opt = torch.optim.SGD(lstm.parameters(), lr=1e-3)
        xs = torch.rand(B, t, N) * 2 - 1
        ys = torch.rand(B, t, H) * 2 - 1

        def step():
            opt.zero_grad()
            hs, _ = lstm(xs)
            loss = torch.nn.functional.mse_loss(hs, ys)
            loss.backward()
            opt.step()

        warm = time.perf_counter() + 2.0
        while time.perf_counter() < warm:
            step()
        times, cpu = [], []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or len(times) < 20:
            c0 = time.thread_time()
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
            cpu.append(time.thread_time() - c0)
        times.sort()
        cpu.sort()
        med = times[len(times) // 2]
        cmed = cpu[len(cpu) // 2]
        print("| %d | %.0f µs (%.0f µs CPU) | %.0f (%.0f by CPU time) |" % (t, med * 1e6, cmed * 1e6, B / med, B / cmed), flush=True)


if __name__ == "__main__":
    main()
