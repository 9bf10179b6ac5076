"""Eigenvalues and singular value decompositions, sorted and typed predictably."""

from __future__ import annotations

import torch

from sciml._validation import as_tensor
from sciml.linalg._checks import as_square


def eigvalsh(A, *, dtype=None, device=None) -> torch.Tensor:
    """Eigenvalues of a symmetric (Hermitian) ``A`` in ascending order. Raises if ``A`` is not symmetric.

    >>> eigvalsh([[3.0, 1.0], [1.0, 2.0]])   # (5 ∓ √5)/2
    tensor([1.3820, 3.6180], dtype=torch.float64)
    """
    A = as_square(A, dtype=dtype, device=device)
    scale = A.abs().amax().clamp_min(1.0)
    if not torch.allclose(A, A.mH, rtol=0, atol=float(scale) * 1e3 * torch.finfo(A.dtype).eps):
        raise ValueError("A must be symmetric (Hermitian) for eigvalsh; use eigvals for general matrices")
    return torch.linalg.eigvalsh(A)


def eigvals(A, *, dtype=None, device=None) -> torch.Tensor:
    """Eigenvalues of a general square ``A`` (complex), sorted by real part then imaginary part."""
    A = as_square(A, dtype=dtype, device=device)
    w = torch.linalg.eigvals(A)
    order = torch.argsort(w.imag, dim=-1, stable=True)
    w = torch.gather(w, -1, order)
    order = torch.argsort(w.real, dim=-1, stable=True)
    return torch.gather(w, -1, order)


def svd(A, *, full_matrices: bool = False, dtype=None, device=None):
    """Singular value decomposition ``A = U diag(S) Vh`` with ``S`` descending (reduced by default).

    Returns ``torch.linalg.svd``'s named tuple ``(U, S, Vh)``. Reference: ``scipy.linalg.svd``.
    """
    A = as_tensor(A, "A", dtype=dtype, device=device)
    if A.dim() < 2:
        raise ValueError(f"A must be a matrix (or a batch of them), got shape {tuple(A.shape)}")
    return torch.linalg.svd(A, full_matrices=full_matrices)
