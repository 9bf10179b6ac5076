"""PINN time to accuracy: max error on a 1000-point grid against seconds, for sciml.pinn.solve's default call.

Issue 13 adds the problems as users write them (:func:`as_written`): Lane–Emden with 2y'/x and Bessel's
equation (singular at 0), an eigenvalue with an integral normalization from a guess, the two-solution problem
(the default call's restart) and its second solution from a guess, the ε = 1e-3 shock layer by continuation and
as written without it (solve continues by itself), Lane–Emden singular at the right end; solve_bvp via
sciml.pinn.references.

Two problems with closed forms: the seed u'' + u = 0, u(0) = 0, u(π/2) = 1 (exact sin x), and Bratu
u'' + exp(u) = 0, u(0) = u(1) = 0 on its lower branch (exact −2 ln(cosh((x − ½)θ/2)/cosh(θ/4)), θ the smaller
root of θ = √2 cosh(θ/4)). For each: sciml's default ``solve`` over several seeds, the error recorded after
every iteration through ``callback`` (the evaluation itself is taken off the clock); ``scipy.integrate.
solve_bvp`` (the honest ceiling: machine precision in milliseconds); and DeepXDE's recipe when DeepXDE is
installed (pytorch backend, float64, Adam 5000 iterations at lr 1e-3 then L-BFGS, soft Dirichlet conditions
as in its Poisson examples, at most ``--deepxde-budget`` seconds). Everything runs in one process.

Usage::

    python benchmarks/run.py pinn --threads 2          # the full run (SCIML_BENCH_QUICK=1: the quick one)
    python benchmarks/bench_pinn.py --threads 2 [--quick] [--seeds N] [--no-deepxde] [--out curves.png]
                                    [--only seed,two_solutions_second]

Times are wall-clock seconds of the process (``time.perf_counter``); the load average printed with the table
says whether the machine was quiet. Nothing here asserts: the targets are reported as met or not met.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

GRID = 1000
TOLS = (1e-4, 1e-5, 1e-6, 1e-8)
DEEPXDE_BUDGET = 60.0
BRATU_THETA = 1.5171645990507543  # the smaller root of θ = √2 cosh(θ/4); checked in _bratu_theta


@dataclasses.dataclass
class Bench:
    """One benchmark problem: its statement, exact solution, first-order form for solve_bvp, targets."""

    name: str
    title: str
    equation: str
    domain: tuple
    conditions: list
    exact: Callable  # numpy or torch array -> same
    rhs: Callable | None  # solve_bvp's f(x, y) for y = (u, u'); None: sciml.pinn.references.scipy_solution
    targets: dict  # tol -> seconds (median of seeds)
    statement_options: dict = dataclasses.field(default_factory=dict)  # BVP(..., parameters=, unknowns=)
    options: dict = dataclasses.field(default_factory=dict)  # solve(..., guess=, continuation=)

    def statement(self):
        from sciml.pinn import BVP

        return BVP(self.equation, domain=self.domain, conditions=self.conditions, **self.statement_options)

    @property
    def interval(self) -> tuple[float, float]:
        ends = {"pi/2": math.pi / 2, "pi": math.pi}
        return tuple(ends.get(d, d) if isinstance(d, str) else float(d) for d in self.domain)


def _bratu_theta() -> float:
    import scipy.optimize

    return scipy.optimize.brentq(lambda t: t - math.sqrt(2) * math.cosh(t / 4), 0.1, 4.0)


def problems() -> list[Bench]:
    import numpy as np

    theta = _bratu_theta()
    assert abs(theta - BRATU_THETA) < 1e-12

    def bratu(x):
        lib = np if isinstance(x, np.ndarray) else sys.modules["torch"]
        return -2 * lib.log(lib.cosh((x - 0.5) * theta / 2) / math.cosh(theta / 4))

    def sine(x):
        return np.sin(x) if isinstance(x, np.ndarray) else sys.modules["torch"].sin(x)

    return [
        Bench("seed", "u'' + u = 0, u(0) = 0, u(pi/2) = 1 (exact sin x)", "u'' + u = 0", (0, "pi/2"),
              ["u(0) = 0", "u(pi/2) = 1"], sine, lambda x, y: np.vstack([y[1], -y[0]]), {1e-6: 3.0, 1e-8: 15.0}),
        Bench("bratu", "u'' + exp(u) = 0, u(0) = u(1) = 0, lower branch (u(1/2) = 0.14053921...)",
              "u'' + exp(u) = 0", (0, 1), ["u(0) = 0", "u(1) = 0"], bratu,
              lambda x, y: np.vstack([y[1], -np.exp(y[0])]), {1e-6: 3.0, 1e-8: 10.0}),
        *as_written(),
    ]


def as_written() -> list[Bench]:
    """Issue 13's problems as users write them: singular coefficients, an eigenvalue with an integral
    normalization, two solutions, a thin layer (solve_bvp through sciml.pinn.references; no DeepXDE recipe)."""
    import numpy as np
    import scipy.special

    lib = lambda x: np if isinstance(x, np.ndarray) else sys.modules["torch"]  # noqa: E731
    erf = lambda x: scipy.special.erf(x) if isinstance(x, np.ndarray) else sys.modules["torch"].erf(x)  # noqa: E731
    eps = 1e-3
    return [
        Bench("lane_emden", "y'' + 2y'/x + y^5 = 0, y'(0) = 0, y(1) = sqrt(3)/2 (singular at 0)",
              "y'' + 2*y'/x + y**5 = 0", (0, 1), ["y'(0) = 0", "y(1) = sqrt(3)/2"],
              lambda x: 1 / lib(x).sqrt(1 + x**2 / 3), None, {1e-6: 5.0}),
        Bench("bessel_j0", "y'' + y'/x + y = 0, y'(0) = 0, y(1) = J0(1) (singular at 0)", "y'' + y'/x + y = 0",
              (0, 1), ["y'(0) = 0", "y(1) = besselj(0, 1)"],
              lambda x: scipy.special.j0(x) if isinstance(x, np.ndarray) else sys.modules["torch"].special.bessel_j0(x),
              None, {1e-6: 10.0}),
        Bench("eigen_integral", "y'' + lam y = 0, y(0) = y(pi) = 0, int y^2 = 1 (guess sin x)", "y'' + lam*y = 0",
              (0, "pi"), ["y(0) = 0", "y(pi) = 0", "integrate(y**2, (x, 0, pi)) = 1"],
              lambda x: math.sqrt(2 / math.pi) * lib(x).sin(x), None, {1e-6: 20.0},
              {"unknowns": {"lam": 0.8}}, {"guess": "sin(x)"}),
        Bench("two_solutions", "y'' = 3y^2/2, y(0) = 4, y(1) = 1 (exact 4/(1 + x)^2; default call restarts)",
              "y'' = 3*y**2/2", (0, 1), ["y(0) = 4", "y(1) = 1"], lambda x: 4 / (1 + x) ** 2, None, {1e-6: 60.0}),
        Bench("shock_layer", "1e-3 y'' + x y' = ..., y(-1) = -2, y(1) = 0 (continuation 1e-1, 1e-2, 1e-3)",
              "eps*y'' + x*y' = -eps*pi**2*cos(pi*x) - pi*x*sin(pi*x)", (-1, 1), ["y(-1) = -2", "y(1) = 0"],
              lambda x: lib(x).cos(math.pi * x) + erf(x / math.sqrt(2 * eps)) / math.erf(1 / math.sqrt(2 * eps)),
              None, {1e-4: 300.0}, {"parameters": {"eps": "1/1000"}},
              {"continuation": {"eps": [1e-1, 1e-2, 1e-3]}, "n_points": 256, "rtol": 1e-6}),
        Bench("shock_layer_auto", "1e-3 y'' + x y' = ... as written, no continuation= (solve continues by itself)",
              "1e-3*y'' + x*y' = -1e-3*pi**2*cos(pi*x) - pi*x*sin(pi*x)", (-1, 1), ["y(-1) = -2", "y(1) = 0"],
              lambda x: lib(x).cos(math.pi * x) + erf(x / math.sqrt(2 * eps)) / math.erf(1 / math.sqrt(2 * eps)),
              None, {1e-4: 60.0}, {}, {"n_points": 256, "rtol": 1e-6}),
        Bench("lane_emden_right", "y'' - 2y'/(1 - x) + y^5 = 0, y'(1) = 0, y(0) = sqrt(3)/2 (singular at 1)",
              "y'' - 2*y'/(1 - x) + y**5 = 0", (0, 1), ["y'(1) = 0", "y(0) = sqrt(3)/2"],
              lambda x: 1 / lib(x).sqrt(1 + (1 - x) ** 2 / 3), None, {1e-6: 20.0}),
        Bench("two_solutions_second", "y'' = 3y^2/2, y(0) = 4, y(1) = 1, the second solution (guess "
              "4 - 3x - 40x(1 - x); reference solve_bvp from the same guess)", "y'' = 3*y**2/2", (0, 1),
              ["y(0) = 4", "y(1) = 1"], _second_solution, None, {1e-6: 30.0}, {},
              {"guess": SECOND_GUESS, "max_iter": 3000}),
    ]


SECOND_GUESS = "4 - 3*x - 40*x*(1 - x)"


def _second_solution(x):
    """The second solution of y'' = 3y²/2, y(0) = 4, y(1) = 1: solve_bvp (tol 1e-10) from SECOND_GUESS."""
    import numpy as np

    from sciml.pinn import BVP
    from sciml.pinn.references import scipy_solution

    if "ref" not in _second_solution.__dict__:
        _second_solution.ref = scipy_solution(BVP("y'' = 3*y**2/2", (0, 1), ["y(0) = 4", "y(1) = 1"]),
                                              guess=SECOND_GUESS)
    if isinstance(x, np.ndarray):
        return _second_solution.ref(x)
    return sys.modules["torch"].as_tensor(_second_solution.ref(x.cpu().numpy()), dtype=x.dtype, device=x.device)


@dataclasses.dataclass
class Curve:
    """Max error against seconds for one run: ``times[i]`` when ``errors[i]`` was reached."""

    method: str
    seed: int | None
    times: list = dataclasses.field(default_factory=list)
    errors: list = dataclasses.field(default_factory=list)
    total: float = math.nan
    note: str = ""

    @property
    def final(self) -> float:
        return self.errors[-1] if self.errors else math.nan

    def time_to(self, tol: float) -> float:
        """First time the error is at most ``tol`` (inf if never)."""
        return next((t for t, e in zip(self.times, self.errors, strict=True) if e <= tol), math.inf)

    def error_at(self, t: float) -> float:
        """The error of the iterate current at time ``t`` (the final one after the run ends)."""
        last = math.inf
        for s, e in zip(self.times, self.errors, strict=True):
            if s > t:
                break
            last = e
        return last


class _Clock:
    """Seconds since start, minus the time spent inside ``off()`` blocks (error evaluations)."""

    def __init__(self):
        self.start, self.excluded = time.perf_counter(), 0.0

    def now(self) -> float:
        return time.perf_counter() - self.start - self.excluded

    @contextlib.contextmanager
    def off(self):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.excluded += time.perf_counter() - start


def run_sciml(bench: Bench, seed: int) -> Curve:
    """sciml's default call, ``solve(problem, generator=...)``, the error after every iteration."""
    import torch

    from sciml.pinn import solve

    problem = bench.statement()
    a, b = bench.interval
    x = torch.linspace(a, b, GRID, dtype=torch.float64)
    exact = bench.exact(x)
    curve = Curve("sciml solve", seed)

    def callback(intermediate):
        t = clock.now()
        with clock.off(), torch.no_grad():
            curve.times.append(t)
            curve.errors.append(float((intermediate.sol(x) - exact).abs().max()))

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        clock = _Clock()
        result = solve(problem, generator=torch.Generator().manual_seed(seed), callback=callback, **bench.options)
        curve.total = clock.now()
    with torch.no_grad():
        final = float((result.sol(x) - exact).abs().max())
    curve.times.append(curve.total)
    curve.errors.append(final)
    curve.note = f"{result.stop_reason}, {result.niter} it"
    return curve


