#!/usr/bin/python3
"""Reference for `bench scaling`: PyTorch DistributedDataParallel (gloo, CPU) on Fashion-MNIST, the same models,
Adam 1e-3 and per-worker batch 128, 2 processes pinned to one core each (cores 0 and 1) against 1 process pinned to
core 0, torch.set_num_threads(1) in each. Throughput counts training steps only (as torch_fmnist.py), over the epochs
after the first (the first warms up).
Usage: torch_ddp_scaling.py {mlp|cnn} EPOCHS  -> last line RESULT ... ratio=..."""
import gzip, os, sys, time, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
import torch.distributed as dist, torch.multiprocessing as mp

D = "/usr/share/datasets/fashion-mnist/"


def idx(path):
    with gzip.open(path) as f:
        b = f.read()
    nd = int.from_bytes(b[0:4], "big") & 0xff
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)


def model_for(kind):
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))


def run(rank, world, kind, epochs, port, q):
    os.sched_setaffinity(0, {rank})
    torch.set_num_threads(1)
    xtr = torch.tensor(idx(D + "train-images-idx3-ubyte.gz"), dtype=torch.float32).div_(255).unsqueeze(1)
    ytr = torch.tensor(idx(D + "train-labels-idx1-ubyte.gz"), dtype=torch.long)
    torch.manual_seed(0)
    model = model_for(kind)
    if world > 1:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        dist.init_process_group("gloo", rank=rank, world_size=world)
        model = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    bs, samples, seconds = 128, 0, 0.0
    for ep in range(epochs):
        g = torch.Generator().manual_seed(ep)
        perm = torch.randperm(len(xtr), generator=g)
        per_step = bs * world
        steps = len(xtr) // per_step
        if world > 1:
            dist.barrier()
        t = time.perf_counter()
        for s in range(steps):
            j = perm[s * per_step + rank * bs:s * per_step + (rank + 1) * bs]
            opt.zero_grad()
            F.cross_entropy(model(xtr[j]), ytr[j]).backward()
            opt.step()
        dt = time.perf_counter() - t
        if ep > 0 or epochs == 1:
            samples += steps * per_step
            seconds += dt
    if rank == 0:
        q.put(samples / seconds)
    if world > 1:
        dist.destroy_process_group()


def measure(kind, epochs, world):
    q = mp.get_context("spawn").SimpleQueue()
    mp.start_processes(run, args=(world, kind, epochs, 29600 + os.getpid() % 1000, q), nprocs=world, start_method="spawn")
    return q.get()


if __name__ == "__main__":
    kind, epochs = sys.argv[1], int(sys.argv[2])
    one = measure(kind, epochs, 1)
    two = measure(kind, epochs, 2)
    print(f"RESULT torch_ddp kind={kind} epochs={epochs} one_process_samples_per_s={one:.0f} two_processes_samples_per_s={two:.0f} ratio={two / one:.2f}")
