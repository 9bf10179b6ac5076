"""Quadratic programming.

- :func:`solve_qp` — min ½xᵀQx + cᵀx subject to A x = b through the KKT system: batched, differentiable in
  Q, c, A, b, and explicit about infeasible, unbounded and non-unique problems (:class:`QPStatus`).
"""

from sciml.qp._equality import QPResult, QPStatus, QPWarning, solve_qp

__all__ = ["QPResult", "QPStatus", "QPWarning", "solve_qp"]
