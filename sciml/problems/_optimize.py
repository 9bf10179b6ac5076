"""Minimization problems (kind ``optimize``, alias ``minimize``): a SymPy objective, a start, a method of
:func:`sciml.optimize.minimize`, and the minimizer it must reach.

References (the error is the same for both):

- ``exact`` — the stated minimizer ``exact_x`` and minimum ``exact_fun`` (SymPy-parsable constants).
- ``scipy`` — an independent SciPy computation from SymPy's derivatives of ``fun`` (no torch involved):
  ``scipy.optimize.differential_evolution`` over ``bounds`` (a seeded global search, since a local
  method started at a stationary point would stall there just like the seed's gradient descent), polished
  by ``scipy.optimize.minimize(method="trust-exact")`` with the exact gradient and Hessian; without
  ``bounds``, trust-exact starts from ``scipy_x0``. The reference itself must end with a gradient below
  1e-8 and a positive definite Hessian, or it raises.

Error: ``max(max_i |x_i - x*_i|, |f - f*|)``, and ``inf`` when the result's ``second_order`` is not
``"verified"``: a run that stopped at a point it could not verify as a minimum fails, whatever the
distance.
"""

from __future__ import annotations

import dataclasses
import inspect
import math

import numpy as np

from sciml._validation import check_choice, check_int, check_real
from sciml.expressions import parse, parse_number
from sciml.problems._base import Problem, brief
from sciml.problems._figures import integer_ticks
from sciml.problems._references import numbers, numpy_function, padded_limits
from sciml.problems._spec import check_names


def scipy_minimum(expr, variables, *, bounds=None, x0=None) -> tuple[np.ndarray, float]:
    """The minimizer and minimum of the SymPy ``expr`` by SciPy alone (see the module): a seeded
    ``differential_evolution`` over ``bounds`` (or the start ``x0``), then ``trust-exact`` with SymPy's
    gradient and Hessian. Raises ``ValueError`` unless it ends at a verified minimum."""
    import scipy.optimize
    import sympy

    symbols = sympy.symbols(variables)
    f = sympy.lambdify(symbols, expr, "numpy")
    g = sympy.lambdify(symbols, [sympy.diff(expr, s) for s in symbols], "numpy")
    h = sympy.lambdify(symbols, sympy.hessian(expr, symbols), "numpy")
    fun, grad, hess = (lambda z: float(f(*z)), lambda z: np.asarray(g(*z), dtype=float),
                       lambda z: np.asarray(h(*z), dtype=float))
    if bounds is not None:
        seed = ({"rng": np.random.default_rng(0)}
                if "rng" in inspect.signature(scipy.optimize.differential_evolution).parameters else {"seed": 0})
        start = scipy.optimize.differential_evolution(fun, bounds, tol=1e-10, polish=False, **seed).x
    else:
        start = np.asarray(x0, dtype=float)
    res = scipy.optimize.minimize(fun, start, method="trust-exact", jac=grad, hess=hess,
                                  options={"gtol": 1e-12, "maxiter": 1000})
    grad_norm = float(np.max(np.abs(grad(res.x))))
    lam = float(np.linalg.eigvalsh(hess(res.x))[0])
    if not (grad_norm <= 1e-8 and lam > 0):
        raise ValueError(f"the SciPy reference did not reach a minimum (|grad f| = {grad_norm:.3g}, "
                         f"smallest Hessian eigenvalue {lam:.3g}: {res.message})")
    return np.asarray(res.x, dtype=float), float(res.fun)


def _x_fun(x, fun, second_order: str = "verified") -> str:
    """A minimizer and minimum in a short line: ``x = [..], f = ..`` (a point not verified as a minimum says so)."""
    x = x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)
    text = f"x = {brief(x.reshape(-1))}, f = {brief(fun)}"
    return text if second_order == "verified" else f"{text} (second order: {second_order})"


