"""Derivative problems: an operator (gradient, Jacobian, Hessian, products, Laplacian, divergence) of a SymPy
expression at a point, or the k-th derivative of a function of one variable at a batch of points; and custom
``autograd.Function``s checked against their symbolic definition and ``gradcheck``.

Both kinds compute with :mod:`sciml.calculus` in float64 and compare with SymPy evaluated exactly at the
point (then rounded), so the references share no code with the autodiff under test.
"""

from __future__ import annotations

import dataclasses
import importlib
import math

import numpy as np
import sympy
import torch

from sciml._result import Result
from sciml.problems._base import Problem, max_abs_error
from sciml.problems._expressions import parse, parse_number

_OPERATIONS = ("grad", "jacobian", "hessian", "jvp", "vjp", "hvp", "laplacian", "divergence", "derivative")
_SCALAR_ONLY = ("grad", "hessian", "hvp", "laplacian", "derivative")
_VECTOR_ONLY = ("jacobian", "divergence")
_NEEDS_V = ("jvp", "vjp", "hvp")
_WORDS = {"grad": "gradient ∇f", "jacobian": "Jacobian J_f", "hessian": "Hessian ∇²f",
          "jvp": "Jacobian-vector product J_f v", "vjp": "vector-Jacobian product vᵀ J_f",
          "hvp": "Hessian-vector product ∇²f v", "laplacian": "Laplacian Δf", "divergence": "divergence ∇·f"}


def _constants(value, where: str):
    """Numbers or exact strings (nested lists allowed) → sympy constants, validated."""
    if isinstance(value, list | tuple):
        return [_constants(v, f"{where}[{i}]") for i, v in enumerate(value)]
    parse_number(value, where=where)  # raises naming `where` unless a real constant
    return parse(value, where=where)


def _floats(value):
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return float(sympy.N(value, 30))


@dataclasses.dataclass(repr=False)
class DerivativeResult(Result):
    """The answer of a :class:`DerivativeProblem`: ``value`` of ``operation`` at the point ``x``, where f is ``fun``."""

    value: torch.Tensor
    operation: str
    x: torch.Tensor
    fun: torch.Tensor


