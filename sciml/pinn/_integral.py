"""Integral conditions: ``"integrate(y**2, (x, 0, pi)) = 1"``, a normalization written as users write it.

In a condition, ``integrate(h, (x, c, d))`` (or ``Integral``) of an expression ``h`` in the variable and the
unknown functions and their derivatives (``y``, ``y'``, …) stands for :math:`\\int_c^d h(x, y, y', \\dots)\\,dx`
over a part ``[c, d]`` of the domain. The solver evaluates it by Gauss–Legendre quadrature on
:data:`NODES` nodes of ``[c, d]`` (exact for polynomials of degree below 2·NODES, spectrally accurate for the
smooth integrands of a network), so an integral condition is a penalty row like any nonlinear condition.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import sympy
import torch

from sciml.pinn._parse import _marked, value_symbol

#: Gauss–Legendre nodes of one integral
NODES = 64
_WORD = re.compile(r"(?<![\w.])integrate(?=\s*\()")


@dataclasses.dataclass(frozen=True)
class IntegralTerm:
    """``symbol`` stands for ``∫_lo^hi integrand dx`` (integrand in the variable and value symbols)."""

    symbol: sympy.Symbol
    integrand: sympy.Expr
    lo: float
    hi: float
    order: int

    def rule(self, dtype=torch.float64, device=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Gauss–Legendre nodes and weights on ``[lo, hi]``."""
        t, w = np.polynomial.legendre.leggauss(NODES)
        half = (self.hi - self.lo) / 2
        nodes = torch.as_tensor(self.lo + half * (t + 1), dtype=dtype, device=device)
        return nodes, torch.as_tensor(half * w, dtype=dtype, device=device)


def unevaluated(text: str) -> str:
    """``integrate(`` → ``Integral(``, so that the parser keeps the integral for the solver."""
    return _WORD.sub("Integral", text)


def extract(expr, x, functions, domain_exact, where: str, start: int = 0):
    """Replace each ``Integral`` in a condition by a symbol; returns the expression and the :class:`IntegralTerm`
    records. ``start`` numbers the symbols (distinct across conditions)."""
    a, b = domain_exact
    terms = []
    for j, node in enumerate(sorted(expr.atoms(sympy.Integral), key=str)):
        if len(node.limits) != 1 or len(node.limits[0]) != 3 or node.limits[0][0] != x:
            raise ValueError(f"{where}: {node} must integrate over {x} with limits, as in integrate(u**2, ({x}, a, b))")
        _, lo, hi = node.limits[0]
        if lo.free_symbols or hi.free_symbols or not (lo.is_real and hi.is_real):
            raise ValueError(f"{where}: the limits of {node} must be real constants")
        if not (float(a) <= float(lo) <= float(b) and float(a) <= float(hi) <= float(b)):
            raise ValueError(f"{where}: {node} integrates over [{lo}, {hi}], outside the domain [{a}, {b}]; "
                             "integrate over part of the domain")
        reps, order = {}, 0
        for s in node.function.free_symbols:
            hit = _marked(s.name)
            if hit and hit[0] in functions:
                reps[s] = value_symbol(*hit)
                order = max(order, hit[1])
        integrand = node.function.xreplace(reps)
        stray = sorted(str(s) for s in integrand.free_symbols - {x, *reps.values()})
        if stray:
            raise ValueError(f"{where}: the integrand of {node} uses {', '.join(stray)}; it may use {x} and the "
                             f"functions {', '.join(functions)} (with primes for derivatives)")
        if not reps:
            raise ValueError(f"{where}: {node} does not involve the functions {', '.join(functions)}")
        symbol = sympy.Symbol(f"__integral{start + j}")
        terms.append(IntegralTerm(symbol, integrand, float(lo), float(hi), order))
        expr = expr.xreplace({node: symbol})
    return expr, tuple(terms)
