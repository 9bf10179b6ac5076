r"""Least squares, the pseudo-inverse and orthonormal bases of the range and null space, from the SVD.

.. math:: A = U \operatorname{diag}(s) V^{\mathsf H}, \qquad A^+ = V \operatorname{diag}(s^+) U^{\mathsf H},
          \qquad s_i^+ = \begin{cases} 1/s_i & s_i > \text{rcond}\, s_1 \\ 0 & \text{otherwise,} \end{cases}

so :math:`x = A^+ b` is the minimum-norm minimizer of :math:`\|A x - b\|_2`, the rank is the number of
singular values above :math:`\text{rcond}\, s_1` and the columns of :math:`U` (of :math:`V`) past the rank span
the orthogonal complement of the range (the null space). The default ``rcond`` is NumPy's,
:math:`\max(m, n)\,\varepsilon`.
"""

from __future__ import annotations

import dataclasses

import torch

from sciml._validation import as_tensor, check_real
from sciml.linalg._checks import as_matrix
from sciml.results import Result


@dataclasses.dataclass(repr=False)
class LstsqResult(Result):
    """Result of :func:`lstsq`.

    Attributes
    ----------
    x : (..., n) or (..., n, k) tensor
        The minimum-norm least-squares solution :math:`A^+ b`.
    residuals : (...,) or (..., k) tensor
        :math:`\\|b - A x\\|_2^2` per right-hand side (SciPy returns these only for full column rank with
        :math:`m > n`; here always).
    rank : (...) long tensor
        The numerical rank: singular values above ``rcond`` times the largest.
    s : (..., min(m, n)) tensor
        The singular values of ``A``, descending.
    """

    x: torch.Tensor
    residuals: torch.Tensor
    rank: torch.Tensor
    s: torch.Tensor


def _rtol(A: torch.Tensor, rcond) -> float:
    if rcond is None:
        return max(A.shape[-2:]) * torch.finfo(A.dtype).eps
    return check_real(rcond, "rcond", low=0.0)


def lstsq(A, b, *, rcond=None, dtype=None, device=None) -> LstsqResult:
    r"""Minimum-norm least-squares solution of ``A x ≈ b`` (batched, differentiable), as ``scipy.linalg.lstsq``.

    .. math:: x = \operatorname*{arg\,min}_{x} \|A x - b\|_2 \ \text{of least}\ \|x\|_2 = A^+ b,

    with :math:`A^+` the pseudo-inverse from the SVD, singular values at or below ``rcond`` times the largest
    treated as zero. Rank-deficient and underdetermined systems are answered (the minimum-norm solution), not
    refused.

    Parameters
    ----------
    A : (..., m, n) tensor-like
        Coefficient matrices; leading dimensions are a batch and broadcast against ``b``'s.
    b : (..., m) or (..., m, k) tensor-like
        Right-hand sides (a vector or one per column).
    rcond : float, optional
        Relative cut-off for small singular values; default :math:`\max(m, n)\,\varepsilon` (NumPy's).
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays); ``b`` is cast to it.
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    LstsqResult
        ``x``, ``residuals`` (:math:`\|b - Ax\|_2^2`), ``rank`` and the singular values ``s``.

    Raises
    ------
    ValueError
        ``A`` is not a matrix, ``b`` has the wrong number of rows, or entries are not finite.

    References
    ----------
    .. [1] G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, §5.5 (the rank-deficient
       least-squares problem).
    .. [2] ``scipy.linalg.lstsq`` (LAPACK ``gelsd``), which this mirrors.

    Examples
    --------
    >>> t = torch.tensor([0.0, 1.0, 2.0, 3.0], dtype=torch.float64)
    >>> A = torch.stack([torch.ones_like(t), t], -1)          # fit y = c0 + c1 t
    >>> res = lstsq(A, [1.0, 3.0, 4.0, 4.0])
    >>> torch.round(res.x, decimals=6).tolist(), int(res.rank), round(float(res.residuals), 6)
    ([1.5, 1.0], 2, 1.0)
    """
    A = as_matrix(A, dtype=dtype, device=device)
    b = as_tensor(b, "b", dtype=A.dtype, device=A.device)
    m = A.shape[-2]
    if b.dim() == 0:
        raise ValueError(f"b must be a vector of {m} entries (or a matrix of right-hand sides), got a scalar")
    vector = b.dim() == 1 or (b.dim() == A.dim() - 1 and b.shape[-1] == m)
    if (vector and b.shape[-1] != m) or (not vector and b.shape[-2] != m):
        raise ValueError(f"b must have {m} rows to match A of shape {tuple(A.shape)}, got shape {tuple(b.shape)}")
    tol = _rtol(A, rcond)
    s = torch.linalg.svdvals(A)
    rank = (s > tol * s[..., :1]).sum(-1)
    rhs = b.unsqueeze(-1) if vector else b
    x = torch.linalg.pinv(A, rtol=tol) @ rhs
    residuals = (rhs - A @ x).abs().pow(2).sum(-2)
    if vector:
        x, residuals = x.squeeze(-1), residuals.squeeze(-1)
    return LstsqResult(x=x, residuals=residuals, rank=rank, s=s)


