"""What every Krylov solver shares: the result, its status enum, the warning and the checked set-up.

SciPy's calling conventions (``scipy.sparse.linalg``): ``solver(A, b, x0=None, *, rtol=1e-5, atol=0.0,
maxiter=None, M=None, callback=None)`` with ``M`` an approximation of :math:`A^{-1}` and the stop
:math:`\\|b - A x\\|_2 \\le \\max(\\text{rtol}\\,\\|b\\|_2, \\text{atol})`; ``callback(xk)`` after every iteration,
``StopIteration`` from it ends the run. Instead of SciPy's ``(x, info)`` the solvers return a
:class:`KrylovResult`.
"""

from __future__ import annotations

import dataclasses

import torch

from sciml._validation import as_tensor, check_callable, check_int, check_real
from sciml.linalg._operator import LinearOperator, aslinearoperator
from sciml.results import ConvergenceWarning, Result, conclude, status_enum

MESSAGES = {
    "SUCCESS": "converged: the residual norm is below max(rtol ‖b‖, atol)",
    "MAX_ITER": "the iteration limit came first: raise maxiter, use a preconditioner M, or (gmres) a longer "
                "restart",
    "BREAKDOWN": "the recurrence broke down (a vanishing inner product): restart from x (x0=result.x), or use "
                 "gmres, which cannot break down",
    "INDEFINITE": "the operator is not symmetric positive definite as the method needs (a direction of non-positive "
                  "curvature, or uᵀAv ≠ vᵀAu): use minres for symmetric indefinite, gmres or bicgstab for general "
                  "operators",
    "NONFINITE": "the residual became NaN or infinite: check the operator and the preconditioner for overflow",
    "CALLBACK": "stopped by the callback (StopIteration)",
}

KrylovStatus = status_enum(
    "KrylovStatus", "SUCCESS MAX_ITER BREAKDOWN INDEFINITE NONFINITE CALLBACK", module=__name__, hints=MESSAGES,
    doc="""How a Krylov solve ended (codes of :class:`sciml.results.Status`; ``SUCCESS`` is 0, as SciPy's ``info``).""")


class KrylovWarning(ConvergenceWarning):
    """A Krylov solver stopped without converging (see ``result.status`` and ``result.message``)."""


@dataclasses.dataclass(repr=False)
class KrylovResult(Result):
    """Result of :func:`cg`, :func:`minres`, :func:`gmres` and :func:`bicgstab`.

    Attributes
    ----------
    x : (n,) or (n, k) tensor
        The last iterate (the solution when ``success``).
    success : bool
        Whether every right-hand side converged.
    status : KrylovStatus
        Why the iteration stopped (the worst over the right-hand sides).
    message : str
        What the status means and what to do.
    nit : int
        Iterations done (the most over the right-hand sides; Arnoldi steps for gmres).
    residuals : (nit + 1,) or (nit + 1, k) tensor
        The residual-norm history :math:`\\|b - A x_j\\|_2` (the recurrence's estimate for minres and gmres).
    """

    x: torch.Tensor
    success: bool
    status: object
    message: str
    nit: int
    residuals: torch.Tensor


@dataclasses.dataclass
class System:
    """A checked Krylov problem: the operator, right-hand sides (n, k), start, preconditioner, tolerances."""

    A: LinearOperator
    b: torch.Tensor
    x: torch.Tensor
    M: object
    tol: torch.Tensor
    maxiter: int
    callback: object
    vector: bool


def as_operator(A, name: str = "A", *, dtype=None) -> LinearOperator:
    """``A`` as a square :class:`LinearOperator`; a dense square tensor-like is accepted."""
    if isinstance(A, LinearOperator) or (isinstance(A, torch.Tensor) and A.layout != torch.strided) or \
            (hasattr(A, "tocsr") and hasattr(A, "nnz")):
        op = aslinearoperator(A, dtype=dtype)
    elif callable(A) and not isinstance(A, torch.Tensor):
        raise TypeError(f"{name} is a callable: wrap it as LinearOperator((n, n), matvec) so its shape is known")
    else:
        op = aslinearoperator(as_tensor(A, name, dtype=dtype))
    if op.shape[0] != op.shape[1]:
        raise ValueError(f"{name} must be square, got shape {op.shape}")
    return op


