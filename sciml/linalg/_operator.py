r"""Linear operators seen only through their action: ``matvec``, ``rmatvec`` and ``matmat``.

A :class:`LinearOperator` :math:`A : \mathbb{F}^n \to \mathbb{F}^m` is a shape, a dtype, a device and a
function :math:`v \mapsto A v` (optionally :math:`u \mapsto A^{\mathsf H} u`), as
``scipy.sparse.linalg.LinearOperator``. It is built from a dense or sparse tensor, a NumPy array or SciPy
sparse matrix, a callable, or the Hessian of a scalar function at a point (:func:`hessian_operator`, one
Hessian-vector product per ``matvec``, the Hessian never formed), and composes: ``A + B``, ``A - B``,
``A @ B``, ``c * A``, ``-A``, ``A.T``, ``A.H``. The Krylov solvers take any of these.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import torch

from sciml._validation import DEFAULT_DTYPE, as_tensor, check_dtype, check_int


class LinearOperator:
    r"""A linear map :math:`A: \mathbb{F}^n \to \mathbb{F}^m` given by its action, as in SciPy.

    Parameters
    ----------
    shape : (int, int)
        :math:`(m, n)`.
    matvec : callable
        ``matvec(v)`` for ``v`` of shape (n,) returns :math:`A v` of shape (m,).
    rmatvec : callable, optional
        ``rmatvec(u)`` returns :math:`A^{\mathsf H} u`; needed by ``A.H``/``A.T`` and methods that use it.
    matmat : callable, optional
        ``matmat(V)`` for (n, k) returns (m, k); default applies ``matvec`` to each column.
    dtype : torch.dtype
        The dtype of the vectors it acts on (default float64).
    device : torch.device or str
        Their device (default CPU).

    Examples
    --------
    >>> A = LinearOperator((2, 2), lambda v: torch.stack([2 * v[0], 3 * v[1]]))
    >>> (A @ torch.tensor([1.0, 1.0], dtype=torch.float64)).tolist(), (2 * A + A).to_dense().diagonal().tolist()
    ([2.0, 3.0], [6.0, 9.0])
    """

    def __init__(self, shape, matvec, rmatvec=None, matmat=None, *, dtype=DEFAULT_DTYPE, device="cpu"):
        if not isinstance(shape, tuple | list) or len(shape) != 2:
            raise ValueError(f"shape must be a pair (m, n), got {shape!r}")
        m, n = (check_int(s, "shape", low=1) for s in shape)
        if not callable(matvec):
            raise TypeError(f"matvec must be callable v -> A v, got {type(matvec).__name__}")
        for name, fn in (("rmatvec", rmatvec), ("matmat", matmat)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be callable or None, got {type(fn).__name__}")
        self.shape = (m, n)
        self.dtype = check_dtype(dtype)
        self.device = torch.device(device)
        self._matvec, self._rmatvec, self._matmat = matvec, rmatvec, matmat

    def __repr__(self) -> str:
        return f"<{self.shape[0]}×{self.shape[1]} {type(self).__name__} with dtype={self.dtype}>"

    def _check(self, v: torch.Tensor, n: int, what: str) -> torch.Tensor:
        if not isinstance(v, torch.Tensor):
            v = as_tensor(v, "v", dtype=self.dtype, device=self.device)
        if v.dim() not in (1, 2) or v.shape[0] != n:
            raise ValueError(f"{what} needs a vector of {n} entries (or an ({n}, k) matrix), got shape "
                             f"{tuple(v.shape)}")
        return v

    def matvec(self, v) -> torch.Tensor:
        """:math:`A v` for ``v`` of shape (n,) (or (n, k), column by column)."""
        v = self._check(v, self.shape[1], "matvec")
        if v.dim() == 2:
            return self.matmat(v)
        return self._matvec(v).reshape(self.shape[0])

    def rmatvec(self, u) -> torch.Tensor:
        r""":math:`A^{\mathsf H} u` for ``u`` of shape (m,)."""
        if self._rmatvec is None:
            raise TypeError(f"{self!r} has no rmatvec (its adjoint is not known); build it with rmatvec=")
        u = self._check(u, self.shape[0], "rmatvec")
        if u.dim() == 2:
            return torch.stack([self._rmatvec(c).reshape(self.shape[1]) for c in u.unbind(-1)], -1)
        return self._rmatvec(u).reshape(self.shape[1])

    def matmat(self, V) -> torch.Tensor:
        """:math:`A V` for ``V`` of shape (n, k)."""
        V = self._check(V, self.shape[1], "matmat")
        if V.dim() == 1:
            return self.matvec(V)
        if self._matmat is not None:
            return self._matmat(V)
        return torch.stack([self._matvec(c).reshape(self.shape[0]) for c in V.unbind(-1)], -1)

    def to_dense(self) -> torch.Tensor:
        """The (m, n) matrix, by applying the operator to the identity (n products: small operators only)."""
        return self.matmat(torch.eye(self.shape[1], dtype=self.dtype, device=self.device))

    # -- composition ------------------------------------------------------------------------------------------
    @property
    def H(self) -> LinearOperator:
        r"""The adjoint :math:`A^{\mathsf H}`."""
        if self._rmatvec is None:
            raise TypeError(f"{self!r} has no rmatvec, so no adjoint; build it with rmatvec=")
        return LinearOperator((self.shape[1], self.shape[0]), self._rmatvec, self._matvec, dtype=self.dtype,
                              device=self.device)

    @property
    def T(self) -> LinearOperator:
        r"""The transpose :math:`A^{\mathsf T} = \overline{A^{\mathsf H}}` (the adjoint for real operators)."""
        adjoint = self.H
        if not self.dtype.is_complex:
            return adjoint
        return LinearOperator(adjoint.shape, lambda v: adjoint.matvec(v.conj()).conj(),
                              lambda u: self.matvec(u.conj()).conj(), dtype=self.dtype, device=self.device)

    def _rmv_or_none(self, fn):
        return None if self._rmatvec is None else fn

    def __add__(self, other):
        other = aslinearoperator(other) if not isinstance(other, LinearOperator) else other
        if other.shape != self.shape:
            raise ValueError(f"cannot add operators of shapes {self.shape} and {other.shape}")
        rmv = None if self._rmatvec is None or other._rmatvec is None else \
            (lambda u: self.rmatvec(u) + other.rmatvec(u))
        return LinearOperator(self.shape, lambda v: self.matvec(v) + other.matvec(v), rmv,
                              lambda V: self.matmat(V) + other.matmat(V), dtype=self.dtype, device=self.device)

    def __neg__(self):
        return (-1) * self

    def __sub__(self, other):
        return self + (-other if isinstance(other, LinearOperator) else -aslinearoperator(other))

    def __mul__(self, c):
        if isinstance(c, bool) or not isinstance(c, numbers.Number):
            return NotImplemented
        return LinearOperator(self.shape, lambda v: c * self.matvec(v),
                              self._rmv_or_none(lambda u: np.conj(c) * self.rmatvec(u)),
                              lambda V: c * self.matmat(V), dtype=self.dtype, device=self.device)

    __rmul__ = __mul__

    def __matmul__(self, other):
        if isinstance(other, torch.Tensor) and not other.is_sparse and other.layout == torch.strided:
            return self.matvec(other) if other.dim() == 1 else self.matmat(other)
        other = other if isinstance(other, LinearOperator) else aslinearoperator(other)
        if self.shape[1] != other.shape[0]:
            raise ValueError(f"cannot multiply operators of shapes {self.shape} and {other.shape}")
        rmv = None if self._rmatvec is None or other._rmatvec is None else \
            (lambda u: other.rmatvec(self.rmatvec(u)))
        return LinearOperator((self.shape[0], other.shape[1]), lambda v: self.matvec(other.matvec(v)), rmv,
                              lambda V: self.matmat(other.matmat(V)), dtype=self.dtype, device=self.device)


def _sparse_mv(A: torch.Tensor):
    return lambda V: torch.mv(A, V) if V.dim() == 1 else A @ V


def _csr(A: torch.Tensor) -> torch.Tensor:
    """``A`` (sparse, any layout) as CSR with 32-bit indices where they fit: torch's CPU CSR product then
    goes through MKL and runs at SciPy's speed (int64 indices take 1.4× as long on the 10⁴ Laplacian)."""
    A = A if A.layout == torch.sparse_csr else A.to_sparse_csr()
    if A.crow_indices().dtype == torch.int32 or max(A.shape) >= 2**31 or A.values().numel() >= 2**31:
        return A
    return torch.sparse_csr_tensor(A.crow_indices().to(torch.int32), A.col_indices().to(torch.int32), A.values(),
                                   size=A.shape, check_invariants=False)


