"""What the kinds share: exact constants for SymPy, 30-digit reference values, error metrics, plot helpers.

A reference must share no code with the solver under test, so the values here come from SymPy (exact
arithmetic, then 30 significant digits, then one rounding to float) or from NumPy, never from torch.
"""

from __future__ import annotations

import math

import numpy as np
import sympy

from sciml.expressions import parse, parse_number

#: significant digits of every SymPy evaluation before the one rounding to float
DIGITS = 30


# -- exact constants ------------------------------------------------------------------------------------------

def exact_constants(value, where: str):
    """Numbers or exact strings (``"pi/6"``; nested lists allowed) as SymPy constants, each checked to be a
    real constant; errors name ``where`` and the index."""
    if isinstance(value, list | tuple):
        return [exact_constants(v, f"{where}[{i}]") for i, v in enumerate(value)]
    parse_number(value, where=where)  # raises naming `where` unless a real constant
    return parse(value, where=where)


def to_floats(value):
    """SymPy constants (nested lists allowed) as floats, evaluated to :data:`DIGITS` digits then rounded."""
    if isinstance(value, list | tuple):
        return [to_floats(v) for v in value]
    return float(sympy.N(value, DIGITS))


def numbers(values, where: str) -> list[float]:
    """A list of constants (numbers or exact strings) as floats; errors name ``where[i]``."""
    return [parse_number(v, where=f"{where}[{i}]") for i, v in enumerate(values)]


# -- SymPy references -------------------------------------------------------------------------------------

def real_symbols(exprs, names):
    """``exprs`` with the symbols ``names`` replaced by real ones, and those symbols.

    With real symbols SymPy differentiates ``Abs``, ``sign`` and ``Piecewise`` as real functions rather
    than through ``re``/``im``.
    """
    symbols = [sympy.Symbol(s, real=True) for s in names]
    swap = {sympy.Symbol(s): r for s, r in zip(names, symbols, strict=True)}
    return [parse(e).xreplace(swap) for e in exprs], symbols


def real_value(expr, subs=None) -> float:
    """``expr`` (with ``subs`` substituted) to :data:`DIGITS` digits; NaN where the value is not real."""
    z = complex(sympy.N(parse(expr).subs(subs or {}), DIGITS))
    return z.real if z.imag == 0 else math.nan


def derivative_values(expr, symbol, order: int, points) -> np.ndarray:
    """The ``order``-th derivative (0: the value) of ``expr`` in ``symbol`` at each of ``points``, by SymPy."""
    d = sympy.diff(expr, symbol, order) if order else expr
    return np.array([real_value(d, {symbol: p}) for p in points], dtype=float)


def numpy_function(expr, symbols):
    """``expr`` as a NumPy function of ``symbols`` (:func:`sympy.lambdify`) whose value always has the shape
    of its first argument, also where ``expr`` does not depend on it (a constant, a partial plot)."""
    f = sympy.lambdify(symbols, expr, "numpy")

    def evaluate(*args):
        value = np.asarray(f(*args))
        return np.broadcast_to(value, np.shape(args[0])) if args else value

    return evaluate


# -- error metrics ------------------------------------------------------------------------------------------

def max_abs_error(answer, reference, what: str = "answer") -> float:
    """``max |answer − reference|`` over all entries (real or complex); 0 for empty arrays.

    Raises ``ValueError`` naming ``what`` when the shapes differ, so a wrong-shaped answer fails loudly.
    """
    a, b = np.asarray(answer), np.asarray(reference)
    if a.shape != b.shape:
        raise ValueError(f"{what}: answer has shape {a.shape}, reference {b.shape}")
    return float(np.max(np.abs(a - b), initial=0.0))


def wrapped(angle):
    """Angles wrapped to (−π, π], so that phases are compared modulo 2π."""
    return np.angle(np.exp(1j * np.asarray(angle)))


# -- plotting -------------------------------------------------------------------------------------------------

def padded_limits(points, *, fraction: float, minimum: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-coordinate ``(low, high)`` of ``points`` (shape ``(k,)`` or ``(k, n)``), widened on each side by
    ``fraction`` of the range and by at least ``minimum``, so that nothing drawn sits on the frame."""
    pts = np.asarray(points, dtype=float)
    pts = pts.reshape(len(pts), -1)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum(fraction * (hi - lo), minimum)
    return lo - pad, hi + pad
