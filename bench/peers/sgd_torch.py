"""PyTorch twin of meanfield's SGD step (bench/sgd.ts), for `npm run bench:peers`.

The same step as src/particles/sgd.ts on MMN's isotropic-Gaussians setting: draw B samples
(y = ±1 with probability 1/2, x = (1 + yΔ) g, g ~ N(0, I_d)), Z = X Wᵀ, σ the piecewise-linear MMN
activation (−2.5 for t ≤ 0.5, 7.5 for t ≥ 1.5, linear between), ŷ = mean_i σ(z_i), r = y − ŷ and
the hand-written gradient step W += (2ε/B) (r σ'(Z))ᵀ X (a = 1, b = 0 fixed). One thread.

Protocol (one persistent process, so the runs interleave with meanfield's without import costs):
each stdin line is JSON {"d", "N", "B", "dtype": "float64" | "float32", "seconds"}; the reply is one
JSON line {"stepsPerSecond", "steps"}. A case is built and warmed up on its first request and
then continues from where it left off, as bench/sgd.ts's timer does. Prints {"ready": version}
first, or {"error": ...} and exits 3 when torch is missing.
"""
import json
import sys
import time

try:
    import torch
except Exception as exc:  # noqa: BLE001 - any import failure means "no peer"
    print(json.dumps({"error": f"import torch failed: {exc}"}), flush=True)
    sys.exit(3)

torch.set_num_threads(1)
DELTA = 0.8
EPSILON = 2e-5


class Case:
    def __init__(self, d, n, b, dtype):
        self.dtype = getattr(torch, dtype)
        self.gen = torch.Generator().manual_seed(1)
        self.w = torch.randn(n, d, generator=self.gen, dtype=self.dtype) * (0.8 / d ** 0.5)
        self.b = b
        self.d = d
        self.y = torch.empty(b, dtype=self.dtype)

    def step(self):
        b, d = self.b, self.d
        self.y.copy_(torch.randint(0, 2, (b,), generator=self.gen).to(self.dtype).mul_(2).sub_(1))
        x = torch.randn(b, d, generator=self.gen, dtype=self.dtype)
        x.mul_(self.y.unsqueeze(1) * DELTA + 1)
        z = x @ self.w.T
        t = (z - 0.5).clamp_(0, 1)
        yhat = (t.mul(10).sub_(2.5)).mean(1)
        r = self.y - yhat
        active = ((z > 0.5) & (z < 1.5)).to(self.dtype)
        c = active.mul_(r.unsqueeze(1) * (2 * EPSILON / b * 10))
        self.w.addmm_(c.T, x)

    def warm_up(self):
        """0.3 s of steps (allocator, caches); the rate sizes the timed runs."""
        steps = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.3:
            for _ in range(10):
                self.step()
            steps += 10
        self.warm_rate = steps / (time.perf_counter() - t0)

    def rate(self, seconds):
        per = max(10, round(self.warm_rate * seconds))
        t0 = time.perf_counter()
        for _ in range(per):
            self.step()
        return per / (time.perf_counter() - t0), per




def loaded_blas():
    """The BLAS library this process really uses (Debian switches libblas.so.3 by alternatives)."""
    torch.ones(8, 8, dtype=torch.float64) @ torch.ones(8, 8, dtype=torch.float64)
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        # e.g. /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 -> openblas-openmp/libblas.so.3
        return " ".join(sorted("/".join(p.split("/")[-2:]) for p in paths if "lapack" not in p))
    except OSError:
        return "unknown"


print(json.dumps({"ready": torch.__version__, "threads": torch.get_num_threads(), "blas": loaded_blas()}), flush=True)
cases = {}
for line in sys.stdin:
    q = json.loads(line)
    key = (q["d"], q["N"], q["B"], q["dtype"])
    if key not in cases:
        cases[key] = Case(*key)
        cases[key].warm_up()
    sps, steps = cases[key].rate(q["seconds"])
    print(json.dumps({"stepsPerSecond": sps, "steps": steps}), flush=True)
