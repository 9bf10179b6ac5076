r"""Norms, determinants and the backward error of a computed solution.

The normwise backward error of :math:`x` as a solution of :math:`A x = b` (Rigal and Gaches) is the smallest
relative perturbation that makes it exact,

.. math:: \eta(x) = \min\{\epsilon : (A + \Delta A) x = b + \Delta b,\ \|\Delta A\| \le \epsilon \|A\|,
          \ \|\Delta b\| \le \epsilon \|b\|\} = \frac{\|b - A x\|}{\|A\|\,\|x\| + \|b\|};

a backward-stable solver gives :math:`\eta = O(n\varepsilon)` whatever the conditioning of ``A``.
"""

from __future__ import annotations

import torch

from sciml._validation import as_tensor
from sciml.linalg import _guard
from sciml.linalg._checks import as_matrix, as_square

_MATRIX_ORDS = (None, "fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf"))


def norm(a, ord=None, *, vector: bool | None = None, dtype=None, device=None) -> torch.Tensor:
    r"""Vector or matrix norm, batched over leading dimensions (``scipy.linalg.norm``'s ``ord`` values).

    .. math:: \|x\|_p = \Big(\sum_i |x_i|^p\Big)^{1/p}, \qquad \|A\|_F = \Big(\sum_{ij} |a_{ij}|^2\Big)^{1/2},
              \qquad \|A\|_2 = \sigma_{\max}(A), \qquad \|A\|_* = \sum_i \sigma_i(A),

    :math:`\|A\|_1` the largest column sum of :math:`|a_{ij}|`, :math:`\|A\|_\infty` the largest row sum.

    Parameters
    ----------
    a : (..., n) or (..., m, n) tensor-like
        A vector (1-D) or matrices (the last two dimensions; SciPy flattens arrays of more dimensions, this
        keeps them as a batch).
    ord : {None, "fro", "nuc", 1, -1, 2, -2, inf, -inf} or float
        ``None`` is the 2-norm of a vector and the Frobenius norm of a matrix. Any real ``p`` for vectors.
    vector : bool, optional
        Treat the last dimension of a multi-dimensional ``a`` as a batch of vectors (default: only 1-D
        input is a vector).
    dtype : torch.dtype, optional
        Default ``a``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``a``'s.

    Returns
    -------
    (...) tensor
        The norms, real.

    Raises
    ------
    ValueError
        An ``ord`` that is not a matrix norm, or non-finite entries.

    References
    ----------
    .. [1] G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, §2.3.
    .. [2] ``scipy.linalg.norm``, which this mirrors.

    Examples
    --------
    >>> float(norm([3.0, 4.0])), float(norm([[1.0, 2.0], [3.0, 4.0]], 1)), float(norm([[3.0, 0.0], [4.0, 0.0]], 2))
    (5.0, 6.0, 5.0)
    """
    a = as_tensor(a, "a", dtype=dtype, device=device)
    if a.dim() == 0:
        raise ValueError("a must be a vector or a matrix, got a scalar; pass [value]")
    if vector or a.dim() == 1:
        p = 2 if ord is None else ord
        if isinstance(p, str) or isinstance(p, bool) or not isinstance(p, int | float):
            raise ValueError(f"ord={ord!r} is not a vector norm; pass a real p (2, 1, inf, ...)")
        return torch.linalg.vector_norm(a, p, dim=-1)
    if isinstance(ord, bool) or not isinstance(ord, str | int | float | type(None)) or \
            not any(ord == c for c in _MATRIX_ORDS):
        raise ValueError(f"ord={ord!r} is not a matrix norm; pass one of None, 'fro', 'nuc', 1, -1, 2, -2, inf, -inf "
                         "(or vector=True for norms of the rows)")
    return torch.linalg.matrix_norm(a, "fro" if ord is None else ord)


def det(A, *, dtype=None, device=None) -> torch.Tensor:
    r"""Determinant of square matrices (batched, differentiable); LU-based, guarded for large batches.

    .. math:: \det A = \det P \prod_i u_{ii}, \qquad A = P L U.

    Parameters
    ----------
    A : (..., n, n) tensor-like
        Square matrices.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (...) tensor
        :math:`\det A`; it over- and underflows easily: use :func:`slogdet` for large matrices.

    References
    ----------
    .. [1] ``scipy.linalg.det``, which this mirrors.

    Examples
    --------
    >>> float(det([[3.0, 1.0], [1.0, 2.0]]))
    5.0
    """
    A = as_square(A, dtype=dtype, device=device)
    if not _guard._batched(A):
        return torch.linalg.det(A)
    n = A.shape[-1]
    return torch.stack([torch.linalg.det(a) for a in A.reshape(-1, n, n)]).reshape(A.shape[:-2])