def warm_up() -> float:
    """One short solve, so that one-time costs (lazy imports, torch.func's first traces) stay off the clocks;
    returns its seconds."""
    import torch

    from sciml.pinn import BVP, solve

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=2 stops early on purpose
        solve(BVP("u'' = -u", domain=(0, 1), conditions=["u(0) = 0", "u(1) = 1"]), max_iter=2,
              callback=lambda intermediate: intermediate.sol(torch.zeros(3, dtype=torch.float64)))
    return time.perf_counter() - start


def _quiet():
    import io

    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
    return stack


def run_scipy(bench: Bench) -> Curve:
    """``scipy.integrate.solve_bvp`` at tol 1e-10 from a zero guess on 11 nodes: median time, error."""
    import numpy as np
    import scipy.integrate
    from _harness import time_call

    a, b = bench.interval
    mesh = np.linspace(a, b, 11)
    ends = bench.exact(np.array([a, b]))
    if bench.rhs is None:  # the statement's own first-order form (singular term, parameters, guesses)
        from sciml.pinn.references import NoReferenceError, scipy_solution

        problem = bench.statement()
        call = lambda: scipy_solution(problem, guess=bench.options.get("guess"))  # noqa: E731
        try:
            ref = call()
        except NoReferenceError as exc:
            return Curve("scipy solve_bvp", None, [math.nan], [math.nan], math.nan, f"no reference: {exc}")
        x = np.linspace(a, b, GRID)
        error = float(np.abs(ref(x) - bench.exact(x)).max())
        seconds = time_call(call, repeat=3, budget=0.1)
        return Curve("scipy solve_bvp", None, [seconds], [error], seconds, "via sciml.pinn.references")

    def call():
        return scipy.integrate.solve_bvp(bench.rhs, lambda ya, yb: np.array([ya[0] - ends[0], yb[0] - ends[1]]),
                                         mesh, np.zeros((2, mesh.size)), tol=1e-10)

    out = call()
    x = np.linspace(a, b, GRID)
    error = float(np.abs(out.sol(x)[0] - bench.exact(x)).max())
    seconds = time_call(call, repeat=3, budget=0.1)
    return Curve("scipy solve_bvp", None, [seconds], [error], seconds, f"tol 1e-10, {out.x.size} nodes")


