"""Where a compiled sub-expression is locally constant, so that a singular derivative above it is cut, not NaN.

Reverse mode multiplies derivatives along the chain, and ``0 · ∞`` is NaN: in ``sqrt(atan2(0, x))`` at
``x > 0`` the inner ``atan2(0, x)`` is the constant 0 on a neighbourhood, so the composition is constant there
and its derivative is 0 (SymPy's too), but autograd forms ``∞ · 0``. The same happens under any function whose
derivative is infinite at a finite value (``sqrt``, fractional powers, ``asin``/``acos`` at ±1, ``acosh`` at 1)
applied to an argument that is locally constant: a constant, a piecewise-constant function (``Heaviside``,
``sign``, ``floor``, ``ceiling``, ``atan2(0, ·)``, relations), a product with a locally zero or infinite factor
(``tan(x)/Heaviside(x)`` at x < 0 is ±inf on a neighbourhood), an active
``Piecewise`` branch of such terms, or any function of these.

:func:`constant_mask` returns a node that computes the (elementwise) mask of points where an expression is
locally constant — conservatively: ``False`` where it cannot tell — or ``None`` when the expression is never
locally constant by its structure, so that the common case costs nothing. The argument is then evaluated on inputs
detached at the masked points (``where(mask, x.detach(), x)``), whose backward selects rather than multiplies:
the infinite derivative is dropped at the masked points and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy
import torch

Mask = Callable[[dict], object]  # env -> python bool or bool tensor

#: steps: zero derivative wherever one exists
STEPS = (sympy.sign, sympy.Heaviside, sympy.floor, sympy.ceiling)
#: functions with zero derivative wherever they have one
_PIECEWISE_CONSTANT = (*STEPS, sympy.core.relational.Relational, sympy.logic.boolalg.Boolean)


def _all(masks: list[Mask]) -> Mask:
    if len(masks) == 1:
        return masks[0]
    return lambda env: _and_all(m(env) for m in masks)


def _and_all(values):
    out = True
    for v in values:
        out = v if out is True else (out & v if v is not True else out)
        if out is False:
            return False
    return out


def _or(a, b):
    if a is True or b is True:
        return True
    if a is False:
        return b
    if b is False:
        return a
    return a | b


def _absorbing(value):
    # 0 and ±inf absorb a product's other (finite, non-zero) factors: 0·g, ±inf·g are locally constant
    if isinstance(value, torch.Tensor):
        return (value == 0) | torch.isinf(value)
    return bool(value == 0 or abs(value) == float("inf"))


def constant_mask(expr: sympy.Basic, compile_node: Callable) -> Mask | None:
    """A node giving where ``expr`` is locally constant, or ``None`` if it never is by its structure.

    ``compile_node`` compiles a sub-expression to its value node (needed for the zero factors of products and
    the conditions of ``Piecewise``).
    """
    if expr.is_Symbol:
        return None
    if expr.is_number or isinstance(expr, _PIECEWISE_CONSTANT) or expr in (sympy.true, sympy.false):
        return lambda env: True
    if isinstance(expr, sympy.atan2) and expr.args[0].is_zero:  # 0 or pi on either side of the origin
        return lambda env: True
    if isinstance(expr, sympy.Piecewise):
        return _piecewise_mask(expr, compile_node)
    subs = [constant_mask(a, compile_node) for a in expr.args]
    if expr.is_Mul:
        return _product_mask(expr, subs, compile_node)
    if any(s is None for s in subs):
        return None
    return _all(subs)


def _product_mask(expr, subs, compile_node) -> Mask | None:
    # constant where every factor is, or where one locally constant factor is zero or infinite
    zeros = [(s, compile_node(a)) for s, a in zip(subs, expr.args, strict=True) if s is not None]
    if not zeros:
        return None
    every = _all(subs) if all(s is not None for s in subs) else None

    def mask(env):
        out = every(env) if every is not None else False
        for lc, value in zeros:
            if out is True:
                return True
            m = lc(env)
            if m is not False:
                out = _or(out, _and_all((m, _absorbing(value(env)))))
        return out

    return mask


def _piecewise_mask(expr, compile_node) -> Mask | None:
    branches = [(constant_mask(e, compile_node), compile_node(c)) for e, c in expr.args]
    if all(lc is None for lc, _ in branches):
        return None

    def mask(env):
        out, taken = False, False
        for lc, cond in branches:
            c = cond(env)
            active = _and_all((c, ~taken if isinstance(taken, torch.Tensor) else not taken))
            if lc is not None and active is not False:
                out = _or(out, _and_all((active, lc(env))))
            taken = _or(taken, c)
        return out

    return mask


def cut_where_constant(arg_node, mask: Mask | None):
    """``arg_node`` with its gradient cut where ``mask`` holds (the identity when ``mask`` is ``None``).

    The inputs are replaced by detached copies at the masked points before ``arg_node`` runs ("double
    where"): the zero derivative then meets no infinite factor inside the argument either (``tan(x)/0``),
    and the selection of ``where`` drops whatever NaN its backward forms there.
    """
    if mask is None:
        return arg_node

    def node(env):
        m = mask(env)
        if m is False or not any(isinstance(v, torch.Tensor) and v.requires_grad for v in env.values()):
            return arg_node(env)
        if m is True:  # still in the graph (with a zero derivative), so autograd.grad finds the inputs
            m = torch.ones((), dtype=torch.bool)
        return arg_node({k: torch.where(m.to(v.device), v.detach(), v) for k, v in env.items()})

    return node
