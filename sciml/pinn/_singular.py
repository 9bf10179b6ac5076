"""Coefficients singular at an end of the interval, as users write them: ``y'' + 2*y'/x + y**5 = 0`` on [0, 1].

A residual ``F(x, u, u', …)`` whose terms divide by a factor ``d(x)`` of the variable alone that vanishes at
an end ``r`` of the domain is written ``F = G/d`` with ``G = d·F`` regular there. A regular solution has
``G(r) = 0`` (the singular terms balance), and the equation holds at ``r`` in the limit, by L'Hôpital's rule:

.. math:: F(r) = \\lim_{x \\to r} \\frac{G(x, u(x), u'(x), \\dots)}{d(x)}
               = \\frac{(D^m G)(r)}{d^{(m)}(r)},

with ``m`` the order of the zero of ``d`` at ``r`` and ``D`` the total derivative along the solution,
``D G = ∂G/∂x + Σ_k ∂G/∂u⁽ᵏ⁾ u⁽ᵏ⁺¹⁾``. For Lane–Emden, ``u'' + 2u'/x + u⁵`` tends to ``3u''(0) + u(0)⁵`` when
``u'(0) = 0``. The solver imposes ``F`` at the collocation points inside the interval and this limit at a
collocation point on the singular end: exact, no point moved, no equation rearranged. Where ``d`` has no
finite derivative that is nonzero at ``r`` (``√x``), the equation is imposed at the other points only. A
zero of ``d`` inside the interval is an error naming the point.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import sympy

from sciml.pinn._parse import value_symbol

#: highest order of a zero of the singular factor that is resolved by L'Hôpital's rule
MAX_MULTIPLICITY = 4


@dataclasses.dataclass(frozen=True)
class SingularEnd:
    """Equation ``equation`` is singular at the end ``point`` (a float; ``exact`` as SymPy) of the domain.

    ``limit`` is the equation's value there in value symbols (``None``: no finite limit form; the equation is
    not imposed at that point), ``needs`` what a regular solution satisfies there (``G(r) = 0``), ``note`` the
    sentence a result reports.
    """

    equation: int
    point: float
    exact: sympy.Expr
    factor: sympy.Expr
    limit: sympy.Expr | None
    needs: sympy.Expr
    note: str


def singular_ends(residuals, x, domain_exact, functions, texts) -> tuple[SingularEnd, ...]:
    """The singular ends of each residual; raises ``ValueError`` for a singularity inside the domain."""
    a, b = domain_exact
    out = []
    for i, residual in enumerate(residuals):
        where = f"equations[{i}]"
        factor = _singular_factor(residual, x)
        if factor is None:
            continue
        for r in _zeros(factor, x, a, b, where, texts[i]):
            out.append(_at_end(i, residual, factor, x, r, functions, texts[i]))
    return tuple(out)


def _singular_factor(residual, x):
    """The product of the factors of the residual's denominator that depend on ``x`` alone (``None``: none)."""
    _, den = sympy.fraction(sympy.together(residual))
    factors = [f for f in sympy.Mul.make_args(sympy.factor(den)) if f.free_symbols == {x}]
    return sympy.Mul(*factors) if factors else None


def _zeros(factor, x, a, b, where, text) -> list:
    """Zeros of ``factor`` in ``[a, b]``: the ends among them; an interior zero raises."""
    found = sympy.solveset(factor, x, sympy.Interval(a, b))
    if isinstance(found, sympy.FiniteSet):
        zeros = list(found)
    else:  # transcendental: the ends exactly, the interior by sign changes on a grid
        zeros = [e for e in (a, b) if sympy.simplify(factor.subs(x, e)) == 0]
        grid = np.linspace(float(a), float(b), 2001)[1:-1]
        values = np.asarray(sympy.lambdify(x, factor, "numpy")(grid), dtype=float) * np.ones_like(grid)
        change = np.nonzero((np.sign(values[1:]) != np.sign(values[:-1])) | (values[:-1] == 0))[0]
        zeros += [sympy.Float(grid[j]) for j in change]
    ends = []
    for z in zeros:
        if sympy.simplify(z - a) == 0 or sympy.simplify(z - b) == 0:
            ends.append(a if sympy.simplify(z - a) == 0 else b)
            continue
        raise ValueError(f"{where}: {text!r} is singular at x = {z} (≈ {float(z):.6g}), inside the domain "
                         f"[{a}, {b}]: its coefficient 1/({factor}) is infinite there. A solution through an interior "
                         f"singular point is not determined by the equation there: solve on [{a}, {z}] and [{z}, {b}] "
                         "with conditions at the singular point, or write the equation multiplied through")
    return ends


def _total_derivative(expr, x, functions, orders_needed):
    """``D expr = ∂expr/∂x + Σ ∂expr/∂u⁽ᵏ⁾ u⁽ᵏ⁺¹⁾`` in value symbols."""
    out = sympy.diff(expr, x)
    for f in functions:
        for k in range(orders_needed + 1):
            s = value_symbol(f, k)
            if s in expr.free_symbols:
                out += sympy.diff(expr, s) * value_symbol(f, k + 1)
    return out


def _at_end(i, residual, factor, x, r, functions, text) -> SingularEnd:
    G = sympy.Add(*(sympy.cancel(t * factor) for t in sympy.Add.make_args(residual)))
    needs = sympy.simplify(G.subs(x, r))
    m, dm = next(((m, sympy.simplify(sympy.diff(factor, x, m).subs(x, r))) for m in range(1, MAX_MULTIPLICITY + 1)
                  if sympy.simplify(sympy.diff(factor, x, m).subs(x, r)) != 0), (None, None))
    regular = not _infinite(G.subs(x, r))
    label = f"equations[{i}] ({text!r})"
    if m is None or not regular or _infinite(dm):
        note = (f"{label} is singular at x = {r} (coefficient 1/({factor})) with no finite limit form there: it is "
                "imposed at the collocation points inside the interval only")
        return SingularEnd(i, float(r), r, factor, None, needs, note)
    order = max((int(s.name.rpartition("__")[2]) for s in G.free_symbols if "__" in s.name), default=0)
    DG = G
    for _ in range(m):
        DG = _total_derivative(DG, x, functions, order)
        order += 1
    limit = sympy.expand(DG.subs(x, r) / dm)
    note = (f"{label} is singular at x = {r} (coefficient 1/({factor})): imposed there by its limit "
            f"{_primes(limit, functions)} = 0 (L'Hôpital on {_primes(sympy.expand(G), functions)}, which a regular "
            f"solution makes vanish there: {_primes(needs, functions)} = 0)")
    return SingularEnd(i, float(r), r, factor, limit, needs, note)


def _infinite(expr) -> bool:
    return bool(expr.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan))


def _primes(expr, functions) -> str:
    """``expr`` in value symbols written back with primes (``u__2`` → ``u''``)."""
    text = sympy.sstr(expr)
    for f in sorted(functions, key=len, reverse=True):
        for k in range(12, -1, -1):
            text = text.replace(value_symbol(f, k).name, f + "'" * k)
    return text


def derivative_orders(problem) -> dict:
    """Highest derivative of each function the residuals, their limits at singular ends and the integrands of
    integral conditions use."""
    orders = dict(problem.orders)
    exprs = [end.limit for end in problem.singular if end.limit is not None]
    exprs += [t.integrand for c in problem.conditions for t in c.integrals]
    for expr in exprs:
        for s in expr.free_symbols:
            name, sep, k = s.name.rpartition("__")
            if sep and name in orders and k.isdigit():
                orders[name] = max(orders[name], int(k))
    return orders
