#!/usr/bin/python3
"""../shared/reference/gloo_allreduce.py with each rank pinned to one core (rank r to core r mod the cores this process
may use), as `bench allreduce --pin` pins silo r: the same measurement (torch.distributed gloo all_reduce + average on
loopback, rank 0's median after a barrier), so pinned and unpinned runs compare like with like.
Usage: gloo_allreduce_pinned.py WORLD NFLOATS [ITERS]  -> median ms per all_reduce and bus bandwidth (GB/s)."""
import os, sys, time, statistics, torch, torch.distributed as dist, torch.multiprocessing as mp
def run(rank, world, n, iters, port, cores, q):
    os.sched_setaffinity(0, {cores[rank % len(cores)]})
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    t = torch.ones(n); ts = []
    for i in range(iters + 3):
        dist.barrier(); s = time.perf_counter(); dist.all_reduce(t); t.div_(world); e = time.perf_counter()
        if i >= 3: ts.append(e - s)
    if rank == 0: q.put(statistics.median(ts))
    dist.destroy_process_group()
if __name__ == "__main__":
    world, n = int(sys.argv[1]), int(sys.argv[2]); iters = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    cores = sorted(os.sched_getaffinity(0))
    q = mp.get_context("spawn").SimpleQueue()
    mp.start_processes(run, args=(world, n, iters, 29500 + os.getpid() % 1000, cores, q), nprocs=world, start_method="spawn")
    med = q.get(); bytes_ = 4 * n
    print(f"RESULT gloo_pinned world={world} floats={n} median_ms={med*1e3:.2f} busbw_GBps={bytes_*2*(world-1)/world/med/1e9:.2f}")