@dataclasses.dataclass(eq=False)
class MinimizeProblem(Problem):
    """Minimize ``fun`` over ``variables`` from ``x0`` with ``sciml.optimize.minimize(method=...)``.

    ``options`` are the method's options, ``gtol``/``max_iter`` the stopping rule (the solver's defaults
    when ``None``). ``exact_x`` and ``exact_fun`` may be strings such as ``"9/4"``. ``bounds`` (one
    ``[low, high]`` per variable) or ``scipy_x0`` drive the SciPy reference (see the module).
    """

    kind = "optimize"
    capability = "optimize"
    progress = True
    reference_labels = {"exact": "closed form", "scipy": "scipy.optimize (differential_evolution, trust-exact)"}

    fun: str = ""
    variables: list = dataclasses.field(default_factory=list)
    x0: list = dataclasses.field(default_factory=list)
    method: str = "bfgs"
    options: dict = dataclasses.field(default_factory=dict)
    gtol: float | None = None
    max_iter: int | None = None
    exact_x: list | None = None
    exact_fun: str | float | None = None
    bounds: list | None = None
    scipy_x0: list | None = None

    def __post_init__(self):
        super().__post_init__()
        from sciml.optimize import METHODS

        n = len(check_names(self.variables))
        self._expr = parse(self.fun, where="fun", symbols=self.variables)
        if len(self.x0) != n:
            raise ValueError(f"x0 must have one entry per variable ({n}), got {self.x0!r}")
        self._x0 = numbers(self.x0, "x0")
        self.method = check_choice(self.method, "method", METHODS)
        METHODS[self.method](self.options)  # unknown or invalid options fail here, naming the option
        self.gtol = check_real(self.gtol, "gtol", low=0, low_open=True, none=True)
        self.max_iter = check_int(self.max_iter, "max_iter", low=0, none=True)
        self._exact = None
        if "exact" in self.tolerances:
            if self.exact_x is None or self.exact_fun is None:
                raise ValueError("an 'exact' reference needs exact_x and exact_fun")
            if len(self.exact_x) != n:
                raise ValueError(f"exact_x must have {n} entries, got {self.exact_x!r}")
            self._exact = (numbers(self.exact_x, "exact_x"), parse_number(self.exact_fun, where="exact_fun"))
        if self.bounds is not None and (len(self.bounds) != n or any(len(b) != 2 or not b[0] < b[1]
                                                                      for b in self.bounds)):
            raise ValueError(f"bounds must be one pair [low, high] with low < high per variable ({n}), "
                             f"got {self.bounds!r}")
        if self.scipy_x0 is not None and len(self.scipy_x0) != n:
            raise ValueError(f"scipy_x0 must have {n} entries, got {self.scipy_x0!r}")
        if "scipy" in self.tolerances and self.bounds is None and self.scipy_x0 is None:
            raise ValueError("a 'scipy' reference needs bounds (for a global search) or scipy_x0")
        self._scipy_answer = None

    def statement(self) -> str:
        def point(values):
            text = ", ".join(str(v) for v in values)
            return f"({text})" if len(values) > 1 else text

        text = (f"minimize f({', '.join(self.variables)}) = {self.fun} from {point(self.variables)} = "
                f"{point(self.x0)} with {self.method}")
        if self.exact_x is not None and self.exact_fun is not None:
            text += f"; minimizer {point(self.variables)} = {point(self.exact_x)}, minimum {self.exact_fun}"
        return text

    def solve(self, **options):
        import torch

        from sciml.calculus import to_torch
        from sciml.optimize import minimize

        f = to_torch(self._expr, self.variables)
        kwargs = {"method": self.method, "options": dict(self.options), "return_trajectory": True}
        if self.gtol is not None:
            kwargs["gtol"] = self.gtol
        if self.max_iter is not None:
            kwargs["max_iter"] = self.max_iter
        kwargs.update(options)
        return minimize(lambda x: f(*x.unbind()), torch.tensor(self._x0, dtype=torch.float64), **kwargs)

    # -- references -----------------------------------------------------------------------------------------

    def scipy_answer(self) -> tuple[np.ndarray, float]:
        """The minimizer and minimum computed by SciPy (:func:`scipy_minimum`), cached."""
        if self._scipy_answer is None:
            x0 = None if self.scipy_x0 is None else numbers(self.scipy_x0, "scipy_x0")
            self._scipy_answer = scipy_minimum(self._expr, self.variables, bounds=self.bounds, x0=x0)
        return self._scipy_answer

    @staticmethod
    def _error(result, x_ref, f_ref) -> float:
        if result.second_order != "verified":
            return math.inf
        x = np.asarray(result.x.detach().cpu(), dtype=float).reshape(-1)
        return max(float(np.max(np.abs(x - np.asarray(x_ref)))), abs(float(result.fun) - f_ref))

    def references(self):
        return self._compare_with({"exact": lambda: self._exact, "scipy": self.scipy_answer},
                                  lambda r, ref: self._error(r, *ref),
                                  value=lambda r: _x_fun(r.x, float(r.fun), r.second_order),
                                  expected=lambda ref: _x_fun(*ref))

    # -- figure -----------------------------------------------------------------------------------------------

    def plot(self, result, fig) -> bool:
        """Left: the landscape with the iterates (1-D: the curve; 2-D: contours; else the coordinates per
        iteration). Right: f(x_k) - f* per iteration, on a log scale."""
        f = numpy_function(self._expr, self.variables)
        n = len(self.variables)
        path = result.trajectory if result.trajectory is not None else result.x
        path = np.asarray(path.detach().cpu(), dtype=float).reshape(-1, n)
        fk = np.array([float(f(*p)) for p in path])
        star = None if self._exact is None else np.asarray(self._exact[0])
        landscape, progress = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        lo, hi = padded_limits(path if star is None else np.vstack([path, star]), fraction=0.15, minimum=0.5)
        if n == 1:
            grid = np.linspace(lo[0], hi[0], 400)
            landscape.plot(grid, f(grid), color="0.3", label=f"f({self.variables[0]})")
            landscape.plot(path[:, 0], fk, "o-", ms=3, color="C0", label=f"{self.method} iterates")
            landscape.set(xlabel=self.variables[0], ylabel=f"f({self.variables[0]})", title="f and the iterates")
        elif n == 2:
            X, Y = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
            Z = f(X, Y)
            landscape.contour(X, Y, Z, levels=np.unique(np.quantile(Z, np.linspace(0, 1, 30))), cmap="viridis",
                              linewidths=0.7)
            landscape.plot(path[:, 0], path[:, 1], "o-", ms=3, color="C3", label=f"{self.method} iterates")
            landscape.set(xlabel=self.variables[0], ylabel=self.variables[1], title="contours of f and the iterates")
        else:
            for i, name in enumerate(self.variables):
                landscape.plot(path[:, i], label=name)
            landscape.set(xlabel="iteration", ylabel="coordinates of x_k", title="the iterates")
            integer_ticks(landscape.xaxis)
        if star is not None and n <= 2:
            y = [self._exact[1]] if n == 1 else [star[1]]
            landscape.plot([star[0]], y, "*", ms=12, color="C1", label="exact minimizer")
        landscape.title.set_fontsize("medium")
        if n == 2:  # below the map: contours and path leave no corner free
            landscape.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=3)
        else:
            landscape.legend(fontsize="small", framealpha=0.9)
        f_star = self._exact[1] if self._exact is not None else float(fk.min())
        gap = np.abs(fk - f_star)
        # exact hits are drawn at the rounding level of f* (or below the smallest gap), marked apart
        floor = np.finfo(float).eps * max(1.0, abs(f_star))
        if np.any(gap > 0):
            floor = min(floor, gap[gap > 0].min() / 10)
        its = np.arange(len(fk))
        progress.semilogy(its, np.maximum(gap, floor), "o-", ms=2, label="|f(x_k) − f*|")
        if np.any(gap == 0):
            progress.semilogy(its[gap == 0], np.full(int(np.sum(gap == 0)), floor), "v", color="C2",
                              label="f(x_k) = f* exactly")
            progress.legend(fontsize="small")
        progress.set(xlabel="iteration", ylabel="|f(x_k) − f*|")
        integer_ticks(progress.xaxis)
        status = result.status.name if result.status is not None else ""
        progress.set_title(f"convergence: {status}, second order {result.second_order}", fontsize="medium")
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        from sciml.optimize import METHODS

        variables = spec.strings("variables", distinct=True)
        n = len(variables)
        # a list with one entry per variable, or a scalar start for one variable
        x0 = spec.constants("x0", length=n) if isinstance(spec.get("x0"), list) else [spec.constant("x0")]
        return cls(fun=spec.str("fun"), variables=variables, x0=x0, method=spec.choice("method", METHODS, "bfgs"),
                   options=spec.mapping("options"), gtol=spec.positive("gtol", None),
                   max_iter=spec.int("max_iter", None, low=0), exact_x=spec.constants("exact_x", None, length=n),
                   exact_fun=spec.constant("exact_fun", None), bounds=spec.matrix("bounds", None),
                   scipy_x0=spec.numbers("scipy_x0", None, length=n), **common)
