r"""The 5-point finite-difference Laplacian on a rectangular grid, matrix-free.

.. math:: (L u)_{ij} = 4 u_{ij} - u_{i-1,j} - u_{i+1,j} - u_{i,j-1} - u_{i,j+1},

with homogeneous Dirichlet boundaries (:math:`u = 0` outside the grid): :math:`h^2` times the discrete
:math:`-\Delta`, symmetric positive definite, the model problem of the Krylov methods. Its eigenvalues are
:math:`4 - 2\cos\frac{p\pi}{m+1} - 2\cos\frac{q\pi}{n+1}`, :math:`1 \le p \le m`, :math:`1 \le q \le n`.
"""

from __future__ import annotations

import threading

import torch

from sciml._validation import DEFAULT_DTYPE, check_dtype, check_int
from sciml.linalg._operator import LinearOperator


def laplacian_operator(m: int, n: int | None = None, *, dtype=DEFAULT_DTYPE, device="cpu") -> LinearOperator:
    r"""The 5-point Dirichlet Laplacian on an :math:`m \times n` grid as a :class:`LinearOperator` (no matrix).

    .. math:: (L u)_{ij} = 4 u_{ij} - u_{i-1,j} - u_{i+1,j} - u_{i,j-1} - u_{i,j+1}, \qquad u = 0
              \ \text{outside},

    acting on vectors of :math:`mn` entries (the grid in row-major order, as ``u.reshape(m, n)``); the same
    matrix as ``kron(I_m, T_n) + kron(T_m, I_n)`` with :math:`T = \operatorname{tridiag}(-1, 2, -1)`.

    Parameters
    ----------
    m : int
        Grid rows.
    n : int, optional
        Grid columns (default ``m``).
    dtype : torch.dtype
        Default float64.
    device : torch.device or str
        Default CPU.

    Returns
    -------
    LinearOperator
        Symmetric positive definite, of shape :math:`(mn, mn)`, with ``rmatvec = matvec``.

    References
    ----------
    .. [1] R. J. LeVeque, *Finite Difference Methods for Ordinary and Partial Differential Equations*, SIAM,
       2007, §3.2 and §3.4 (the 5-point Laplacian and its eigenvalues).

    Examples
    --------
    >>> L = laplacian_operator(2, 3)
    >>> L.shape, L.to_dense()[0].tolist()
    ((6, 6), [4.0, -1.0, 0.0, -1.0, 0.0, 0.0])
    """
    m = check_int(m, "m", low=1)
    n = m if n is None else check_int(n, "n", low=1)
    dtype = check_dtype(dtype)

    # on the flattened grid the vertical neighbours are ±n away; the horizontal ones ±1 away except across a row
    # end, where these masks zero them: five contiguous operations, no copies
    rows = torch.ones(m, n, dtype=dtype, device=device)
    no_left = rows.clone()
    no_left[:, -1] = 0  # entry j - 1 is a left neighbour of j unless it ends a row
    no_right = rows
    no_right[:, 0] = 0
    no_left, no_right = no_left.reshape(-1)[:-1], no_right.reshape(-1)[1:]
    zero = torch.zeros(1, dtype=dtype, device=device)
    mask_left, mask_right = torch.cat([zero, no_left]), torch.cat([no_right, zero])
    size, local = m * n, threading.local()

    def neighbours():
        """This thread's zero-bordered copy of the grid and its five shifted views, made once: the Krylov loops
        then pay one copy per product instead of eight slicings."""
        views = getattr(local, "views", None)
        if views is None:
            padded = torch.zeros(size + 2 * n, dtype=dtype, device=device)
            views = local.views = tuple(padded[k:k + size] for k in (n, 0, 2 * n, n - 1, n + 1))
        return views

    def apply(v: torch.Tensor) -> torch.Tensor:
        if v.dim() == 1 and not v.requires_grad and v.dtype == dtype and v.device == no_left.device:
            centre, up, down, left, right = neighbours()
            centre.copy_(v)
            out = torch.mul(v, 4)
            out.sub_(up)
            out.sub_(down)
            out.addcmul_(left, mask_left, value=-1)
            out.addcmul_(right, mask_right, value=-1)
            return out
        left, right = (no_left, no_right) if v.dim() == 1 else (no_left[:, None], no_right[:, None])
        out = torch.mul(v, 4)  # differentiable, and for matrices of columns: slices of v itself
        out[n:].sub_(v[:-n])
        out[:-n].sub_(v[n:])
        out[1:].addcmul_(v[:-1], left, value=-1)
        out[:-1].addcmul_(v[1:], right, value=-1)
        return out

    return LinearOperator((m * n, m * n), apply, apply, apply, dtype=dtype, device=device)
