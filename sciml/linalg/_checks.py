"""Shape checks shared by the linear-algebra functions."""

from __future__ import annotations

from sciml._validation import as_tensor


def as_square(A, name: str = "A", *, dtype=None, device=None):
    """``A`` as a tensor of shape (..., n, n)."""
    A = as_tensor(A, name, dtype=dtype, device=device)
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"{name} must be a square matrix (or a batch of them) of shape (..., n, n), "
                         f"got shape {tuple(A.shape)}")
    if A.shape[-1] == 0:
        raise ValueError(f"{name} is 0×0 (shape {tuple(A.shape)}); pass a matrix with at least one entry")
    return A
