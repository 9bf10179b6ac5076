"""What :func:`~sciml.optimize.minimize` returns: the result dataclass, its status codes and its warnings."""

from __future__ import annotations

import dataclasses

import torch

from sciml.results import ConvergenceWarning, Result, status_enum


class SecondOrderWarning(ConvergenceWarning):
    """The minimizer stopped at a stationary point whose Hessian is not positive definite.

    Such a point may be a saddle, an inflection point or a degenerate (higher-order) point: the gradient
    vanishes, but it is not a verified local minimum.
    """


Status = status_enum(
    "Status", "SUCCESS MAX_ITER LINE_SEARCH NONFINITE UNBOUNDED SECOND_ORDER FTOL CALLBACK", module=__name__,
    doc="""Why :func:`~sciml.optimize.minimize` stopped: ``SUCCESS`` (0, the gradient test) and ``FTOL`` (8, the
    relative decrease of ``f`` fell below ``ftol``, or no step can decrease ``f`` at its rounding level while
    the gradient is small) are successes; ``status.hint`` says what to try. Codes are those of
    :class:`sciml.results.Status`.""",
    hints={
        "SUCCESS": "converged: the gradient is below gtol",
        "MAX_ITER": "the maximum number of iterations was reached; try increasing max_iter, another method "
                    "(newton or bfgs converge faster) or a better x0",
        "LINE_SEARCH": "the line search found no acceptable step; usually gtol is below what the precision of f "
                       "allows: loosen gtol, or check that jac is the gradient of fun",
        "NONFINITE": "the objective or its gradient became NaN or infinite; check the domain of fun, start from "
                     "another x0 or use a line search instead of a fixed lr",
        "UNBOUNDED": "the objective decreased to -inf: it appears to be unbounded below",
        "FTOL": "converged: f no longer decreases relative to its size (ftol, or its rounding level)",
    })

#: values of :attr:`OptimizeResult.second_order`
VERIFIED, FAILED, NOT_CHECKED = "verified", "failed", "not checked"


@dataclasses.dataclass(repr=False)
class OptimizeResult(Result):
    """The outcome of :func:`~sciml.optimize.minimize`, with SciPy's field names.

    Attributes
    ----------
    x : tensor
        The final iterate, with the shape of ``x0``.
    fun : float
        ``fun(x)``.
    success : bool
        True only when the gradient converged *and* the point is a verified local minimum (or the
        second-order check was switched off with ``check_hessian=False``). Batched runs: a ``(B,)`` bool
        tensor, and every field below gains a leading ``B``.
    status : Status
        Why the run stopped (an ``IntEnum``; ``status.hint`` says what to try).
    message : str
        The same, in words, with the numbers of this run.
    second_order : str
        ``"verified"`` (the Hessian at ``x`` is positive definite: a strict local minimum),
        ``"failed"`` (stationary, but the Hessian has an eigenvalue ≤ ``curvature_tol``: a saddle,
        inflection or degenerate point) or ``"not checked"``.
    jac : tensor
        The gradient at ``x``.
    hess : tensor or None
        The Hessian at ``x`` (shape ``(n, n)``) when the second-order check computed it.
    min_eigenvalue : float or None
        The smallest eigenvalue of ``hess``.
    nit, nfev, njev, nhev : int
        Iterations (an escape from a stationary point counts as one), evaluations of ``fun``, of its
        gradient and of its Hessian.
    escapes : int
        How many times the run escaped a stationary point along a direction of negative curvature.
    method : str
        The method used.
    trajectory : tensor or None
        The iterates ``x_0, ..., x_nit``, shape ``(nit + 1, *x0.shape)``.
    fun_history : tensor or None
        ``f(x_0), ..., f(x_nit)`` when the trajectory is kept.
    active : tensor or None
        With bounds: which entries of ``x`` are at a bound (bool, the shape of ``x``).
    """

    x: torch.Tensor
    fun: float
    success: bool | None = None
    status: Status | None = None
    message: str | None = None
    second_order: str | None = None
    jac: torch.Tensor | None = None
    hess: torch.Tensor | None = None
    min_eigenvalue: float | None = None
    nit: int = 0
    nfev: int = 0
    njev: int = 0
    nhev: int = 0
    escapes: int = 0
    method: str | None = None
    trajectory: torch.Tensor | None = None
    fun_history: torch.Tensor | None = None
    active: torch.Tensor | None = None
