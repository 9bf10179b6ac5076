r"""Eigendecompositions: general (:func:`eig`) and symmetric / generalized symmetric-definite (:func:`eigh`).

The generalized problem :math:`A v = \lambda B v` with :math:`A = A^{\mathsf H}` and :math:`B` Hermitian
positive definite reduces, with the Cholesky factor :math:`B = L L^{\mathsf H}`, to the standard problem
:math:`C y = \lambda y` for :math:`C = L^{-1} A L^{-\mathsf H}` and :math:`v = L^{-\mathsf H} y`; the
eigenvectors are then :math:`B`-orthonormal, :math:`V^{\mathsf H} B V = I` (LAPACK's ``sygv``, SciPy's
``eigh(a, b)``).
"""

from __future__ import annotations

import torch

from sciml._validation import as_tensor
from sciml.linalg._checks import as_square, check_hermitian


def _sort_complex(w: torch.Tensor, V: torch.Tensor | None = None):
    order = torch.argsort(w.imag, dim=-1, stable=True)
    w = torch.gather(w, -1, order)
    perm = order
    order = torch.argsort(w.real, dim=-1, stable=True)
    w = torch.gather(w, -1, order)
    perm = torch.gather(perm, -1, order)
    if V is None:
        return w
    return w, torch.gather(V, -1, perm.unsqueeze(-2).expand_as(V))


def eig(A, *, dtype=None, device=None):
    r"""Eigenvalues and right eigenvectors of a general square matrix, sorted as :func:`eigvals` sorts them.

    .. math:: A v_i = \lambda_i v_i, \qquad \|v_i\|_2 = 1,

    by the QR algorithm (``torch.linalg.eig``); eigenvalues ascending by real part, then imaginary part.
    Gradients exist for distinct eigenvalues (an eigenvector is determined only up to a unit factor; losses
    must not depend on it).

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
    w : (..., n) complex tensor
        The eigenvalues.
    V : (..., n, n) complex tensor
        Unit eigenvectors, ``V[..., :, i]`` for ``w[..., i]``.

    Raises
    ------
    ValueError
        ``A`` is not square, or has non-finite entries.

    References
    ----------
    .. [1] G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, ch. 7.
    .. [2] ``scipy.linalg.eig``, which this mirrors (with a sorted output).

    Examples
    --------
    >>> w, V = eig([[2.0, 1.0], [0.0, 3.0]])
    >>> w.real.tolist(), bool(torch.allclose(torch.tensor([[2.0, 1.0], [0.0, 3.0]], dtype=V.dtype) @ V, V * w))
    ([2.0, 3.0], True)
    """
    A = as_square(A, dtype=dtype, device=device)
    w, V = torch.linalg.eig(A)
    return _sort_complex(w, V)


def eigh(A, B=None, *, eigvals_only: bool = False, dtype=None, device=None):
    r"""Eigenvalues (ascending) and eigenvectors of a symmetric (Hermitian) ``A``, or of the pencil ``(A, B)``.

    .. math:: A v_i = \lambda_i B v_i, \qquad V^{\mathsf H} B V = I, \qquad \lambda_1 \le \dots \le \lambda_n,

    with :math:`B = I` when ``B`` is not given. For a Hermitian positive definite ``B`` the pencil is reduced
    through the Cholesky factor :math:`B = L L^{\mathsf H}` to :math:`L^{-1} A L^{-\mathsf H} y = \lambda y`,
    :math:`v = L^{-\mathsf H} y`. Batched and differentiable (for distinct eigenvalues).

    Parameters
    ----------
    A : (..., n, n) tensor-like
        Symmetric (Hermitian) matrices, to within :math:`10^3\varepsilon \max(1, |a_{ij}|)`.
    B : (..., n, n) tensor-like, optional
        Symmetric (Hermitian) positive definite matrices; batch dimensions broadcast against ``A``'s.
    eigvals_only : bool
        Return only the eigenvalues.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    w : (..., n) real tensor
        The eigenvalues, ascending.
    V : (..., n, n) tensor
        The eigenvectors as columns, :math:`B`-orthonormal (not returned with ``eigvals_only``).

    Raises
    ------
    ValueError
        ``A`` or ``B`` is not square or not symmetric, the shapes differ, or ``B`` is not positive definite.

    References
    ----------
    .. [1] G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, §8.7 (the symmetric-definite
       generalized problem).
    .. [2] ``scipy.linalg.eigh``, which this mirrors.

    Examples
    --------
    >>> w, V = eigh([[2.0, 0.0], [0.0, 3.0]], [[4.0, 0.0], [0.0, 1.0]])   # λ = 2/4 and 3/1
    >>> w.tolist(), torch.round(V.abs(), decimals=6).tolist()
    ([0.5, 3.0], [[0.5, 0.0], [0.0, 1.0]])
    """
    A = as_square(A, dtype=dtype, device=device)
    check_hermitian(A, "A", fix="; use eig for general matrices")
    if B is None:
        if eigvals_only:
            return torch.linalg.eigvalsh(A)
        return torch.linalg.eigh(A)
    B = as_square(as_tensor(B, "B", dtype=A.dtype, device=A.device), "B")
    if B.shape[-1] != A.shape[-1]:
        raise ValueError(f"B must be {A.shape[-1]}×{A.shape[-1]} like A, got shape {tuple(B.shape)}")
    check_hermitian(B, "B", fix="; B must be symmetric positive definite (the metric of the pencil)")
    L, info = torch.linalg.cholesky_ex(B)
    if bool((info > 0).any()):
        raise ValueError("B is not positive definite (its Cholesky factorization failed); eigh(A, B) needs a "
                         "positive definite B: swap A and B if A is, or use eig on solve(B, A)")
    batch = torch.broadcast_shapes(A.shape[:-2], L.shape[:-2])
    n = A.shape[-1]
    A, L = A.expand(*batch, n, n), L.expand(*batch, n, n)
    X = torch.linalg.solve_triangular(L, A, upper=False)                 # L⁻¹ A
    C = torch.linalg.solve_triangular(L, X.mH, upper=False)              # L⁻¹ A L⁻ᴴ (A Hermitian)
    C = (C + C.mH) / 2
    if eigvals_only:
        return torch.linalg.eigvalsh(C)
    w, Y = torch.linalg.eigh(C)
    return torch.return_types.linalg_eigh((w, torch.linalg.solve_triangular(L.mH, Y, upper=True)))
