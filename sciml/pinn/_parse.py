"""Reading ODE statements written as text: primes for derivatives, point values in conditions.

Equations such as ``"u'' + u = 0"`` become SymPy equations in applied functions (``u(x)``,
``Derivative(u(x), (x, 2))``), the form :func:`sympy.dsolve` understands; conditions such as
``"u'(pi/2) = 1"`` become expressions in point values, kept as :class:`PointValue` records. The text is
read by the safe parser :func:`sciml.expressions.parse`; errors in it are
:class:`~sciml.expressions.ExpressionError` (a ``ValueError``) naming the text they came from.
"""

from __future__ import annotations

import dataclasses
import re

import sympy
from sympy.core.function import AppliedUndef

from sciml.expressions import ExpressionError, parse

_PRIMED = re.compile(r"(?<![\w.])([A-Za-z_]\w*)('+)")
_MARK = "__d"  # ``u''`` is spelt ``u__d2`` while parsing


@dataclasses.dataclass(frozen=True)
class PointValue:
    """The value ``function^(order)(point)`` that a condition refers to, and its symbol in the condition."""

    function: str
    order: int
    point: sympy.Expr
    symbol: sympy.Symbol

    @property
    def label(self) -> str:
        return f"{self.function}{chr(39) * self.order}({self.point})"


def primed_names(texts) -> set[str]:
    """Names written with primes (``u'``, ``y''``) in any of ``texts``: the unknown functions."""
    return {m.group(1) for t in texts if isinstance(t, str) for m in _PRIMED.finditer(t)}


def applied_names(exprs) -> set[str]:
    """Names of undefined functions applied in SymPy input (``u(x)``)."""
    return {type(f).__name__ for e in exprs if isinstance(e, sympy.Basic) for f in e.atoms(AppliedUndef)}


def split_equation(text: str, where: str) -> tuple[str, str]:
    """``"lhs = rhs"`` → (lhs, rhs); without ``=`` the right-hand side is 0."""
    parts = re.split(r"(?<![<>=!])=(?!=)", text.replace("==", "="))
    if len(parts) == 1:
        return parts[0], "0"
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise ExpressionError(f"{where}: {text!r} must be one equation 'lhs = rhs' (or an expression equal to 0)")
    return parts[0], parts[1]


def _spell(text: str, functions) -> str:
    """Replace ``u''`` by ``u__d2`` and bare ``u`` by ``u__d0`` for each unknown function name."""
    for name in sorted(functions, key=len, reverse=True):
        pattern = re.compile(rf"(?<![\w.]){re.escape(name)}('*)(?![\w'])")
        text = pattern.sub(lambda m, n=name: f"{n}{_MARK}{len(m.group(1))}", text)
    return text


def parse_side(text, *, where: str, functions, names: dict) -> sympy.Expr:
    """Parse one side of an equation; ``names`` maps declared names to SymPy symbols."""
    if isinstance(text, sympy.Basic):
        return text
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise TypeError(f"{where}: expected a string or a SymPy expression, got {type(text).__name__} {text!r}")
    stray = sorted(primed_names([text]) - set(functions))
    if stray:
        raise ExpressionError(f"{where}: unknown function {stray[0]!r} in {text!r}; the problem's unknown functions "
                              f"are {sorted(functions)}")
    local = dict(names)
    for f in functions:
        local[f] = sympy.Function(f)
    spelt = _spell(str(text), functions)
    try:
        expr = parse(spelt, where=where, local_dict=local)
    except ExpressionError as exc:  # name the text as the user wrote it, not its spelling u__d2
        raise ExpressionError(str(exc).replace(repr(spelt), repr(text), 1)) from None
    if not isinstance(expr, sympy.Expr):
        raise ExpressionError(f"{where}: {text!r} is not an algebraic expression (got {type(expr).__name__})")
    return expr


def _marked(name: str):
    """``u__d2`` → ("u", 2); other names → None."""
    base, sep, k = name.rpartition(_MARK)
    return (base, int(k)) if sep and base and k.isdigit() else None


def to_applied(expr: sympy.Expr, x: sympy.Symbol, functions, *, where: str) -> sympy.Expr:
    """Rewrite the spelt names of an equation into ``u(x)`` and ``Derivative(u(x), (x, k))``."""
    reps = {}
    for s in expr.free_symbols:
        hit = _marked(s.name)
        if hit and hit[0] in functions:
            reps[s] = _derivative(sympy.Function(hit[0])(x), x, hit[1])
    for app in expr.atoms(AppliedUndef):
        name = type(app).__name__
        hit = _marked(name) or ((name, 0) if name in functions else None)
        if hit is None or hit[0] not in functions:
            continue
        if len(app.args) != 1 or app.args[0] != x:
            raise ExpressionError(f"{where}: {app} must be applied to the variable {x} in an equation "
                                  f"(point values such as {hit[0]}(0) belong in the conditions)")
        reps[app] = _derivative(sympy.Function(hit[0])(x), x, hit[1])
    return expr.xreplace(reps)


