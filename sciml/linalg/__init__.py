r"""Checked dense linear algebra, matrix functions, linear operators and matrix-free Krylov solvers.

Thin, validated layers over ``torch.linalg``: batch dimensions broadcast, dtype and device follow the
inputs (float64 for lists and arrays), and singular or ill-conditioned systems are named, not hidden.

Dense (batched, differentiable; SciPy's names):

- :func:`solve` (``assume_a="gen"|"sym"|"her"|"pos"``: LU, LDLᵀ, Cholesky), :func:`inv` —
  :class:`SingularMatrixError` for exactly singular matrices, :class:`IllConditionedWarning` when the estimated
  reciprocal condition number is below :math:`\sqrt{\varepsilon}`; large batches are LU-factored one matrix at
  a time and every solve is checked by its backward error (torch's threaded batched LU can be wrong).
- :func:`lstsq`, :func:`pinv`, :func:`null_space`, :func:`orth` — from the SVD, with ``rcond``.
- :func:`eig`, :func:`eigh` (and the generalized :math:`Av = \lambda Bv`), :func:`eigvals`, :func:`eigvalsh`,
  :func:`svd`.
- :func:`cond`, :func:`norm`, :func:`det`, :func:`slogdet`, :func:`backward_error`.
- :func:`expm`, :func:`expm_multiply` (:math:`e^{tA}B` without :math:`e^{tA}`), :func:`sqrtm`, :func:`logm`
  (symmetric positive definite).

Matrix-free:

- :class:`LinearOperator`, :func:`aslinearoperator`, :func:`hessian_operator` — an operator known by its
  products, composable (``+``, ``-``, ``@``, scalars, ``.T``, ``.H``); :func:`laplacian_operator`, the
  5-point Laplacian on a grid, matrix-free.
- :func:`cg`, :func:`minres`, :func:`gmres`, :func:`bicgstab` — SciPy's calling conventions (``x0``,
  ``rtol``, ``atol``, ``maxiter``, ``M``, ``callback``), a :class:`KrylovResult` with a :class:`KrylovStatus`.
- :func:`eigsh` (thick-restart Lanczos), :func:`lobpcg` — a few extreme eigenpairs.

>>> from sciml.linalg import cond, solve
>>> A = [[3.0, 1.0], [1.0, 2.0]]
>>> solve(A, [9.0, 8.0]).round(decimals=6).tolist(), round(float(cond(A)), 6)   # κ₂ = (5 + √5)/(5 − √5)
([2.0, 3.0], 2.618034)
"""

from sciml.linalg._cg import bicgstab, cg
from sciml.linalg._dense import IllConditionedWarning, SingularMatrixError, cond, inv, solve
from sciml.linalg._eigen import eig, eigh
from sciml.linalg._eigsolvers import EigshResult, eigsh, lobpcg
from sciml.linalg._gmres import gmres
from sciml.linalg._krylov import KrylovResult, KrylovStatus, KrylovWarning
from sciml.linalg._lstsq import LstsqResult, lstsq, null_space, orth, pinv
from sciml.linalg._matfun import expm, expm_multiply, logm, sqrtm
from sciml.linalg._minres import minres
from sciml.linalg._norms import backward_error, det, norm, slogdet
from sciml.linalg._operator import LinearOperator, aslinearoperator, hessian_operator
from sciml.linalg._spectral import eigvals, eigvalsh, svd
from sciml.linalg._stencil import laplacian_operator

__all__ = [
    "EigshResult",
    "IllConditionedWarning",
    "KrylovResult",
    "KrylovStatus",
    "KrylovWarning",
    "LinearOperator",
    "LstsqResult",
    "SingularMatrixError",
    "aslinearoperator",
    "backward_error",
    "bicgstab",
    "cg",
    "cond",
    "det",
    "eig",
    "eigh",
    "eigsh",
    "eigvals",
    "eigvalsh",
    "expm",
    "expm_multiply",
    "gmres",
    "hessian_operator",
    "inv",
    "laplacian_operator",
    "lobpcg",
    "logm",
    "lstsq",
    "minres",
    "norm",
    "null_space",
    "orth",
    "pinv",
    "slogdet",
    "solve",
    "sqrtm",
    "svd",
]
