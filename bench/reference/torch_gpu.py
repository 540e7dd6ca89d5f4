#!/usr/bin/python3
"""Reference on a CUDA GPU: PyTorch's float32 GEMM and Fashion-MNIST training, the side-by-side anchor for
`bench gemm N --device cuda` and `bench mlp|cnn --device cuda`.

Usage: torch_gpu.py gemm N [ITERS]
       torch_gpu.py mlp|cnn EPOCHS [BATCH]     (data from AUTOGRAD_FASHION_MNIST_DIR or Debian's folder)
TF32 is off: the engine's kernels compute in full float32, so the reference does too. Last line: RESULT ..."""
import gzip, os, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = torch.device("cuda")


def gemm(n, iters):
    a = torch.randn(n, n, device=dev); b = torch.randn(n, n, device=dev)
    for _ in range(3): a @ b
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        t = time.perf_counter(); a @ b; torch.cuda.synchronize(); times.append(time.perf_counter() - t)
    best = min(times)
    print(f"torch {torch.__version__} {torch.cuda.get_device_name()} sgemm n={n} best {best*1e3:.3f} ms")
    print(f"RESULT kind=gemm n={n} gflops={2*n**3/best/1e9:.1f}")


def idx(path):
    with gzip.open(path) as f: b = f.read()
    nd = int.from_bytes(b[0:4], "big") & 0xff
    dims = [int.from_bytes(b[4+4*i:8+4*i], "big") for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4+4*nd, count=int(np.prod(dims))).reshape(dims)


def train(kind, epochs, bs):
    d = os.environ.get("AUTOGRAD_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist") + "/"
    xtr = torch.tensor(idx(d+"train-images-idx3-ubyte.gz"), dtype=torch.float32, device=dev).div_(255).unsqueeze(1)
    ytr = torch.tensor(idx(d+"train-labels-idx1-ubyte.gz"), dtype=torch.long, device=dev)
    xte = torch.tensor(idx(d+"t10k-images-idx3-ubyte.gz"), dtype=torch.float32, device=dev).div_(255).unsqueeze(1)
    yte = torch.tensor(idx(d+"t10k-labels-idx1-ubyte.gz"), dtype=torch.long, device=dev)
    torch.manual_seed(0)
    if kind == "mlp":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    else:
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
    model = model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = len(xtr) // bs * bs
    rates = []
    for ep in range(epochs):
        perm = torch.randperm(len(xtr), device=dev); torch.cuda.synchronize(); t = time.perf_counter(); model.train()
        for i in range(0, n, bs):
            j = perm[i:i+bs]; opt.zero_grad(); loss = F.cross_entropy(model(xtr[j]), ytr[j]); loss.backward(); opt.step()
        torch.cuda.synchronize(); dt = time.perf_counter() - t; rates.append(n / dt)
        model.eval()
        with torch.no_grad(): acc = (model(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {ep+1}: train {n/dt:.0f} samples/s loss {loss.item():.4f} test_acc {acc:.4f}")
    # The first epoch includes CUDA's and cuDNN's start-up: the rate is over the later ones when there are any.
    later = rates[1:] or rates
    print(f"RESULT kind={kind} epochs={epochs} batch={bs} samples_per_s={len(later)/sum(1/r for r in later):.0f} test_acc={acc:.4f}")


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "gemm":
        gemm(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 10)
    else:
        train(what, int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 128)
