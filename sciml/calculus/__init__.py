"""Derivatives, the SymPy → torch bridge, and checked custom autograd Functions.

- :mod:`~sciml.calculus._operators` — ``grad``, ``jacobian``, ``hessian``, ``laplacian``, ``divergence``
  (return functions, like ``torch.func``); ``jvp``, ``vjp``, ``hvp``, ``derivative`` (return values).
- :mod:`~sciml.calculus._sympy_bridge` — :func:`to_torch`, a differentiable torch callable from a SymPy
  expression.
- :mod:`~sciml.calculus._symbolic_function` — :func:`sympy_function`, a custom autograd Function whose backward,
  forward-mode JVP and higher derivatives all come from ``sympy.diff``.
- :mod:`~sciml.calculus._torch_to_sympy` — :func:`to_sympy`, the reverse direction: a converted callable, a traced
  torch function or a tensor back to SymPy.
- :mod:`~sciml.calculus._taylor` — :func:`taylor_derivatives`, u, u′, …, u⁽ᵏ⁾ of an MLP at a batch of
  points by Taylor-mode propagation (what :func:`derivative` uses for an ``nn.Sequential``);
  :func:`tanh_mlp_derivatives`, the same for a tanh MLP given by its weights and biases (the PINN's network);
  :func:`fused_taylor`, a ``with`` block that switches the fused path below off. Built on
  :mod:`~sciml.calculus._taylor_tanh`, the fast path for tanh MLPs at orders 1 and 2 (one autograd Function,
  chunked, with hand-derived backward formulas and reused buffers), and
  :mod:`~sciml.calculus._taylor_series`, the list form (series of activations, plain torch operations).
- :mod:`~sciml.calculus._functions` — the seed's custom Function :class:`Cubic`, written for every
  autograd mode.
- :mod:`~sciml.calculus._verification` — :func:`verify`, a torch callable's gradient (and Hessian) against
  ``sympy.diff`` at random points, with points where a derivative does not exist reported as such.
- :mod:`~sciml.calculus._corpus` — :func:`random_expressions`, reproducible random elementary expressions.
- :mod:`~sciml.calculus._checks` — :func:`check_function`, gradcheck/gradgradcheck/forward-mode in one report.

>>> import torch
>>> from sciml.calculus import grad, to_torch
>>> f = to_torch("x**2*y + y + 2", ["x", "y"])
>>> grad(lambda p: f(p[0], p[1]))(torch.tensor([2.0, 3.0], dtype=torch.float64))
tensor([12.,  5.], dtype=torch.float64)
"""

from sciml.calculus._checks import FunctionCheck, check_function
from sciml.calculus._corpus import random_expressions
from sciml.calculus._functions import Cubic, cubic
from sciml.calculus._operators import (
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
from sciml.calculus._symbolic_function import SympyFunction, sympy_function
from sciml.calculus._sympy_bridge import UnsupportedExpressionError, to_torch
from sciml.calculus._taylor import fused_taylor, tanh_mlp_derivatives, taylor_derivatives
from sciml.calculus._taylor_series import Sin
from sciml.calculus._torch_to_sympy import UnsupportedOperationError, to_sympy
from sciml.calculus._verification import DerivativeReport, DerivativeStatus, verify

__all__ = [
    "Cubic",
    "DerivativeReport",
    "DerivativeStatus",
    "FunctionCheck",
    "Sin",
    "SympyFunction",
    "UnsupportedExpressionError",
    "UnsupportedOperationError",
    "check_function",
    "cubic",
    "derivative",
    "divergence",
    "fused_taylor",
    "grad",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "laplacian",
    "random_expressions",
    "sympy_function",
    "tanh_mlp_derivatives",
    "taylor_derivatives",
    "to_sympy",
    "to_torch",
    "verify",
    "vjp",
]
