"""Quadratic programming.

- :func:`solve_qp` — min ½xᵀQx + cᵀx subject to A x = b, G x ≤ h, lb ≤ x ≤ ub: equality-only problems through
  their KKT system, the rest by a batched primal–dual interior-point method with an active-set polish;
  batched, differentiable in every input, and explicit about infeasible, unbounded and inaccurate problems
  (:class:`QPStatus`, per batch element, with certificates).
"""

from sciml.qp._equality import QPResult, QPStatus, QPWarning
from sciml.qp._solve import solve_qp

__all__ = ["QPResult", "QPStatus", "QPWarning", "solve_qp"]
