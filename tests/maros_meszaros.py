"""The Maros–Meszaros QP test set (``../shared/data/maros_meszaros``) as dense torch problems, scored the way
qpbenchmark scores them: a problem counts as solved when the solver says so *and* the primal residual, the dual
residual and the duality gap are each at most the tolerance (absolute). A "solved" whose objective is more than
1e-6 (relative) away from the published optimum is a *false* solve; an "infeasible"/"unbounded" on these
(feasible, bounded) problems a *false* certificate.

Used by ``tests/test_qp_maros.py`` and ``benchmarks/bench_qp.py``; skips cleanly where the data is absent.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import time
import warnings
from pathlib import Path

import numpy as np
import torch

DATA = Path(os.environ.get("SCIML_MAROS_MESZAROS", Path(__file__).resolve().parents[2] / "shared" / "data"
                           / "maros_meszaros"))


def available() -> bool:
    return (DATA / "load_mm.py").is_file() and (DATA / "index.csv").is_file()


def _loader():
    spec = importlib.util.spec_from_file_location("load_mm", DATA / "load_mm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def names(smallest: bool = False) -> list[str]:
    """The 62 problem names in order of size, or the 40 smallest."""
    with open(DATA / "index.csv") as f:
        rows = list(csv.DictReader(f))
    rows.sort(key=lambda r: int(r["rank_by_size"]))
    return [r["name"] for r in rows if not smallest or r["in_40_smallest"] == "True"]


def load(name: str) -> dict:
    """``Q, c, A, b, G, h, lb, ub`` as float64 tensors, the constant ``r`` and the reference objective ``opt``."""
    L = _loader()
    prob = L.load(name)
    P, q, A, b, G, h, lb, ub = L.split(prob, dense=True)
    out = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float64))
           for k, v in zip("Q c A b G h lb ub".split(), (P, q, A, b, G, h, lb, ub), strict=True)}
    out.update(r=prob["r"], opt=L.reference_objectives()[name], name=name, n=prob["n"])
    return out


def score(name: str, eps: float = 1e-9, **options) -> dict:
    """Solve one problem with :func:`sciml.qp.solve_qp` at ``eps_abs=eps, eps_rel=0`` and score it."""
    from sciml.qp import QPStatus, QPWarning, solve_qp

    p = load(name)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QPWarning)
        r = solve_qp(p["Q"], p["c"], p["A"], p["b"], p["G"], p["h"], lb=p["lb"], ub=p["ub"], eps_abs=eps,
                     eps_rel=0.0, **options)
    seconds = time.perf_counter() - start
    objective = float(r.fun) + p["r"]
    error = abs(objective - p["opt"]) / max(1.0, abs(p["opt"]))
    status = QPStatus(int(r.status))
    within = max(float(r.primal_residual), float(r.dual_residual), float(r.gap)) <= eps
    solved = status == QPStatus.OPTIMAL and within
    return {"name": name, "n": p["n"], "status": status.name, "solved": solved, "objective_error": error,
            "false_solved": solved and error > 1e-6,
            "false_infeasible": status in (QPStatus.INFEASIBLE, QPStatus.UNBOUNDED),
            "primal": float(r.primal_residual), "dual": float(r.dual_residual), "gap": float(r.gap),
            "nit": int(r.nit), "seconds": seconds}