@dataclasses.dataclass(eq=False)
class DerivativeProblem(Problem):
    """``operation`` of f = ``expr`` (a string, or a list of strings for vector-valued f) of ``variables``,
    at the point ``at``; ``v`` is the vector of ``jvp`` (length n), ``vjp`` (one entry per component of f)
    and ``hvp`` (length n). ``derivative`` is the ``order``-th derivative of f of one variable at each of
    the N points listed in ``at`` (computed by :func:`sciml.calculus.derivative`, as PINN residuals are).

    Answer shapes: grad, jvp of scalar f → (n,)/(); jacobian (m, n); hessian (n, n); jvp (m,); vjp, hvp
    (n,); laplacian, divergence (); derivative (N,). References: ``exact`` (the given ``exact`` values, SymPy-parsable
    strings allowed) and ``sympy`` (``sympy.diff``/``hessian``/``jacobian`` evaluated exactly at ``at``).
    Error: max absolute difference.
    """

    kind = "derivative"
    reference_labels = {"exact": "closed form", "sympy": "sympy.diff"}

    expr: str | list = ""
    variables: list = dataclasses.field(default_factory=list)
    at: list = dataclasses.field(default_factory=list)
    operation: str = "grad"
    v: list | None = None
    exact: object = None
    order: int | None = None

    def __post_init__(self):
        super().__post_init__()
        if self.operation not in _OPERATIONS:
            raise ValueError(f"operation must be one of {_OPERATIONS}, got {self.operation!r}")
        if not self.variables or not all(isinstance(s, str) for s in self.variables):
            raise ValueError(f"variables must be a non-empty list of names, got {self.variables!r}")
        if len(set(self.variables)) != len(self.variables):
            raise ValueError(f"variables must be distinct, got {self.variables}")
        self._vector = isinstance(self.expr, list | tuple)
        texts = list(self.expr) if self._vector else [self.expr]
        if not texts:
            raise ValueError("expr is an empty list: give one expression per component of f")
        self._exprs = [parse(t, where=f"expr[{i}]" if self._vector else "expr", symbols=self.variables)
                       for i, t in enumerate(texts)]
        n, m = len(self.variables), len(self._exprs)
        if self.operation in _SCALAR_ONLY and self._vector:
            raise ValueError(f"operation {self.operation!r} needs a scalar f: give expr as one string")
        if self.operation in _VECTOR_ONLY and not self._vector:
            raise ValueError(f"operation {self.operation!r} needs a vector-valued f: give expr as a list")
        if self.operation == "divergence" and m != n:
            raise ValueError(f"divergence needs as many components in expr as variables ({n}), got {m}")
        if self.operation == "derivative":
            if n != 1:
                raise ValueError(f"operation 'derivative' needs one variable, got {self.variables}")
            if isinstance(self.order, bool) or not isinstance(self.order, int) or self.order < 1:
                raise ValueError(f"order must be a positive integer for operation 'derivative', got {self.order!r}")
            if not isinstance(self.at, list | tuple) or not self.at:
                raise ValueError(f"at must list the points (one or more) for operation 'derivative', got {self.at!r}")
        elif self.order is not None:
            raise ValueError(f"order is only for operation 'derivative' (operation is {self.operation!r})")
        elif not isinstance(self.at, list | tuple) or len(self.at) != n:
            raise ValueError(f"at must list one value per variable {self.variables}, got {self.at!r}")
        self._at = _constants(list(self.at), "at")
        if (self.v is not None) != (self.operation in _NEEDS_V):
            raise ValueError(f"v is required for operations {_NEEDS_V} and only for them "
                             f"(operation is {self.operation!r})")
        if self.v is not None:
            want = (m if self._vector else 1) if self.operation == "vjp" else n
            if not isinstance(self.v, list | tuple) or len(self.v) != want:
                raise ValueError(f"v must have {want} entries for {self.operation} here, got {self.v!r}")
            self._v = _constants(list(self.v), "v")
        if self.exact is not None:
            self._exact = np.asarray(_floats(_constants(self.exact, "exact")), dtype=float)
            if self._exact.shape != self._shape():
                raise ValueError(f"exact must have shape {self._shape()} for {self.operation} here, "
                                 f"got {self._exact.shape}")
        if "exact" in self.tolerances and self.exact is None:
            raise ValueError("an 'exact' reference needs the exact values: pass exact=...")

    def _shape(self) -> tuple:
        n, m = len(self.variables), len(self._exprs)
        return {"grad": (n,), "jacobian": (m, n), "hessian": (n, n), "vjp": (n,), "hvp": (n,),
                "jvp": (m,) if self._vector else (), "laplacian": (), "divergence": (),
                "derivative": (len(self.at),)}[self.operation]

    @property
    def method(self) -> str:
        return f"sciml.calculus.{self.operation}"

    def statement(self) -> str:
        names = ", ".join(self.variables)
        f = f"({', '.join(self.expr)})" if self._vector else self.expr
        point = ", ".join(str(a) for a in self.at)
        v = f" with v = ({', '.join(str(c) for c in self.v)})" if self.v is not None else ""
        if self.operation == "derivative":
            return f"d^{self.order}f/d{names}^{self.order} at {names} = {point} of f({names}) = {f}"
        return f"{_WORDS[self.operation]}{v} at ({names}) = ({point}) of f({names}) = {f}"

    def _function(self):
        from sciml.calculus import to_torch

        fs = [to_torch(e, self.variables) for e in self._exprs]
        if self._vector:
            return lambda p: torch.stack([f(*p.unbind(-1)) for f in fs], dim=-1)
        return lambda p: fs[0](*p.unbind(-1))

    def solve(self, **options):
        from sciml import calculus

        if options:
            raise TypeError(f"derivative problems take no solve options, got {sorted(options)}")
        f = self._function()
        x = torch.tensor(_floats(self._at), dtype=torch.float64)
        op = self.operation
        if op in _NEEDS_V:
            v = torch.tensor(_floats(self._v), dtype=torch.float64)
            if op == "vjp" and not self._vector:
                v = v.reshape(())
            value = {"jvp": calculus.jvp, "vjp": calculus.vjp, "hvp": calculus.hvp}[op](f, x, v)
        elif op == "derivative":  # f acts pointwise on the batch of points x
            f = calculus.to_torch(self._exprs[0], self.variables)
            value = calculus.derivative(f, x, self.order, create_graph=False)
        else:
            value = getattr(calculus, op)(f)(x)
        return DerivativeResult(value=value.detach(), operation=op, x=x, fun=f(x).detach())

    def _sympy(self) -> np.ndarray:
        # real symbols, so that SymPy differentiates Abs and sign as real functions (not via re/im)
        syms = [sympy.Symbol(s, real=True) for s in self.variables]
        exprs = [e.xreplace({sympy.Symbol(s): r for s, r in zip(self.variables, syms, strict=True)})
                 for e in self._exprs]
        F = sympy.Matrix(exprs)
        op = self.operation
        if op in ("hessian", "hvp"):
            R = sympy.hessian(exprs[0], syms)
            R = R * sympy.Matrix(self._v) if op == "hvp" else R
        elif op == "laplacian":
            R = sum(sympy.diff(exprs[0], s, 2) for s in syms)
        elif op == "divergence":
            R = sum(sympy.diff(e, s) for e, s in zip(exprs, syms, strict=True))
        elif op == "derivative":
            d = sympy.diff(exprs[0], syms[0], self.order)
            R = sympy.Matrix([[d.subs(syms[0], p) for p in self._at]])
        else:
            J = F.jacobian(syms)
            R = {"grad": lambda: J.row(0), "jacobian": lambda: J,
                 "jvp": lambda: J * sympy.Matrix(self._v),
                 "vjp": lambda: sympy.Matrix(self._v).T * J}[op]()
        at = {} if op == "derivative" else dict(zip(syms, self._at, strict=True))

        def value(entry) -> float:
            z = complex(sympy.N(sympy.sympify(entry).subs(at), 30))
            return z.real if z.imag == 0 else math.nan

        if isinstance(R, sympy.MatrixBase):
            values = np.array([[value(e) for e in row] for row in R.tolist()], dtype=float)
        else:
            values = np.array(value(R), dtype=float)
        return values.reshape(self._shape())

    def references(self):
        refs = []
        for name in self.tolerances:
            if name == "exact":
                refs.append(self._reference(name, lambda r: max_abs_error(r.value.numpy(), self._exact)))
            else:
                refs.append(self._reference(name, lambda r: max_abs_error(r.value.numpy(), self._sympy())))
        return refs

    @classmethod
    def from_spec(cls, spec, **common):
        expr = spec.get("expr")
        if isinstance(expr, list):
            if not all(isinstance(e, str) for e in expr):
                raise spec.error("expr", f"must be a string or a list of strings, got {expr!r}")
        elif not isinstance(expr, str):
            raise spec.error("expr", f"must be a string or a list of strings, got {expr!r}")
        variables = spec.list("variables")
        if not all(isinstance(s, str) for s in variables):
            raise spec.error("variables", f"must be a list of names (strings), got {variables!r}")
        spec.numbers("at")  # validates, naming the key; the exact entries are kept for SymPy
        exact = None
        if spec.has("exact"):
            value = spec.get("exact")
            if isinstance(value, list):
                exact = spec.matrix("exact") if value and isinstance(value[0], list) else spec.numbers("exact")
            else:
                exact = spec.number("exact")
        order = spec.get("order", None)
        if order is not None and (isinstance(order, bool) or not isinstance(order, int) or order < 1):
            raise spec.error("order", f"must be a positive integer, got {order!r}")
        v = None
        if spec.has("v"):
            spec.numbers("v")
            v = spec.list("v")
        return cls(expr=expr, variables=variables, at=spec.list("at"),
                   operation=spec.choice("operation", _OPERATIONS), v=v, exact=exact, order=order, **common)


