"""The symbolic reference of :func:`~sciml.calculus.verify`: SymPy derivatives evaluated by NumPy/SciPy,
and the switching sets of non-smooth nodes (where a derivative does not exist). Private."""

from __future__ import annotations

import warnings

import numpy as np
import sympy

_KINK_RTOL = 1e-12
_HEAVISIDE, _MAX, _MIN, _NAN = (sympy.Function(n) for n in ("heaviside_ref", "max_ref", "min_ref", "nan_ref"))
_NUMPY = {"heaviside_ref": lambda a: np.heaviside(a, 0.5), "nan_ref": lambda: np.nan,
          "max_ref": lambda *a: np.maximum.reduce(np.broadcast_arrays(*a)),
          "min_ref": lambda *a: np.minimum.reduce(np.broadcast_arrays(*a))}


def _flat(function):
    """A stand-in for a step function whose derivative is 0 (true off its switching set, which is skipped)."""
    return type(f"flat_{function.__name__}", (sympy.Function,), {"fdiff": lambda self, argindex=1: sympy.S.Zero})


_STEPS = {f: _flat(f) for f in (sympy.sign, sympy.Heaviside, sympy.floor, sympy.ceiling)}


def _flatten(e: sympy.Expr) -> sympy.Expr:
    e = e.replace(sympy.Abs, lambda u: u * sympy.sign(u))
    for step, stand_in in _STEPS.items():
        e = e.replace(step, lambda *a, s=stand_in: s(*a))
    return e


def derivatives(expr, symbols, order) -> list[sympy.Expr]:
    """Gradient, then (order 2) the upper Hessian, of ``expr``, valid away from its switching sets.

    Off those sets |u| = u sign(u) and steps have derivative 0; the stand-ins say so to SymPy, so no
    ``DiracDelta``, ``re``/``im`` or unevaluated ``Derivative`` appears (``Min``/``Max`` give ``Heaviside``).
    """
    first = [sympy.diff(_flatten(expr), s) for s in symbols]
    out = first + ([sympy.diff(_flatten(d), t) for i, d in enumerate(first) for t in symbols[i:]] if order == 2 else [])
    for step, stand_in in _STEPS.items():
        out = [d.replace(stand_in, lambda *a, s=step: s(*a)) for d in out]
    out = [d.replace(sympy.DiracDelta, lambda *a: sympy.S.Zero) for d in out]
    bad = [n for d in out for n in sympy.preorder_traversal(d) if isinstance(n, sympy.Derivative)]
    if bad:
        raise ValueError(f"expr: SymPy cannot differentiate {bad[0].expr} symbolically, so there is no reference")
    return out


def kink_sets(expr) -> list[tuple[str, tuple]]:
    """Switching sets of the non-smooth nodes: ("zero", (u,)) means u = 0, ("tie-max", args), ("cut", (y, x))."""
    out = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Abs | sympy.sign | sympy.Heaviside):
            out.append(("zero", (node.args[0],)))
        elif isinstance(node, sympy.floor | sympy.ceiling):
            u = node.args[0]
            out.append(("zero", (u - sympy.floor(u + sympy.S.Half),)))
        elif isinstance(node, sympy.Min | sympy.Max):
            out.append(("tie-max" if isinstance(node, sympy.Max) else "tie-min", node.args))
        elif isinstance(node, sympy.Piecewise):
            for _, cond in node.args:
                out += [("zero", (r.lhs - r.rhs,)) for r in cond.atoms(sympy.core.relational.Relational)]
        elif isinstance(node, sympy.atan2):
            out.append(("cut", node.args))
    return [k for k in dict.fromkeys(out) if not all(a.is_number for a in k[1])]


def _numpy_ready(e):
    # zoo (and nan) as a call, not a number: SymPy's printer sorts factors by comparing them, and a nan
    # factor makes that comparison raise "Invalid NaN comparison"
    e = e.xreplace({sympy.zoo: _NAN(), sympy.nan: _NAN()}).replace(sympy.Heaviside, lambda u, *h: _HEAVISIDE(u))
    return e.replace(sympy.Max, lambda *a: _MAX(*a)).replace(sympy.Min, lambda *a: _MIN(*a))


def lambdify(symbols, exprs, n):
    fn = sympy.lambdify(symbols, [_numpy_ready(e) for e in exprs], [_NUMPY, "scipy", "numpy"])

    def evaluate(columns):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = fn(*columns)
        return np.stack([np.broadcast_to(np.asarray(v, dtype=np.complex128), (n,)) for v in values])

    return evaluate


def _near_zero(u, scale):
    return np.abs(u) <= _KINK_RTOL * (1 + scale)


def _jets(args, symbols, order, columns, on):
    """Derivatives of each argument up to ``order`` at the points ``on``: shape (n_args, n_derivatives, n_on)."""
    k = int(on.sum())
    try:
        exprs = [d for a in args for d in derivatives(a, symbols, order)]
    except ValueError:  # no symbolic derivative: keep the points as switching points
        return None
    return lambdify(symbols, exprs, k)(columns[:, on]).real.reshape(len(args), -1, k)


@np.errstate(all="ignore")  # inf - inf at poles: NaN, never a switching point
def kinks(kinks, symbols, order, columns, n) -> np.ndarray:
    """Points on a switching set where the switch matters to the first ``order`` derivatives.

    Where the switching quantity vanishes together with its derivatives up to ``order`` (a flat region,
    as ``Abs(Heaviside(x))`` for x < 0, or tied ``Max`` arguments with equal derivatives) nothing switches.
    """
    on = np.zeros(n, dtype=bool)
    for kind, args in kinks:
        v = lambdify(symbols, args, n)(columns).real
        if kind.startswith("tie"):  # the two largest (Max) or smallest (Min) arguments are equal
            extreme = v.max(axis=0) if kind == "tie-max" else v.min(axis=0)
            tied = _near_zero(v - extreme, np.abs(v) + np.abs(extreme))
            hit = tied.sum(axis=0) >= 2
        elif kind == "zero":
            hit = _near_zero(v[0], np.abs(columns).max(axis=0) if len(columns) else 0)
        else:  # atan2(y, x): the cut y = 0, x <= 0
            hit = _near_zero(v[0], np.abs(v[1])) & (v[1] <= 0)
        if hit.any():
            jets = _jets(args if kind.startswith("tie") else args[:1], symbols, order, columns, hit)
            if jets is not None and kind.startswith("tie"):
                mask = tied[:, hit][:, None, :]
                spread = np.where(mask, jets, -np.inf).max(axis=0) - np.where(mask, jets, np.inf).min(axis=0)
                flat = _near_zero(spread, 0).all(axis=0)
            elif jets is not None:
                flat = _near_zero(jets[0], 0).all(axis=0)
            else:
                flat = np.zeros(int(hit.sum()), dtype=bool)
            hit[hit] = ~flat
        on |= hit
    return on
