"""sciml.linalg against SciPy (and JAX when installed): dense solves (checked, against bare torch too), batched
small systems, eigh, expm, and the Krylov solvers against scipy.sparse.linalg on the 2-D Laplacian.

Sizes: ``SCIML_BENCH_LINALG_SIZES`` (default ``100,1000,3000``), the Laplacian grid ``SCIML_BENCH_LINALG_GRID``
(default 100: n = 10⁴ unknowns), the threaded batched-LU runs ``SCIML_BENCH_LINALG_LU_RUNS`` (default 100).
A quick check that everything runs: ``SCIML_BENCH_LINALG_SIZES=50 SCIML_BENCH_LINALG_GRID=20
SCIML_BENCH_LINALG_LU_RUNS=1 python benchmarks/run.py linalg``.
"""

import math
import os
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as sla
import torch
from _harness import Case, have

from sciml import linalg

SIZES = tuple(int(s) for s in os.environ.get("SCIML_BENCH_LINALG_SIZES", "100,1000,3000").split(","))
GRID = int(os.environ.get("SCIML_BENCH_LINALG_GRID", "100"))
LU_RUNS = int(os.environ.get("SCIML_BENCH_LINALG_LU_RUNS", "100"))
RTOL = 1e-10


def _laplacian(m, shift=0.0, c=0.0):
    T = sp.diags([(-1 - c) * np.ones(m - 1), 2 * np.ones(m), (-1 + c) * np.ones(m - 1)], [-1, 0, 1])
    return (sp.kron(sp.eye(m), T) + sp.kron(T, sp.eye(m)) - shift * sp.eye(m * m)).tocsr()


def _dense_cases(rng):
    out = []
    for n in SIZES:
        M = rng.standard_normal((n, n))
        A_np, b_np = M + math.sqrt(n) * np.eye(n), rng.standard_normal(n)
        A, b = torch.from_numpy(A_np), torch.from_numpy(b_np)
        peers = {"scipy": lambda A_np=A_np, b_np=b_np: scipy.linalg.solve(A_np, b_np),
                 "torch (unchecked)": lambda A=A, b=b: torch.linalg.solve(A, b)}
        if have("jax"):
            import jax
            import jax.numpy as jnp

            jax.config.update("jax_enable_x64", True)
            jA, jb = jnp.asarray(A_np), jnp.asarray(b_np)
            f = jax.jit(jnp.linalg.solve)
            peers["jax"] = lambda f=f, jA=jA, jb=jb: f(jA, jb).block_until_ready()
        out.append(Case(f"solve n={n} (checked)", lambda A=A, b=b: linalg.solve(A, b), peers))
        if n <= 1000:
            S_np = M @ M.T + n * np.eye(n)
            S = torch.from_numpy(S_np)
            out.append(Case(f"solve n={n} assume_a=pos", lambda S=S, b=b: linalg.solve(S, b, assume_a="pos"),
                            {"scipy": lambda S_np=S_np, b_np=b_np: scipy.linalg.solve(S_np, b_np, assume_a="pos")}))
            out.append(Case(f"eigh n={n}", lambda S=S: linalg.eigh(S),
                            {"scipy": lambda S_np=S_np: scipy.linalg.eigh(S_np)}))
            out.append(Case(f"expm n={n}", lambda A=A / n: linalg.expm(A),
                            {"scipy": lambda A_np=A_np / n: scipy.linalg.expm(A_np)}))
    A_np = rng.standard_normal((1000, 10, 10)) + 4 * np.eye(10)
    b_np = rng.standard_normal((1000, 10))
    A, b = torch.from_numpy(A_np), torch.from_numpy(b_np)
    out.append(Case("solve batch 1000 x 10x10 (checked)", lambda: linalg.solve(A, b),
                    {"numpy (batched)": lambda: np.linalg.solve(A_np, b_np[..., None]),
                     "scipy (loop)": lambda: [scipy.linalg.solve(a, v) for a, v in zip(A_np, b_np, strict=True)],
                     "torch (unchecked)": lambda: torch.linalg.solve(A, b)}))
    return out


