"""Linear solves, inverses and condition numbers that refuse singular systems and warn on ill-conditioned ones."""

from __future__ import annotations

import math
import warnings

import torch

from sciml._validation import as_tensor, check_choice
from sciml.linalg import _guard
from sciml.linalg._checks import BLOCK, as_square, check_finite, check_hermitian

#: up to this size the reciprocal condition number is exact (from the inverse), above it Hager's estimate
EXACT_RCOND_N = 32
#: SciPy's names for the structure ``solve`` may assume
ASSUME_A = ("gen", "sym", "her", "pos")


class SingularMatrixError(ValueError):
    """The matrix is exactly singular (a zero pivot): the system has no unique solution."""


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


def _hager(solve, norm1: torch.Tensor, like: torch.Tensor, iters: int = 4, first=None) -> torch.Tensor:
    r"""Reciprocal 1-norm condition number :math:`1/(\|A\|_1 \|A^{-1}\|_1)` by Hager's estimator of
    :math:`\|A^{-1}\|_1`, from ``solve(X, adjoint)`` (:math:`A^{-1}X` or :math:`A^{-H}X`); ``like`` is
    (..., n, n). O(n²) per iteration (LAPACK's ``gecon`` idea): a few solves instead of an SVD. ``first`` is
    :math:`A^{-1}e/n` when the caller solved it already (with its own right-hand sides: one pass over the
    factors for both)."""
    n = like.shape[-1]
    if n <= EXACT_RCOND_N:  # small matrices: the exact ‖A⁻¹‖₁ from the inverse costs one solve, not eight
        inverse = solve(torch.eye(n, dtype=like.dtype, device=like.device).expand_as(like), False)
        inv_norm = inverse.abs().sum(-2).amax(-1)
        inv_norm = torch.where(torch.isfinite(inv_norm), inv_norm, torch.full_like(inv_norm, torch.inf))
        return 1.0 / (norm1 * inv_norm)
    x = torch.full((*like.shape[:-2], n, 1), 1.0 / n, dtype=like.dtype, device=like.device)
    est = torch.zeros(like.shape[:-2], dtype=like.real.dtype, device=like.device)
    sign = None
    for it in range(iters):
        y = first if it == 0 and first is not None else solve(x, False)
        new, new_sign = y.abs().sum((-2, -1)), torch.sgn(y)
        if it > 0 and bool(((new <= est) | (new_sign == sign).all(-2).squeeze(-1)).all()):
            est = torch.maximum(est, new)  # LAPACK's lacn2 stops here: no gain, or the sign vector repeats
            break
        est, sign = torch.maximum(est, new), new_sign
        if it == iters - 1:
            break  # the adjoint solve would only choose a next x
        z = solve(sign, True)
        zmax, j = z.abs().max(-2, keepdim=True)
        if bool((zmax.squeeze(-1).squeeze(-1) <= (z.conj() * x).real.sum((-2, -1))).all()):
            break  # Hager's test: x is a local maximum of ‖A⁻¹x‖₁ on the unit ball, for every matrix
        x = torch.zeros_like(x).scatter_(-2, j, 1.0)
    inv_norm = torch.where(torch.isfinite(est), est, torch.full_like(est, torch.inf))
    return 1.0 / (norm1 * inv_norm)


