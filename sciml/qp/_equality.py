"""Equality-constrained quadratic programs solved through their KKT system, with a diagnosis of ill-posed ones.

.. math:: \\min_x \\tfrac12 x^T Q x + c^T x \\quad \\text{s.t.} \\quad A x = b

A well-posed problem (``A`` of full row rank, ``Q`` positive definite on the null space of ``A``) has the
non-singular KKT system solved by ``torch.linalg.solve`` (LU), which keeps the answer differentiable in
``Q, c, A, b`` and batched. Anything else is classified from the SVD of ``A`` and the reduced Hessian
``Zᵀ Q Z`` (``Z`` a basis of the null space of ``A``) and reported in the result's ``status``.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import torch

from sciml._validation import as_tensor, check_bool, check_real, resolve_dtype
from sciml.results import ConvergenceWarning, Result, conclude, status_enum


class QPWarning(ConvergenceWarning):
    """The quadratic program is infeasible, unbounded or has no unique solution (see ``result.status``)."""


#: what each status means, and what to do
MESSAGES = {
    "OPTIMAL": "optimal: the KKT system is non-singular and x is the unique minimizer",
    "MULTIPLIERS_NOT_UNIQUE": (
        "x is the unique minimizer, but A has linearly dependent rows so the multipliers are not unique "
        "(the minimum-norm lam is returned); remove the redundant constraints"),
    "INFEASIBLE": (
        "infeasible: the equality constraints A x = b are inconsistent (b is not in the range of A); "
        "x and lam are NaN; check A and b"),
    "UNBOUNDED": (
        "unbounded: the objective decreases without bound on {x : A x = b} (Q has negative or zero "
        "curvature there along a descent direction); x and lam are NaN; check that Q is positive "
        "semidefinite on the null space of A"),
    "MINIMIZER_NOT_UNIQUE": (
        "the minimizer is not unique: Q is singular on the null space of A, so a whole affine set of "
        "points is optimal; the minimum-norm minimizer is returned; add a constraint or a regularization"),
    "MAX_ITER": (
        "the interior-point method reached max_iter before the residuals and the gap met the tolerance; the "
        "best iterate is returned: raise max_iter, loosen eps_abs/eps_rel, or rescale the problem"),
    "NONFINITE": (
        "numerical error: the Newton system became singular or non-finite before convergence; the best iterate "
        "is returned: rescale the problem (entries of very different magnitudes) or loosen the tolerance"),
    "INACCURATE": (
        "solved inaccurately: the residuals and the gap are within 1000 times the tolerance but not within it; "
        "x is close to optimal but not certified: see primal_residual, dual_residual and gap"),
}

QPStatus = status_enum(
    "QPStatus", "OPTIMAL SUCCESS MULTIPLIERS_NOT_UNIQUE MINIMIZER_NOT_UNIQUE INACCURATE MAX_ITER NONFINITE UNBOUNDED "
                "INFEASIBLE",
    module=__name__, hints=MESSAGES,
    doc="""Outcome of :func:`solve_qp` (codes of :class:`sciml.results.Status`; ``OPTIMAL`` is its ``SUCCESS``, and
    ``QPStatus.SUCCESS`` an alias of it).

    ``OPTIMAL`` and ``MULTIPLIERS_NOT_UNIQUE`` are successes; :data:`SEVERITY` orders the statuses from best to
    worst (a batch reports its worst). With inequalities: ``INFEASIBLE`` is primal infeasible and ``UNBOUNDED``
    dual infeasible (each with a checked certificate), ``INACCURATE`` solved to within 1000 times the tolerance,
    ``MAX_ITER`` and ``NONFINITE`` (numerical error) failures.
    """)

#: the statuses from best to worst
SEVERITY = (QPStatus.OPTIMAL, QPStatus.MULTIPLIERS_NOT_UNIQUE, QPStatus.MINIMIZER_NOT_UNIQUE, QPStatus.INACCURATE,
            QPStatus.MAX_ITER, QPStatus.NONFINITE, QPStatus.UNBOUNDED, QPStatus.INFEASIBLE)


@dataclasses.dataclass(repr=False)
class QPResult(Result):
    """Result of :func:`solve_qp`.

    Attributes
    ----------
    x : (..., n) tensor
        The minimizer (NaN where the problem is infeasible or unbounded).
    fun : (...) tensor
        The objective ``½ xᵀQx + cᵀx`` at ``x``.
    lam : (..., m) tensor
        Multipliers λ of ``A x = b`` for the Lagrangian ``L = f + λᵀ(Ax − b)``, so ``Qx + c + Aᵀλ = 0``
        and ``λ = −∂f*/∂b``. SciPy's ``trust-constr`` (``result.v``) uses the same sign.
    success : bool
        True when every problem of the batch has a unique minimizer (``OPTIMAL`` or ``MULTIPLIERS_NOT_UNIQUE``).
    status : QPStatus or (...) long tensor
        The :class:`QPStatus`; for batched input a tensor of codes, one per problem
        (``QPStatus.decode(result.status)`` gives the members).
    message : str
        What the status means and what to do, for the worst problem of a batch.
    kkt_residual : (...) tensor
        ``max(‖Qx + c + Aᵀλ‖∞, ‖Ax − b‖∞)`` (with inequalities: the largest of the three measures below).
    mu, mu_lb, mu_ub : (..., p), (..., n), (..., n) tensors, or None
        Multipliers ``≥ 0`` of ``Gx ≤ h``, ``lb ≤ x`` and ``x ≤ ub`` for the Lagrangian
        ``L = f + λᵀ(Ax − b) + μᵀ(Gx − h) + μ_lbᵀ(lb − x) + μ_ubᵀ(x − ub)`` (zero for infinite sides);
        ``None`` for an equality-only problem.
    primal_residual, dual_residual, gap : (...) tensors, or None
        qpbenchmark's measures: ``max(‖Ax − b‖∞, ‖(Gx − h)₊‖∞, ‖(lb − x)₊‖∞, ‖(x − ub)₊‖∞)``,
        ``‖Qx + c + Aᵀλ + Gᵀμ − μ_lb + μ_ub‖∞`` and ``|xᵀQx + cᵀx + bᵀλ + hᵀμ − lbᵀμ_lb + ubᵀμ_ub|``
        (``None`` for an equality-only problem).
    nit : (...) long tensor, or None
        Interior-point iterations per problem.
    certificate : (..., m + p + 2n) or (..., n) tensor, or None
        For ``INFEASIBLE`` problems the Farkas ray ``(λ, μ, μ_lb, μ_ub)``; for ``UNBOUNDED`` ones the ray ``d``
        along which the objective decreases without bound (in ``certificate[..., :n]``); each scaled to a
        largest entry of 1; NaN elsewhere.
    """

    x: torch.Tensor
    fun: torch.Tensor
    lam: torch.Tensor
    success: bool
    status: QPStatus | torch.Tensor
    message: str
    kkt_residual: torch.Tensor
    mu: torch.Tensor | None = None
    mu_lb: torch.Tensor | None = None
    mu_ub: torch.Tensor | None = None
    primal_residual: torch.Tensor | None = None
    dual_residual: torch.Tensor | None = None
    gap: torch.Tensor | None = None
    nit: torch.Tensor | None = None
    certificate: torch.Tensor | None = None


def _inputs(Q, c, A, b, dtype, device):
    for name, value in (("Q", Q), ("c", c)):
        if value is None:
            raise TypeError(f"{name} is required: solve_qp minimizes ½xᵀQx + cᵀx; pass Q (n×n) and c (n)")
    given = {name: value for name, value in (("Q", Q), ("c", c), ("A", A), ("b", b)) if value is not None}
    dtype = resolve_dtype(dtype, *given.values(), complex=False)
    tensors = {name: as_tensor(value, name, dtype=dtype, device=device, real=True) for name, value in given.items()}
    if ("A" in tensors) != ("b" in tensors):
        missing = "b" if "A" in tensors else "A"
        raise ValueError(f"{missing} is missing: give both A and b for constraints A x = b, or neither")
    Q = tensors["Q"]
    c = tensors["c"].to(Q.device)
    if Q.dim() < 2 or Q.shape[-1] != Q.shape[-2]:
        raise ValueError(f"Q must be a square matrix (or a batch of them) of shape (..., n, n), got {tuple(Q.shape)}")
    n = Q.shape[-1]
    if n == 0:
        raise ValueError("Q is 0×0: a quadratic program needs at least one variable")
    if c.dim() < 1 or c.shape[-1] != n:
        raise ValueError(f"c must have shape (..., {n}) to match Q of shape {tuple(Q.shape)}, got {tuple(c.shape)}")
    if "A" in tensors:
        A, b = tensors["A"].to(Q.device), tensors["b"].to(Q.device)
        if A.dim() == 1:
            A = A.unsqueeze(0)  # a single constraint row
        if A.shape[-1] != n:
            raise ValueError(f"A must have shape (..., m, {n}) to match Q of shape {tuple(Q.shape)}, "
                             f"got {tuple(A.shape)}")
        if b.dim() == 0:
            b = b.unsqueeze(0)
        if b.shape[-1] != A.shape[-2]:
            raise ValueError(f"b must have shape (..., {A.shape[-2]}), one entry per row of A (shape "
                             f"{tuple(A.shape)}), got {tuple(b.shape)}")
    else:
        A, b = Q.new_zeros(0, n), Q.new_zeros(0)  # no constraints: m = 0
    try:
        batch = torch.broadcast_shapes(Q.shape[:-2], c.shape[:-1], A.shape[:-2], b.shape[:-1])
    except RuntimeError:
        raise ValueError(f"the batch dimensions of Q {tuple(Q.shape)}, c {tuple(c.shape)}, A {tuple(A.shape)} "
                         f"and b {tuple(b.shape)} do not broadcast; give matching leading dimensions") from None
    m = A.shape[-2]
    return (Q.expand(*batch, n, n), c.expand(*batch, n), A.expand(*batch, m, n), b.expand(*batch, m), batch)


#: the cheap test of :func:`_well_posed` accepts λ_min(Q) and σ_min(A)² above this fraction of ‖Q‖_F, ‖A‖_F²
MARGIN = 1e-8


def _surely_well_posed(Q, A):
    """Mask of problems that two Cholesky factorizations prove well-posed with a wide margin: λ_min(Q) >
    MARGIN·‖Q‖_F bounds λ_min(ZᵀQZ) from below, λ_min(AAᵀ) > MARGIN·‖A‖_F² bounds σ_min(A) (rounding in the
    factorizations is far below the margin); False means "look closer" (:func:`_well_posed`)."""
    n, m = Q.shape[-1], A.shape[-2]
    shift = MARGIN * Q.square().sum((-2, -1)).sqrt().clamp(min=torch.finfo(Q.dtype).tiny)
    ok = torch.linalg.cholesky_ex(Q - shift[..., None, None] * torch.eye(n, dtype=Q.dtype, device=Q.device)).info == 0
    if m:
        shift = MARGIN * A.square().sum((-2, -1)).clamp(min=torch.finfo(Q.dtype).tiny)
        gram = A @ A.mT - shift[..., None, None] * torch.eye(m, dtype=Q.dtype, device=Q.device)
        ok &= (torch.linalg.cholesky_ex(gram).info == 0) & (m <= n)
    return ok


def _well_posed(Q, A, rtol):
    """Mask of problems with A of full row rank and Zᵀ Q Z positive definite (detached)."""
    if rtol <= MARGIN:  # the cheap proof is a proof for this rtol
        fast = _surely_well_posed(Q, A)
        if bool(fast.all()):
            return fast
    n, m = Q.shape[-1], A.shape[-2]
    if m > n:
        return torch.zeros(Q.shape[:-2], dtype=torch.bool, device=Q.device)
    if m == 0:
        Z = torch.eye(n, dtype=Q.dtype, device=Q.device).expand(*Q.shape[:-2], n, n)
        full_rank = torch.ones(Q.shape[:-2], dtype=torch.bool, device=Q.device)
    else:
        _, s, Vh = torch.linalg.svd(A, full_matrices=True)
        full_rank = s[..., -1] > rtol * s[..., 0]
        Z = Vh[..., m:, :].mT
    if Z.shape[-1] == 0:
        return full_rank
    H = Z.mT @ Q @ Z
    w = torch.linalg.eigvalsh((H + H.mT) / 2)
    scale = torch.linalg.matrix_norm(Q, ord=2)
    return full_rank & (w[..., 0] > rtol * scale)


def _diagnose(Q, c, A, b, rtol):
    """Status, x and lam of one ill-posed problem, from the SVD of A and the reduced Hessian."""
    n, m = Q.shape[-1], A.shape[-2]
    nan_x, nan_lam = torch.full_like(c, torch.nan), torch.full_like(b, torch.nan)
    if m:
        U, s, Vh = torch.linalg.svd(A, full_matrices=True)
        r = int((s > rtol * s[0]).sum()) if s[0] > 0 else 0
    else:
        U, s, Vh, r = A.new_zeros(0, 0), A.new_zeros(0), torch.eye(n, dtype=Q.dtype, device=Q.device), 0
    Ur, sr, Vr, Z = U[:, :r], s[:r], Vh[:r].mT, Vh[r:].mT
    x_p = Vr @ ((Ur.mT @ b) / sr)  # minimum-norm solution of A x = b
    eps = torch.finfo(Q.dtype).eps
    if m and torch.linalg.vector_norm(A @ x_p - b) > eps ** 0.5 * (s[0] * torch.linalg.vector_norm(x_p)
                                                                   + torch.linalg.vector_norm(b)):
        return QPStatus.INFEASIBLE, nan_x, nan_lam
    H, g = Z.mT @ Q @ Z, Z.mT @ (Q @ x_p + c)
    w, W = torch.linalg.eigh((H + H.mT) / 2)
    tol = rtol * torch.linalg.matrix_norm(Q, ord=2)
    flat = w <= tol
    g_flat = W[:, flat].mT @ g
    if (w < -tol).any() or torch.linalg.vector_norm(g_flat) > eps ** 0.5 * (
            torch.linalg.vector_norm(Q @ x_p) + torch.linalg.vector_norm(c)):
        return QPStatus.UNBOUNDED, nan_x, nan_lam
    Wp, wp = W[:, ~flat], w[~flat]
    x = x_p - Z @ (Wp @ ((Wp.mT @ g) / wp))
    lam = Ur @ ((Vr.mT @ -(Q @ x + c)) / sr)  # minimum-norm solution of Aᵀλ = −(Qx + c)
    status = QPStatus.MINIMIZER_NOT_UNIQUE if flat.any() else QPStatus.MULTIPLIERS_NOT_UNIQUE
    return status, x, lam


def solve_equality(Q, c, A=None, b=None, *, rtol=None, dtype=None, device=None, throw: bool = False,
                   stacklevel: int = 2) -> QPResult:
    """Minimize a quadratic subject to linear equality constraints (the path of :func:`sciml.qp.solve_qp`
    without inequalities or bounds; ``stacklevel`` points its warnings at the user's call).

    .. math:: \\min_x \\tfrac12 x^T Q x + c^T x \\quad \\text{s.t.} \\quad A x = b

    through the KKT system of the Lagrangian :math:`L = f + \\lambda^T (A x - b)`:

    .. math:: \\begin{pmatrix} Q & A^T \\\\ A & 0 \\end{pmatrix}
              \\begin{pmatrix} x \\\\ \\lambda \\end{pmatrix} = \\begin{pmatrix} -c \\\\ b \\end{pmatrix}

    Parameters
    ----------
    Q : (..., n, n) tensor-like
        Hessian of the objective; only its symmetric part ``(Q + Qᵀ)/2`` matters and is used.
    c : (..., n) tensor-like
        Linear term.
    A : (..., m, n) tensor-like, optional
        Constraint matrix (a 1-D ``A`` is a single constraint row); omit for an unconstrained problem.
    b : (..., m) tensor-like, optional
        Right-hand side; required with ``A``.
    rtol : float, optional
        Relative tolerance of the rank decisions (singular values of ``A`` against the largest, eigenvalues
        of ``Zᵀ Q Z`` against ``‖Q‖₂``); default ``10 · max(n, m) · eps``. Consistency of ``A x = b`` and
        boundedness along flat directions are judged with a relative ``sqrt(eps)``.
    dtype, device : optional
        Default to the inputs' (float64 for lists and arrays).
    throw : bool
        Raise :class:`~sciml.results.ConvergenceError` (the result attached) instead of returning a result
        with ``success=False``.

    Returns
    -------
    QPResult
        ``x``, ``fun``, ``lam`` (``Qx + c + Aᵀλ = 0``), ``success``, ``status`` (:class:`QPStatus`),
        ``message``, ``kkt_residual``. Leading dimensions are batch dimensions (broadcast). For well-posed
        problems ``x``, ``fun`` and ``lam`` are differentiable in ``Q, c, A, b``. Infeasible, unbounded or
        non-unique problems are reported in ``status`` with a :class:`QPWarning`, never as a silent answer.

    Examples
    --------
    >>> r = solve_equality([[2.0, 0.0], [0.0, 4.0]], [1.0, 1.0], [[1.0, 1.0]], [1.0])
    >>> r.x, r.lam
    (tensor([0.6667, 0.3333], dtype=torch.float64), tensor([-2.3333], dtype=torch.float64))
    """
    throw = check_bool(throw, "throw")
    rtol = check_real(rtol, "rtol", low=0, low_open=True, high=1, high_open=True, none=True)
    Q, c, A, b, batch = _inputs(Q, c, A, b, dtype, device)
    Q = (Q + Q.mT) / 2
    n, m = Q.shape[-1], A.shape[-2]
    if rtol is None:
        rtol = 10 * max(n, m) * torch.finfo(Q.dtype).eps
    with torch.no_grad():
        ok = _well_posed(Q.detach(), A.detach(), rtol)
    K = torch.cat([torch.cat([Q, A.mT], -1), torch.cat([A, Q.new_zeros(*batch, m, m)], -1)], -2)
    all_ok = bool(ok.all())
    if not all_ok:  # keep singular systems out of the LU (and its backward)
        K = torch.where(ok[..., None, None], K, torch.eye(n + m, dtype=Q.dtype, device=Q.device))
    sol = torch.linalg.solve_ex(K, torch.cat([-c, b], -1).unsqueeze(-1))[0].squeeze(-1)
    x, lam = sol[..., :n], sol[..., n:]
    status = torch.zeros(batch, dtype=torch.long, device=Q.device)
    if not all_ok:
        size = math.prod(batch)
        flat = [t.detach().reshape(size, *t.shape[len(batch):]) for t in (Q, c, A, b)]
        x_fix, lam_fix = x.detach().reshape(size, n).clone(), lam.detach().reshape(size, m).clone()
        status = status.reshape(-1)
        with torch.no_grad():
            for i in torch.nonzero(~ok.reshape(-1)).reshape(-1).tolist():
                code, x_fix[i], lam_fix[i] = _diagnose(*(t[i] for t in flat), rtol)
                status[i] = int(code)
        status, x_fix, lam_fix = status.reshape(batch), x_fix.reshape(x.shape), lam_fix.reshape(lam.shape)
        x, lam = torch.where(ok[..., None], x, x_fix), torch.where(ok[..., None], lam, lam_fix)
    fun = 0.5 * (x * (Q @ x.unsqueeze(-1)).squeeze(-1)).sum(-1) + (c * x).sum(-1)
    stationarity = (Q @ x.unsqueeze(-1)).squeeze(-1) + c + (A.mT @ lam.unsqueeze(-1)).squeeze(-1)
    kkt = stationarity.detach().abs().amax(-1)
    if m:
        kkt = torch.maximum(kkt, (A @ x.unsqueeze(-1)).squeeze(-1).detach().sub(b.detach()).abs().amax(-1))
    present = set(status.reshape(-1).tolist())
    worst = max((s for s in SEVERITY if int(s) in present), key=SEVERITY.index, default=QPStatus.OPTIMAL)
    success = worst.success
    message = worst.hint
    if batch and worst != QPStatus.OPTIMAL:
        count = int((status == worst).sum())
        message = f"{count} of {status.numel()} problems have status {int(worst)} ({worst.name}): {message}"
    result = QPResult(x=x, fun=fun, lam=lam, success=success, status=status if batch else worst, message=message,
                      kkt_residual=kkt)
    if success and worst is not QPStatus.OPTIMAL:  # a usable answer that still needs saying: warn, never raise
        warnings.warn(message, QPWarning, stacklevel=stacklevel)
    return conclude(result, throw=throw, category=QPWarning, stacklevel=stacklevel + 1)