def run_deepxde(bench: Bench, seed: int, budget: float) -> Curve:
    """DeepXDE's recipe (pytorch, float64): Adam 5000 at lr 1e-3, then L-BFGS; stopped after ``budget`` s."""
    import torch

    os.environ.setdefault("DDE_BACKEND", "pytorch")
    with _quiet():  # DeepXDE prints its progress (backend, float type, "Compiling model...")
        import deepxde as dde

        dde.config.set_default_float("float64")
    dde.config.set_random_seed(seed)
    dde.optimizers.set_LBFGS_options()
    dde.optimizers.config.LBFGS_options["iter_per_step"] = 20  # so that the callback sees L-BFGS every 20 steps
    a, b = bench.interval
    geom = dde.geometry.Interval(a, b)
    exp = torch.exp if bench.name == "bratu" else None

    def pde(x, y):
        u_xx = dde.grad.hessian(y, x)
        return u_xx + (exp(y) if exp is not None else y)

    bc = dde.icbc.DirichletBC(geom, lambda x: bench.exact(x), lambda x, on_boundary: on_boundary)
    data = dde.data.PDE(geom, pde, [bc], num_domain=64, num_boundary=2)
    net = dde.nn.FNN([1] + [50] * 3 + [1], "tanh", "Glorot uniform")
    model = dde.Model(data, net)
    x = torch.linspace(a, b, GRID, dtype=torch.float64)[:, None]
    exact = bench.exact(x)[:, 0]
    curve = Curve("DeepXDE Adam+L-BFGS", seed)
    state = {"steps": 0}

    class Record(dde.callbacks.Callback):
        def on_epoch_end(self):
            state["steps"] += 1
            t = clock.now()
            if t > budget:
                self.model.stop_training = True
            # every 25 Adam iterations (each one is cheap) and every L-BFGS step
            if model.opt_name == "adam" and state["steps"] % 25:
                return
            with clock.off(), torch.no_grad():
                curve.times.append(t)
                curve.errors.append(float((net(x)[:, 0] - exact).abs().max()))

    with _quiet():
        clock = _Clock()
        model.compile("adam", lr=1e-3)
        model.train(iterations=5000, callbacks=[Record()], verbose=0)
        adam = model.train_state.step
        if clock.now() < budget:
            model.compile("L-BFGS")
            model.train(callbacks=[Record()], verbose=0)
        curve.total = clock.now()
    lbfgs = model.train_state.step - adam
    curve.note = f"Adam {adam} + L-BFGS {lbfgs} it" + (f", stopped at {budget:.0f} s" if curve.total > budget else "")
    torch.set_default_dtype(torch.float32)  # DeepXDE set it globally; give it back
    return curve


