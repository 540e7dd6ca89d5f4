#!/usr/bin/env python3
"""PyTorch float32 matmul GFLOP/s for the same shapes as `Autograd.Bench gemm N`.

usage: /usr/bin/python3 bench/reference/torch_gemm.py [N] [--threads T]

Threads default to torch's own choice; set OMP_NUM_THREADS=2 (and/or --threads 2) to pin them.
Transposed operands are passed as transposed views, so BLAS receives the trans flags just like
Gemm.Sgemm does. Each shape: ~0.2 s warm-up, then 5 trials of I calls; best trial (median in
brackets). The last line is `RESULT {json}` for the N^3 no-transpose case.
"""
import argparse
import json
import time

import torch


def shapes(n):
    return [
        (f"square{n}.NN", False, False, n, n, n),
        (f"square{n}.NT", False, True, n, n, n),
        (f"square{n}.TN", True, False, n, n, n),
        (f"square{n}.TT", True, True, n, n, n),
        ("mlp.fc1.fwd", False, True, 128, 256, 784),
        ("mlp.fc2.fwd", False, True, 128, 128, 256),
        ("mlp.fc3.fwd", False, True, 128, 10, 128),
        ("mlp.fc1.dX", False, False, 128, 784, 256),
        ("mlp.fc2.dX", False, False, 128, 256, 128),
        ("mlp.fc3.dX", False, False, 128, 128, 10),
        ("mlp.fc1.dW", True, False, 256, 784, 128),
        ("mlp.fc2.dW", True, False, 128, 256, 128),
        ("mlp.fc3.dW", True, False, 10, 128, 128),
        ("cnn.conv1.fwd", False, False, 32, 676 * 128, 9),
        ("cnn.conv1.dW", False, True, 32, 9, 676 * 128),
        ("cnn.conv2.fwd", False, False, 64, 121 * 128, 288),
        ("cnn.conv2.dX", True, False, 288, 121 * 128, 64),
        ("cnn.conv2.dW", False, True, 64, 288, 121 * 128),
    ]


def measure(ta, tb, m, n, k):
    g = torch.Generator().manual_seed(42)
    a = torch.rand((k, m) if ta else (m, k), generator=g) - 0.5
    b = torch.rand((n, k) if tb else (k, n), generator=g) - 0.5
    a_op = a.t() if ta else a
    b_op = b.t() if tb else b
    c = torch.empty(m, n)

    calls, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 0.2 or calls < 3:
        torch.mm(a_op, b_op, out=c)
        calls += 1
    iters = max(3, int(calls * 0.15 / (time.perf_counter() - t0)))

    flop = 2.0 * m * n * k * iters
    trials = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(iters):
            torch.mm(a_op, b_op, out=c)
        trials.append(flop / (time.perf_counter() - t) / 1e9)
    trials.sort()
    return trials[-1], trials[len(trials) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    print(f"torch {torch.__version__}  threads={threads}")
    square = 0.0
    with torch.no_grad():
        for name, ta, tb, m, n, k in shapes(args.n):
            best, median = measure(ta, tb, m, n, k)
            if name == f"square{args.n}.NN":
                square = best
            t = ("T" if ta else "N") + ("T" if tb else "N")
            print(f"{name:<14} {t} M={m:<5} N={n:<6} K={k:<5} {best:8.1f} GFLOP/s  (median {median:.1f})")
    print("RESULT " + json.dumps({"bench": "torch_gemm", "n": args.n, "gflops": round(square, 1),
                                  "threads": threads}, separators=(",", ":")))


if __name__ == "__main__":
    main()
