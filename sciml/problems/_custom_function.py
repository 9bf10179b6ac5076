"""Custom ``torch.autograd.Function`` problems (kind ``custom_function``, capability ``calculus``): a
Function checked against its symbolic definition and against ``gradcheck``/``gradgradcheck``.

The value and the first (reverse and forward mode) and second derivatives are computed by autograd in
float64 at sample points and compared with SymPy evaluated exactly there (then rounded).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import math

import numpy as np
import sympy
import torch

from sciml.expressions import parse
from sciml.problems._base import Problem, brief
from sciml.problems._references import (
    derivative_values,
    exact_constants,
    max_abs_error,
    numpy_function,
    padded_limits,
    real_symbols,
    to_floats,
)
from sciml.results import Result


@dataclasses.dataclass(repr=False)
class FunctionEvaluation(Result):
    """A custom Function at the points ``x``: value ``fun``, first derivative by reverse mode ``jac`` and
    forward mode ``jac_forward``, and second derivative by double backward ``hess`` (all pointwise)."""

    x: torch.Tensor
    fun: torch.Tensor
    jac: torch.Tensor
    jac_forward: torch.Tensor
    hess: torch.Tensor


def import_object(path: str):
    """The object a dotted path ``"package.module:Name"`` (or ``"package.module.Name"``) names."""
    module, sep, attr = path.rpartition(":") if ":" in path else path.rpartition(".")
    if not sep or not module or not attr:
        raise ValueError(f"function must be a dotted path 'package.module:Name', got {path!r}")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"function {path!r} cannot be imported ({type(exc).__name__}: {exc})") from None


def _values(fun, jac, hess) -> str:
    """f, f′ and f″ at the points in a short line."""
    return "; ".join(f"{name} = {brief(v)}" for name, v in (("f", fun), ("f′", jac), ("f″", hess)))


@dataclasses.dataclass(eq=False)
class CustomFunctionProblem(Problem):
    """A custom ``torch.autograd.Function`` (``function``: a dotted path ``"module:Name"`` or the class)
    against its symbolic definition ``expr`` in one ``variable``, at the sample ``points``.

    The points must lie where f is twice differentiable. References: ``sympy`` (max absolute difference of
    the value and the first (reverse and forward mode) and second derivatives against ``sympy.diff``) and
    ``gradcheck`` (``torch.autograd.gradcheck`` and ``gradgradcheck`` in float64; the error is the largest
    |analytical − numerical| Jacobian entry of first and second order, or inf when a check fails).
    """

    kind = "custom_function"
    capability = "calculus"
    reference_labels = {"sympy": "sympy.diff", "gradcheck": "torch.autograd.gradcheck"}

    function: object = None
    expr: str = ""
    points: list = dataclasses.field(default_factory=list)
    variable: str | None = None

    def __post_init__(self):
        super().__post_init__()
        fn = import_object(self.function) if isinstance(self.function, str) else self.function
        if isinstance(fn, type) and issubclass(fn, torch.autograd.Function):
            self._apply = fn.apply
        elif callable(fn) and not isinstance(fn, type):
            self._apply = fn
        else:
            raise ValueError(f"function must name a torch.autograd.Function subclass or a callable, got {fn!r}")
        self._fn = fn
        expr = parse(self.expr, where="expr", symbols=None if self.variable is None else [self.variable])
        free = sorted(expr.free_symbols, key=str)
        if self.variable is None and len(free) != 1:
            raise ValueError(f"expr must have exactly one variable (or name it with variable=), got {free}")
        name = self.variable if self.variable is not None else str(free[0])
        (self._expr,), (self._symbol,) = real_symbols([expr], [name])
        if not isinstance(self.points, list | tuple) or not self.points:
            raise ValueError(f"points must be a non-empty list of numbers, got {self.points!r}")
        self._points = exact_constants(list(self.points), "points")

    def _name(self) -> str:
        if isinstance(self.function, str):
            return self.function
        return f"{getattr(self._fn, '__module__', '?')}:{getattr(self._fn, '__qualname__', repr(self._fn))}"

    @property
    def method(self) -> str:
        return f"autograd: {self._name().rpartition(':')[2]}"

    def statement(self) -> str:
        points = ", ".join(str(p) for p in self.points)
        return (f"custom Function {self._name()} against f({self._symbol}) = {self.expr}: value, f′ (reverse and "
                f"forward mode) and f″ at {self._symbol} = {points}")

    def solve(self, **options):
        from sciml.calculus import derivative, jvp

        if options:
            raise TypeError(f"custom_function problems take no solve options, got {sorted(options)}")
        x = torch.tensor(to_floats(self._points), dtype=torch.float64)
        fun = self._apply(x)
        return FunctionEvaluation(x=x, fun=fun.detach(),
                                  jac=derivative(self._apply, x, 1, create_graph=False),
                                  jac_forward=jvp(self._apply, x, torch.ones_like(x)).detach(),
                                  hess=derivative(self._apply, x, 2, create_graph=False))

    # -- references -----------------------------------------------------------------------------------------

    def sympy_values(self) -> list[np.ndarray]:
        """f, f′ and f″ at the points by SymPy (exact, then rounded)."""
        return [derivative_values(self._expr, self._symbol, k, self._points) for k in range(3)]

    @staticmethod
    def _sympy_error(r, exact) -> float:
        pairs = [(r.fun, 0), (r.jac, 1), (r.jac_forward, 1), (r.hess, 2)]
        return max(max_abs_error(t.numpy(), exact[k]) for t, k in pairs)

    def _gradcheck_error(self, r) -> float:
        from sciml.calculus import check_function

        report = check_function(self._fn, to_floats(self._points))
        return report.max_abs_error if report.gradcheck and report.gradgradcheck else math.inf

    def references(self):
        exact = functools.cache(self.sympy_values)
        shown = {"sympy": (lambda r: self._sympy_error(r, exact()), lambda r: _values(r.fun, r.jac, r.hess),
                           lambda: _values(*exact())),
                 "gradcheck": (self._gradcheck_error, None, lambda: "finite differences")}
        return [self._reference(name, *shown[name]) for name in self.tolerances]

    def plot(self, result, fig) -> bool:
        """f, f′ and f″ by SymPy on a grid around the points, and autograd's values at the points."""
        ax = fig.add_subplot()
        pts = np.asarray(to_floats(self._points))
        (lo,), (hi,) = padded_limits(pts, fraction=0.1, minimum=0.1)
        grid = np.linspace(lo, hi, 400)
        for k, (label, values) in enumerate([("f", result.fun), ("f′", result.jac), ("f″", result.hess)]):
            exact = numpy_function(sympy.diff(self._expr, self._symbol, k), [self._symbol])
            (line,) = ax.plot(grid, exact(grid), label=f"{label} (SymPy)")
            ax.plot(pts, values.numpy(), "o", color=line.get_color(), label=f"{label} (autograd)")
        ax.set(xlabel=str(self._symbol), ylabel="f, f′, f″")
        ax.set_title(f"{self.title or self.name}: SymPy (lines) and autograd (points)", fontsize="medium")
        ax.legend(fontsize="small", ncols=3)
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        variable = spec.str("variable", None)
        spec.expr("expr", symbols=None if variable is None else [variable])  # names the file and key on error
        return cls(function=spec.str("function"), expr=spec.str("expr"), points=spec.constants("points"),
                   variable=variable, **common)
