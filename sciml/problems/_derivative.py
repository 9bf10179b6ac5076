"""Derivative problems (kind ``derivative``, capability ``calculus``): an operator (gradient, Jacobian,
Hessian, their products, Laplacian, divergence) of a SymPy expression at a point, or the k-th derivative of a
function of one variable at a batch of points.

The answer is computed with :mod:`sciml.calculus` in float64 and compared with SymPy evaluated exactly at
the point (then rounded), so the reference shares no code with the autodiff under test.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import sympy
import torch

from sciml._validation import check_choice, check_int
from sciml.expressions import parse
from sciml.problems._base import Problem, brief
from sciml.problems._references import (
    derivative_values,
    exact_constants,
    max_abs_error,
    real_symbols,
    real_value,
    to_floats,
)
from sciml.problems._spec import check_names
from sciml.results import Result

OPERATIONS = ("grad", "jacobian", "hessian", "jvp", "vjp", "hvp", "laplacian", "divergence", "derivative")
_SCALAR_ONLY = ("grad", "hessian", "hvp", "laplacian", "derivative")
_VECTOR_ONLY = ("jacobian", "divergence")
_NEEDS_V = ("jvp", "vjp", "hvp")
_WORDS = {"grad": "gradient ∇f", "jacobian": "Jacobian J_f", "hessian": "Hessian ∇²f",
          "jvp": "Jacobian-vector product J_f v", "vjp": "vector-Jacobian product vᵀ J_f",
          "hvp": "Hessian-vector product ∇²f v", "laplacian": "Laplacian Δf", "divergence": "divergence ∇·f"}


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
    capability = "calculus"
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
        self.operation = check_choice(self.operation, "operation", OPERATIONS)
        check_names(self.variables)
        self._vector = isinstance(self.expr, list | tuple)
        texts = list(self.expr) if self._vector else [self.expr]
        if not texts:
            raise ValueError("expr is an empty list: give one expression per component of f")
        self._exprs = [parse(t, where=f"expr[{i}]" if self._vector else "expr", symbols=self.variables)
                       for i, t in enumerate(texts)]
        self._check_operation()
        self._at = exact_constants(list(self.at), "at")
        if (self.v is not None) != (self.operation in _NEEDS_V):
            raise ValueError(f"v is required for operations {_NEEDS_V} and only for them "
                             f"(operation is {self.operation!r})")
        if self.v is not None:
            want = (len(self._exprs) if self._vector else 1) if self.operation == "vjp" else len(self.variables)
            if not isinstance(self.v, list | tuple) or len(self.v) != want:
                raise ValueError(f"v must have {want} entries for {self.operation} here, got {self.v!r}")
            self._v = exact_constants(list(self.v), "v")
        if self.exact is not None:
            self._exact = np.asarray(to_floats(exact_constants(self.exact, "exact")), dtype=float)
            if self._exact.shape != self._shape():
                raise ValueError(f"exact must have shape {self._shape()} for {self.operation} here, "
                                 f"got {self._exact.shape}")
        if "exact" in self.tolerances and self.exact is None:
            raise ValueError("an 'exact' reference needs the exact values: pass exact=...")

    def _check_operation(self) -> None:
        """The operation fits f (scalar or vector), the variables, ``order`` and the points ``at``."""
        op, n, m = self.operation, len(self.variables), len(self._exprs)
        if op in _SCALAR_ONLY and self._vector:
            raise ValueError(f"operation {op!r} needs a scalar f: give expr as one string")
        if op in _VECTOR_ONLY and not self._vector:
            raise ValueError(f"operation {op!r} needs a vector-valued f: give expr as a list")
        if op == "divergence" and m != n:
            raise ValueError(f"divergence needs as many components in expr as variables ({n}), got {m}")
        if op == "derivative":
            if n != 1:
                raise ValueError(f"operation 'derivative' needs one variable, got {self.variables}")
            self.order = check_int(self.order, "order (of operation 'derivative')", low=1)
            if not isinstance(self.at, list | tuple) or not self.at:
                raise ValueError(f"at must list the points (one or more) for operation 'derivative', got {self.at!r}")
        elif self.order is not None:
            raise ValueError(f"order is only for operation 'derivative' (operation is {op!r})")
        elif not isinstance(self.at, list | tuple) or len(self.at) != n:
            raise ValueError(f"at must list one value per variable {self.variables}, got {self.at!r}")

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

    # -- solving --------------------------------------------------------------------------------------------

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
        x = torch.tensor(to_floats(self._at), dtype=torch.float64)
        op = self.operation
        if op in _NEEDS_V:
            v = torch.tensor(to_floats(self._v), dtype=torch.float64)
            if op == "vjp" and not self._vector:
                v = v.reshape(())
            value = {"jvp": calculus.jvp, "vjp": calculus.vjp, "hvp": calculus.hvp}[op](f, x, v)
        elif op == "derivative":  # f acts pointwise on the batch of points x
            f = calculus.to_torch(self._exprs[0], self.variables)
            value = calculus.derivative(f, x, self.order, create_graph=False)
        else:
            value = getattr(calculus, op)(f)(x)
        return DerivativeResult(value=value.detach(), operation=op, x=x, fun=f(x).detach())

    # -- references -----------------------------------------------------------------------------------------

    def sympy_values(self) -> np.ndarray:
        """The operation by SymPy (``diff``, ``hessian``, ``jacobian``) at the exact point, to 30 digits."""
        exprs, syms = real_symbols(self._exprs, self.variables)
        op = self.operation
        if op == "derivative":
            return derivative_values(exprs[0], syms[0], self.order, self._at)
        if op in ("hessian", "hvp"):
            R = sympy.hessian(exprs[0], syms)
            R = R * sympy.Matrix(self._v) if op == "hvp" else R
        elif op == "laplacian":
            R = sum(sympy.diff(exprs[0], s, 2) for s in syms)
        elif op == "divergence":
            R = sum(sympy.diff(e, s) for e, s in zip(exprs, syms, strict=True))
        else:
            J = sympy.Matrix(exprs).jacobian(syms)
            R = {"grad": lambda: J.row(0), "jacobian": lambda: J,
                 "jvp": lambda: J * sympy.Matrix(self._v),
                 "vjp": lambda: sympy.Matrix(self._v).T * J}[op]()
        at = dict(zip(syms, self._at, strict=True))
        entries = list(R) if isinstance(R, sympy.MatrixBase) else [R]  # row-major
        return np.array([real_value(e, at) for e in entries], dtype=float).reshape(self._shape())

    def references(self):
        answers = {"exact": lambda: self._exact, "sympy": self.sympy_values}
        return self._compare_with(answers, lambda r, ref: max_abs_error(r.value.numpy(), ref),
                                  value=lambda r: brief(r.value))

    @classmethod
    def from_spec(cls, spec, **common):
        return cls(expr=spec.str_or_list("expr"), variables=spec.strings("variables", distinct=True),
                   at=spec.constants("at"), operation=spec.choice("operation", OPERATIONS),
                   v=spec.constants("v", None), exact=spec.array("exact", None),
                   order=spec.int("order", None, low=1), **common)
