"""Checking the derivatives of a torch callable against ``sympy.diff``: :func:`verify` and its report.

The reference is independent of the code under test: SymPy differentiates the expression, ``sympy.lambdify``
turns the derivatives into NumPy/SciPy code (vectorised over the points, so a thousand expressions take
seconds), and entries that disagree with the torch callable beyond tolerance are evaluated again by SymPy
itself at the exact binary value of the point, to 30 digits (``evalf``), so that a failure is never an
artefact of the float64 reference's own rounding. Nothing goes through :func:`sciml.calculus.to_torch`.

Points where a derivative does not exist are found symbolically: the switching sets of the expression's
non-smooth nodes, an ``Abs``/``sign``/``Heaviside`` argument at zero (``floor``/``ceiling`` at an integer),
a tie between the extreme arguments of ``Min``/``Max``, a ``Piecewise`` condition on its boundary
(a relation's two sides equal), the branch cut of ``atan2`` (:math:`y = 0,\\ x \\le 0`). "At" means within
``1e-12`` relative rounding of the float64 evaluation. A point there is exempt when the switching quantity
is flat to the order checked (its derivatives up to ``order`` vanish, or tied ``Min``/``Max`` arguments have
equal ones): ``Abs(Heaviside(x))`` at x < 0 or ``Max(x, sin(x))`` at 0 are differentiable. Otherwise the
point is skipped and counted, as is a point where the expression or a derivative is not finite in real
arithmetic (a pole, the log of a negative). The rule is conservative: a ``Piecewise`` boundary where the
branches happen to join smoothly, or :math:`|x|^3` (``Abs(x)**3`` in SymPy) at 0, is reported too; it is
lenient only at degenerate zeros of a step's argument (``sign(x**2)`` at 0 for ``order=1``). Random points
almost never land on either.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import sympy
import torch

from sciml._validation import as_tensor, check_real
from sciml.calculus._reference import derivatives, kink_sets, kinks, lambdify
from sciml.calculus._sympy_bridge import _symbol_names
from sciml.expressions import parse
from sciml.results import Result, status_enum

NOT_FINITE = "reference not finite"
NO_DERIVATIVE = "derivative does not exist"
_RECHECK_MAX = 64  # entries re-evaluated by SymPy at 30 digits when the float64 reference disagrees
_CONDITION_FACTOR = 10  # torch may be off by 10x the float64 evaluation of SymPy's own formula there
_DEFAULT_TOL = {torch.float64: (1e-8, 1e-10), torch.float32: (1e-3, 1e-4), torch.float16: (3e-2, 3e-2)}


DerivativeStatus = status_enum(
    "DerivativeStatus", "SUCCESS MISMATCH NOTHING_CHECKED", module=__name__,
    doc="""How a :func:`verify` check ended (codes of :class:`sciml.results.Status`): ``SUCCESS`` (every checked point
    agrees), ``MISMATCH`` (a derivative disagrees with SymPy), ``NOTHING_CHECKED`` (no point could be checked: none
    of the domain is where the expression and its derivatives are real and finite).""")


@dataclasses.dataclass(repr=False)
class DerivativeReport(Result):
    """The outcome of :func:`verify`.

    Attributes
    ----------
    passed : bool
        At least one point was checked, and at every checked point each compared quantity (the value,
        the gradient, and the Hessian for ``order=2``) satisfies :math:`|a - r| \\le atol + rtol\\,|r|`
        (:math:`a` from torch, :math:`r` the SymPy reference).
    max_abs_error : float
        :math:`\\max |a - r|` over the checked points and quantities.
    max_rel_error : float
        :math:`\\max |a - r| / \\max(|r|, 1)`: relative for large entries, absolute for small ones.
    n_points : int
        Points checked.
    n_skipped : int
        Points skipped; ``skipped`` gives the reasons.
    worst_point : dict
        Variable name → value at the entry nearest to failing (largest :math:`|a - r| / (atol + rtol|r|)`);
        ``worst_quantity`` names the entry (``"f"``, ``"d/dx"``, ``"d2/dxdy"``).
    order : int
        1 (value and gradient) or 2 (also the Hessian).
    skipped : dict
        Reason → number of points: ``"derivative does not exist"`` (on a switching set of a non-smooth
        node), ``"reference not finite"`` (the expression or a derivative is not finite there).
    rtol, atol : float
        The tolerances used.
    message : str
    status : DerivativeStatus
        ``SUCCESS``, ``MISMATCH`` or ``NOTHING_CHECKED`` (then ``passed`` is false, the errors are NaN, and the
        message names the domain asked for and says to pass ``domain=``).
    domain : dict or None
        Variable name → ``(lo, hi)``, where the random points were drawn (``None`` for explicit points).
    """

    passed: bool
    max_abs_error: float
    max_rel_error: float
    n_points: int
    n_skipped: int
    worst_point: dict
    worst_quantity: str
    order: int
    skipped: dict
    rtol: float
    atol: float
    message: str
    status: DerivativeStatus = DerivativeStatus.SUCCESS
    domain: dict | None = None


def _symbols(expr, variables):
    names = _symbol_names(variables)
    if not names:
        raise ValueError("variables must name at least one variable, e.g. ['x', 'y']")
    expr = parse(expr, where="expr", symbols=names)
    if not isinstance(expr, sympy.Expr):
        raise TypeError(f"expr must be a scalar SymPy expression or string, got {type(expr).__name__}")
    # symbols without assumptions are taken real, so that d|u|/du = sign(u)
    real = {s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols if s.is_real is None}
    by_name = {s.name: s for s in expr.free_symbols}
    symbols = [real.get(by_name.get(n), by_name.get(n)) or sympy.Symbol(n, real=True) for n in names]
    return expr.xreplace(real), names, symbols


def _points(points, domain, names, generator, dtype, device) -> torch.Tensor:
    k = len(names)
    if isinstance(points, int) and not isinstance(points, bool):
        if points < 1:
            raise ValueError(f"points must be a positive number of random points or an (n, {k}) array, got {points}")
        if isinstance(domain, dict):
            missing = [n for n in names if n not in domain]
            if missing:
                raise ValueError(f"domain has no interval for {', '.join(missing)}; give every variable a (lo, hi)")
            bounds = [domain[n] for n in names]
        else:
            bounds = [domain] * k
        try:
            lo, hi = (torch.tensor([float(b[i]) for b in bounds], dtype=torch.float64) for i in (0, 1))
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"domain must be a (lo, hi) pair or a dict name -> (lo, hi), got {domain!r}") from None
        if not bool((lo < hi).all() and torch.isfinite(lo).all() and torch.isfinite(hi).all()):
            raise ValueError(f"domain intervals must be finite with lo < hi, got {domain!r}")
        if generator is None:
            generator = torch.Generator().manual_seed(0)
        u = torch.rand(points, k, dtype=torch.float64, generator=generator)
        p = lo + (hi - lo) * u
    else:
        p = as_tensor(points, "points", dtype=torch.float64, device="cpu", ndim=(1, 2))
        if p.dim() == 1 and k == 1:
            p = p[:, None]
        if p.dim() != 2 or p.shape[1] != k or p.shape[0] == 0:
            raise ValueError(f"points must have shape (n, {k}) (one column per variable {names}), "
                             f"got shape {tuple(p.shape)}")
    return p.to(dtype).to(device=device)


def _tolerances(rtol, atol, dtype):
    d_rtol, d_atol = _DEFAULT_TOL.get(dtype, (1e-1, 1e-1))
    rtol, atol = (d_rtol if rtol is None else rtol), (d_atol if atol is None else atol)
    return check_real(rtol, "rtol", low=0), check_real(atol, "atol", low=0)



def _grads(y, xs, create):
    if not y.requires_grad:
        return [torch.zeros_like(y)] * len(xs)
    return torch.autograd.grad(y.sum(), xs, create_graph=create, retain_graph=True, allow_unused=True,
                               materialize_grads=True)


def _torch_quantities(f, p, order):
    """f, its gradient and (order 2) its upper Hessian at the points, by reverse over reverse mode."""
    cols = [p[:, i].detach().clone().requires_grad_(True) for i in range(p.shape[1])]
    with torch.enable_grad():
        out = f(*cols)
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"f must return a tensor, got {type(out).__name__}")
        try:
            out = out.expand(p.shape[0])
        except RuntimeError:
            raise ValueError(f"f must map {len(cols)} tensors of shape ({p.shape[0]},) to one of the same "
                             f"shape (pointwise, broadcasting), got shape {tuple(out.shape)}") from None
        grads = _grads(out, cols, order == 2)
        values = [out, *grads]
        if order == 2:
            values += [h for i, g in enumerate(grads) for h in _grads(g, cols[i:], False)]
    return torch.stack([v.detach() for v in values]).to(device="cpu", dtype=torch.float64).numpy()


def _high_precision(expr, symbols, point) -> float:
    exact = {s: sympy.Rational(float(v)) for s, v in zip(symbols, point, strict=True)}
    value = complex(expr.xreplace(exact).evalf(30))
    return value.real if value.imag == 0 and math.isfinite(value.real) else math.nan


def verify(f, expr, variables, *, order: int = 1, domain=(-2.0, 2.0), points=100, rtol: float | None = None,
           atol: float | None = None, generator: torch.Generator | None = None, dtype: torch.dtype = torch.float64,
           device=None) -> DerivativeReport:
    r"""Compare the autograd derivatives of ``f`` with ``sympy.diff(expr)`` at many points.

    At each point :math:`p` the value :math:`f(p)`, the gradient :math:`\partial f/\partial x_i` and, for
    ``order=2``, the Hessian :math:`\partial^2 f/\partial x_i \partial x_j` (:math:`i \le j`; reverse over
    reverse mode) computed by torch are compared with SymPy's symbolic derivatives evaluated by NumPy/SciPy;
    an entry passes when :math:`|a - r| \le atol + rtol\,|r|`. Disagreeing entries are re-evaluated by
    SymPy at 30 digits (up to 64 entries) before they count; there :math:`r` is the exact value, and
    :math:`10\,|r_{64} - r|` is added to the allowance, :math:`r_{64}` being the float64 evaluation of the
    same symbolic formula: a point where float64 itself cannot evaluate the derivative accurately (e.g.
    :math:`\sqrt{1 - \tanh^2 t}` at large :math:`t`) is ill-conditioned, not wrong. Points where a
    derivative does not exist or the reference is not finite are skipped (see the module docstring).

    Parameters
    ----------
    f : callable or ``torch.autograd.Function`` subclass
        ``f(*tensors)``, one tensor per variable, pointwise and broadcasting (like :func:`to_torch`'s result).
    expr : sympy expression or string
        What ``f`` computes. Its symbols must be among ``variables``; symbols without assumptions are real.
    variables : sequence of str or sympy.Symbol
        The argument order of ``f``. A variable absent from ``expr`` is allowed: its derivative must be 0.
    order : {1, 2}
    domain : (lo, hi) or dict name -> (lo, hi)
        Where random points are drawn uniformly (ignored for explicit points).
    points : int or array of shape (n, n_vars)
        The number of random points, or the points themselves.
    rtol, atol : float, optional
        Default ``rtol=1e-8, atol=1e-10`` for float64 (about :math:`10^8` and :math:`10^6` ulps: room for
        the rounding of two different float64 formulas, far below any wrong derivative term), ``1e-3, 1e-4``
        for float32.
    generator : torch.Generator, optional
        For the random points; default a generator seeded with 0, so reports are reproducible.
    dtype, device
        Where ``f`` is evaluated (floating dtypes only). The reference is always float64 on the CPU, at
        the points rounded to ``dtype``.

    Returns
    -------
    DerivativeReport

    Examples
    --------
    >>> from sciml.calculus import to_torch
    >>> report = verify(to_torch("x*sin(y) + Abs(x)", ["x", "y"]), "x*sin(y) + Abs(x)", ["x", "y"], order=2)
    >>> report.passed, report.n_points
    (True, 100)
    >>> verify(to_torch("1/x", ["x"]), "1/x", ["x"], points=[[0.0], [1.0]]).skipped
    {'reference not finite': 1}
    """
    if isinstance(f, type) and issubclass(f, torch.autograd.Function):
        f = f.apply
    if not callable(f):
        raise TypeError(f"f must be a callable f(*tensors) or a torch.autograd.Function subclass, got "
                        f"{type(f).__name__}; to check an expression's own conversion pass to_torch(expr, variables)")
    if order not in (1, 2) or isinstance(order, bool):
        raise ValueError(f"order must be 1 (gradient) or 2 (gradient and Hessian), got {order!r}")
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating torch dtype such as torch.float64, got {dtype!r}")
    if isinstance(points, torch.Tensor) and not (points.is_floating_point() or points.is_complex()):
        points = points.to(torch.float64)
    expr, names, symbols = _symbols(expr, variables)
    rtol, atol = _tolerances(rtol, atol, dtype)
    p = _points(points, domain, names, generator, dtype, device)
    n = p.shape[0]
    quantities = [expr, *derivatives(expr, symbols, order)]
    labels = ["f", *(f"d/d{a}" for a in names)] + [f"d2/d{a}d{b}" for i, a in enumerate(names) for b in names[i:]
                                                   if order == 2]
    columns = p.to(device="cpu", dtype=torch.float64).numpy().T
    ref = lambdify(symbols, quantities, n)(columns)
    finite = np.isfinite(ref).all(axis=0) & (ref.imag == 0).all(axis=0)
    ref = ref.real
    kink = kinks(kink_sets(expr), symbols, order, columns, n)
    checked = finite & ~kink
    skipped = {r: int(c) for r, c in ((NO_DERIVATIVE, kink.sum()), (NOT_FINITE, (~finite & ~kink).sum())) if c}
    got = _torch_quantities(f, p, order)[:, checked]
    ref, pts = ref[:, checked], columns[:, checked]
    with np.errstate(invalid="ignore"):
        err = np.where(np.isfinite(got), np.abs(got - ref), np.inf)
    bad = np.argwhere(err > atol + rtol * np.abs(ref))
    order_bad = np.argsort(-(err[tuple(bad.T)] / (atol + rtol * np.abs(ref[tuple(bad.T)]))))
    slack = np.zeros_like(ref)  # the float64 formula's own error where it was measured: ill-conditioning
    for q, j in bad[order_bad][:_RECHECK_MAX]:
        exact = _high_precision(quantities[q], symbols, pts[:, j])
        if math.isfinite(exact):
            slack[q, j] = _CONDITION_FACTOR * abs(ref[q, j] - exact)
            ref[q, j] = exact
            err[q, j] = abs(got[q, j] - exact) if math.isfinite(got[q, j]) else math.inf
    n_checked = int(checked.sum())
    asked = _asked(points, domain, names)
    if n_checked == 0:
        return DerivativeReport(False, math.nan, math.nan, 0, n, {}, "", order, skipped, rtol, atol,
                                _nothing_checked(n, skipped, asked, names), DerivativeStatus.NOTHING_CHECKED, asked)
    excess = err / (atol + rtol * np.abs(ref) + slack)
    q, j = np.unravel_index(np.argmax(excess), excess.shape)
    worst = {name: float(v) for name, v in zip(names, pts[:, j], strict=True)}
    passed = bool((excess <= 1).all())
    max_abs, max_rel = float(err.max()), float((err / np.maximum(np.abs(ref), 1)).max())
    if passed:
        message = f"derivatives agree with SymPy at {n_checked} points (max abs error {max_abs:.3g})"
    else:
        message = (f"{labels[q]} disagrees with SymPy at {worst}: torch {got[q, j]:.17g}, SymPy {ref[q, j]:.17g} "
                   f"(|error| {err[q, j]:.3g} > atol + rtol*|ref| = {atol + rtol * abs(ref[q, j]):.3g}); "
                   f"{int((excess > 1).any(axis=0).sum())} of {n_checked} points fail")
    return DerivativeReport(passed, max_abs, max_rel, n_checked, n - n_checked, worst, labels[q], order, skipped,
                            rtol, atol, message, DerivativeStatus.SUCCESS if passed else DerivativeStatus.MISMATCH,
                            asked)


def _asked(points, domain, names) -> dict | None:
    """The intervals the random points were drawn from, by name (``None`` for explicit points)."""
    if not isinstance(points, int) or isinstance(points, bool):
        return None
    bounds = [domain[n] for n in names] if isinstance(domain, dict) else [domain] * len(names)
    return {n: (float(b[0]), float(b[1])) for n, b in zip(names, bounds, strict=True)}


def _nothing_checked(n, skipped, asked, names) -> str:
    why = "; ".join(f"{reason} at {c}" for reason, c in skipped.items())
    where = (" of the domain " + ", ".join(f"{k} in [{lo:g}, {hi:g}]" for k, (lo, hi) in asked.items())
             if asked is not None else " given")
    example = ", ".join(f"{k!r}: (lo, hi)" for k in names)
    fix = (f"pass domain= where the expression is real and finite, e.g. domain={{{example}}}" if asked is not None
           else "pass points= where the expression is real and finite")
    return (f"nothing was checked: none of the {n} points{where} could be compared ({why}); this says nothing "
            f"about the derivatives: {fix}")
