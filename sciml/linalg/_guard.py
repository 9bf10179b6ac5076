r"""LU factorizations that never hand back a wrong answer, and the backward error that checks a solve.

torch 2.13 on CPU with more than one thread can factor a *batch* of matrices of size ~150 and more wrongly:
``lu_factor`` returns invalid pivots (MKL then complains from ``?laswp``), ``solve`` raises or returns
residuals of :math:`10^2`–:math:`10^5`, or the call hangs (pytorch#142815). A single matrix, Cholesky and
LDLᵀ are unaffected. So:

- :func:`lu_factor` and :func:`lu_solve` factor and solve a batch of matrices with :math:`n \ge`
  :data:`SAFE_BATCH_N` one matrix at a time (each call is :math:`O(n^3)`, the loop costs nothing against it;
  a hang cannot be caught afterwards, so it must be routed around, not detected);
- :func:`recheck` measures the normwise backward error of every solve of a batch and recomputes the ones
  above :func:`backward_tolerance` one matrix at a time, the second line of defence for the batched path.
"""

from __future__ import annotations

import torch

#: batched LU below this size is left to torch (measured safe up to 140 with 2 threads); from it, one at a time
SAFE_BATCH_N = 128


def _batched(A: torch.Tensor) -> bool:
    return A.dim() > 2 and A.shape[-1] >= SAFE_BATCH_N and A.shape[:-2].numel() > 1


def lu_factor(A: torch.Tensor):
    """``torch.linalg.lu_factor_ex(A)`` (``LU, pivots, info``), one matrix at a time for large batches."""
    if not _batched(A):
        return torch.linalg.lu_factor_ex(A)
    n = A.shape[-1]
    parts = [torch.linalg.lu_factor_ex(a) for a in A.reshape(-1, n, n)]
    batch = A.shape[:-2]
    return (torch.stack([p[0] for p in parts]).reshape(A.shape), torch.stack([p[1] for p in parts]).reshape(*batch, n),
            torch.stack([p[2] for p in parts]).reshape(batch))


def lu_solve(LU: torch.Tensor, pivots: torch.Tensor, B: torch.Tensor, *, adjoint: bool = False) -> torch.Tensor:
    """``torch.linalg.lu_solve`` with ``LU``, ``pivots`` and ``B`` of the same batch shape, one at a time for
    large batches."""
    if not _batched(LU):
        return torch.linalg.lu_solve(LU, pivots, B, adjoint=adjoint)
    n = LU.shape[-1]
    xs = [torch.linalg.lu_solve(lu, p, b, adjoint=adjoint)
          for lu, p, b in zip(LU.reshape(-1, n, n), pivots.reshape(-1, n), B.reshape(-1, n, B.shape[-1]),
                              strict=True)]
    return torch.stack(xs).reshape(B.shape)


def backward_tolerance(A: torch.Tensor) -> float:
    """The normwise backward error a stable solve of ``A`` stays below: :math:`10 n \\varepsilon`."""
    return 10 * A.shape[-1] * torch.finfo(A.dtype).eps


def normwise_backward_error(A: torch.Tensor, X: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    r"""Rigal–Gaches backward error per column of ``X`` (..., n, k):
    :math:`\|b_j - A x_j\|_\infty / (\|A\|_\infty \|x_j\|_\infty + \|b_j\|_\infty)`, 0 where both vanish."""
    top = (B - A @ X).abs().amax(-2)
    scale = A.abs().sum(-1).amax(-1, keepdim=True) * X.abs().amax(-2) + B.abs().amax(-2)  # ‖A‖∞‖x‖∞ + ‖b‖∞
    return torch.where(scale > 0, top / torch.where(scale > 0, scale, torch.ones_like(scale)), torch.zeros_like(top))


def recheck(A: torch.Tensor, x: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``x`` with every solve of the batch whose backward error is above :func:`backward_tolerance` recomputed
    by an unbatched LU solve (A, x, b of one batch shape, ``x`` and ``b`` of shape (..., n, k))."""
    if A.dim() == 2:  # a single matrix is factored by one LAPACK call, which the bug does not touch
        return x
    with torch.no_grad():
        eta = normwise_backward_error(A.detach(), x.detach(), b.detach()).amax(-1)
        bad = ~(eta <= backward_tolerance(A))
    if not bool(bad.any()):
        return x
    n, k = A.shape[-1], x.shape[-1]
    flat_A, flat_b = A.reshape(-1, n, n), b.reshape(-1, n, k)
    x = x.reshape(-1, n, k).clone()
    for i in torch.nonzero(bad.reshape(-1)).flatten().tolist():
        LU, pivots = torch.linalg.lu_factor(flat_A[i])
        x[i] = torch.linalg.lu_solve(LU, pivots, flat_b[i])
    return x.reshape(b.shape)