def aslinearoperator(A, *, shape=None, dtype=None, device=None) -> LinearOperator:
    """``A`` as a :class:`LinearOperator`: a LinearOperator (as is), a dense or sparse tensor, a NumPy array,
    a SciPy sparse matrix, or a callable ``v -> A v`` (with ``shape=`` given).

    Parameters
    ----------
    A : LinearOperator, tensor, array, scipy.sparse matrix or callable
        The operator.
    shape : (int, int), optional
        Needed for a callable.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for arrays, lists and callables).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    LinearOperator

    Examples
    --------
    >>> A = aslinearoperator([[2.0, 1.0], [0.0, 3.0]])
    >>> A.shape, (A.H @ torch.tensor([1.0, 1.0], dtype=torch.float64)).tolist()
    ((2, 2), [2.0, 4.0])
    """
    if isinstance(A, LinearOperator):
        return A
    if hasattr(A, "tocsr") and hasattr(A, "nnz"):  # scipy.sparse
        A = A.tocsr()
        with warnings.catch_warnings():  # "CSR support is in beta": what sciml uses of it is tested
            warnings.simplefilter("ignore", UserWarning)
            A = torch.sparse_csr_tensor(torch.from_numpy(A.indptr.astype(np.int64)),
                                        torch.from_numpy(A.indices.astype(np.int64)),
                                        torch.from_numpy(np.asarray(A.data, dtype=np.complex128 if
                                                                    np.iscomplexobj(A.data) else np.float64)),
                                        size=A.shape, check_invariants=False)
    if isinstance(A, torch.Tensor) and A.layout != torch.strided:
        A = A.to(dtype=dtype or (A.dtype if A.dtype.is_floating_point or A.dtype.is_complex else DEFAULT_DTYPE),
                 device=device or A.device)
        if A.dim() != 2:
            raise ValueError(f"A must be a 2-D sparse matrix, got shape {tuple(A.shape)}")
        if A.layout in (torch.sparse_coo, torch.sparse_csr, torch.sparse_csc):
            with warnings.catch_warnings():  # "CSR support is in beta", as above
                warnings.simplefilter("ignore", UserWarning)
                A, At = _csr(A), _csr(A.t().conj())
        else:  # a blocked layout: left as torch gives it
            At = A.t().conj()
        mv, rmv = _sparse_mv(A), _sparse_mv(At)
        return LinearOperator(tuple(A.shape), mv, rmv, mv, dtype=A.dtype, device=A.device)
    if callable(A) and not isinstance(A, torch.Tensor | np.ndarray):
        if shape is None:
            raise ValueError("a callable operator needs shape=(m, n); or build a LinearOperator")
        return LinearOperator(shape, A, dtype=dtype or DEFAULT_DTYPE, device=device or "cpu")
    A = as_tensor(A, "A", dtype=dtype, device=device)
    if A.dim() != 2 or A.numel() == 0:
        raise ValueError(f"A must be a non-empty matrix of shape (m, n), got shape {tuple(A.shape)}")
    return LinearOperator(tuple(A.shape), lambda v: A @ v, lambda u: A.mH @ u, lambda V: A @ V, dtype=A.dtype,
                          device=A.device)