def pinv(A, *, rcond=None, dtype=None, device=None) -> torch.Tensor:
    r"""Moore–Penrose pseudo-inverse :math:`A^+` (batched, differentiable where the rank is constant).

    .. math:: A^+ = V \operatorname{diag}(s^+) U^{\mathsf H}, \qquad A A^+ A = A, \quad A^+ A A^+ = A^+,

    with :math:`s_i^+ = 1/s_i` for singular values above ``rcond`` times the largest, else 0.

    Parameters
    ----------
    A : (..., m, n) tensor-like
        Matrices; leading dimensions are a batch.
    rcond : float, optional
        Relative cut-off; default :math:`\max(m, n)\,\varepsilon`.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (..., n, m) tensor
        :math:`A^+`.

    References
    ----------
    .. [1] R. Penrose, "A generalized inverse for matrices", *Proc. Cambridge Philos. Soc.* 51, 406–413, 1955.
    .. [2] ``scipy.linalg.pinv``, which this mirrors.

    Examples
    --------
    >>> torch.round(pinv([[1.0, 2.0], [2.0, 4.0]]) * 25, decimals=6).tolist()   # rank one: A / ‖A‖_F²
    [[1.0, 2.0], [2.0, 4.0]]
    """
    A = as_matrix(A, dtype=dtype, device=device)
    return torch.linalg.pinv(A, rtol=_rtol(A, rcond))


def _basis(A, rcond, dtype, device, *, null: bool) -> torch.Tensor:
    A = as_matrix(A, dtype=dtype, device=device)
    if A.dim() != 2:
        raise ValueError(f"A must be a single matrix of shape (m, n) (bases of a batch differ in size), got shape "
                         f"{tuple(A.shape)}; loop over the batch")
    U, s, Vh = torch.linalg.svd(A, full_matrices=True)
    rank = int((s > _rtol(A, rcond) * s[:1]).sum()) if s.numel() else 0
    return Vh[rank:].mH if null else U[:, :rank]


def null_space(A, *, rcond=None, dtype=None, device=None) -> torch.Tensor:
    r"""Orthonormal basis of the null space :math:`\{x : A x = 0\}`, from the SVD, as ``scipy.linalg.null_space``.

    .. math:: \mathcal N(A) = \operatorname{span}\{v_{r+1}, \dots, v_n\},

    the right singular vectors past the numerical rank :math:`r` (singular values above ``rcond`` times the
    largest).

    Parameters
    ----------
    A : (m, n) tensor-like
        One matrix (the basis size depends on its rank, so there is no batch).
    rcond : float, optional
        Relative cut-off; default :math:`\max(m, n)\,\varepsilon`.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (n, n - r) tensor
        Orthonormal columns spanning the null space (no columns for full column rank).

    References
    ----------
    .. [1] ``scipy.linalg.null_space``, which this mirrors.

    Examples
    --------
    >>> Z = null_space([[1.0, 1.0, 1.0]])
    >>> Z.shape, float((torch.tensor([[1.0, 1.0, 1.0]], dtype=Z.dtype) @ Z).abs().max()) < 1e-15
    (torch.Size([3, 2]), True)
    """
    return _basis(A, rcond, dtype, device, null=True)


def orth(A, *, rcond=None, dtype=None, device=None) -> torch.Tensor:
    r"""Orthonormal basis of the range :math:`\{A x\}`, from the SVD, as ``scipy.linalg.orth``.

    .. math:: \mathcal R(A) = \operatorname{span}\{u_1, \dots, u_r\},

    the left singular vectors of the :math:`r` singular values above ``rcond`` times the largest.

    Parameters
    ----------
    A : (m, n) tensor-like
        One matrix.
    rcond : float, optional
        Relative cut-off; default :math:`\max(m, n)\,\varepsilon`.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (m, r) tensor
        Orthonormal columns spanning the range of ``A``.

    References
    ----------
    .. [1] ``scipy.linalg.orth``, which this mirrors.

    Examples
    --------
    >>> Q = orth([[1.0, 2.0], [2.0, 4.0]])     # rank one: the direction (1, 2)/√5, up to sign
    >>> Q.shape, torch.round(Q.abs() * 5**0.5, decimals=6).flatten().tolist()
    (torch.Size([2, 1]), [1.0, 2.0])
    """
    return _basis(A, rcond, dtype, device, null=False)
