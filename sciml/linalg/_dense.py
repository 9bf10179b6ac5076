"""Linear solves, inverses and condition numbers that refuse singular systems and warn on ill-conditioned ones."""

from __future__ import annotations

import math
import warnings

import torch

from sciml._validation import as_tensor
from sciml.linalg._checks import as_square


class SingularMatrixError(ValueError):
    """The matrix is singular to working precision; the system has no unique solution."""


class IllConditionedWarning(RuntimeWarning):
    """The solution may have lost most of its digits: the condition number is near 1/eps."""


def cond(A, p=None) -> torch.Tensor:
    """Condition number of ``A`` (2-norm by default), batched over leading dimensions.

    Returns ``inf`` for singular matrices. Reference: ``numpy.linalg.cond``.
    """
    A = as_square(A)
    return torch.linalg.cond(A, p)


def _rcond(LU: torch.Tensor, pivots: torch.Tensor, norm1: torch.Tensor, iters: int = 4) -> torch.Tensor:
    """Reciprocal 1-norm condition number from an LU factorization, by Hager's estimator of ‖A⁻¹‖₁.

    O(n²) per iteration (LAPACK's ``gecon`` idea): a few triangular solves instead of an SVD.
    """
    n = LU.shape[-1]
    x = torch.full((*LU.shape[:-2], n, 1), 1.0 / n, dtype=LU.dtype, device=LU.device)
    est = torch.zeros(LU.shape[:-2], dtype=LU.real.dtype if LU.is_complex() else LU.dtype, device=LU.device)
    j_old = None
    for _ in range(iters):
        y = torch.linalg.lu_solve(LU, pivots, x)
        est = torch.maximum(est, y.abs().sum((-2, -1)))
        z = torch.linalg.lu_solve(LU, pivots, torch.sgn(y), adjoint=True)
        j = z.abs().argmax(-2, keepdim=True)
        if j_old is not None and torch.equal(j, j_old):  # the estimate cannot grow any more
            break
        x, j_old = torch.zeros_like(x).scatter_(-2, j, 1.0), j
    inv_norm = torch.where(torch.isfinite(est), est, torch.full_like(est, torch.inf))
    return 1.0 / (norm1 * inv_norm)


def _factor(A: torch.Tensor, name: str = "A"):
    """LU-factorize ``A``; raise for singular, warn for ill-conditioned matrices."""
    LU, pivots, info = torch.linalg.lu_factor_ex(A)
    with torch.no_grad():
        if bool((info > 0).any()):
            rcond = torch.zeros(())
        else:
            rcond = _rcond(LU.detach(), pivots, torch.linalg.matrix_norm(A.detach(), ord=1))
    eps = torch.finfo(A.dtype).eps
    worst = float(rcond.min()) if rcond.numel() else 1.0
    if not worst > eps * A.shape[-1]:
        raise SingularMatrixError(
            f"{name} is singular to working precision (reciprocal condition number {worst:.3g}); "
            "use torch.linalg.lstsq for least squares or regularize the system"
        )
    if worst < eps**0.5:
        warnings.warn(
            f"{name} is ill-conditioned (reciprocal condition number {worst:.3g}); expect to lose "
            f"about {-math.log10(worst):.0f} digits",
            IllConditionedWarning,
            stacklevel=3,
        )
    return LU, pivots


def solve(A, b, *, dtype=None, device=None) -> torch.Tensor:
    """Solve ``A x = b`` for square, non-singular ``A``.

    .. math:: x = A^{-1} b

    Parameters
    ----------
    A : (..., n, n) tensor-like
    b : (..., n) or (..., n, k) tensor-like; a vector right-hand side gives a vector solution.
    dtype, device : optional; default to ``A``'s (float64 for lists and arrays).

    Raises
    ------
    SingularMatrixError
        when ``A`` is singular to working precision; warns :class:`IllConditionedWarning` when the
        reciprocal condition number (1-norm, estimated from the LU factors as LAPACK's
        ``gecon`` does) is below sqrt(eps). Differentiable in ``A`` and ``b``.

    Examples
    --------
    >>> solve([[3.0, 1.0], [1.0, 2.0]], [9.0, 8.0])
    tensor([2., 3.], dtype=torch.float64)
    """
    A = as_square(A, dtype=dtype, device=device)
    b = as_tensor(b, "b", dtype=A.dtype, device=A.device)
    n = A.shape[-1]
    vector = b.dim() == 1 or (b.dim() == A.dim() - 1 and b.shape[-1] == n)
    if (vector and b.shape[-1] != n) or (not vector and b.shape[-2] != n):
        raise ValueError(f"b must have {n} rows to match A of shape {tuple(A.shape)}, got shape {tuple(b.shape)}")
    LU, pivots = _factor(A)
    rhs = b.unsqueeze(-1) if vector else b
    if rhs.shape[:-2] != LU.shape[:-2]:
        batch = torch.broadcast_shapes(rhs.shape[:-2], LU.shape[:-2])
        LU, pivots = LU.expand(*batch, n, n), pivots.expand(*batch, n)
        rhs = rhs.expand(*batch, *rhs.shape[-2:])
    x = torch.linalg.lu_solve(LU, pivots, rhs)
    return x.squeeze(-1) if vector else x


def inv(A, *, dtype=None, device=None) -> torch.Tensor:
    """Inverse of a square, non-singular ``A`` (batched). Prefer :func:`solve` for systems.

    Raises :class:`SingularMatrixError` for singular ``A``. Reference: ``scipy.linalg.inv``.
    """
    A = as_square(A, dtype=dtype, device=device)
    LU, pivots = _factor(A)
    eye = torch.eye(A.shape[-1], dtype=A.dtype, device=A.device).expand_as(A)
    return torch.linalg.lu_solve(LU, pivots, eye)
