"""The entry point :func:`solve_qp`: equality-only problems through their KKT system, everything else by the
batched interior-point method (:mod:`sciml.qp._interior`), polished on its active set (:mod:`sciml.qp._active`)
and differentiable through an implicit-function ``autograd.Function``.
"""

from __future__ import annotations

import math

import torch

from sciml._validation import as_tensor, check_bool, check_int, check_real
from sciml.qp import _active
from sciml.qp import _residuals as R
from sciml.qp._equality import SEVERITY, QPResult, QPStatus, QPWarning, _inputs, solve_equality
from sciml.qp._interior import interior_point
from sciml.qp._scaling import equilibrate, scale_point, unscale
from sciml.results import conclude

#: internal loop outcome → public status
_PUBLIC = {R.Code.SOLVED: QPStatus.OPTIMAL, R.Code.PRIMAL_INFEASIBLE: QPStatus.INFEASIBLE,
           R.Code.DUAL_INFEASIBLE: QPStatus.UNBOUNDED, R.Code.MAX_ITER: QPStatus.MAX_ITER,
           R.Code.NUMERICAL: QPStatus.NONFINITE}
#: eigenvalues of Q down to −CONVEXITY_TOL · ‖Q‖₂ count as rounding of a semidefinite Q (the Maros–Meszaros
#: problem VALUES, stored to 8 digits, has −1.2e-6)
CONVEXITY_TOL = 1e-5
#: what the statuses of the interior-point path mean (the others: :data:`sciml.qp._equality.MESSAGES`)
MESSAGES = {
    "OPTIMAL": "optimal: the primal residual, the dual residual and the duality gap meet the tolerance",
    "INFEASIBLE": "primal infeasible: no x satisfies the constraints; result.certificate holds a checked Farkas "
                  "ray (λ, μ, μ_lb, μ_ub); x and the multipliers are NaN; check A, b, G, h, lb, ub",
    "UNBOUNDED": "unbounded (dual infeasible): the objective decreases without bound on the feasible set along "
                 "the checked ray result.certificate[..., :n]; x and the multipliers are NaN; add constraints or "
                 "curvature",
}
#: a result within this many times the tolerance is INACCURATE rather than a failure
LOOSE = 1e3


def _side(value, name, n, like, forbidden):
    """lb, ub or h as a tensor; a scalar bound applies to every variable; ``forbidden`` infinity refused."""
    t = as_tensor(value, name, dtype=like.dtype, device=like.device, real=True, finite=False)
    if bool(torch.isnan(t).any()):
        raise ValueError(f"{name} contains NaN entries; give a number, or ±inf for a side with no constraint")
    if bool((t == forbidden).any()):
        raise ValueError(f"{name} contains {forbidden}: that constraint can never hold; use {-forbidden} for "
                         "a side with no constraint")
    if t.dim() == 0 and name != "h":
        t = t.expand(n)
    return t


def _ineq_inputs(Q, c, A, b, G, h, lb, ub, dtype, device):
    Q, c, A, b, batch = _inputs(Q, c, A, b, dtype, device)
    n = Q.shape[-1]
    if (G is None) != (h is None):
        raise ValueError(f"{'h' if G is not None else 'G'} is missing: give both G and h for Gx ≤ h, or neither")
    if G is None:
        G, h = Q.new_zeros(0, n), Q.new_zeros(0)
    else:
        G = as_tensor(G, "G", dtype=Q.dtype, device=Q.device, real=True)
        G = G.unsqueeze(0) if G.dim() == 1 else G
        if G.shape[-1] != n:
            raise ValueError(f"G must have shape (..., p, {n}) to match Q of shape {tuple(Q.shape[-2:])}, "
                             f"got {tuple(G.shape)}")
        h = _side(h, "h", n, Q, -math.inf)
        h = h.unsqueeze(0) if h.dim() == 0 else h
        if h.shape[-1] != G.shape[-2]:
            raise ValueError(f"h must have shape (..., {G.shape[-2]}), one entry per row of G (shape "
                             f"{tuple(G.shape)}), got {tuple(h.shape)}")
    lb = Q.new_full((n,), -math.inf) if lb is None else _side(lb, "lb", n, Q, math.inf)
    ub = Q.new_full((n,), math.inf) if ub is None else _side(ub, "ub", n, Q, -math.inf)
    for name, v in (("lb", lb), ("ub", ub)):
        if v.shape[-1] != n:
            raise ValueError(f"{name} must have shape (..., {n}), one bound per variable, got {tuple(v.shape)}")
    try:
        batch = torch.broadcast_shapes(batch, G.shape[:-2], h.shape[:-1], lb.shape[:-1], ub.shape[:-1])
    except RuntimeError:
        raise ValueError(f"the batch dimensions of Q {tuple(Q.shape)}, G {tuple(G.shape)}, h {tuple(h.shape)}, "
                         f"lb {tuple(lb.shape)} and ub {tuple(ub.shape)} do not broadcast; give matching leading "
                         "dimensions") from None
    if bool((lb > ub).any()):
        raise ValueError("lb > ub for some variable: every lower bound must be at most its upper bound "
                         "(the problem would be trivially infeasible)")
    p, q = A.shape[-2], G.shape[-2]
    shapes = ((n, n), (n,), (p, n), (p,), (q, n), (q,), (n,), (n,))
    return [t.expand(*batch, *s) for t, s in zip((Q, c, A, b, G, h, lb, ub), shapes, strict=True)], batch