@dataclasses.dataclass(repr=False)
class FunctionEvaluation(Result):
    """A custom Function at the points ``x``: value ``fun``, first derivative by reverse mode ``jac`` and
    forward mode ``jac_forward``, and second derivative by double backward ``hess`` (all pointwise)."""

    x: torch.Tensor
    fun: torch.Tensor
    jac: torch.Tensor
    jac_forward: torch.Tensor
    hess: torch.Tensor


def _import(path: str):
    module, sep, attr = path.rpartition(":") if ":" in path else path.rpartition(".")
    if not sep or not module or not attr:
        raise ValueError(f"function must be a dotted path 'package.module:Name', got {path!r}")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"function {path!r} cannot be imported ({type(exc).__name__}: {exc})") from None


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
    reference_labels = {"sympy": "sympy.diff", "gradcheck": "torch.autograd.gradcheck"}

    function: object = None
    expr: str = ""
    points: list = dataclasses.field(default_factory=list)
    variable: str | None = None

    def __post_init__(self):
        super().__post_init__()
        fn = _import(self.function) if isinstance(self.function, str) else self.function
        if isinstance(fn, type) and issubclass(fn, torch.autograd.Function):
            self._apply = fn.apply
        elif callable(fn) and not isinstance(fn, type):
            self._apply = fn
        else:
            raise ValueError(f"function must name a torch.autograd.Function subclass or a callable, got {fn!r}")
        self._fn = fn
        symbols = None if self.variable is None else [self.variable]
        self._expr = parse(self.expr, where="expr", symbols=symbols)
        free = sorted(self._expr.free_symbols, key=str)
        if self.variable is None and len(free) != 1:
            raise ValueError(f"expr must have exactly one variable (or name it with variable=), got {free}")
        self._symbol = sympy.Symbol(self.variable) if self.variable is not None else free[0]
        if not isinstance(self.points, list | tuple) or not self.points:
            raise ValueError(f"points must be a non-empty list of numbers, got {self.points!r}")
        self._points = _constants(list(self.points), "points")

    def _name(self) -> str:
        if isinstance(self.function, str):
            return self.function
        return f"{getattr(self._fn, '__module__', '?')}:{getattr(self._fn, '__qualname__', repr(self._fn))}"

    @property
    def method(self) -> str:
        return f"autograd: {self._name().rpartition(':')[2]}"

    def statement(self) -> str:
        name = self._name()
        points = ", ".join(str(p) for p in self.points)
        return (f"custom Function {name} against f({self._symbol}) = {self.expr}: value, f′ (reverse and "
                f"forward mode) and f″ at {self._symbol} = {points}")

    def solve(self, **options):
        from sciml.calculus import derivative, jvp

        if options:
            raise TypeError(f"custom_function problems take no solve options, got {sorted(options)}")
        x = torch.tensor(_floats(self._points), dtype=torch.float64)
        fun = self._apply(x)
        return FunctionEvaluation(x=x, fun=fun.detach(),
                                  jac=derivative(self._apply, x, 1, create_graph=False),
                                  jac_forward=jvp(self._apply, x, torch.ones_like(x)).detach(),
                                  hess=derivative(self._apply, x, 2, create_graph=False))

    def _symbolic(self, order: int) -> np.ndarray:
        d = sympy.diff(self._expr, self._symbol, order)
        values = [complex(sympy.N(d.subs(self._symbol, p), 30)) for p in self._points]
        return np.array([z.real if z.imag == 0 else math.nan for z in values])

    def _sympy_error(self, r) -> float:
        pairs = [(r.fun, 0), (r.jac, 1), (r.jac_forward, 1), (r.hess, 2)]
        return max(max_abs_error(t.numpy(), self._symbolic(k)) for t, k in pairs)

    def _gradcheck_error(self, r) -> float:
        from sciml.calculus import check_function

        report = check_function(self._fn, _floats(self._points))
        return report.max_abs_error if report.gradcheck and report.gradgradcheck else math.inf

    def references(self):
        errors = {"sympy": self._sympy_error, "gradcheck": self._gradcheck_error}
        return [self._reference(name, errors[name]) for name in self.tolerances]

    def plot(self, result, fig) -> bool:
        ax = fig.add_subplot()
        pts = np.asarray(_floats(self._points))
        pad = 0.1 * (pts.max() - pts.min()) or 1.0
        grid = np.linspace(pts.min() - pad, pts.max() + pad, 400)
        for k, (label, values) in enumerate([("f", result.fun), ("f′", result.jac), ("f″", result.hess)]):
            exact = sympy.lambdify(self._symbol, sympy.diff(self._expr, self._symbol, k), "numpy")
            (line,) = ax.plot(grid, np.broadcast_to(exact(grid), grid.shape), label=f"{label} (SymPy)")
            ax.plot(pts, values.numpy(), "o", color=line.get_color(), label=f"{label} (autograd)")
        ax.set_xlabel(str(self._symbol))
        ax.set_title(self.title or self.name)
        ax.legend()
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        spec.expr("expr", symbols=[spec.str("variable")] if spec.has("variable") else None)
        spec.numbers("points")
        return cls(function=spec.str("function"), expr=spec.str("expr"), points=spec.list("points"),
                   variable=spec.str("variable", None), **common)
