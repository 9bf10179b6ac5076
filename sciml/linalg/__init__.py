r"""Checked dense linear algebra: solves, inverses, eigenvalues, SVD and conditioning.

Thin, validated layers over ``torch.linalg``: batch dimensions broadcast, dtype and device follow the
inputs (float64 for lists and arrays), and singular or ill-conditioned systems are named, not hidden.

- :func:`solve`, :func:`inv` — LU with partial pivoting; :class:`SingularMatrixError` below
  :math:`n\varepsilon` in the estimated reciprocal condition number, :class:`IllConditionedWarning` below
  :math:`\sqrt{\varepsilon}`.
- :func:`cond` — :math:`\kappa_p(A) = \|A\|_p \|A^{-1}\|_p`, ``inf`` for singular matrices.
- :func:`eigvalsh`, :func:`eigvals` — eigenvalues, ascending (symmetric) or sorted by real then imaginary part.
- :func:`svd` — :math:`A = U \operatorname{diag}(S) V^{\mathsf H}` with ``S`` descending.

>>> from sciml.linalg import cond, solve
>>> A = [[3.0, 1.0], [1.0, 2.0]]
>>> solve(A, [9.0, 8.0]).round(decimals=6).tolist(), round(float(cond(A)), 6)   # κ₂ = (5 + √5)/(5 − √5)
([2.0, 3.0], 2.618034)
"""

from sciml.linalg._dense import IllConditionedWarning, SingularMatrixError, cond, inv, solve
from sciml.linalg._spectral import eigvals, eigvalsh, svd

__all__ = [
    "IllConditionedWarning",
    "SingularMatrixError",
    "cond",
    "eigvals",
    "eigvalsh",
    "inv",
    "solve",
    "svd",
]
