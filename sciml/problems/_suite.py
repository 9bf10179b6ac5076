"""Test-set problems (kind ``mgh``): a problem of the Moré–Garbow–Hillstrom set (by number or name) or the
chained Rosenbrock function of dimension ``n``, minimized by :func:`sciml.optimize.minimize` with ``method``
from the standard start, optionally on a box (``bounds``: one ``[low, high]`` per variable, or one pair for
all).

References (the error is a relative excess ``max(0, f - f_ref) / max(1, |f_ref|)``: a lower minimum than the
reference's is not an error, since several of these problems have more than one):

- ``tabulated`` — the nearest of the problem's tabulated minima (``f_star`` and ``other_minima`` of
  :class:`sciml.optimize.MGHProblem`; 0 for Rosenbrock), as ``|f - f*| / max(1, |f*|)``.
- ``scipy`` — ``scipy.optimize.minimize`` (BFGS, or L-BFGS-B with the bounds) from the same start, fed the
  same autograd gradients, with tight tolerances.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sciml._validation import check_choice, check_int
from sciml.problems._base import Problem
from sciml.problems._figures import integer_ticks


def _chained_rosenbrock(x):
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


@dataclasses.dataclass(eq=False)
class SuiteProblem(Problem):
    """Minimize an MGH problem (``problem``: its number 1–35 or name) or ``"rosenbrock"`` with ``n``."""

    kind = "mgh"
    capability = "optimize"
    reference_labels = {"tabulated": "the tabulated minimum (Moré, Garbow and Hillstrom 1981)",
                        "scipy": "scipy.optimize.minimize (BFGS / L-BFGS-B, autograd gradients)"}

    problem: str | int = 1
    n: int | None = None
    method: str = "bfgs"
    options: dict = dataclasses.field(default_factory=dict)
    bounds: list | None = None

    def __post_init__(self):
        super().__post_init__()

        from sciml.optimize import METHODS, mgh_problems

        self.method = check_choice(self.method, "method", METHODS)
        METHODS[self.method](self.options)
        table = mgh_problems()
        if str(self.problem).lower() == "rosenbrock":
            self.n = check_int(2 if self.n is None else self.n, "n", low=2)
            self._fun, self._x0 = _chained_rosenbrock, [-1.2 if i % 2 == 0 else 1.0 for i in range(self.n)]
            self._minima, self._label = (0.0,), f"chained Rosenbrock, n = {self.n}"
        else:
            names = {p.name.lower(): p for p in table}
            if isinstance(self.problem, int) and 1 <= self.problem <= 35:
                p = table[self.problem - 1]
            elif str(self.problem).lower() in names:
                p = names[str(self.problem).lower()]
            else:
                raise ValueError(f"problem must be an MGH number 1-35, an MGH name or 'rosenbrock', got "
                                 f"{self.problem!r}")
            self._fun, self._x0 = p.fun, list(p.x0)
            self._minima, self._label = (p.f_star, *p.other_minima), f"MGH {p.number}: {p.name}, n = {p.n}"
        n = len(self._x0)
        if self.bounds is not None:
            pairs = self.bounds if len(self.bounds) == n else list(self.bounds) * n
            if len(pairs) != n or any(len(b) != 2 or not b[0] < b[1] for b in pairs):
                raise ValueError(f"bounds must be one pair [low, high] (low < high) or {n} of them, got "
                                 f"{self.bounds!r}")
            self._bounds = [tuple(float(v) for v in b) for b in pairs]
        else:
            self._bounds = None

    def statement(self) -> str:
        box = "" if self._bounds is None else f" on the box {self._bounds[0]}{'…' if len(self._bounds) > 1 else ''}"
        return f"minimize the {self._label}{box} from the standard start with {self.method}"

    def solve(self, **options):
        import torch

        from sciml.optimize import minimize

        kwargs = {"method": self.method, "options": dict(self.options), "bounds": self._bounds}
        kwargs.update(options)
        return minimize(self._fun, torch.tensor(self._x0, dtype=torch.float64), **kwargs)

    def _scipy(self) -> float:
        import scipy.optimize
        import torch

        def fg(z):
            x = torch.tensor(z, dtype=torch.float64, requires_grad=True)
            f = self._fun(x)
            (g,) = torch.autograd.grad(f, x)
            return float(f.detach()), g.numpy()

        if self._bounds is None:
            res = scipy.optimize.minimize(fg, np.array(self._x0), jac=True, method="BFGS",
                                          options={"gtol": 1e-10, "maxiter": 50000})
        else:
            res = scipy.optimize.minimize(fg, np.clip(self._x0, *np.array(self._bounds).T), jac=True,
                                          method="L-BFGS-B", bounds=self._bounds,
                                          options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 50000})
        return float(res.fun)

    def references(self):
        def error(result, answer):
            f = float(result.fun)
            if isinstance(answer, tuple):  # the tabulated minima: the nearest
                ref = min(answer, key=lambda v: abs(v - f))
                return abs(f - ref) / max(1.0, abs(ref))
            return max(0.0, f - answer) / max(1.0, abs(answer))

        return self._compare_with({"tabulated": lambda: tuple(self._minima), "scipy": self._scipy}, error,
                                  value=lambda r: f"f = {float(r.fun):.10g}")

    def plot(self, result, fig) -> bool:
        """``f(x_k) − f*`` per iteration on a log scale; f* is the tabulated minimum the run reached (the one
        nearest its last value), or the least value reached (on a box, or at a minimum the table does not list);
        gaps below f*'s rounding level sit on it."""
        if result.fun_history is None:
            return False
        ax = fig.add_subplot()
        h = result.fun_history.numpy()
        best = min(self._minima, key=lambda m: abs(h[-1] - m)) if self._minima else None
        if self.bounds is None and best is not None and abs(h[-1] - best) <= 1e-6 * max(1.0, abs(best)):
            which = "tabulated"
        else:  # on a box, or at a local minimum the table does not list (chained Rosenbrock, n ≥ 4)
            best, which = float(h.min()), "least value reached"
        floor = np.finfo(float).eps * max(1.0, abs(best))
        ax.semilogy(np.maximum(h - best, floor), ".-", ms=2, label=f"f(x_k) − f*, f* = {best:.7g} ({which})")
        ax.axhline(floor, color="0.6", lw=0.8, ls=":", label="rounding level of f*")
        ax.set(xlabel="iteration", ylabel="f(x_k) − f*")
        ax.set_title(f"{self._label}, {self.method}", fontsize="medium")
        integer_ticks(ax.xaxis)
        ax.legend(fontsize="small")
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        from sciml.optimize import METHODS

        raw = spec.get("problem")
        problem = raw if isinstance(raw, int) and not isinstance(raw, bool) else spec.str("problem")
        return cls(problem=problem, n=spec.int("n", None, low=2), method=spec.choice("method", METHODS, "bfgs"),
                   options=spec.mapping("options"), bounds=spec.matrix("bounds", None), **common)
