"""Levenberg–Marquardt for small nonlinear least-squares problems ``min ‖r(z)‖²``, every stop with a reason.

Each iteration takes the Jacobian ``J = ∂r/∂z`` once and solves the damped normal equations

.. math:: (J^\\top J + \\lambda I)\\,\\delta = -J^\\top r,

through the smaller of the two Gram matrices: when ``J`` has fewer rows than columns,
``δ = -Jᵀ w`` with ``(J Jᵀ + λ I) w = r``, by Cholesky. With ``scale=True`` the columns of ``J`` are
scaled to unit norm first (Marquardt's scaling, for parameters of very different magnitudes). A step is
accepted when the gain ratio ``ρ = (actual reduction)/(predicted reduction)`` is positive; then
``λ ← λ·max(1/3, 1 - (2ρ - 1)³)`` (Nielsen's rule), otherwise ``λ ← λ·ν`` with ``ν`` doubling, and the step
is solved again with the same ``J``.
Trial points whose residual is not finite count as rejected steps.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import torch

from sciml._validation import check_callable, check_int, check_real
from sciml.results import STOP_REASONS, ConvergenceWarning, Result, conclude, status_enum

LMStatus = status_enum(
    "LMStatus", "SUCCESS MAX_ITER NONFINITE NO_PROGRESS XTOL FTOL GTOL CALLBACK", module=__name__,
    doc="""Why :func:`levenberg_marquardt` stopped (codes of :class:`sciml.results.Status`); ``SUCCESS``, ``XTOL``,
    ``FTOL`` and ``GTOL`` are successes.""")


@dataclasses.dataclass(repr=False)
class LMState(Result):
    """What the optimizer passes to ``callback`` after each iteration (``x`` is not copied: do not modify)."""

    nit: int
    x: torch.Tensor
    fun: float
    lam: float

    # the names of earlier releases
    niter = property(lambda self: self.nit)
    z = property(lambda self: self.x)
    loss = property(lambda self: self.fun)


@dataclasses.dataclass(repr=False)
class LMResult(Result):
    """The outcome of :func:`levenberg_marquardt`: the final iterate ``x``, ``fun = ‖r(x)‖²`` and why the run
    stopped (``status``, an :class:`LMStatus`; ``stop_reason``, its short name)."""

    x: torch.Tensor
    fun: float
    status: LMStatus
    stop_reason: str
    message: str
    success: bool
    nit: int
    nfev: int
    njev: int
    lam: float
    history: list[float] = dataclasses.field(default_factory=list)

    # the names of earlier releases
    niter = property(lambda self: self.nit)
    z = property(lambda self: self.x)
    loss = property(lambda self: self.fun)


def _damped_step(J: torch.Tensor, r: torch.Tensor, lam: float):
    """The LM step ``δ`` and the linearised residual norm² ``‖r + J δ‖²``; ``None`` if Cholesky fails."""
    n, p = J.shape
    if n <= p:
        G = J @ J.T
        G.diagonal().add_(lam)
        L, info = torch.linalg.cholesky_ex(G)
        if int(info) != 0:
            return None
        w = torch.cholesky_solve(r[:, None], L)[:, 0]
        return -(J.T @ w), float(lam * lam * (w @ w))  # r + Jδ = λ w
    G = J.T @ J
    G.diagonal().add_(lam)
    L, info = torch.linalg.cholesky_ex(G)
    if int(info) != 0:
        return None
    step = -torch.cholesky_solve((J.T @ r)[:, None], L)[:, 0]
    lin = r + J @ step
    return step, float(lin @ lin)


def levenberg_marquardt(fun: Callable, jac: Callable, z0: torch.Tensor, *, max_iter: int = 1000,
                        xtol: float = 1e-12, ftol: float = 0.0, gtol: float = 0.0, window: int = 20,
                        converged: Callable | None = None, callback: Callable | None = None,
                        lam0: float = 1e-3, lam_max: float = 1e16, scale: bool = False,
                        throw: bool = False) -> LMResult:
    """Minimise ``‖fun(z)‖²`` by Levenberg–Marquardt.

    Parameters
    ----------
    fun : callable
        ``fun(z) -> r``, the residual vector (1-D tensor).
    jac : callable
        ``jac(z) -> J``, its Jacobian, shape ``(len(r), len(z))``.
    z0 : tensor
        Starting point (1-D).
    max_iter : int
        Most Jacobian evaluations (iterations).
    xtol : float
        Stop when an accepted step has ``‖δ‖ ≤ xtol·(xtol + ‖z‖)``.
    ftol : float
        Stop when the loss fell by less than the fraction ``ftol`` over the last ``window`` iterations.
    gtol : float
        Stop when the Gauss–Newton gradient is small relative to the sizes of its factors,
        ``‖Jᵀr‖ ≤ gtol·‖J‖_F·‖r‖`` (0: off): ``r`` is then orthogonal to every direction the parameters can move
        it in, a least-squares solution even where ``r`` cannot reach zero (noisy data).
    converged : callable, optional
        ``converged(z, r) -> bool``, the problem's own convergence test on an accepted iterate.
    callback : callable, optional
        ``callback(state)`` with an :class:`LMState` after every iteration; raising ``StopIteration`` stops.
    lam0 : float
        Initial damping relative to the mean diagonal of ``JᵀJ``.
    lam_max : float
        Damping beyond which no step can reduce the loss: the run stops.
    scale : bool
        Scale the Jacobian's columns to unit norm (each iteration); ``xtol`` then compares scaled norms.
    throw : bool
        Raise :class:`~sciml.results.ConvergenceError` instead of returning a failed result.

    Returns
    -------
    LMResult
        ``status`` (:class:`LMStatus`): ``SUCCESS`` (``converged`` met, or the residual is exactly zero),
        ``XTOL``, ``FTOL``, ``GTOL``, ``MAX_ITER``, ``NONFINITE`` (non-finite residual or Jacobian; ``x`` is the last
        finite iterate), ``NO_PROGRESS`` (no step reduces the loss), ``CALLBACK``. A failed run issues a
        :class:`~sciml.results.ConvergenceWarning` unless it was stopped by the callback.

    References
    ----------
    K. Levenberg, Quart. Appl. Math. 2 (1944) 164–168; D. W. Marquardt, SIAM J. Appl. Math. 11 (1963)
    431–441; H. B. Nielsen, *Damping parameter in Marquardt's method*, IMM-REP-1999-05 (DTU, 1999).

    Examples
    --------
    >>> fun = lambda z: torch.stack([10 * (z[1] - z[0] ** 2), 1 - z[0]])
    >>> jac = lambda z: torch.func.jacrev(fun)(z)
    >>> out = levenberg_marquardt(fun, jac, torch.tensor([-1.2, 1.0], dtype=torch.float64), xtol=1e-14)
    >>> out.status, [round(v, 8) for v in out.x.tolist()]
    (<LMStatus.SUCCESS: 0>, [1.0, 1.0])
    """
    check_callable(fun, "fun", "z -> residual vector", none=False)
    check_callable(jac, "jac", "z -> Jacobian", none=False)
    check_callable(converged, "converged", "converged(z, r) -> bool")
    check_callable(callback, "callback", "callback(state)")
    max_iter, window = check_int(max_iter, "max_iter", low=0), check_int(window, "window", low=1)
    xtol, ftol = check_real(xtol, "xtol", low=0), check_real(ftol, "ftol", low=0)
    gtol = check_real(gtol, "gtol", low=0)
    lam0 = check_real(lam0, "lam0", low=0, low_open=True)
    lam_max = check_real(lam_max, "lam_max", low=0, low_open=True)
    out = _run(fun, jac, z0, max_iter=max_iter, xtol=xtol, ftol=ftol, gtol=gtol, window=window, converged=converged,
               callback=callback, lam0=lam0, lam_max=lam_max, scale=scale)
    if out.status is LMStatus.CALLBACK:
        return out
    return conclude(out, throw=throw, category=ConvergenceWarning)


def _run(fun, jac, z0, *, max_iter, xtol, ftol, gtol, window, converged, callback, lam0, lam_max,
         scale) -> LMResult:
    S = LMStatus
    z = z0
    r = fun(z)
    nfev, njev = 1, 0
    loss = float(r @ r)
    history = [loss]
    if not math.isfinite(loss):
        return _finish(z, loss, S.NONFINITE, "the residual is not finite at the starting point", 0, nfev, njev,
                       math.nan, history)
    if loss == 0.0 or (converged is not None and converged(z, r)):
        return _finish(z, loss, S.SUCCESS, "the starting point already meets the tolerance", 0, nfev, njev, math.nan,
                       history)
    lam, nu = None, 2.0
    for it in range(1, max_iter + 1):
        J = jac(z)
        njev += 1
        if not bool(torch.isfinite(J).all()):
            return _finish(z, loss, S.NONFINITE, f"the Jacobian is not finite at iteration {it}; kept the last finite "
                           "iterate", it - 1, nfev, njev, lam, history)
        if gtol > 0:
            g_norm, bound = float((J.T @ r).norm()), gtol * float(J.norm()) * math.sqrt(loss)
            if g_norm <= bound:
                return _finish(z, loss, S.GTOL, f"converged: the gradient ‖Jᵀr‖ = {g_norm:.1e} is below gtol·‖J‖·‖r‖ "
                               f"= {bound:.1e}: a least-squares solution", it - 1, nfev, njev, lam, history)
        D = torch.linalg.vector_norm(J, dim=0).clamp_min(torch.finfo(J.dtype).tiny ** 0.5) if scale else None
        Js = J / D if scale else J
        if lam is None:
            lam = lam0 * max(float((Js * Js).sum()) / J.shape[1], 1e-300)
        while True:
            solved = _damped_step(Js, r, lam)
            if solved is not None:
                step, lin = solved  # in scaled variables when scale=True
                z_new = z + (step / D if scale else step)
                r_new = fun(z_new)
                nfev += 1
                loss_new = float(r_new @ r_new)
                predicted = loss - lin
                rho = (loss - loss_new) / predicted if predicted > 0 else -1.0
                if math.isfinite(loss_new) and rho > 0:
                    break
            lam *= nu
            nu *= 2.0
            if lam > lam_max:
                return _finish(z, loss, S.NO_PROGRESS, "no step reduces the loss any more (damping above "
                               f"{lam_max:.0e}): the residual is at the rounding level of the dtype, or at a "
                               "local minimum",
                               it, nfev, njev, lam, history)
        lam = max(lam * max(1 / 3, 1 - (2 * rho - 1) ** 3), 1e-300)
        nu = 2.0
        step_norm, z_norm = float(step.norm()), float((z * D).norm() if scale else z.norm())
        z, r, loss = z_new, r_new, loss_new
        history.append(loss)
        if callback is not None:
            try:
                callback(LMState(it, z, loss, lam))
            except StopIteration:
                return _finish(z, loss, S.CALLBACK, "stopped by the callback", it, nfev, njev, lam, history)
        if loss == 0.0 or (converged is not None and converged(z, r)):
            return _finish(z, loss, S.SUCCESS, "converged: the residual meets the tolerance", it, nfev, njev, lam,
                           history)
        if step_norm <= xtol * (xtol + z_norm):
            return _finish(z, loss, S.XTOL, f"converged: the step {step_norm:.1e} is below xtol relative to the "
                           "parameters", it, nfev, njev, lam, history)
        if ftol > 0 and it >= window and history[-1 - window] - loss <= ftol * history[-1 - window]:
            return _finish(z, loss, S.FTOL, f"converged: the loss fell by less than ftol={ftol:g} (relative) over "
                           f"the last {window} iterations", it, nfev, njev, lam, history)
    return _finish(z, loss, S.MAX_ITER, f"stopped at max_iter={max_iter} before meeting the tolerance; raise max_iter",
                   max_iter, nfev, njev, lam, history)


def _finish(z, loss, status, message, niter, nfev, njev, lam, history) -> LMResult:
    return LMResult(z, loss, status, STOP_REASONS[int(status)], message, status.success, niter, nfev, njev,
                    math.nan if lam is None else float(lam), history)
