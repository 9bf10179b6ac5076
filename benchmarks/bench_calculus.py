"""sciml.calculus against every torch route for the same quantity and JAX-jit (x64), plus the issue's targets.

Cases: dense Jacobians of f(x) = tanh(Wx) + x³ (n = 10, 100, 1000), Hessians and Hessian-vector products of
the n-D Rosenbrock function, and u′, u″ of a 1→64→64→64→1 tanh MLP at N = 10⁴, 10⁵ points plus one training
step through u″ (loss = mean((u″ + u)²), gradient in the parameters). JAX peers are jitted; their compile
time (first call) is in the peer's name and is never part of a timing. ``python benchmarks/run.py calculus
--threads 2`` prints the table; ``python benchmarks/bench_calculus.py --threads 2`` also prints the targets.
Set ``SCIML_BENCH_COMPILE=1`` to add a ``torch.compile``d Taylor-mode training step (compile time reported).
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import time

import torch
from _harness import Case, have

from sciml import calculus
from sciml.calculus import taylor_derivatives

NOTES: list[str] = []  # compile times and identity checks, printed by summary()


def _jax():
    if not have("jax"):
        return None, None
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    return jax, jnp


def _jit(name: str, fn, *args):
    """A jitted JAX callable, compiled now; returns (peer name with compile time, zero-argument callable)."""
    t0 = time.perf_counter()
    out = fn(*args)
    _block(out)
    seconds = time.perf_counter() - t0
    return f"{name} [compile {seconds:.2g} s]", lambda: _block(fn(*args))


def _block(out):
    for leaf in out if isinstance(out, (list, tuple)) else [out]:
        leaf.block_until_ready()
    return out


# ---------------------------------------------------------------- dense Jacobians


def _jacobian_cases(g, jax, jnp):
    out = []
    for n in (10, 100, 1000):
        W = torch.randn(n, n, generator=g, dtype=torch.float64) / n**0.5
        x = torch.randn(n, generator=g, dtype=torch.float64)

        def f(x, W=W):
            return torch.tanh(W @ x) + x**3

        peers = {
            "torch.func.jacrev": lambda f=f, x=x: torch.func.jacrev(f)(x),
            "torch.func.jacfwd": lambda f=f, x=x: torch.func.jacfwd(f)(x),
            "torch.autograd.functional.jacobian": lambda f=f, x=x: torch.autograd.functional.jacobian(f, x),
            "torch.autograd.functional.jacobian(vectorize=True)":
                lambda f=f, x=x: torch.autograd.functional.jacobian(f, x, vectorize=True),
        }
        if jax is not None:
            jW, jx = jnp.asarray(W.numpy()), jnp.asarray(x.numpy())

            def jf(x, W):
                return jnp.tanh(W @ x) + x**3

            for route in ("jacrev", "jacfwd"):
                name, fn = _jit(f"jax jit {route}", jax.jit(getattr(jax, route)(jf)), jx, jW)
                peers[name] = fn
        for mode in ("auto", "rev", "fwd"):
            jac = calculus.jacobian(f, mode=mode)
            chosen = peers if mode == "auto" else {k: v for k, v in peers.items() if k == f"torch.func.jac{mode}"}
            out.append(Case(f"jacobian tanh(Wx)+x^3 n={n} mode={mode}", lambda jac=jac, x=x: jac(x), chosen))
    return out


# ---------------------------------------------------------------- Hessians and HVPs of Rosenbrock


def rosen(x):
    return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _double_backward_hvp(x, v):
    xg = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(rosen(xg), xg, create_graph=True)
    return torch.autograd.grad(g, xg, v)[0]


def _gradient(x):
    xg = x.detach().requires_grad_(True)
    return torch.autograd.grad(rosen(xg), xg)[0]


def _hessian_cases(g, jax, jnp):
    out = []
    tf = torch.func
    for n in (10, 100, 1000):
        x = torch.randn(n, generator=g, dtype=torch.float64)
        v = torch.randn(n, generator=g, dtype=torch.float64)
        peers = {
            "torch.func jacrev∘jacrev": lambda x=x: tf.jacrev(tf.jacrev(rosen))(x),
            "torch.func.hessian (jacfwd∘jacrev)": lambda x=x: tf.hessian(rosen)(x),
            "torch.autograd.functional.hessian": lambda x=x: torch.autograd.functional.hessian(rosen, x),
        }
        hvp_peers = {
            "torch double backward": lambda x=x, v=v: _double_backward_hvp(x, v),
            "torch.func jvp∘grad": lambda x=x, v=v: tf.jvp(tf.grad(rosen), (x,), (v,))[1],
            "torch.func vjp∘grad": lambda x=x, v=v: tf.vjp(tf.grad(rosen), x)[1](v)[0],
            "torch.autograd.functional.hvp": lambda x=x, v=v: torch.autograd.functional.hvp(rosen, x, v)[1],
        }
        if jax is not None:
            jx, jv = jnp.asarray(x.numpy()), jnp.asarray(v.numpy())

            def jrosen(x):
                return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

            name, fn = _jit("jax jit hessian", jax.jit(jax.hessian(jrosen)), jx)
            peers[name] = fn
            name, fn = _jit("jax jit jvp∘grad", jax.jit(lambda x, v: jax.jvp(jax.grad(jrosen), (x,), (v,))[1]), jx, jv)
            hvp_peers[name] = fn
        hess = calculus.hessian(rosen)
        out.append(Case(f"hessian rosenbrock n={n}", lambda hess=hess, x=x: hess(x), peers))
        out.append(Case(f"hvp rosenbrock n={n}", lambda x=x, v=v: calculus.hvp(rosen, x, v), hvp_peers))
        out.append(Case(f"hvp rosenbrock n={n} vs its gradient", lambda x=x, v=v: calculus.hvp(rosen, x, v),
                        {"gradient (torch.autograd.grad)": lambda x=x: _gradient(x)}))
    return out


# ---------------------------------------------------------------- PINN: u', u'' of a 3×64 tanh MLP


def _mlp(g):
    sizes = (1, 64, 64, 64, 1)
    layers = []
    for i, (m, k) in enumerate(itertools.pairwise(sizes)):
        linear = torch.nn.Linear(m, k, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.randn(k, m, generator=g, dtype=torch.float64) * math.sqrt(2 / (m + k)))
            linear.bias.copy_(torch.randn(k, generator=g, dtype=torch.float64) * 0.1)
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def _nested(net, x, order, create_graph):
    """The seed's way: u, u', u'' by nested torch.autograd.grad(create_graph=True)."""
    xg = x.detach().requires_grad_(True)
    out = [net(xg[:, None])[:, 0]]
    for k in range(order):
        keep = create_graph or k < order - 1
        out.append(torch.autograd.grad(out[-1].sum(), xg, create_graph=keep)[0])
    return out


def _functorch(net, order):
    """vmap over points of jacfwd∘…∘jacfwd of the scalar network (with u itself for the loss)."""
    params = dict(net.named_parameters())

    def u(p, t):
        return torch.func.functional_call(net, p, (t.reshape(1, 1),)).reshape(())

    d = u
    for _ in range(order):
        d = torch.func.jacfwd(d, argnums=1)
    return params, torch.func.vmap(u, (None, 0)), torch.func.vmap(d, (None, 0))


def _pinn_cases(g, jax, jnp):
    out = []
    net = _mlp(g)
    params = list(net.parameters())

    def loss_grad(u, u2):
        return torch.autograd.grad(((u2 + u) ** 2).mean(), params)

    def sciml_step(x):
        D = taylor_derivatives(net, x, 2)
        return loss_grad(D[0, :, 0], D[2, :, 0])

    def nested_step(x):
        u, _, u2 = _nested(net, x, 2, True)
        return loss_grad(u, u2)

    p2, vu, vd2 = _functorch(net, 2)

    def functorch_step(x):
        return loss_grad(vu(p2, x), vd2(p2, x))

    if jax is not None:
        jp = [jnp.asarray(p.detach().numpy()) for p in params]

        def ju(p, t):
            h = jnp.reshape(t, (1,))
            for i in range(0, len(p), 2):
                h = p[i] @ h + p[i + 1]
                if i < len(p) - 2:
                    h = jnp.tanh(h)
            return h[0]

        def jd(order):
            d = ju
            for _ in range(order):
                d = jax.grad(d, argnums=1)
            return jax.vmap(d, (None, 0))

        def jloss(p, X):
            return jnp.mean((jd(2)(p, X) + jd(0)(p, X)) ** 2)

    for N in (10**4, 10**5):
        x = torch.linspace(-1.0, 1.0, N, dtype=torch.float64)
        a, b = sciml_step(x), nested_step(x)
        diff = max((p - q).abs().max().item() / max(q.abs().max().item(), 1e-300) for p, q in zip(a, b, strict=True))
        NOTES.append(f"training step N={N}: sciml (Taylor) vs nested autograd, max relative parameter-gradient "
                     f"difference {diff:.1e} ({'identical to 1e-12' if diff <= 1e-12 else 'NOT identical to 1e-12'})")
        for order in (1, 2):
            pk, _, vdk = _functorch(net, order)
            peers = {"torch nested autograd.grad (seed)": lambda x=x, order=order: _nested(net, x, order, False),
                     "torch vmap(jacfwd∘jacfwd)" if order == 2 else "torch vmap(jacfwd)":
                         (lambda x=x, pk=pk, vdk=vdk: torch.no_grad()(vdk)(pk, x))}
            if jax is not None:
                jname = f"jax jit vmap(grad{'∘grad' * (order - 1)})"
                name, fn = _jit(jname, jax.jit(jd(order)), jp, jnp.asarray(x.numpy()))
                peers[name] = fn
            prime = "'" * order
            out.append(Case(f"pinn u{prime} N={N}",
                            lambda x=x, order=order: calculus.derivative(net, x, order, create_graph=False), peers))
        peers = {"torch nested autograd.grad (seed)": lambda x=x: nested_step(x),
                 "torch vmap(jacfwd∘jacfwd)": lambda x=x: functorch_step(x)}
        if jax is not None:
            name, fn = _jit("jax jit grad(loss)", jax.jit(jax.grad(jloss)), jp, jnp.asarray(x.numpy()))
            peers[name] = fn
        out.append(Case(f"pinn training step through u'' N={N}", lambda x=x: sciml_step(x), peers))
        if os.environ.get("SCIML_BENCH_COMPILE") == "1" and jax is not None:
            compiled = torch.compile(sciml_step, dynamic=False)
            t0 = time.perf_counter()
            try:
                compiled(x)
            except Exception as exc:  # a benchmark reports a failing compiler and goes on
                NOTES.append(f"torch.compile failed at N={N}: {type(exc).__name__}: {exc}"[:300])
                continue
            seconds = time.perf_counter() - t0
            jax_peers = {k: v for k, v in peers.items() if k.startswith("jax")}
            out.append(Case(f"pinn training step through u'' N={N} torch.compile [compile {seconds:.3g} s]",
                            lambda x=x, compiled=compiled: compiled(x), jax_peers))
    return out


def cases():
    g = torch.Generator().manual_seed(0)
    jax, jnp = _jax()
    NOTES.clear()
    return _jacobian_cases(g, jax, jnp) + _hessian_cases(g, jax, jnp) + _pinn_cases(g, jax, jnp)


# ---------------------------------------------------------------- the targets, from the timed rows


def summary(rows) -> str:
    """One line per target of the issue (met / not met, with the numbers) from ``run_cases`` rows."""
    by_case: dict[str, dict] = {}
    for case, peer, t_sciml, t_peer, _ in rows:
        entry = by_case.setdefault(case, {"sciml": t_sciml, "peers": {}})
        entry["peers"][peer] = t_peer
    lines = []

    def verdict(ok):
        return "met" if ok else "NOT met"

    worst = []
    for case, e in by_case.items():
        torch_peers = {p: t for p, t in e["peers"].items() if p.startswith("torch") and "functional" not in p}
        if torch_peers and "vs its gradient" not in case:
            best = min(torch_peers, key=torch_peers.get)
            worst.append((e["sciml"] / torch_peers[best], case, best))
    if worst:
        r, case, best = max(worst)
        bad = [f"{c} ({x:.2f}× {b})" for x, c, b in sorted(worst, reverse=True) if x > 1.2]
        lines.append(f"[{verdict(r <= 1.2)}] every operator within 1.2× of the best torch route: worst {r:.2f}× "
                     f"({case} vs {best})" + (f"; over: {'; '.join(bad)}" if bad else ""))
    speedups = [(e["peers"]["torch.autograd.functional.jacobian"] / e["sciml"], c) for c, e in by_case.items()
                if "torch.autograd.functional.jacobian" in e["peers"] and "n=10 " not in c]
    if speedups:
        s, c = min(speedups)
        lines.append(f"[{verdict(s >= 10)}] ≥ 10× faster than autograd.functional.jacobian (default) at n ≥ 100: "
                     f"least {s:.1f}× ({c})")
    hvps = [(e["sciml"] / e["peers"]["gradient (torch.autograd.grad)"], c) for c, e in by_case.items()
            if "vs its gradient" in c]
    if hvps:
        r, c = max(hvps)
        lines.append(f"[{verdict(r <= 3)}] HVP ≤ 3× a gradient: worst {r:.2f}× ({c}); all: "
                     + ", ".join(f"{x:.2f}×" for x, _ in hvps))
    jax_rows = []
    for c, e in by_case.items():
        jax_peers = {p: t for p, t in e["peers"].items() if p.startswith("jax")}
        if jax_peers and (("jacobian" in c and "n=1000 mode=auto" in c) or "pinn u''" in c or "training step" in c):
            jax_rows.append((e["sciml"] / min(jax_peers.values()), c))
    if jax_rows:
        ok = all(r <= 1.5 for r, c in jax_rows if "torch.compile" not in c)
        lines.append(f"[{verdict(ok)}] ≤ 1.5× JAX-jit (n=1000 Jacobian, PINN u'' and its step, eager): "
                     + "; ".join(f"{c}: {r:.2f}×" for r, c in jax_rows))
    step = by_case.get("pinn training step through u'' N=10000")
    if step:
        s = step["peers"]["torch nested autograd.grad (seed)"] / step["sciml"]
        lines.append(f"[{verdict(s >= 1.3)}] training step through u'' at N=10⁴ ≥ 1.3× faster than nested "
                     f"autograd.grad(create_graph=True): {s:.2f}×")
    return "\n".join(lines + NOTES)


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="calculus benchmark with its targets summary")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    torch.set_num_threads(args.threads)
    from _harness import format_rows, run_cases

    rows = run_cases(cases())
    print(f"torch {torch.__version__}, {args.threads} thread(s)")
    print(format_rows(rows))
    print(summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