# -- report ---------------------------------------------------------------------------------------------------


def _fmt(t: float) -> str:
    if t == math.inf:
        return "never"
    if t != t:
        return "-"
    return f"{t * 1e3:.3g} ms" if t < 0.1 else f"{t:.3g} s"


def _pair(values, fmt) -> str:
    """``median / worst`` over seeds (worst: the largest)."""
    if len(values) == 1:
        return fmt(values[0])
    med = statistics.median(values)
    return f"{fmt(med)} / {fmt(max(values))}"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def summarize(bench: Bench, runs: dict[str, list[Curve]]) -> tuple[str, list[tuple[str, bool, str]]]:
    """The table for one problem and its targets as ``(target, met, numbers)``."""
    header = ["method", "seeds", *(f"to {tol:.0e}" for tol in TOLS), "final error", "total", "stop"]
    rows = [header]
    for method, curves in runs.items():
        rows.append([method, str(len(curves)) if curves[0].seed is not None else "-",
                     *(_pair([c.time_to(tol) for c in curves], _fmt) for tol in TOLS),
                     _pair([c.final for c in curves], lambda e: f"{e:.1e}"),
                     _pair([c.total for c in curves], _fmt), curves[0].note if len(curves) == 1 else ""])
    text = [f"{bench.name}: {bench.title}", "(times: median / worst of the seeds)", _table(rows)]
    ours = runs["sciml solve"]
    checks = []
    for tol, limit in bench.targets.items():
        times = [c.time_to(tol) for c in ours]
        med = statistics.median(times)
        checks.append((f"{bench.name}: max error <= {tol:.0e} within {limit:g} s (median of {len(ours)} seeds)",
                       med <= limit, f"median {_fmt(med)}, worst {_fmt(max(times))}"))
    peer = runs.get("DeepXDE Adam+L-BFGS")
    if peer:
        dde = peer[0]
        t_ours = statistics.median(c.time_to(1e-5) for c in ours)
        t_dde = dde.time_to(1e-5)
        bound = "" if t_dde < math.inf else " (DeepXDE never reached 1e-5: the ratio is at least this)"
        speed = (t_dde if t_dde < math.inf else dde.total) / t_ours
        checks.append((f"{bench.name}: >= 10x faster than DeepXDE to 1e-5", speed >= 10,
                       f"{speed:.0f}x: sciml {_fmt(t_ours)}, DeepXDE {_fmt(t_dde)}{bound}"))
        finish = statistics.median(c.total for c in ours)
        final = statistics.median(c.final for c in ours)
        at_ours, at_end = dde.error_at(finish) / final, min(dde.errors) / final
        checks.append((f"{bench.name}: >= 100x lower error than DeepXDE at equal time", min(at_ours, at_end) >= 100,
                       f"at sciml's finish ({_fmt(finish)}): DeepXDE {dde.error_at(finish):.1e} vs {final:.1e} "
                       f"({at_ours:.0f}x); DeepXDE's best in its whole run ({_fmt(dde.total)}) "
                       f"{min(dde.errors):.1e} ({at_end:.0f}x)"))
    return "\n".join(text), checks


