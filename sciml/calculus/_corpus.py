"""A reproducible corpus of random elementary expressions, for testing and benchmarking the SymPy bridge.

:func:`random_expressions` composes the functions a mathematician writes — + − × ÷, integer and rational
powers, ``sqrt``, ``exp``, ``log``, the trigonometric and hyperbolic functions and their inverses,
``atan2``, ``erf``, and the non-smooth ones: ``Abs``, ``sign``, ``Heaviside``, ``Min``/``Max`` (also with
numbers) and ``Piecewise`` — over leaves that are variables, integers, rationals and unevaluated constants
(``pi``, ``E``, ``exp(2)``, ``sqrt(2)``, ``log(3)``). These are the expressions on which raw
``sympy.lambdify(..., "torch")`` fails or leaks NaN gradients; :func:`sciml.calculus.to_torch` and
:func:`sciml.calculus.verify` are tested on them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import sympy

__all__ = ["random_expressions"]

_CONSTANTS = (sympy.pi, sympy.E, sympy.exp(2, evaluate=False), sympy.sqrt(2), sympy.log(3),
              sympy.Rational(1, 2), sympy.Rational(-3, 4), sympy.Rational(5, 3))
_UNARY = (sympy.sqrt, sympy.exp, sympy.log, sympy.sin, sympy.cos, sympy.tan, sympy.asin, sympy.acos,
          sympy.atan, sympy.sinh, sympy.cosh, sympy.tanh, sympy.erf, sympy.Abs, sympy.sign, sympy.Heaviside)
_POWERS = (2, 3, -1, -2, sympy.Rational(1, 3), sympy.Rational(3, 2), sympy.Rational(-1, 2))
_RELATIONS = (sympy.Lt, sympy.Le, sympy.Gt, sympy.Ge)


class _Generator:
    def __init__(self, rng: random.Random, symbols: Sequence[sympy.Symbol]):
        self.rng, self.symbols = rng, list(symbols)

    def number(self) -> sympy.Expr:
        r = self.rng.random()
        if r < 0.45:
            return sympy.Integer(self.rng.choice((-3, -2, -1, 1, 2, 3, 4, 5)))
        if r < 0.75:
            return sympy.Rational(self.rng.randint(-7, 7), self.rng.randint(2, 9))
        return self.rng.choice(_CONSTANTS)

    def leaf(self) -> sympy.Expr:
        if self.rng.random() < 0.7:
            return self.rng.choice(self.symbols)
        return self.number()

    def condition(self, depth: int) -> sympy.Basic:
        rel = self.rng.choice(_RELATIONS)
        lhs = self.expr(max(depth - 1, 0)) if self.rng.random() < 0.5 else self.rng.choice(self.symbols)
        rhs = self.number() if self.rng.random() < 0.7 else self.rng.choice(self.symbols)
        return rel(lhs, rhs)

    def expr(self, depth: int, top: bool = False) -> sympy.Expr:
        if depth <= 0 or (not top and self.rng.random() < 0.15):
            return self.leaf()
        node = self.node(depth)
        # a constant deeper than one function of a number (sin(3), atan(pi)) becomes a plain number: SymPy's
        # comparisons of nested constants inside Min/Max can take minutes
        if not node.free_symbols and any(not a.is_Atom and a not in _CONSTANTS for a in node.args):
            return self.number()
        return node

    def node(self, depth: int) -> sympy.Expr:
        kind = self.rng.choices(("binary", "unary", "power", "minmax", "piecewise", "atan2"),
                                weights=(35, 35, 10, 8, 7, 5))[0]
        sub = depth - 1
        if kind == "binary":
            a, b = self.expr(sub), self.expr(sub)
            op = self.rng.choice(("+", "-", "*", "/"))
            if op == "/":
                return a / b if b != 0 else a
            return a + b if op == "+" else a - b if op == "-" else a * b
        if kind == "unary":
            return self.rng.choice(_UNARY)(self.expr(sub))
        if kind == "power":
            return self.expr(sub) ** self.rng.choice(_POWERS)
        if kind == "minmax":
            op = self.rng.choice((sympy.Min, sympy.Max))
            args = [self.expr(sub) for _ in range(self.rng.choice((2, 2, 3)))]
            if self.rng.random() < 0.5:
                args[-1] = self.number()
            return op(*args)
        if kind == "piecewise":
            pieces = [(self.expr(sub), self.condition(sub)) for _ in range(self.rng.choice((1, 1, 2)))]
            return sympy.Piecewise(*pieces, (self.expr(sub), True))
        return sympy.atan2(self.expr(sub), self.expr(sub))


def _real_constants(expr: sympy.Expr) -> bool:
    """Whether every constant subexpression is real (``acos(-2)`` is not; :func:`to_torch` refuses it)."""
    for node in sympy.preorder_traversal(expr):
        if node.is_number and not node.is_Number and complex(sympy.N(node, 15)).imag != 0:
            return False
    return True


def random_expressions(n: int, variables: Sequence = ("x", "y"), *, seed: int = 0,
                       depth: int = 3) -> list[sympy.Expr]:
    r"""``n`` random elementary expressions in ``variables``, the same list for the same ``seed``.

    Each expression is a random tree of at most ``depth`` operations above its leaves. An inner node is
    one of: :math:`a + b`, :math:`a - b`, :math:`ab`, :math:`a / b`; :math:`a^p` with
    :math:`p \in \{2, 3, -1, -2, 1/3, 3/2, -1/2\}`; ``sqrt``, ``exp``, ``log``, ``sin``, ``cos``, ``tan``,
    ``asin``, ``acos``, ``atan``, ``sinh``, ``cosh``, ``tanh``, ``erf``, ``Abs``, ``sign``, ``Heaviside``
    of :math:`a`; ``Min``/``Max`` of two or three arguments, half the time one of them a number;
    ``Piecewise`` with one or two conditions (relations between a subexpression or a variable and a
    number or a variable) and a final ``True`` branch; ``atan2(a, b)``. Leaves are variables (70 %),
    integers, rationals, or unevaluated constants such as ``pi``, ``E``, ``exp(2)``, ``sqrt(2)``.
    Expressions without any variable (SymPy may simplify a tree to a constant) or with a complex or
    infinite constant are redrawn, so every expression is real-valued somewhere and depends on at least
    one variable; not necessarily on all of them.

    Parameters
    ----------
    n : int
        How many expressions (``n >= 0``).
    variables : sequence of str or sympy.Symbol
        The variables; symbols are created with no assumptions, as :func:`sympy.sympify` would.
    seed : int
        Seed of the private ``random.Random`` (global random state is not touched).
    depth : int
        Maximum number of operations from the root to a leaf (``depth >= 1``).

    Returns
    -------
    list of sympy.Expr

    Raises
    ------
    ValueError
        ``n`` or ``depth`` out of range, or ``variables`` empty or repeated.

    References
    ----------
    .. [1] G. Lample and F. Charton, "Deep learning for symbolic mathematics", ICLR 2020, arXiv:1912.01412
       (random expression trees over elementary functions; theirs are sampled uniformly over tree shapes).
    .. [2] A. Meurer et al., "SymPy: symbolic computing in Python", *PeerJ Computer Science* 3:e103, 2017.

    Examples
    --------
    >>> exprs = random_expressions(3, seed=1)
    >>> len(exprs), exprs == random_expressions(3, seed=1)
    (3, True)
    >>> all(e.free_symbols for e in exprs)
    True
    >>> random_expressions(2, ["t"], seed=7, depth=1) == random_expressions(2, ["t"], seed=7, depth=1)
    True
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an int >= 1, got {depth!r}")
    if isinstance(variables, str | sympy.Symbol):
        variables = (variables,)
    names = [str(v) for v in variables]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"variables must be a non-empty sequence of distinct names, got {list(variables)!r}")
    symbols = [v if isinstance(v, sympy.Symbol) else sympy.Symbol(str(v)) for v in variables]
    gen = _Generator(random.Random(seed), symbols)
    out: list[sympy.Expr] = []
    while len(out) < n:
        try:
            e = gen.expr(depth, top=True)
        except (ValueError, TypeError):  # e.g. Heaviside of a complex constant: SymPy refuses, redraw
            continue
        if e.free_symbols and not e.has(sympy.I, sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) and _real_constants(e):
            out.append(e)
    return out
