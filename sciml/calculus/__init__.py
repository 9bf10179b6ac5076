"""Derivatives, the SymPy → torch bridge, and checked custom autograd Functions.

- :mod:`~sciml.calculus.operators` — ``grad``, ``jacobian``, ``hessian``, ``laplacian``, ``divergence``
  (return functions, like ``torch.func``); ``jvp``, ``vjp``, ``hvp``, ``derivative`` (return values).
- :mod:`~sciml.calculus.sympy_bridge` — :func:`to_torch`, a differentiable torch callable from a SymPy
  expression.
- :mod:`~sciml.calculus.symbolic_function` — :func:`sympy_function`, a custom autograd Function whose backward,
  forward-mode JVP and higher derivatives all come from ``sympy.diff``.
- :mod:`~sciml.calculus.torch_to_sympy` — :func:`to_sympy`, the reverse direction: a converted callable, a traced
  torch function or a tensor back to SymPy.
- :mod:`~sciml.calculus.taylor` — :func:`taylor_derivatives`, u, u′, …, u⁽ᵏ⁾ of an MLP at a batch of
  points by Taylor-mode propagation (what :func:`derivative` uses for an ``nn.Sequential``).
- :mod:`~sciml.calculus.taylor_tanh` — its fast path for tanh MLPs at orders 1 and 2: one autograd
  Function, chunked, with hand-derived backward formulas and reused buffers.
- :mod:`~sciml.calculus.functions` — the seed's custom Function :class:`Cubic`, written for every
  autograd mode.
- :mod:`~sciml.calculus.verification` — :func:`verify`, a torch callable's gradient (and Hessian) against
  ``sympy.diff`` at random points, with points where a derivative does not exist reported as such.
- :mod:`~sciml.calculus.corpus` — :func:`random_expressions`, reproducible random elementary expressions.
- :mod:`~sciml.calculus.checks` — :func:`check_function`, gradcheck/gradgradcheck/forward-mode in one report.

>>> import torch
>>> from sciml.calculus import grad, to_torch
>>> f = to_torch("x**2*y + y + 2", ["x", "y"])
>>> grad(lambda p: f(p[0], p[1]))(torch.tensor([2.0, 3.0], dtype=torch.float64))
tensor([12.,  5.], dtype=torch.float64)
"""

from sciml.calculus.checks import FunctionCheck, check_function
from sciml.calculus.corpus import random_expressions
from sciml.calculus.functions import Cubic, cubic
from sciml.calculus.operators import (
    derivative,
    divergence,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    laplacian,
    vjp,
)
from sciml.calculus.symbolic_function import SympyFunction, sympy_function
from sciml.calculus.sympy_bridge import UnsupportedExpressionError, to_torch
from sciml.calculus.taylor import Sin, taylor_derivatives
from sciml.calculus.torch_to_sympy import UnsupportedOperationError, to_sympy
from sciml.calculus.verification import DerivativeReport, verify

__all__ = [
    "Cubic",
    "DerivativeReport",
    "FunctionCheck",
    "Sin",
    "SympyFunction",
    "UnsupportedExpressionError",
    "UnsupportedOperationError",
    "check_function",
    "cubic",
    "derivative",
    "divergence",
    "grad",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "laplacian",
    "random_expressions",
    "sympy_function",
    "taylor_derivatives",
    "to_sympy",
    "to_torch",
    "verify",
    "vjp",
]
