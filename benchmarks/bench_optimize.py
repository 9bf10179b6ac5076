"""sciml.optimize.minimize against scipy.optimize.minimize (fed autograd gradients, the fair comparison),
torch.optim.LBFGS and pytorch-minimize (``torchmin``, when installed): Rosenbrock n = 2 … 10⁴, batches and the
Moré–Garbow–Hillstrom suite; ``summary`` prints the targets of issue 14, met or not.

``SCIML_BENCH_OPTIMIZE_TINY=1`` shrinks every size (a smoke run: the targets are then not meaningful).
"""

import os
import time
import warnings

import numpy as np
import scipy.optimize
import torch
from _harness import Case, have

from sciml.optimize import mgh_problems, minimize

TINY = os.environ.get("SCIML_BENCH_OPTIMIZE_TINY", "0") == "1"
N_BIG = 100 if TINY else 1000
N_HUGE = 300 if TINY else 10_000
BATCH = 50 if TINY else 1000


def rosen(x):
    return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def batch_rosen(x):
    return 100 * (x[:, 1] - x[:, 0] ** 2) ** 2 + (1 - x[:, 0]) ** 2


def start(n):
    return np.array([-1.2, 1.0] * (n // 2))


def fg(fun):
    """``z -> (f, grad)`` in NumPy from torch autograd: what SciPy is fed."""
    def value_and_grad(z):
        x = torch.from_numpy(np.asarray(z, dtype=float)).requires_grad_(True)
        f = fun(x)
        (g,) = torch.autograd.grad(f, x)
        return float(f.detach()), g.numpy()
    return value_and_grad


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def torch_lbfgs(fun, x0, max_iter):
    z = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([z], max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        f = fun(z)
        f.backward()
        return f

    opt.step(closure)
    return float(fun(z.detach())), opt.state[opt._params[0]]["n_iter"]


def random_starts(n_batch):
    g = torch.Generator().manual_seed(0)
    return torch.rand(n_batch, 2, generator=g, dtype=torch.float64) * 4 - 2


def cases():
    out = []
    x2 = start(2)
    peers2 = {"scipy BFGS": lambda: scipy.optimize.minimize(fg(rosen), x2, jac=True, method="BFGS"),
              "scipy L-BFGS-B": lambda: scipy.optimize.minimize(fg(rosen), x2, jac=True, method="L-BFGS-B"),
              "torch.optim.LBFGS": lambda: torch_lbfgs(rosen, x2, 200)}
    if have("torchmin"):
        import torchmin

        peers2["pytorch-minimize bfgs"] = lambda: torchmin.minimize(rosen, torch.tensor(x2), method="bfgs")
    out.append(Case("rosenbrock n=2 l-bfgs", lambda: minimize(rosen, torch.tensor(x2), method="l-bfgs"), peers2))
    out.append(Case("rosenbrock n=2 bfgs", lambda: minimize(rosen, torch.tensor(x2), method="bfgs"),
                    {"scipy BFGS": peers2["scipy BFGS"]}))
    out.append(Case("rosenbrock n=2 trust-exact", lambda: minimize(rosen, torch.tensor(x2), method="trust-exact"),
                    {"scipy trust-exact": lambda: scipy.optimize.minimize(
                        fg(rosen), x2, jac=True, method="trust-exact",
                        hess=lambda z: torch.func.hessian(rosen)(torch.from_numpy(z)).numpy())}))
    # BFGS per iteration at n = N_BIG: 10 iterations each (O(n²) update vs SciPy's dense products)
    xb = start(N_BIG)
    out.append(Case(f"bfgs 10 iterations n={N_BIG}",
                    lambda: quiet(minimize, rosen, torch.tensor(xb), method="bfgs", max_iter=10, check_hessian=False),
                    {"scipy BFGS": lambda: scipy.optimize.minimize(fg(rosen), xb, jac=True, method="BFGS",
                                                                   options={"maxiter": 10})}))
    # batched Rosenbrock n = 2 from random starts vs a Python loop over SciPy
    x0s = random_starts(BATCH)
    out.append(Case(f"batched rosenbrock n=2 x{BATCH} newton",
                    lambda: minimize(batch_rosen, x0s, method="newton", batched=True),
                    {"loop over scipy BFGS": lambda: [scipy.optimize.minimize(
                        fg(lambda x: batch_rosen(x[None])[0]), z, jac=True, method="BFGS") for z in x0s.numpy()]}))
    return out


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _mgh_lines():
    lines = []
    problems = mgh_problems()
    for method in ("bfgs", "l-bfgs", "trust-exact"):
        hits, t0 = [], time.perf_counter()
        for p in problems:
            r = quiet(minimize, p.fun, p.start(), method=method)
            hits.append(p.reached(r.fun))
        took = time.perf_counter() - t0
        ok = all(hits) and took <= 60
        missed = [p.name for p, h in zip(problems, hits, strict=True) if not h]
        lines.append(f"[{'met' if ok else 'NOT met'}] MGH 35/35 with {method} in ≤ 60 s: {sum(hits)}/35 in "
                     f"{took:.1f} s" + (f" (missed: {', '.join(missed)})" if missed else ""))
    hits, t0 = 0, time.perf_counter()
    for p in problems:
        hits += p.reached(scipy.optimize.minimize(fg(p.fun), np.array(p.x0), jac=True, method="BFGS").fun)
    lines.append(f"      (scipy BFGS, default tolerances, autograd gradients: {hits}/35 in "
                 f"{time.perf_counter() - t0:.1f} s)")
    return lines


def _scale_lines():
    lines = []
    by_number = {p.number: p for p in mgh_problems()}
    for number in (20, 24):
        p = by_number[number]
        f_star = quiet(minimize, p.fun, p.start(), method="trust-exact").fun
        for method in ("bfgs", "l-bfgs"):
            nits, errs = [], []
            for c in (1e-8, 1.0, 1e8):
                r = quiet(minimize, lambda x, c=c, p=p: c * p.fun(x), p.start(), method=method)
                nits.append(r.nit)
                errs.append(abs(r.fun / c - f_star) / f_star)
            dyadic = [quiet(minimize, lambda x, c=c, p=p: c * p.fun(x), p.start(), method=method)
                      for c in (2.0**-27, 2.0**27)]
            exact = all(r.nit == nits[1] and torch.equal(r.x, dyadic[0].x) for r in dyadic)
            ok = max(errs) <= 1e-8 and max(nits) - min(nits) <= 4
            lines.append(f"[{'met' if ok else 'NOT met'}] scale invariance, {p.name} by {method}: c = 1e-8, 1, 1e8 "
                         f"-> iterations {nits}, worst |f - f*|/f* = {max(errs):.1e} (target ≤ 1e-8, ±2 iterations); "
                         f"c = 2^±27: {'the same iterates bit for bit' if exact else 'DIFFERENT iterates'}")
        peer = []
        for c in (1e-8, 1.0, 1e8):
            r = quiet(scipy.optimize.minimize, fg(lambda x, c=c, p=p: c * p.fun(x)), np.array(p.x0), jac=True,
                      method="L-BFGS-B", options={"maxiter": 10_000})
            peer.append(f"{r.nit} it, {abs(r.fun / c - f_star) / f_star:.0e}")
        lines.append(f"      (scipy L-BFGS-B on {p.name}, c = 1e-8, 1, 1e8: {'; '.join(peer)})")
    lines.append("      (c = 2^±27 scales without rounding, so identical iterates show that no threshold is absolute; "
                 "c = 1e±8 perturbs f by rounding errors, which these ill-conditioned paths amplify)")
    p = by_number[20]
    f_t, it_t = torch_lbfgs(p.fun, np.array(p.x0), 2000)
    lines.append(f"      (torch.optim.LBFGS on Watson: f = {f_t:.3e} after {it_t} iterations; f* = 1.39976e-6)")
    return lines


def summary(rows) -> str:
    lines = []
    ratio = [r for c, peer, _, _, r in rows if c.startswith("bfgs 10 iterations") and peer == "scipy BFGS"]
    if ratio:
        lines.append(f"[{'met' if ratio[0] <= 1 / 20 else 'NOT met'}] BFGS per iteration at n = {N_BIG}: ≥ 20× "
                     f"less time than SciPy's BFGS: sciml/scipy = {ratio[0]:.3f}")
    batch = [r for c, _, _, _, r in rows if c.startswith("batched rosenbrock")]
    if batch:
        res = minimize(batch_rosen, random_starts(BATCH), method="newton", batched=True)
        worst = float(res.fun.max())
        ok = batch[0] <= 1 / 20 and worst < 1e-12
        lines.append(f"[{'met' if ok else 'NOT met'}] batched Rosenbrock x{BATCH} ≥ 20× faster than a loop over "
                     f"SciPy, every instance to f < 1e-12: sciml/loop = {batch[0]:.3f}, worst f = {worst:.1e}")
    xb = start(N_BIG)
    r_s, t_s = _timed(lambda: quiet(minimize, rosen, torch.tensor(xb), method="l-bfgs", check_hessian=False))
    r_p, t_p = _timed(lambda: scipy.optimize.minimize(fg(rosen), xb, jac=True, method="L-BFGS-B",
                                                      options={"maxiter": 100_000, "maxfun": 200_000}))
    lines.append(f"[{'met' if t_s <= t_p / 3 else 'NOT met'}] Rosenbrock n = {N_BIG} by l-bfgs in ≤ 1/3 of SciPy "
                 f"L-BFGS-B's time: {t_s:.2f} s ({r_s.nit} it, {r_s.nfev} evaluations, f = {r_s.fun:.1e}) vs "
                 f"{t_p:.2f} s ({r_p.nit} it, {r_p.nfev} evaluations, f = {r_p.fun:.1e}); sciml/scipy = "
                 f"{t_s / t_p:.2f}")
    # what the evaluations alone cost: both methods need about as many, so their time bounds the ratio
    value_and_grad = fg(rosen)
    _, t_e = _timed(lambda: [value_and_grad(xb) for _ in range(r_p.nfev)])
    lines.append(f"      ({r_p.nfev} autograd evaluations alone take {t_e:.2f} s = {t_e / t_p:.2f} of SciPy's run: "
                 f"with the same gradients and as many evaluations, 1/3 is out of reach for any L-BFGS; "
                 f"sciml's own work per iteration = {max(t_s - t_e * r_s.nfev / r_p.nfev, 0) / r_s.nit * 1e6:.0f} µs, "
                 f"SciPy's = {max(t_p - t_e, 0) / r_p.nit * 1e6:.0f} µs)")
    # n = 10⁴: the chained function needs O(n) Newton iterations from this start (SciPy's Newton-CG too: 1604
    # at n = 1000), so the large run is the extended (uncoupled) Rosenbrock of MGH, and the chained one is
    # timed at N_BIG
    extended = mgh_problems()[20].fun
    xh = start(N_HUGE)
    r_h, t_h = _timed(lambda: quiet(minimize, extended, torch.tensor(xh), method="newton-cg", check_hessian=False))
    lines.append(f"[{'met' if r_h.success and r_h.hess is None else 'NOT met'}] extended Rosenbrock n = {N_HUGE} "
                 f"by newton-cg without a Hessian: {r_h.status.name}, f = {r_h.fun:.1e}, {r_h.nit} it, "
                 f"{r_h.nhev} Hessian-vector products, {t_h:.1f} s")
    r_c, t_c = _timed(lambda: quiet(minimize, rosen, torch.tensor(xb), method="newton-cg", check_hessian=False))
    lines.append(f"      (chained Rosenbrock n = {N_BIG} by newton-cg: {r_c.status.name}, f = {r_c.fun:.1e}, "
                 f"{r_c.nit} it, {t_c:.1f} s)")
    lines += _mgh_lines()
    lines += _scale_lines()
    return "\n".join(lines)