def slogdet(A, *, dtype=None, device=None):
    r"""Sign and logarithm of the absolute determinant, :math:`\det A = \text{sign}\cdot e^{\text{logabsdet}}`.

    .. math:: \log|\det A| = \sum_i \log|u_{ii}|, \qquad A = P L U,

    free of the over- and underflow of :func:`det`. A singular matrix gives sign 0 and ``-inf``.

    Parameters
    ----------
    A : (..., n, n) tensor-like
        Square matrices.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    sign : (...) tensor
        :math:`\pm 1` (a unit complex number for complex ``A``), 0 for singular matrices.
    logabsdet : (...) tensor
        :math:`\log|\det A|`, real.

    References
    ----------
    .. [1] ``numpy.linalg.slogdet``, which this mirrors.

    Examples
    --------
    >>> sign, logabsdet = slogdet(torch.eye(3, dtype=torch.float64) * 1e200)   # det = 1e600 overflows
    >>> float(sign), round(float(logabsdet), 6)
    (1.0, 1381.551056)
    """
    A = as_square(A, dtype=dtype, device=device)
    if not _guard._batched(A):
        return torch.linalg.slogdet(A)
    n = A.shape[-1]
    parts = [torch.linalg.slogdet(a) for a in A.reshape(-1, n, n)]
    shape = A.shape[:-2]
    return torch.return_types.linalg_slogdet((torch.stack([p[0] for p in parts]).reshape(shape),
                                              torch.stack([p[1] for p in parts]).reshape(shape)))


def backward_error(A, x, b, *, dtype=None, device=None) -> torch.Tensor:
    r"""Normwise backward error of ``x`` as a solution of ``A x = b`` (Rigal–Gaches, :math:`\infty`-norms).

    .. math:: \eta(x) = \frac{\|b - A x\|_\infty}{\|A\|_\infty \|x\|_\infty + \|b\|_\infty},

    the smallest :math:`\epsilon` such that :math:`(A + \Delta A) x = b + \Delta b` with
    :math:`\|\Delta A\| \le \epsilon\|A\|`, :math:`\|\Delta b\| \le \epsilon\|b\|`. A backward-stable solve
    gives :math:`O(n\varepsilon)`; the forward error is at most about :math:`\kappa(A)\,\eta`.

    Parameters
    ----------
    A : (..., m, n) tensor-like
        The matrices.
    x : (..., n) or (..., n, k) tensor-like
        Computed solutions.
    b : (..., m) or (..., m, k) tensor-like
        Right-hand sides, shaped like ``A @ x``.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (...) or (..., k) tensor
        :math:`\eta` per right-hand side (0 where ``x`` and ``b`` are both zero).

    References
    ----------
    .. [1] J. L. Rigal and J. Gaches, "On the compatibility of a given solution with the data of a linear
       system", *J. ACM* 14(3), 543–548, 1967.
    .. [2] N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., SIAM, 2002, Thm 7.1.

    Examples
    --------
    >>> float(backward_error([[2.0, 0.0], [0.0, 4.0]], [1.0, 1.0], [2.0, 4.0]))
    0.0
    >>> round(float(backward_error([[1.0, 0.0], [0.0, 1.0]], [1.0, 0.9], [1.0, 1.0])), 6)   # 0.1 / (1 + 1)
    0.05
    """
    A = as_matrix(A, dtype=dtype, device=device)
    x = as_tensor(x, "x", dtype=A.dtype, device=A.device)
    b = as_tensor(b, "b", dtype=A.dtype, device=A.device)
    vector = x.dim() == 1 or (x.dim() == A.dim() - 1 and x.shape[-1] == A.shape[-1] and x.dim() == b.dim()
                              and b.shape[-1] == A.shape[-2])
    X, B = (x.unsqueeze(-1), b.unsqueeze(-1)) if vector else (x, b)
    if X.dim() < 2 or X.shape[-2] != A.shape[-1]:
        raise ValueError(f"x must have {A.shape[-1]} rows to match A of shape {tuple(A.shape)}, got shape "
                         f"{tuple(x.shape)}")
    try:
        eta = _guard.normwise_backward_error(A, X, B)
    except RuntimeError as exc:
        raise ValueError(f"b of shape {tuple(b.shape)} does not match A @ x of A {tuple(A.shape)}, x "
                         f"{tuple(x.shape)}: {exc}") from None
    return eta.squeeze(-1) if vector else eta