def _check_convex(Q):
    Q = Q.detach()
    # a Cholesky factor of Q + tol·max|Q_ij|·I proves λ_min ≥ −tol·‖Q‖₂ (max|Q_ij| ≤ ‖Q‖₂): the cheap common case
    shift = CONVEXITY_TOL * Q.abs().amax((-2, -1)).clamp(min=1.0)
    eye = torch.eye(Q.shape[-1], dtype=Q.dtype, device=Q.device)
    if not bool(torch.linalg.cholesky_ex(Q + shift[..., None, None] * eye).info.any()):
        return
    w = torch.linalg.eigvalsh(Q)
    scale = w.abs().amax(-1).clamp(min=1.0)
    bad = w[..., 0] < -CONVEXITY_TOL * scale
    if bool(bad.any()):
        worst = float((w[..., 0] / scale).min())
        raise ValueError(f"Q is not positive semidefinite (smallest eigenvalue {worst:.3g} relative to ‖Q‖): the "
                         "problem is not convex and solve_qp only solves convex QPs; check the sign of Q")


class _Solution:
    """What the forward pass computed without a graph: the point and the active-set factors."""

    def __init__(self, point, factors, ok):
        self.point, self.factors, self.ok = point, factors, ok


class _KKTFunction(torch.autograd.Function):
    """(x, y, z, z_l, z_u) as a function of (Q, c, A, b, G, h, lb, ub), differentiated through the active-set
    KKT system at the solution (:func:`sciml.qp._active.input_gradients`)."""

    @staticmethod
    def forward(ctx, sol, Q, c, A, b, G, h, lb, ub):
        ctx.sol = sol
        ctx.save_for_backward(Q, A, G)
        return tuple(t.clone() for t in sol.point)

    @staticmethod
    def backward(ctx, gx, gy, gz, gzl, gzu):
        sol = ctx.sol
        Q, A, G = ctx.saved_tensors
        x, y, z, _, _ = sol.point
        _, act_l, act_u = sol.factors.act
        gx, gy, gz, gzl, gzu = (torch.zeros_like(t) if g is None else g
                                for g, t in zip((gx, gy, gz, gzl, gzu), sol.point, strict=True))
        # z_l = r on active lower bounds, z_u = −r on active upper ones, with r = Qx + c + Aᵀy + Gᵀz
        w = gzl.where(act_l, 0.0) - gzu.where(act_u, 0.0)
        d = R.Data(Q, None, A, None, G, None, None, None, None, None, None)
        grads = _active.input_gradients(d, sol.factors, x, y, z, gx + R._mv(Q, w), gy + R._mv(A, w),
                                        gz + R._mv(G, w))
        grads["Q"] = grads["Q"] + w.unsqueeze(-1) * x.unsqueeze(-2)
        grads["c"] = grads["c"] + w
        grads["A"] = grads["A"] + y.unsqueeze(-1) * w.unsqueeze(-2)
        grads["G"] = grads["G"] + z.unsqueeze(-1) * w.unsqueeze(-2)
        keep = sol.ok
        out = [torch.where(keep.view(-1, *[1] * (g.dim() - 1)), g, 0.0).nan_to_num() if g is not None else None
               for g in (grads[k] for k in ("Q", "c", "A", "b", "G", "h", "lb", "ub"))]
        return (None, *out)


