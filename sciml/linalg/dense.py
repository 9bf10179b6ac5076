"""Linear solves, inverses and condition numbers that refuse singular systems and warn on ill-conditioned ones."""

from __future__ import annotations

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


def _check_conditioning(A: torch.Tensor, name: str = "A") -> None:
    eps = torch.finfo(A.dtype).eps
    rcond = 1.0 / torch.linalg.cond(A.detach())
    worst = float(rcond.min()) if rcond.numel() else 1.0
    if not worst > eps * A.shape[-1]:
        raise SingularMatrixError(
            f"{name} is singular to working precision (reciprocal condition number {worst:.3g}); "
            "use torch.linalg.lstsq for least squares or regularize the system"
        )
    if worst < eps ** 0.5:
        warnings.warn(
            f"{name} is ill-conditioned (reciprocal condition number {worst:.3g}); expect to lose "
            f"about {-torch.log10(torch.tensor(worst)).item():.0f} digits",
            IllConditionedWarning,
            stacklevel=3,
        )


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
        reciprocal condition number is below sqrt(eps). Differentiable in ``A`` and ``b``.

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
    _check_conditioning(A)
    rhs = b.unsqueeze(-1) if vector else b
    x = torch.linalg.solve(A, rhs)
    return x.squeeze(-1) if vector else x


def inv(A, *, dtype=None, device=None) -> torch.Tensor:
    """Inverse of a square, non-singular ``A`` (batched). Prefer :func:`solve` for systems.

    Raises :class:`SingularMatrixError` for singular ``A``. Reference: ``scipy.linalg.inv``.
    """
    A = as_square(A, dtype=dtype, device=device)
    _check_conditioning(A)
    return torch.linalg.inv(A)
