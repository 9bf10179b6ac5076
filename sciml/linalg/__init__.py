"""Checked dense linear algebra: solves, inverses, eigenvalues, SVD and conditioning.

Thin, validated layers over ``torch.linalg``: batch dimensions broadcast, dtype and device follow the
inputs (float64 for lists and arrays), and singular or ill-conditioned systems are named, not hidden.
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