def _norm1(A: torch.Tensor) -> torch.Tensor:
    """‖A‖₁, the largest column sum of |a_ij|, in blocks of rows: |A| whole would be a temporary the size of ``A``,
    whose page faults cost ten times the sum at n = 3000 (``matrix_norm(ord=1)`` is slower still)."""
    rows, n = A.shape[-2], A.shape[-1]
    step = max(1, BLOCK // max(1, A[..., 0, :].numel()))
    if step >= rows:
        return A.abs().sum(-2).amax(-1)
    block = torch.empty((*A.shape[:-2], step, n), dtype=A.real.dtype, device=A.device)
    total = torch.zeros((*A.shape[:-2], n), dtype=A.real.dtype, device=A.device)
    for start in range(0, rows, step):
        part = A[..., start:start + step, :]
        absolute = block[..., :part.shape[-2], :]
        torch.abs(part, out=absolute)
        total += absolute.sum(-2)
    return total.amax(-1)


def _transposed(A: torch.Tensor) -> bool:
    """Whether to factor ``A`` as its transpose: a real row-major ``A`` is then a column-major ``Aᵀ``, LAPACK's
    layout, and the factorization skips a transposing copy of ``A`` (what ``torch.linalg.solve`` does)."""
    return not A.is_complex() and A.is_contiguous()


def _lu_solve(LU: torch.Tensor, pivots: torch.Tensor, transposed: bool, X: torch.Tensor, adjoint: bool):
    r""":math:`A^{-1}X` (:math:`A^{-\mathsf H}X` when ``adjoint``) from the factors of ``A`` or, when
    ``transposed``, of :math:`A^\top` (real): :math:`A^{-1} = (A^\top)^{-\mathsf T}`."""
    return _guard.lu_solve(LU, pivots, X, adjoint=adjoint != transposed)


def _judge(rcond: torch.Tensor, A: torch.Tensor, name: str, *, stacklevel: int = 4):
    r"""Raise for exactly singular (:math:`r = 0`), warn for ill-conditioned (:math:`r < \sqrt\varepsilon`)."""
    eps = torch.finfo(A.dtype).eps
    worst = float(rcond.min()) if rcond.numel() else 1.0
    if not worst > 0:
        raise SingularMatrixError(
            f"{name} is singular (a zero pivot: reciprocal condition number {worst:.3g}); "
            "use sciml.linalg.lstsq for least squares or regularize the system"
        )
    if worst < eps**0.5:
        lost = "no digit of the solution may be correct" if worst <= eps * A.shape[-1] else \
            f"expect to lose about {-math.log10(worst):.0f} digits"
        warnings.warn(
            f"{name} is ill-conditioned (reciprocal condition number {worst:.3g}); {lost}",
            IllConditionedWarning,
            stacklevel=stacklevel,
        )


def _rcond(LU: torch.Tensor, pivots: torch.Tensor, norm1: torch.Tensor, transposed: bool = False,
           first=None) -> torch.Tensor:
    """Reciprocal 1-norm condition number of ``A`` from its LU factors (of :math:`A^\top` when ``transposed``),
    by :func:`_hager`."""
    return _hager(lambda X, adjoint: _lu_solve(LU, pivots, transposed, X, adjoint), norm1, LU, first=first)


def _checked_norm1(A: torch.Tensor, name: str = "A") -> torch.Tensor:
    """‖A‖₁ of an ``A`` whose entries were not checked yet: a finite norm proves them finite (one pass, no copy
    of the size of ``A`` for the check)."""
    with torch.no_grad():
        norm1 = _norm1(A.detach())
    check_finite(A, norm1, name)
    return norm1


def _factor(A: torch.Tensor, norm1: torch.Tensor, name: str = "A", rhs: torch.Tensor | None = None):
    """LU-factorize ``A`` (safely for large batches, as its transpose when :func:`_transposed`); raise for
    singular, warn for ill-conditioned matrices (Hager's estimate from the factors). Returns
    ``(LU, pivots, transposed, x)`` for :func:`_lu_solve`, with :math:`x = A^{-1}` ``rhs`` when ``rhs`` (of
    the batch shape of ``A``) is given: solved in one pass over the factors with Hager's first vector."""
    transposed = _transposed(A)
    LU, pivots, info = _guard.lu_factor(A.mT if transposed else A)
    x = first = None
    singular = bool((info > 0).any())
    if rhs is not None and not singular and A.shape[-1] > EXACT_RCOND_N:
        start = torch.full((*rhs.shape[:-1], 1), 1.0 / A.shape[-1], dtype=rhs.dtype, device=rhs.device)
        both = _lu_solve(LU, pivots, transposed, torch.cat([rhs, start], -1), False)
        x, first = both[..., :-1], both[..., -1:].detach()
    with torch.no_grad():
        rcond = torch.zeros(()) if singular else _rcond(LU.detach(), pivots, norm1, transposed, first)
    _judge(rcond, A, name)
    return LU, pivots, transposed, x


def _symmetric_solver(A: torch.Tensor, assume_a: str, name: str = "A"):
    """A solver ``(X, adjoint) -> A⁻¹X`` from Cholesky (``pos``) or LDLᵀ (``sym``/``her``), checked."""
    hermitian = assume_a != "sym" or not A.is_complex()
    kind = {"pos": "symmetric (Hermitian) positive definite", "sym": "symmetric",
            "her": "Hermitian"}[assume_a]
    check_hermitian(A, name, what=f"{kind} for assume_a={assume_a!r}", conjugate=hermitian,
                    fix="; use assume_a='gen' for general matrices")
    if assume_a == "pos":
        L, info = torch.linalg.cholesky_ex(A)
        if bool((info > 0).any()):
            raise ValueError(f"{name} is not positive definite (Cholesky failed at column {int(info.max())}), as "
                             "assume_a='pos' needs; use assume_a='sym' for symmetric indefinite matrices")
        return lambda X, adjoint: torch.cholesky_solve(X, L)
    LD, pivots, info = torch.linalg.ldl_factor_ex(A.detach(), hermitian=hermitian)
    if bool((info > 0).any()):
        raise SingularMatrixError(f"{name} is singular (a zero pivot in its LDLᵀ "
                                  "factorization); use sciml.linalg.lstsq or regularize the system")

    def ldl(X, adjoint):
        if adjoint and not hermitian:  # complex symmetric: A^H = conj(A)
            return torch.linalg.ldl_solve(LD, pivots, X.conj(), hermitian=False).conj()
        return torch.linalg.ldl_solve(LD, pivots, X, hermitian=hermitian)

    return ldl


def _expand(batch, *tensors):
    return [t.expand(*batch, *t.shape[-2:]) for t in tensors]


def solve(A, b, *, assume_a: str = "gen", dtype=None, device=None) -> torch.Tensor:
    r"""Solve the linear system ``A x = b`` for a square, non-singular ``A`` (batched, differentiable).

    .. math:: A x = b, \qquad x = A^{-1} b = U^{-1} L^{-1} P^\top b,

    by LU factorization with partial pivoting, :math:`A = P L U` (``assume_a="gen"``), by Cholesky
    :math:`A = L L^{\mathsf H}` (``"pos"``) or by Bunch–Kaufman :math:`A = L D L^{\mathsf T}` (``"sym"``,
    ``"her"``), SciPy's names. Batches of matrices of size 128 and more are LU-factored one matrix at a time,
    and every solve of a batch whose normwise backward error
    :math:`\|b - A x\|_\infty / (\|A\|_\infty \|x\|_\infty + \|b\|_\infty)` exceeds :math:`10 n
    \varepsilon` is recomputed unbatched: torch's threaded batched LU can return wrong answers
    (pytorch#142815). The reciprocal condition number
    :math:`r = 1 / (\|A\|_1 \|A^{-1}\|_1)` is estimated from the factors (Hager's estimator of
    :math:`\|A^{-1}\|_1`, as LAPACK's ``gecon`` does, in :math:`O(n^2)`) and judged against the machine
    epsilon :math:`\varepsilon` of the dtype: :math:`r < \sqrt{\varepsilon}` is ill-conditioned (a warning;
    :math:`r \le n\varepsilon` says no digit may be correct), as ``scipy.linalg.solve`` does; only an exactly
    singular matrix (a zero pivot) is refused.

    Parameters
    ----------
    A : (..., n, n) tensor-like
        Square coefficient matrices; leading dimensions are a batch and broadcast against ``b``'s.
    b : (..., n) or (..., n, k) tensor-like
        Right-hand sides: a vector gives a vector solution, a matrix one solution per column.
    assume_a : {"gen", "sym", "her", "pos"}
        The structure of ``A``: general (LU), symmetric or Hermitian (LDLᵀ; LU when gradients are needed,
        as torch has no derivative of ``ldl_solve``), Hermitian positive definite (Cholesky). A matrix that is
        not what is assumed is refused.
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
        ``A`` is exactly singular (a zero pivot).
    ValueError
        ``A`` is not square, ``b`` has the wrong number of rows, or ``A`` is not symmetric (Hermitian, positive
        definite) as ``assume_a`` says.

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
    >>> torch.round(solve([[4.0, 2.0], [2.0, 3.0]], [2.0, 1.0], assume_a="pos"), decimals=6).tolist()
    [0.5, 0.0]
    """
    assume_a = check_choice(assume_a, "assume_a", ASSUME_A)
    A = as_square(A, dtype=dtype, device=device, finite=False)
    norm1 = _checked_norm1(A)
    b = as_tensor(b, "b", dtype=A.dtype, device=A.device)
    n = A.shape[-1]
    if b.dim() == 0:
        raise ValueError(f"b must be a vector of {n} entries (or a matrix of right-hand sides), got a scalar; "
                         f"pass [{float(b):g}] for a 1×1 system")
    vector = b.dim() == 1 or (b.dim() == A.dim() - 1 and b.shape[-1] == n)
    if (vector and b.shape[-1] != n) or (not vector and b.shape[-2] != n):
        raise ValueError(f"b must have {n} rows to match A of shape {tuple(A.shape)}, got shape {tuple(b.shape)}")
    rhs = b.unsqueeze(-1) if vector else b
    batch = torch.broadcast_shapes(rhs.shape[:-2], A.shape[:-2])
    if assume_a == "pos" or (assume_a != "gen" and not (A.requires_grad or b.requires_grad)):
        solver = _symmetric_solver(A, assume_a)
        with torch.no_grad():
            _judge(_hager(solver, norm1, A), A, "A", stacklevel=3)
        A_b, rhs = _expand(batch, A, rhs)
        x = solver(rhs, False) if assume_a == "pos" else solver(rhs.contiguous(), False)
    else:
        if assume_a != "gen":
            check_hermitian(A, "A", what=f"{'Hermitian' if assume_a == 'her' else 'symmetric'} for "
                            f"assume_a={assume_a!r}", conjugate=assume_a == "her" or not A.is_complex(),
                            fix="; use assume_a='gen' for general matrices")
        together = batch == A.shape[:-2]  # b solved with the condition estimate's first vector
        LU, pivots, transposed, x = _factor(A, norm1, rhs=_expand(batch, rhs)[0] if together else None)
        if batch != LU.shape[:-2]:
            LU, pivots = LU.expand(*batch, n, n), pivots.expand(*batch, n)
        A_b, rhs = _expand(batch, A, rhs)
        x = _lu_solve(LU, pivots, transposed, rhs, False) if x is None else x
        x = _guard.recheck(A_b, x, rhs)
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
        ``A`` is exactly singular (a zero pivot).
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
    SingularMatrixError: A is singular (a zero pivot: reciprocal condition number 0); ...
    """
    A = as_square(A, dtype=dtype, device=device, finite=False)
    LU, pivots, transposed, _ = _factor(A, _checked_norm1(A))
    eye = torch.eye(A.shape[-1], dtype=A.dtype, device=A.device).expand_as(A)
    return _guard.recheck(A, _lu_solve(LU, pivots, transposed, eye, False), eye)
