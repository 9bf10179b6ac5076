"""Eigenvalues and singular value decompositions, sorted and typed predictably."""

from __future__ import annotations

import torch

from sciml._validation import as_tensor
from sciml.linalg._checks import as_square


def eigvalsh(A, *, dtype=None, device=None) -> torch.Tensor:
    r"""Eigenvalues of a symmetric (Hermitian) matrix ``A``, real and in ascending order (batched).

    .. math:: A v_i = \lambda_i v_i, \qquad A = A^{\mathsf H}, \qquad \lambda_1 \le \dots \le \lambda_n,

    the roots of :math:`\det(A - \lambda I) = 0`, all real for a Hermitian ``A``. ``A`` must be Hermitian to
    within :math:`10^3 \varepsilon \max(1, \max_{ij} |a_{ij}|)`; only its lower triangle is then used.

    Parameters
    ----------
    A : (..., n, n) tensor-like
        Symmetric (real) or Hermitian (complex) matrices; leading dimensions are a batch.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (..., n) tensor
        The eigenvalues :math:`\lambda_i` in ascending order, real (of ``A``'s real dtype).

    Raises
    ------
    ValueError
        ``A`` is not square, or not symmetric (use :func:`eigvals` for general matrices).

    References
    ----------
    .. [1] G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., Johns Hopkins University Press,
       2013, ch. 8 (the symmetric eigenvalue problem).
    .. [2] ``scipy.linalg.eigvalsh`` and ``numpy.linalg.eigvalsh``, which this mirrors.

    Examples
    --------
    >>> w = eigvalsh([[3.0, 1.0], [1.0, 2.0]])   # (5 ∓ √5)/2
    >>> torch.round(w, decimals=6).tolist()
    [1.381966, 3.618034]
    >>> eigvalsh([[0.0, 1.0], [0.0, 0.0]])
    Traceback (most recent call last):
    ...
    ValueError: A must be symmetric (Hermitian) for eigvalsh; use eigvals for general matrices
    """
    A = as_square(A, dtype=dtype, device=device)
    scale = A.abs().amax().clamp_min(1.0)
    if not torch.allclose(A, A.mH, rtol=0, atol=float(scale) * 1e3 * torch.finfo(A.dtype).eps):
        raise ValueError("A must be symmetric (Hermitian) for eigvalsh; use eigvals for general matrices")
    return torch.linalg.eigvalsh(A)


def eigvals(A, *, dtype=None, device=None) -> torch.Tensor:
    r"""Eigenvalues of a general square matrix ``A``, complex, sorted by real part then imaginary part.

    .. math:: \det(A - \lambda I) = 0, \qquad
              \lambda_i \prec \lambda_j \iff \operatorname{Re}\lambda_i < \operatorname{Re}\lambda_j
              \ \text{or}\ (\operatorname{Re}\lambda_i = \operatorname{Re}\lambda_j
              \ \text{and}\ \operatorname{Im}\lambda_i \le \operatorname{Im}\lambda_j),

    computed by the QR algorithm (``torch.linalg.eigvals``). The order is deterministic, unlike LAPACK's;
    eigenvalues of a real matrix come in conjugate pairs, the one with negative imaginary part first. For
    symmetric matrices prefer :func:`eigvalsh` (real, faster, more accurate).

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
    (..., n) complex tensor
        The eigenvalues, complex128 for float64 input (complex64 for float32).

    Raises
    ------
    ValueError
        ``A`` is not a square matrix or a batch of them.

    References
    ----------
    .. [1] G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., Johns Hopkins University Press,
       2013, ch. 7 (the unsymmetric eigenvalue problem).
    .. [2] ``scipy.linalg.eigvals`` and ``numpy.linalg.eigvals``, which this mirrors (with a sorted output).

    Examples
    --------
    >>> w = eigvals([[0.0, -1.0], [1.0, 0.0]])   # a rotation by 90°: ∓i
    >>> w.dtype, torch.round(w.imag, decimals=6).tolist(), bool(w.real.abs().max() < 1e-12)
    (torch.complex128, [-1.0, 1.0], True)
    >>> w = eigvals([[2.0, 0.0], [1.0, 1.0]])
    >>> torch.round(w.real, decimals=6).tolist(), torch.round(w.imag, decimals=6).tolist()
    ([1.0, 2.0], [0.0, 0.0])
    """
    A = as_square(A, dtype=dtype, device=device)
    w = torch.linalg.eigvals(A)
    order = torch.argsort(w.imag, dim=-1, stable=True)
    w = torch.gather(w, -1, order)
    order = torch.argsort(w.real, dim=-1, stable=True)
    return torch.gather(w, -1, order)


def svd(A, *, full_matrices: bool = False, dtype=None, device=None):
    r"""Singular value decomposition ``A = U diag(S) Vh`` with ``S`` descending (reduced by default).

    .. math:: A = U \operatorname{diag}(S) V^{\mathsf H}, \qquad U^{\mathsf H} U = I, \quad
              V^{\mathsf H} V = I, \qquad S_1 \ge S_2 \ge \dots \ge S_k \ge 0,

    for :math:`A \in \mathbb{C}^{m \times n}` and :math:`k = \min(m, n)`. The columns of :math:`U` and
    :math:`V` are determined up to a unit factor each (a sign for real matrices), and not at all for repeated
    singular values; gradients through ``U`` and ``Vh`` are then undefined, those through ``S`` are not.

    Parameters
    ----------
    A : (..., m, n) tensor-like
        Matrices (not necessarily square); leading dimensions are a batch.
    full_matrices : bool
        ``False`` (default): the reduced SVD, ``U`` of shape (..., m, k) and ``Vh`` (..., k, n). ``True``:
        square ``U`` (..., m, m) and ``Vh`` (..., n, n).
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    torch.return_types.linalg_svd
        ``torch.linalg.svd``'s named tuple ``(U, S, Vh)``; ``S`` is real, of shape (..., k).

    Raises
    ------
    ValueError
        ``A`` has fewer than two dimensions.

    References
    ----------
    .. [1] G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., Johns Hopkins University Press,
       2013, §2.4 (the singular value decomposition) and §8.6 (computing it).
    .. [2] ``scipy.linalg.svd`` and ``numpy.linalg.svd``, which this mirrors.

    Examples
    --------
    >>> A = torch.tensor([[3.0, 0.0], [4.0, 5.0]], dtype=torch.float64)
    >>> U, S, Vh = svd(A)
    >>> torch.round(S**2, decimals=6).tolist()   # the eigenvalues of AᵀA: 45 and 5
    [45.0, 5.0]
    >>> torch.allclose(U @ torch.diag(S) @ Vh, A)
    True
    >>> round(float(svd([[1.0, 2.0, 2.0]]).S[0]), 6)   # one row: its length
    3.0
    """
    A = as_tensor(A, "A", dtype=dtype, device=device)
    if A.dim() < 2:
        raise ValueError(f"A must be a matrix (or a batch of them), got shape {tuple(A.shape)}")
    return torch.linalg.svd(A, full_matrices=full_matrices)