def plot(all_runs: dict[str, dict[str, list[Curve]]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(all_runs), figsize=(6 * len(all_runs), 4.2), squeeze=False)
    styles = {"sciml solve": "C0", "scipy solve_bvp": "C2", "DeepXDE Adam+L-BFGS": "C3"}
    for ax, (name, runs) in zip(axes[0], all_runs.items(), strict=True):
        for method, curves in runs.items():
            for i, c in enumerate(curves):
                kw = {"color": styles.get(method, "k"), "label": method if i == 0 else None}
                if method == "scipy solve_bvp":
                    ax.plot(c.times, c.errors, "*", ms=12, **kw)
                else:
                    ax.step(c.times, c.errors, where="post", lw=1.2, alpha=0.8, **kw)
        for tol in TOLS:
            ax.axhline(tol, color="0.8", lw=0.8, zorder=0)
        ax.set(xscale="log", yscale="log", xlabel="seconds", ylabel=f"max |error| on {GRID} points", title=name)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _progress(bench: Bench, c: Curve) -> None:
    print(f"pinn: {bench.name} {c.method} seed {c.seed}: error {c.final:.1e} after {_fmt(c.total)} ({c.note})",
          file=sys.stderr, flush=True)


def report(*, seeds: int = 5, deepxde: bool = True, budget: float = DEEPXDE_BUDGET, out: str | None = None,
           threads: int | None = None, only: list | None = None) -> str:
    """Run everything (or the problems named in ``only``) and return the report (tables, then the targets as
    met / not met)."""
    import importlib.util
    import platform

    import torch

    load = os.getloadavg()[0]
    start = time.perf_counter()
    have_dde = deepxde and importlib.util.find_spec("deepxde") is not None
    all_runs, texts, checks = {}, [], []
    cold = warm_up()
    chosen = [b for b in problems() if only is None or b.name in only]
    for bench in chosen:
        runs = {"sciml solve": [], "scipy solve_bvp": [run_scipy(bench)]}
        for s in range(seeds):
            runs["sciml solve"].append(run_sciml(bench, s))
            _progress(bench, runs["sciml solve"][-1])
        all_runs[bench.name] = runs
    if have_dde:  # after sciml: DeepXDE sets torch's default dtype globally
        for bench in [b for b in chosen if b.name in ("seed", "bratu")]:  # its recipe is written for these
            all_runs[bench.name]["DeepXDE Adam+L-BFGS"] = [run_deepxde(bench, 0, budget)]
            _progress(bench, all_runs[bench.name]["DeepXDE Adam+L-BFGS"][0])
    for bench in chosen:
        text, found = summarize(bench, all_runs[bench.name])
        texts.append(text)
        checks += found
    if not have_dde:
        texts.append("DeepXDE: " + ("skipped (--no-deepxde / quick mode)" if not deepxde else
                                    "not installed (pip install deepxde to compare); its targets are not checked"))
    lines = [f"{'met' if ok else 'NOT MET':8} {what}: {numbers}" for what, ok, numbers in checks]
    head = (f"pinn time to accuracy: torch {torch.__version__}, {threads or torch.get_num_threads()} thread(s), "
            f"{platform.processor() or platform.machine()}, load average {load:.1f} at start, "
            f"{os.getloadavg()[0]:.1f} at end, {time.perf_counter() - start:.0f} s in all\n"
            f"(a first warm-up solve took {cold:.2f} s: one-time imports and torch.func traces, off the clocks below)")
    if out:
        plot(all_runs, out)
        lines.append(f"curves saved to {out}")
    return "\n\n".join([head, *texts, "Targets\n" + "\n".join(lines)])


def cases():
    """For ``benchmarks/run.py pinn``: runs the benchmark, prints its report, and adds no ratio rows."""
    quick = os.environ.get("SCIML_BENCH_QUICK", "") not in ("", "0")
    print(report(seeds=2 if quick else 5, deepxde=not quick), flush=True)
    return []


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch (and BLAS) threads (default 2)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds for sciml (default 5; quick: 2)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, no DeepXDE: a smoke check")
    parser.add_argument("--no-deepxde", action="store_true", help="leave DeepXDE out even when installed")
    parser.add_argument("--deepxde-budget", type=float, default=DEEPXDE_BUDGET,
                        help=f"seconds at most for each DeepXDE run (default {DEEPXDE_BUDGET:g})")
    parser.add_argument("--out", help="save the curves as a figure (e.g. curves.png)")
    parser.add_argument("--only", help="comma-separated problem names (default: all), e.g. seed,lane_emden_right")
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    seeds = args.seeds or (2 if args.quick else 5)
    print(report(seeds=seeds, deepxde=not (args.quick or args.no_deepxde), budget=args.deepxde_budget,
                 out=args.out, threads=args.threads, only=args.only.split(",") if args.only else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
