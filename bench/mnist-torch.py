"""PyTorch on the MNIST step of bench/mnist.ts (reduced-models/mnist-two-layer/README.md §1): one thread.

Usage: python3 bench/mnist-torch.py --images X.f64 --labels Y.u8 --dim 784 --batch 100 --units 100,1000 [--seconds 0.5]

X.f64 is the training set as raw little-endian float64 (n × dim, row-major), Y.u8 the labels, both written by
bench/mnist.ts. One step = draw a batch uniformly with replacement, forward H = X U, Z = relu(H),
f = Z A / N, softmax cross-entropy, the gradient of the batch mean, and θ ← θ − s N ∇L, with
  hand:     the gradient written out as matrix products (the same five products as ours), or
  autograd: loss.backward() on the same forward;
in float64 and float32. Prints one JSON line per case: steps/s by CPU time (time.process_time) and by
wall time (time.perf_counter), median over repeats. Prints a line starting with "skip:" and exits 0 if
torch cannot be imported.
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
except ImportError as e:  # the caller prints the skip message
    print(f"skip: PyTorch is not importable ({e})")
    sys.exit(0)


def make_step(kind, X, Y, U, A, batch, s, classes, generator):
    N = U.shape[1]
    n = X.shape[0]
    scale = 1.0 / (N * batch)
    h = s * N

    def hand():
        rows = torch.randint(n, (batch,), generator=generator)
        x = X[rows]
        y = Y[rows]
        H = x @ U
        Z = torch.relu(H)
        f = (Z @ A) / N
        G = torch.softmax(f, dim=1)
        G[torch.arange(batch), y] -= 1
        gA = (Z.T @ G) * scale
        delta = (G @ A.T) * (H > 0)
        gU = (x.T @ delta) * scale
        U.sub_(gU, alpha=h)
        A.sub_(gA, alpha=h)

    def autograd():
        rows = torch.randint(n, (batch,), generator=generator)
        x = X[rows]
        y = Y[rows]
        f = (torch.relu(x @ U) @ A) / N
        loss = torch.nn.functional.cross_entropy(f, y)
        loss.backward()
        with torch.no_grad():
            U.sub_(U.grad, alpha=h)
            A.sub_(A.grad, alpha=h)
        U.grad = None
        A.grad = None

    return hand if kind == "hand" else autograd


def rate(step, seconds, repeats):
    t0 = time.perf_counter()
    k = 0
    while time.perf_counter() - t0 < 0.3 or k < 2:  # warm-up, also sizes the repeats
        step()
        k += 1
    per = (time.perf_counter() - t0) / k
    steps = max(2, round(seconds / per))
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(steps):
            step()
        cpu.append(steps / (time.process_time() - c0))
        wall.append(steps / (time.perf_counter() - w0))
    return statistics.median(cpu), statistics.median(wall), steps


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--images", required=True)
    p.add_argument("--labels", required=True)
    p.add_argument("--dim", type=int, default=784)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--units", default="100,1000,3000,10000")
    p.add_argument("--seconds", type=float, default=0.5)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(1)
    with open(a.images, "rb") as f:
        X64 = torch.frombuffer(bytearray(f.read()), dtype=torch.float64).reshape(-1, a.dim)
    with open(a.labels, "rb") as f:
        Y = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).long()
    for N in [int(u) for u in a.units.split(",")]:
        for dtype in (torch.float64, torch.float32):
            for kind in ("hand", "autograd"):
                g = torch.Generator().manual_seed(1)
                X = X64.to(dtype)
                U = ((torch.rand(a.dim, N, generator=g, dtype=torch.float64) * 2 - 1) / 28).to(dtype)
                A = (torch.rand(N, a.classes, generator=g, dtype=torch.float64) * 2 - 1).to(dtype)
                if kind == "autograd":
                    U.requires_grad_(True)
                    A.requires_grad_(True)
                step = make_step(kind, X, Y, U, A, a.batch, 1e-3 / N, a.classes, g)
                cpu, wall, steps = rate(step, a.seconds, a.repeats)
                print(json.dumps({"N": N, "B": a.batch, "dtype": str(dtype).replace("torch.", ""), "gradient": kind,
                                  "cpuStepsPerSecond": cpu, "wallStepsPerSecond": wall, "stepsPerRepeat": steps,
                                  "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