def hessian_operator(f, x) -> LinearOperator:
    r"""The Hessian :math:`\nabla^2 f(x)` of a scalar function as a symmetric :class:`LinearOperator`.

    .. math:: v \mapsto \nabla^2 f(x)\, v = \nabla_x \big(\nabla f(x) \cdot v\big),

    one reverse-mode pass per product through the graph of :math:`\nabla f(x)`, built once; the
    :math:`n \times n` Hessian is never formed. Vectors have ``x.numel()`` entries (``x`` flattened).

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar tensor, twice differentiable by autograd.
    x : tensor-like
        The point (any shape; float64 for lists and arrays).

    Returns
    -------
    LinearOperator
        Square, with ``rmatvec = matvec`` (a Hessian is symmetric).

    Raises
    ------
    TypeError
        ``f`` is not callable.
    ValueError
        ``f(x)`` is not a scalar, or does not depend on ``x``.

    References
    ----------
    .. [1] B. A. Pearlmutter, "Fast exact multiplication by the Hessian", *Neural Computation* 6(1), 147–160,
       1994.

    Examples
    --------
    >>> H = hessian_operator(lambda x: (x[0] ** 2 * x[1]), [1.0, 2.0])   # [[2 x1, 2 x0], [2 x0, 0]]
    >>> H.to_dense().tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    """
    if not callable(f):
        raise TypeError(f"f must be callable x -> scalar tensor, got {type(f).__name__}")
    x0 = as_tensor(x, "x", real=True, nonempty=True).detach().requires_grad_(True)
    with torch.enable_grad():
        value = f(x0)
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            raise ValueError(f"f(x) must return a scalar tensor, got {type(value).__name__} "
                             f"{tuple(value.shape) if isinstance(value, torch.Tensor) else ''}".rstrip())
        if not value.requires_grad:
            raise ValueError("f(x) does not depend on x through differentiable torch operations")
        (g,) = torch.autograd.grad(value.reshape(()), x0, create_graph=True)
    n = x0.numel()

    def hvp(v):
        if not g.requires_grad:  # f is linear in x: the Hessian is zero
            return torch.zeros(n, dtype=x0.dtype, device=x0.device)
        (hv,) = torch.autograd.grad(g, x0, v.reshape(x0.shape).to(x0.dtype), retain_graph=True, allow_unused=True)
        return torch.zeros(n, dtype=x0.dtype, device=x0.device) if hv is None else hv.reshape(n)

    return LinearOperator((n, n), hvp, hvp, dtype=x0.dtype, device=x0.device)
