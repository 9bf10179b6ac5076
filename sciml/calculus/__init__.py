"""Derivatives and the SymPy ↔ torch bridge.

- :func:`to_torch` — a differentiable torch callable from a SymPy expression.
"""

from sciml.calculus.sympy_bridge import UnsupportedExpressionError, to_torch

__all__ = ["UnsupportedExpressionError", "to_torch"]
