# PyTorch (CPU) peer for `npm run bench:peers`: the reference MNIST VAE (784-400-20, Bernoulli logits),
# trained with Adam, timed per epoch; prints one JSON line. Side-by-side benchmark only, not product code.
# Usage: python3 torch_vae.py MNIST_DIR [--epochs N] [--threads T] [--peer NAME] [--max-batches B] [--seed S]
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def read_idx(path: str) -> np.ndarray:
    with open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte payload
        raise ValueError(f"read_idx: {path} is not a ubyte IDX file (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_images(mnist_dir: str, split: str) -> torch.Tensor:
    imgs = read_idx(os.path.join(mnist_dir, f"{split}-images-idx3-ubyte"))
    return torch.from_numpy(imgs.reshape(imgs.shape[0], -1).astype(np.float32) / 255.0)


class VAE(nn.Module):
    def __init__(self, d_in: int = 784, d_h: int = 400, d_z: int = 20) -> None:
        super().__init__()
        self.enc = nn.Linear(d_in, d_h)
        self.mu = nn.Linear(d_h, d_z)
        self.logvar = nn.Linear(d_h, d_z)
        self.dec = nn.Linear(d_z, d_h)
        self.out = nn.Linear(d_h, d_in)

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """Negative ELBO averaged per sample: BCE-with-logits summed over pixels + analytic KL."""
        h = F.relu(self.enc(x))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = self.out(F.relu(self.dec(z)))
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = 0.5 * torch.sum(logvar.exp() + mu.pow(2) - 1.0 - logvar)
        return (rec + kl) / x.shape[0]


def sgemm_gflops(reps: int = 30) -> dict:
    """Median GFLOP/s of the three matmul shapes of the 784→400 layer at batch 128."""
    m, k, n = 128, 784, 400
    flops = 2.0 * m * k * n
    g = torch.Generator().manual_seed(1)
    x = torch.randn(m, k, generator=g)  # activations [128,784]
    w = torch.randn(k, n, generator=g)  # weights [784,400]
    gy = torch.randn(m, n, generator=g)  # upstream gradient [128,400]
    cases = {
        "nn": lambda: torch.mm(x, w),  # Y = X·W
        "nt": lambda: torch.mm(gy, w.t()),  # dX = dY·Wᵀ (transposed view, no copy)
        "tn": lambda: torch.mm(x.t(), gy),  # dW = Xᵀ·dY (transposed view, no copy)
    }
    out = {}
    for name, fn in cases.items():
        for _ in range(5):
            fn()
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out[name] = round(flops / statistics.median(times) / 1e9, 2)
    return out


def openblas_info() -> dict:
    """Best effort: the BLAS torch resolves through libblas.so.3 (Debian: OpenBLAS), its core and threads."""
    import ctypes

    try:
        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return {
            "config": lib.openblas_get_config().decode(),
            "core": lib.openblas_get_corename().decode(),
            "threads": lib.openblas_get_num_threads(),
        }
    except (OSError, AttributeError):
        return {"config": None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mnist_dir")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="0 = leave PyTorch's default")
    ap.add_argument("--peer", default="torch")
    ap.add_argument("--max-batches", type=int, default=0, help="0 = full epochs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    train = load_images(args.mnist_dir, "train")
    test = load_images(args.mnist_dir, "t10k")
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    epoch_s = []
    rss_per_epoch = []  # peak RSS so far after each epoch (MB): flat means no growth
    n = train.shape[0]
    for _ in range(args.epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for b, start in enumerate(range(0, n, args.batch)):
            if args.max_batches and b >= args.max_batches:
                break
            x = train[perm[start : start + args.batch]]
            opt.zero_grad(set_to_none=True)
            loss = model.loss(x)
            loss.backward()
            opt.step()
        epoch_s.append(round(time.perf_counter() - t0, 3))
        rss_per_epoch.append(round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))

    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, test.shape[0], 1000):
            x = test[start : start + 1000]
            total += model.loss(x).item() * x.shape[0]
    test_loss = total / test.shape[0]

    rec = {
        "peer": args.peer,
        "epoch_s": epoch_s,
        "epoch_s_median": round(statistics.median(epoch_s), 3),
        "test_loss": round(test_loss, 3),
        "gflops": sgemm_gflops(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "config": {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            "openblas": openblas_info(),
            "epochs": args.epochs,
            "peak_rss_mb_per_epoch": rss_per_epoch,
            "max_batches": args.max_batches or None,
            "python": sys.executable,
        },
    }
    print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
