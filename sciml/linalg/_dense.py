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
    r"""Condition number of the square matrix ``A`` in the norm ``p`` (2-norm by default), batched.

    .. math:: \kappa_p(A) = \|A\|_p \, \|A^{-1}\|_p, \qquad
              \kappa_2(A) = \frac{\sigma_{\max}(A)}{\sigma_{\min}(A)},

    with :math:`\sigma` the singular values of ``A``. Solving :math:`A x = b` may amplify relative errors
    in :math:`b` (and in :math:`A`) by up to :math:`\kappa(A)`: about :math:`\log_{10}\kappa(A)` digits
    are lost.

    Parameters
    ----------
    A : (..., n, n) tensor-like
        Square matrices; leading dimensions are a batch. Lists and arrays become float64.
    p : {None, 2, -2, 1, -1, inf, -inf, "fro", "nuc"}, optional
        The matrix norm, as in ``torch.linalg.cond``; ``None`` is the 2-norm. ``1``/``inf`` are the largest
        column/row sums of absolute values, ``-2`` gives :math:`\sigma_{\min}/\sigma_{\max}` and ``-1``,
        ``-inf`` use the smallest column/row sums.

    Returns
    -------
    (...,) tensor
        :math:`\kappa_p(A)` per matrix, ``inf`` for singular matrices.

    Raises
    ------
    ValueError
        ``A`` is not a square matrix or a batch of them, or has non-finite entries.

    References
    ----------
    .. [1] G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., Johns Hopkins University Press,
       2013, §2.6 (the sensitivity of square systems).
    .. [2] ``numpy.linalg.cond``, which this mirrors.

    Examples
    --------
    >>> float(cond([[1.0, 0.0], [0.0, 1e-3]]))   # sigma_max / sigma_min
    1000.0
    >>> round(float(cond([[2.0, 1.0], [1.0, 2.0]], p="fro")), 6)   # sqrt(10) * sqrt(10) / 3
    3.333333
    >>> float(cond([[1.0, 1.0], [1.0, 1.0]]))
    inf
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
    r"""Solve the linear system ``A x = b`` for a square, non-singular ``A`` (batched, differentiable).

    .. math:: A x = b, \qquad x = A^{-1} b = U^{-1} L^{-1} P^\top b,

    by LU factorization with partial pivoting, :math:`A = P L U`. The reciprocal condition number
    :math:`r = 1 / (\|A\|_1 \|A^{-1}\|_1)` is estimated from the factors (Hager's estimator of
    :math:`\|A^{-1}\|_1`, as LAPACK's ``gecon`` does, in :math:`O(n^2)`) and judged against the machine
    epsilon :math:`\varepsilon` of the dtype: :math:`r \le n\varepsilon` is singular,
    :math:`r < \sqrt{\varepsilon}` ill-conditioned.

    Parameters
    ----------
    A : (..., n, n) tensor-like
        Square coefficient matrices; leading dimensions are a batch and broadcast against ``b``'s.
    b : (..., n) or (..., n, k) tensor-like
        Right-hand sides: a vector gives a vector solution, a matrix one solution per column.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays); ``b`` is cast to it.
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (..., n) or (..., n, k) tensor
        The solution ``x``, shaped like ``b`` (with the broadcast batch). Differentiable in ``A`` and ``b``.

    Raises
    ------
    SingularMatrixError
        ``A`` is singular to working precision (:math:`r \le n\varepsilon`).
    ValueError
        ``A`` is not square, or ``b`` has the wrong number of rows.

    Warns
    -----
    IllConditionedWarning
        :math:`r < \sqrt{\varepsilon}`: expect to lose about :math:`-\log_{10} r` digits.

    References
    ----------
    .. [1] G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., Johns Hopkins University Press,
       2013, §3.4 (pivoting).
    .. [2] W. W. Hager, "Condition estimates", *SIAM J. Sci. Stat. Comput.* 5(2), 311–316, 1984.
    .. [3] N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., SIAM, 2002, ch. 15
       (condition number estimation).
    .. [4] ``scipy.linalg.solve``; LAPACK's ``gesv`` and ``gecon``.

    Examples
    --------
    >>> x = solve([[3.0, 1.0], [1.0, 2.0]], [9.0, 8.0])   # 3x + y = 9, x + 2y = 8
    >>> x.dtype, torch.round(x, decimals=6).tolist()
    (torch.float64, [2.0, 3.0])
    >>> x = solve([[3.0, 1.0], [1.0, 2.0]], [[9.0, 1.0], [8.0, 0.0]])   # two right-hand sides
    >>> torch.round(x, decimals=6).tolist()
    [[2.0, 0.4], [3.0, -0.2]]
    """
    A = as_square(A, dtype=dtype, device=device)
    b = as_tensor(b, "b", dtype=A.dtype, device=A.device)
    n = A.shape[-1]
    if b.dim() == 0:
        raise ValueError(f"b must be a vector of {n} entries (or a matrix of right-hand sides), got a scalar; "
                         f"pass [{float(b):g}] for a 1×1 system")
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
    r"""Inverse of a square, non-singular ``A`` (batched); prefer :func:`solve` for linear systems.

    .. math:: A X = I, \qquad X = A^{-1},

    solved column by column from the LU factors :math:`A = P L U`, with the singularity and conditioning
    checks of :func:`solve`. Computing :math:`A^{-1} b` through the inverse costs more and is less accurate
    than :func:`solve`.

    Parameters
    ----------
    A : (..., n, n) tensor-like
        Square matrices; leading dimensions are a batch.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (..., n, n) tensor
        :math:`A^{-1}`, differentiable in ``A``.

    Raises
    ------
    SingularMatrixError
        ``A`` is singular to working precision.
    ValueError
        ``A`` is not a square matrix or a batch of them.

    Warns
    -----
    IllConditionedWarning
        The reciprocal condition number of ``A`` is below :math:`\sqrt{\varepsilon}`.

    References
    ----------
    .. [1] N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., SIAM, 2002, ch. 14
       (matrix inversion).
    .. [2] ``scipy.linalg.inv``, which this mirrors.

    Examples
    --------
    >>> X = inv([[4.0, 7.0], [2.0, 6.0]])   # [[6, -7], [-2, 4]] / 10
    >>> torch.round(X, decimals=6).tolist()
    [[0.6, -0.7], [-0.2, 0.4]]
    >>> inv([[1.0, 2.0], [2.0, 4.0]])  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    SingularMatrixError: A is singular to working precision (reciprocal condition number 0); ...
    """
    A = as_square(A, dtype=dtype, device=device)
    LU, pivots = _factor(A)
    eye = torch.eye(A.shape[-1], dtype=A.dtype, device=A.device).expand_as(A)
    return torch.linalg.lu_solve(LU, pivots, eye)