def _krylov_cases():
    m = GRID
    n = m * m
    L_sp, L_op = _laplacian(m), linalg.laplacian_operator(m)
    L_csr = linalg.aslinearoperator(L_sp)
    b_np = np.ones(n)
    b = torch.from_numpy(b_np)
    C_sp = _laplacian(m // 2, c=0.3)
    c_np = np.random.default_rng(1).standard_normal(C_sp.shape[0])
    S_sp = _laplacian(m // 2, shift=0.5)
    X0 = np.random.default_rng(2).standard_normal((n, 5))
    mass = sp.diags([np.ones(m // 2 - 1), 4 * np.ones(m // 2), np.ones(m // 2 - 1)], [-1, 0, 1]) * 6
    G_sp, L_half = sp.kron(mass, mass).tocsr(), _laplacian(m // 2)  # A x = λ B x, B a finite-element mass matrix
    Y0 = np.random.default_rng(3).standard_normal((G_sp.shape[0], 5))
    return [
        Case(f"cg Laplacian n={n} (stencil operator)", lambda: linalg.cg(L_op, b, rtol=RTOL),
             {"scipy (CSR)": lambda: sla.cg(L_sp, b_np, rtol=RTOL)}),
        Case(f"cg Laplacian n={n} (torch CSR)", lambda: linalg.cg(L_csr, b, rtol=RTOL),
             {"scipy (CSR)": lambda: sla.cg(L_sp, b_np, rtol=RTOL)}),
        Case(f"gmres convection-diffusion n={C_sp.shape[0]}",
             lambda: linalg.gmres(C_sp, torch.from_numpy(c_np), rtol=1e-8),
             {"scipy": lambda: sla.gmres(C_sp, c_np, rtol=1e-8)}),
        Case(f"minres Laplacian - 0.5 I n={S_sp.shape[0]}",
             lambda: linalg.minres(S_sp, torch.from_numpy(c_np), rtol=1e-8),
             {"scipy": lambda: sla.minres(S_sp, c_np, rtol=1e-8)}),
        Case(f"bicgstab convection-diffusion n={C_sp.shape[0]}",
             lambda: linalg.bicgstab(C_sp, torch.from_numpy(c_np), rtol=1e-8),
             {"scipy": lambda: sla.bicgstab(C_sp, c_np, rtol=1e-8)}),
        Case(f"lobpcg 5 smallest n={n}", lambda: linalg.lobpcg(L_op, torch.from_numpy(X0), tol=1e-8, maxiter=5000),
             {"scipy": lambda: sla.lobpcg(L_sp, X0, largest=False, tol=1e-8, maxiter=5000)}),
        Case(f"lobpcg generalized (B = mass matrix) 5 smallest n={G_sp.shape[0]}",
             lambda: linalg.lobpcg(L_half, torch.from_numpy(Y0), G_sp, tol=1e-8, maxiter=5000),
             {"scipy": lambda: sla.lobpcg(L_half, Y0, G_sp, largest=False, tol=1e-8, maxiter=5000)}),
    ]


def cases():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return _dense_cases(np.random.default_rng(0)) + _krylov_cases()


# -- the targets of issue 15 -------------------------------------------------------------------------------------

def _mark(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _row(rows, case, peer):
    return next(((s, p) for c, pe, s, p, _ in rows if c == case and pe == peer), None)


def _count(solver, *args, **kwargs):
    calls = []
    solver(*args, callback=lambda _: calls.append(1), **kwargs)
    return len(calls)


def summary(rows) -> str:
    """The targets of issue 15, met or not."""
    lines, rng = [], np.random.default_rng(5)
    eps = np.finfo(float).eps
    worst = 0.0
    for n in SIZES:
        A, b = torch.from_numpy(rng.standard_normal((n, n))), torch.from_numpy(rng.standard_normal(n))
        worst = max(worst, float(linalg.backward_error(A, linalg.solve(A, b), b)) / (n * eps))
    lines.append(f"[{_mark(worst <= 10)}] solve backward error ≤ 10 n ε up to n = {max(SIZES)}: worst {worst:.2f} n ε")
    fired = []
    for n in (12, 13, 14):
        H = scipy.linalg.hilbert(n)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            linalg.solve(H, H @ np.ones(n))
        fired.append(any(issubclass(w.category, linalg.IllConditionedWarning) for w in caught))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(100):
            n = int(rng.integers(2, 200))
            linalg.solve(rng.standard_normal((n, n)) + math.sqrt(n) * np.eye(n), rng.standard_normal(n))
    false = sum(issubclass(w.category, linalg.IllConditionedWarning) for w in caught)
    lines.append(f"[{_mark(all(fired) and not false)}] ill-conditioning warning on Hilbert n = 12, 13, 14: {fired}; "
                 f"on 100 well-conditioned random matrices: {false} warnings")
    overhead = [(n, *_row(rows, f"solve n={n} (checked)", "torch (unchecked)")) for n in SIZES if n >= 500]
    if overhead:
        ratios = ", ".join(f"n={n}: {s / t:.2f}" for n, s, t in overhead)
        lines.append(f"[{_mark(all(s <= 1.2 * t for _, s, t in overhead))}] checks cost ≤ 1.2× bare "
                     f"torch.linalg.solve at n ≥ 500: {ratios}")
    lines.append(_threaded_lu())
    m, n = GRID, GRID * GRID
    ours = linalg.cg(linalg.laplacian_operator(m), torch.ones(n, dtype=torch.float64), rtol=RTOL).nit
    theirs = _count(sla.cg, _laplacian(m), np.ones(n), rtol=RTOL)
    timing = _row(rows, f"cg Laplacian n={n} (stencil operator)", "scipy (CSR)")
    lines.append(f"[{_mark(abs(ours - theirs) <= 2 and timing[0] < timing[1])}] cg on the Laplacian, n = {n}, rtol "
                 f"{RTOL:g}: {ours} iterations (SciPy {theirs}), {timing[0] * 1e3:.1f} ms vs SciPy "
                 f"{timing[1] * 1e3:.1f} ms")
    C, S = _laplacian(m // 2, c=0.3), _laplacian(m // 2, shift=0.5)
    c = np.random.default_rng(1).standard_normal(C.shape[0])
    g = (linalg.gmres(C, torch.from_numpy(c), rtol=1e-8).nit,
         _count(sla.gmres, C, c, rtol=1e-8, callback_type="pr_norm"))
    r = (linalg.minres(S, torch.from_numpy(c), rtol=1e-8).nit, _count(sla.minres, S, c, rtol=1e-8))
    lines.append(f"[{_mark(abs(g[0] - g[1]) <= 2 and abs(r[0] - r[1]) <= 2)}] iteration counts as SciPy's: gmres "
                 f"{g[0]} (SciPy {g[1]}) on convection-diffusion, minres {r[0]} (SciPy {r[1]}) on L − 0.5 I")
    X0 = np.random.default_rng(2).standard_normal((n, 5))
    k = np.arange(1, m + 1) * np.pi / (m + 1)
    exact = np.sort((4 - 2 * np.cos(k)[:, None] - 2 * np.cos(k)[None, :]).ravel())[:5]
    ours = linalg.lobpcg(linalg.laplacian_operator(m), torch.from_numpy(X0), tol=1e-8, maxiter=5000).eigenvalues
    theirs = np.sort(sla.lobpcg(_laplacian(m), X0, largest=False, tol=1e-8, maxiter=5000)[0])
    e1, e2 = np.abs(ours.numpy() / exact - 1).max(), np.abs(theirs / exact - 1).max()
    lines.append(f"[{_mark(e1 <= 1e-8)}] lobpcg, 5 smallest of the n = {n} Laplacian to 1e-8 relative: {e1:.1e} "
                 f"(SciPy {e2:.1e})")
    lines.append(_expm_line(rng))
    return "\n".join(lines)


def _expm_line(rng) -> str:
    """expm against scipy.linalg.expm and against a 50-digit mpmath.expm (which of the two is off)."""
    import mpmath

    mpmath.mp.dps = 50
    vs_scipy = vs_exact = scipy_exact = 0.0
    ok = True
    for scale in (0.1, 1, 10, 50, 200):
        for size in (5, 20):
            A = rng.standard_normal((size, size)) * scale / math.sqrt(size)
            ref, ours = scipy.linalg.expm(A), linalg.expm(torch.from_numpy(A)).numpy()
            exact = np.array(mpmath.expm(mpmath.matrix(A.tolist())).tolist(), dtype=float)
            norm = np.linalg.norm(exact)
            vs_scipy = max(vs_scipy, np.linalg.norm(ours - ref) / np.linalg.norm(ref))
            vs_exact = max(vs_exact, np.linalg.norm(ours - exact) / norm)
            scipy_exact = max(scipy_exact, np.linalg.norm(ref - exact) / norm)
            ok &= np.linalg.norm(ours - exact) / norm <= max(1e-13, np.linalg.norm(ref - exact) / norm)
    return (f"[{_mark(ok)}] expm within 1e-13 relative (or SciPy's own error) of 50 digits, ‖A‖ up to 200: worst "
            f"{vs_exact:.1e} (scipy.linalg.expm: {scipy_exact:.1e}); sciml vs SciPy {vs_scipy:.1e}")


def _threaded_lu() -> str:
    """The threaded batched-LU conditions of pytorch#142815: 2 threads, batches of 10 × 256×256."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    g = torch.Generator().manual_seed(0)
    good = 0
    try:
        for _ in range(LU_RUNS):
            A = torch.randn(10, 256, 256, generator=g, dtype=torch.float64) + 16 * torch.eye(256, dtype=torch.float64)
            b = torch.randn(10, 256, 1, generator=g, dtype=torch.float64)
            good += float((A @ linalg.solve(A, b) - b).abs().max()) <= 1e-10
    finally:
        torch.set_num_threads(threads)
    return (f"[{_mark(good == LU_RUNS)}] threaded batched LU (2 threads, 10 × 256×256): residual ≤ 1e-10 in {good} "
            f"of {LU_RUNS} runs")