def _derivative(fx, x, k: int):
    return fx if k == 0 else sympy.Derivative(fx, (x, k))


def to_symbols(expr: sympy.Expr, x: sympy.Symbol, functions) -> tuple[sympy.Expr, dict[str, int]]:
    """Replace ``u(x)`` and its derivatives by the symbols ``u__0``, ``u__1``, ...; also the orders seen."""
    orders: dict[str, int] = {}
    reps = {}
    for d in expr.atoms(sympy.Derivative):
        f = d.expr
        if not isinstance(f, AppliedUndef) or type(f).__name__ not in functions or f.args != (x,):
            raise ValueError(f"the derivative {d} is not a derivative of an unknown function in {x}")
        if set(d.variables) != {x}:
            raise ValueError(f"the derivative {d} must be with respect to {x} only")
        k = len(d.variables)
        reps[d] = value_symbol(type(f).__name__, k)
    for app in expr.atoms(AppliedUndef):
        name = type(app).__name__
        if name in functions:
            reps[app] = value_symbol(name, 0)
    for s, k in ((s, int(s.name.rpartition("__")[2])) for s in reps.values()):
        name = s.name.rpartition("__")[0]
        orders[name] = max(orders.get(name, 0), k)
    # derivatives first, so that u(x) inside Derivative(u(x), x) is not replaced on its own
    out = expr.xreplace({d: s for d, s in reps.items() if isinstance(d, sympy.Derivative)})
    return out.xreplace({a: s for a, s in reps.items() if not isinstance(a, sympy.Derivative)}), orders


def value_symbol(function: str, order: int) -> sympy.Symbol:
    """The symbol standing for ``function^(order)(x)`` in compiled residuals."""
    return sympy.Symbol(f"{function}__{order}")


def point_values(expr: sympy.Expr, x: sympy.Symbol, functions, *, where: str, points: list):
    """Replace point values ``u(0)``, ``u__d1(pi)``, ``Subs(Derivative(u(x), x), x, 0)`` in a condition by
    symbols; returns the rewritten expression and the :class:`PointValue` records. ``points`` collects
    the distinct points (shared between conditions)."""
    out, records = expr, []

    def record(node, name, k, pt):
        nonlocal out
        if name not in functions:
            raise ExpressionError(f"{where}: unknown function {name!r}; the problem's unknown functions are "
                                  f"{sorted(functions)}")
        if pt.free_symbols:
            raise ExpressionError(f"{where}: {node} must be at a fixed point, but its argument {pt} has symbols")
        index = next((i for i, p in enumerate(points) if sympy.simplify(p - pt) == 0), None)
        if index is None:
            points.append(sympy.nsimplify(pt) if pt.is_Float else pt)
            index = len(points) - 1
        symbol = sympy.Symbol(f"{name}__{k}__at{index}")
        records.append(PointValue(name, k, points[index], symbol))
        out = out.xreplace({node: symbol})

    # SymPy's spelling of u'(0): Subs(Derivative(u(x), x), x, 0)
    for sub in sorted(expr.atoms(sympy.Subs), key=lambda e: (_sort_key(e.args[2][0]), str(e))):
        d, variables, pts = sub.args
        if not (isinstance(d, sympy.Derivative) and isinstance(d.expr, AppliedUndef) and len(pts) == 1
                and set(d.variables) == set(variables)):
            raise ExpressionError(f"{where}: cannot read {sub} as a derivative value at a point")
        record(sub, type(d.expr).__name__, len(d.variables), pts[0])
    for app in sorted(out.atoms(AppliedUndef), key=lambda a: (_sort_key(a.args[0]) if a.args else 0.0, str(a))):
        name = type(app).__name__
        hit = _marked(name) or (name, 0)
        if len(app.args) != 1:
            raise ExpressionError(f"{where}: {app} must have one argument, the point")
        record(app, hit[0], hit[1], app.args[0])
    if x in out.free_symbols:
        raise ExpressionError(f"{where}: a condition cannot depend on the variable {x}; "
                              f"write values at points, such as u(0) or u'(1)")
    return out, sorted(set(records), key=lambda r: r.symbol.name)


def _sort_key(point) -> float:
    try:
        return float(point)
    except TypeError:  # a point with symbols: reported as an error by the caller
        return 0.0