def prepare(A, b, x0, M, rtol, atol, maxiter, callback, *, default_maxiter: int) -> System:
    """Check the arguments every solver takes; ``b`` and ``x`` come back as (n, k)."""
    rtol = check_real(rtol, "rtol", low=0.0)
    atol = check_real(atol, "atol", low=0.0)
    callback = check_callable(callback, "callback", "callback(xk)")
    op = as_operator(A)
    n = op.shape[0]
    b = as_tensor(b, "b", dtype=op.dtype, device=op.device)
    if b.dim() not in (1, 2) or b.shape[0] != n:
        raise ValueError(f"b must have {n} rows to match A of shape {op.shape}, got shape {tuple(b.shape)}")
    vector = b.dim() == 1
    B = b.unsqueeze(-1) if vector else b
    if x0 is None:
        X = torch.zeros_like(B)
    else:
        X = as_tensor(x0, "x0", dtype=B.dtype, device=B.device).reshape(-1, 1) if vector else \
            as_tensor(x0, "x0", dtype=B.dtype, device=B.device)
        if X.shape != B.shape:
            raise ValueError(f"x0 must have the shape of b {tuple(b.shape)}, got {tuple(X.shape)}")
    maxiter = default_maxiter if maxiter is None else check_int(maxiter, "maxiter", low=1)
    if M is not None:
        M = as_operator(M, "M", dtype=op.dtype)
        if M.shape != op.shape:
            raise ValueError(f"M must have the shape of A {op.shape}, got {M.shape}")
    tol = torch.clamp(rtol * torch.linalg.vector_norm(B, dim=0), min=atol)
    return System(op, B, X.clone(), M, tol, maxiter, callback, vector)


def apply(M, R: torch.Tensor) -> torch.Tensor:
    """The preconditioner applied to the columns of ``R`` (identity when ``M`` is None)."""
    return R if M is None else M.matmat(R)


def symmetry_gap(op: LinearOperator, like: torch.Tensor) -> float:
    """|uᴴAv − conj(vᴴAu)| relative to ‖u‖‖Av‖ + ‖v‖‖Au‖ for two fixed probe vectors (two products)."""
    n = op.shape[0]
    i = torch.arange(n, dtype=like.real.dtype if like.is_complex() else like.dtype, device=like.device)
    u, v = torch.sin(i + 1.0).to(like.dtype), torch.cos(2.0 * i + 0.5).to(like.dtype)
    Au, Av = op.matvec(u), op.matvec(v)
    lhs, rhs = torch.vdot(u, Av), torch.vdot(Au, v)
    scale = float(torch.linalg.vector_norm(u) * torch.linalg.vector_norm(Av)
                  + torch.linalg.vector_norm(v) * torch.linalg.vector_norm(Au))
    return float((lhs - rhs).abs()) / scale if scale > 0 else 0.0


def symmetric_enough(op: LinearOperator, like: torch.Tensor) -> bool:
    """Whether the probe finds ``op`` symmetric (Hermitian) to within √ε."""
    return symmetry_gap(op, like) <= torch.finfo(like.dtype).eps ** 0.5


def finish(system: System, X: torch.Tensor, status, nit: int, history, *, throw: bool, extra: str = "",
           stacklevel: int = 4):
    """The :class:`KrylovResult` of a run, warned about (or raised with ``throw``) when it failed."""
    status = KrylovStatus(int(status))
    if isinstance(history, torch.Tensor):  # (nit + 1, k) already
        residuals = history
    else:
        residuals = torch.stack(history) if history else torch.zeros(0, X.shape[-1], dtype=X.real.dtype)
    x = X.squeeze(-1) if system.vector else X
    if system.vector and residuals.dim() == 2:
        residuals = residuals.squeeze(-1)
    message = status.hint + (f" ({extra})" if extra else "")
    result = KrylovResult(x=x, success=status.success, status=status, message=message, nit=int(nit),
                          residuals=residuals)
    return conclude(result, throw=throw, category=KrylovWarning, stacklevel=stacklevel)


def by_columns(system: System, column, *, throw: bool):
    """Solve each right-hand side on its own: ``column(x0, b, j) -> (x, status, nit, residual history)``; the
    result holds the first failing status, the most iterations, and the histories padded to one length."""
    columns, worst, nits, histories = [], KrylovStatus.SUCCESS, [], []
    for j in range(system.b.shape[1]):
        x, status, nit, hist = column(system.x[:, j].clone(), system.b[:, j], j)
        columns.append(x)
        nits.append(nit)
        histories.append(torch.tensor([float(h) for h in hist], dtype=system.b.real.dtype))
        if status != KrylovStatus.SUCCESS and worst == KrylovStatus.SUCCESS:
            worst = status
    length = max(len(h) for h in histories)
    padded = [torch.cat([h, h[-1:].expand(length - len(h))]) for h in histories]
    return finish(system, torch.stack(columns, -1), worst, max(nits), list(torch.stack(padded, -1)), throw=throw,
                  stacklevel=5)


def call_back(callback, X: torch.Tensor, vector: bool) -> bool:
    """Run ``callback(xk)``; True when it asked to stop (StopIteration)."""
    if callback is None:
        return False
    try:
        callback(X.squeeze(-1) if vector else X)
    except StopIteration:
        return True
    return False
