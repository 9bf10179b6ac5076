"""Ablation: what the fused tanh path of Taylor mode buys, against sciml's own list form.

Not a peer comparison (``bench_calculus.py`` has those): the same calls inside
``sciml.calculus.fused_taylor(False)`` and outside it (the fused Function on), in one process, best of
``--repeat``:

- one training step through u″ of a 1-64-64-64-1 tanh MLP (gradient of mean((u″ + u)²)) at N = 10³, 10⁴, 10⁵;
- ``sciml.pinn.solve`` on the seed problem u″ + u = 0 with L-BFGS and Adam on larger networks, 40 iterations
  (the same iterates either way: the losses are printed side by side).

Usage::

    python benchmarks/ablation_taylor_tanh.py --threads 2
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def best(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import torch
    from bench_calculus import _mlp

    from sciml.calculus import fused_taylor, taylor_derivatives
    from sciml.pinn import BVP, solve

    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")  # 40 iterations do not converge; the time is what is measured

    def both(fn):
        out = []
        for enabled in (False, True):
            with fused_taylor(enabled):
                out.append(fn())
        return out

    print(f"torch {torch.__version__}, {args.threads} thread(s); time: list form -> fused (ratio)")
    net = _mlp(torch.Generator().manual_seed(0))
    params = list(net.parameters())
    for n in (10**3, 10**4, 10**5):
        x = torch.linspace(-1.0, 1.0, n, dtype=torch.float64)

        def step(x=x):
            D = taylor_derivatives(net, x, 2)
            return torch.autograd.grad(((D[2, :, 0] + D[0, :, 0]) ** 2).mean(), params)

        a, b = both(lambda step=step: best(step, args.repeat))
        print(f"training step through u'' N={n:<7d} {a * 1e3:8.1f} ms -> {b * 1e3:8.1f} ms ({a / b:.2f}x)")

    problem = BVP("u'' + u = 0", (0, "pi/2"), ["u(0) = 0", "u(pi/2) = 1"])
    for hidden, n_points, method in (((64, 64, 64), 4096, "lbfgs"), ((64, 64, 64), 1024, "adam"),
                                     ((32, 32), 512, "lbfgs")):
        def run(hidden=hidden, n_points=n_points, method=method):
            runs = [solve(problem, hidden=hidden, n_points=n_points, method=method, max_iter=40, rtol=0,
                          generator=torch.Generator().manual_seed(0)) for _ in range(args.repeat)]
            return min(r.seconds for r in runs), runs[-1].loss

        (a, loss_a), (b, loss_b) = both(run)
        print(f"pinn.solve {method} hidden={hidden} N={n_points}, 40 iterations: {a:.3f} s -> {b:.3f} s "
              f"({a / b:.2f}x; loss {loss_a:.6e} / {loss_b:.6e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