def _classify(code, ratio):
    """Public status codes from the loop's outcome and the final tolerance ratio."""
    infeasible = (code == R.Code.PRIMAL_INFEASIBLE) | (code == R.Code.DUAL_INFEASIBLE)
    out = code.clone()
    for internal, public in _PUBLIC.items():
        out[code == internal] = int(public)
    out = torch.where(~infeasible & (ratio <= 1.0), int(QPStatus.OPTIMAL), out)
    loose = ~infeasible & (ratio > 1.0) & (ratio <= LOOSE)
    return torch.where(loose, int(QPStatus.INACCURATE), out)


def solve_qp(Q, c, A=None, b=None, G=None, h=None, *, lb=None, ub=None, eps_abs=1e-9, eps_rel=0.0,
             max_iter: int = 100, x0=None, lam0=None, mu0=None, polish=True, rtol=None, dtype=None,
             device=None, throw: bool = False) -> QPResult:
    """Minimize a convex quadratic subject to linear equalities, inequalities and bounds.

    .. math:: \\min_x \\tfrac12 x^T Q x + c^T x \\quad \\text{s.t.} \\quad A x = b,\\quad G x \\le h,\\quad
              \\text{lb} \\le x \\le \\text{ub}

    Without ``G, h, lb, ub`` the KKT system of the Lagrangian :math:`L = f + \\lambda^T (A x - b)`,

    .. math:: \\begin{pmatrix} Q & A^T \\\\ A & 0 \\end{pmatrix}
              \\begin{pmatrix} x \\\\ \\lambda \\end{pmatrix} = \\begin{pmatrix} -c \\\\ b \\end{pmatrix},

    is solved directly, and singular ones are diagnosed (infeasible, unbounded, non-unique). Otherwise a
    batched primal–dual interior-point method (Mehrotra predictor–corrector, Ruiz equilibration, proximal
    regularization, so that a semidefinite ``Q``, a redundant or rank-deficient ``A`` and free variables need no
    special case) meets the KKT conditions

    .. math:: Qx + c + A^T\\lambda + G^T\\mu - \\mu_{lb} + \\mu_{ub} = 0,\\quad \\mu, \\mu_{lb}, \\mu_{ub} \\ge 0,
              \\quad \\mu_i (h - Gx)_i = 0,\\ \\dots

    and an active-set polish solves the KKT system of the constraints it found active, to rounding accuracy.
    "Optimal" means that the primal residual, the dual residual **and** the duality gap are each at most
    ``eps_abs + eps_rel · scale`` (qpbenchmark's definitions, see :class:`QPResult`); ``INFEASIBLE`` and
    ``UNBOUNDED`` are reported only with a certificate that passed its check (``result.certificate``).

    Parameters
    ----------
    Q : (..., n, n) tensor-like
        Hessian of the objective, positive semidefinite; only its symmetric part ``(Q + Qᵀ)/2`` is used (a
        non-symmetric ``Q`` is symmetrized). An indefinite ``Q`` is refused with a ``ValueError``.
    c : (..., n) tensor-like
        Linear term.
    A, b : (..., m, n) and (..., m) tensor-like, optional
        Equality constraints ``A x = b``; may be rank-deficient or redundant.
    G, h : (..., p, n) and (..., p) tensor-like, optional
        Inequality constraints ``G x ≤ h``; ``h = +inf`` drops a row.
    lb, ub : (..., n) tensor-like or float, optional
        Bounds on ``x``; ``±inf`` (the default) for none; a number applies to every variable.
    eps_abs, eps_rel : float
        Absolute and relative tolerances of the residuals and the gap (default ``1e-9`` and ``0``, qpbenchmark's
        "high accuracy").
    max_iter : int
        Limit on interior-point iterations.
    x0, lam0, mu0 : tensor-like, optional
        Warm start: a primal point and multipliers of ``A x = b`` and ``G x ≤ h``.
    polish : bool or "needed"
        The active-set polish: True (default) for every element, so that ``x`` and the multipliers are exact to
        rounding rather than to the tolerance; ``"needed"`` only for the elements the interior-point method
        left outside the tolerance (about a seventh less time on a large batch of small problems); False for
        none.
    rtol : float, optional
        Rank tolerance of the equality-only path (see there).
    dtype, device : optional
        Default to the inputs' (float64 for lists and arrays).
    throw : bool
        Raise :class:`~sciml.results.ConvergenceError` instead of returning a failed result.

    Returns
    -------
    QPResult
        ``x``, ``fun``, ``lam``, ``mu``, ``mu_lb``, ``mu_ub``, ``status`` (:class:`QPStatus`, one per batch
        element), ``primal_residual``, ``dual_residual``, ``gap``, ``kkt_residual``, ``nit``, ``certificate``.
        ``x`` and the multipliers are differentiable in every input (implicit differentiation of the active-set
        KKT system; a weakly active constraint counts as inactive, the one-sided derivative). Infeasible and
        unbounded problems have NaN ``x`` and a certificate; one bad element never fails the others.

    Examples
    --------
    >>> r = solve_qp([[2.0, 0.0], [0.0, 4.0]], [1.0, 1.0], [[1.0, 1.0]], [1.0])
    >>> r.x, r.lam
    (tensor([0.6667, 0.3333], dtype=torch.float64), tensor([-2.3333], dtype=torch.float64))
    >>> r = solve_qp([[2.0, 0.0], [0.0, 2.0]], [-2.0, -2.0], G=[[1.0, 1.0]], h=[1.0], lb=0.0)
    >>> r.status, [round(v, 12) for v in r.x.tolist()], round(float(r.mu), 12), float(r.gap) < 1e-9
    (<QPStatus.OPTIMAL: 0>, [0.5, 0.5], 1.0, True)

    References
    ----------
    S. Mehrotra, "On the implementation of a primal-dual interior point method", SIAM J. Optim. 2 (1992).
    A. Altman, J. Gondzio, "Regularized symmetric indefinite systems in interior point methods for linear and
    quadratic optimization", Optim. Methods Softw. 11 (1999). B. Amos, J. Z. Kolter, "OptNet: differentiable
    optimization as a layer in neural networks", ICML 2017. S. Caron et al., qpbenchmark (2024).
    """
    throw = check_bool(throw, "throw")
    if G is None and h is None and lb is None and ub is None:
        return solve_equality(Q, c, A, b, rtol=rtol, dtype=dtype, device=device, throw=throw, stacklevel=3)
    if isinstance(polish, str):
        if polish != "needed":
            raise ValueError(f"polish must be True, False or 'needed', got {polish!r}")
    else:
        polish = check_bool(polish, "polish")
    eps_abs = check_real(eps_abs, "eps_abs", low=0)
    eps_rel = check_real(eps_rel, "eps_rel", low=0)
    if eps_abs == 0 and eps_rel == 0:
        raise ValueError("eps_abs and eps_rel are both 0: give a positive tolerance (e.g. eps_abs=1e-9)")
    max_iter = check_int(max_iter, "max_iter", low=0)
    tensors, batch = _ineq_inputs(Q, c, A, b, G, h, lb, ub, dtype, device)
    Q = tensors[0] = (tensors[0] + tensors[0].mT) / 2
    _check_convex(Q)
    n, m, p = Q.shape[-1], tensors[2].shape[-2], tensors[4].shape[-2]
    size = math.prod(batch)
    flat = _fix_variables([t.reshape(size, *t.shape[len(batch):]) for t in tensors])
    with torch.no_grad():
        data = R.make_data(*(t.detach() for t in flat))
        scaled, factors = equilibrate(data)
        warm = _warm(x0, lam0, mu0, factors, batch, size, n, m, p, Q)
        point = interior_point(scaled, eps_abs=eps_abs, eps_rel=eps_rel, max_iter=max_iter, warm=warm,
                               original=data, factors=factors)
        code, nit, cert = point[5], point[6], point[7]
        point = point[:5]
        point = (_active.polish_batch(data, scaled, factors, point, code, eps_abs, eps_rel, polish is True) if polish
                 else unscale(factors, *point))
        meas = R.measure(data, *point)
        status = _classify(code, R.tolerance_ratio(meas, eps_abs, eps_rel))
        infeasible = (status == int(QPStatus.INFEASIBLE)) | (status == int(QPStatus.UNBOUNDED))
        point = tuple(t.masked_fill(infeasible.unsqueeze(-1), math.nan) for t in point)
    if torch.is_grad_enabled() and any(t.requires_grad for t in flat):
        act = _active.active_sets(data, point[0], point[2], point[3], point[4])
        kkt = _active.Factors(_active.kkt_matrix(data, *act), *act)
        x, lam, mu, mu_lb, mu_ub = _KKTFunction.apply(_Solution(point, kkt, ~infeasible), *flat)
    else:
        x, lam, mu, mu_lb, mu_ub = point
    x, lam, mu, mu_lb, mu_ub = _unfix(m, x, lam, mu, mu_lb, mu_ub)
    x, lam, mu, mu_lb, mu_ub = (t.reshape(*batch, t.shape[-1]) for t in (x, lam, mu, mu_lb, mu_ub))
    Qb, cb = tensors[0], tensors[1]
    fun = 0.5 * (x * (Qb @ x.unsqueeze(-1)).squeeze(-1)).sum(-1) + (cb * x).sum(-1)
    meas = {k: v.masked_fill(infeasible, math.nan).reshape(batch) for k, v in meas.items()}
    if flat[2].shape[-2] > m:  # the Farkas ray of the fixed-variable rows goes back to their bounds
        y_, z_, zl_, zu_ = cert.primal.split([flat[2].shape[-2], p, n, n], -1)
        cert.primal = torch.cat(_unfix(m, x, y_, z_, zl_, zu_)[1:], -1)
    certificate = torch.where((status == int(QPStatus.INFEASIBLE)).unsqueeze(-1), cert.primal,
                              torch.nn.functional.pad(cert.dual, (0, m + p + n), value=math.nan))
    status = status.reshape(batch)
    present = set(status.reshape(-1).tolist())
    worst = max((s for s in SEVERITY if int(s) in present), key=SEVERITY.index, default=QPStatus.OPTIMAL)
    message = MESSAGES.get(worst.name, worst.hint)
    if batch and worst != QPStatus.OPTIMAL:
        message = f"{int((status == worst).sum())} of {status.numel()} problems have status {int(worst)} " \
                  f"({worst.name}): {message}"
    result = QPResult(
        x=x, fun=fun, lam=lam, success=worst.success, status=status if batch else worst, message=message,
        kkt_residual=torch.stack([meas["primal"], meas["dual"], meas["gap"]]).amax(0), mu=mu, mu_lb=mu_lb,
        mu_ub=mu_ub, primal_residual=meas["primal"], dual_residual=meas["dual"], gap=meas["gap"],
        nit=nit.reshape(batch), certificate=certificate.reshape(*batch, -1))
    return conclude(result, throw=throw, category=QPWarning)


def _fix_variables(flat):
    """Variables with ``lb == ub`` as equality rows ``x_j = lb_j`` appended to ``A`` (zero rows elsewhere), their
    bounds dropped: two bounds with no interior between them stall an interior-point method."""
    Q, c, A, b, G, h, lb, ub = flat
    fixed = (lb == ub).detach()
    if not bool(fixed.any()):
        return flat
    rows = torch.diag_embed(fixed.to(Q.dtype))
    A, b = torch.cat([A, rows], -2), torch.cat([b, lb.where(fixed, 0.0)], -1)
    return [Q, c, A, b, G, h, lb.where(~fixed, -math.inf), ub.where(~fixed, math.inf)]


def _unfix(m, x, lam, mu, mu_lb, mu_ub):
    """The multipliers of the rows of :func:`_fix_variables` back as those of the bounds (``μ_ub − μ_lb = y``)."""
    if lam.shape[-1] == m:
        return x, lam, mu, mu_lb, mu_ub
    lam, y = lam[..., :m], lam[..., m:]
    return x, lam, mu, mu_lb + (-y).clamp(min=0), mu_ub + y.clamp(min=0)


def _warm(x0, lam0, mu0, factors, batch, size, n, m, p, Q):
    """The warm start in the scaled variables, or None."""
    if x0 is None and lam0 is None and mu0 is None:
        return None
    given = []
    for value, name, k in ((x0, "x0", n), (lam0, "lam0", m), (mu0, "mu0", p)):
        if value is None:
            given.append(None)
            continue
        t = as_tensor(value, name, dtype=Q.dtype, device=Q.device, real=True)
        if t.shape[-1:] != (k,):
            raise ValueError(f"{name} must have shape (..., {k}), got {tuple(t.shape)}")
        given.append(t.expand(*batch, k).reshape(size, k))
    m_rows = factors[1].shape[-1]  # m, or m + n with fixed variables as rows
    if given[1] is not None and m_rows > m:
        given[1] = torch.nn.functional.pad(given[1], (0, m_rows - m))
    ones = [torch.ones(size, k, dtype=Q.dtype, device=Q.device) for k in (n, m_rows, p, n, n)]
    parts = [g if g is not None else o for g, o in zip(given, ones, strict=False)] + ones[3:]
    xs, ys, zs, _, _ = scale_point(factors, *parts)
    return (xs if x0 is not None else None, ys if lam0 is not None else None, zs if mu0 is not None else None)
