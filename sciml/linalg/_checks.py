"""Shape checks shared by the linear-algebra functions."""

from __future__ import annotations

import torch

from sciml._validation import as_tensor

#: entries looked at a time by the checks that sweep a whole matrix (1 MiB in float64: cache-sized)
BLOCK = 1 << 17


def as_square(A, name: str = "A", *, dtype=None, device=None, finite: bool = True):
    """``A`` as a tensor of shape (..., n, n) (its entries checked finite unless ``finite=False``: the caller
    then checks them, e.g. by :func:`check_finite` on a norm it needs anyway)."""
    A = as_tensor(A, name, dtype=dtype, device=device, finite=finite)
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"{name} must be a square matrix (or a batch of them) of shape (..., n, n), "
                         f"got shape {tuple(A.shape)}")
    if A.shape[-1] == 0:
        raise ValueError(f"{name} is 0×0 (shape {tuple(A.shape)}); pass a matrix with at least one entry")
    return A


def check_finite(A: torch.Tensor, norm: torch.Tensor, name: str = "A"):
    """Raise unless ``A`` is finite, knowing a norm of it: a finite norm (a sum of every |a_ij|) proves every
    entry finite in one pass already paid for; only a non-finite one (NaN, inf, or an overflowed sum) is
    looked at entry by entry."""
    if not bool(torch.isfinite(norm).all()):
        as_tensor(A, name)


def check_hermitian(A, name: str = "A", *, what: str = "symmetric (Hermitian)", fix: str = "", conjugate=True):
    """Raise unless ``A`` equals its (conjugate) transpose to within :math:`10^3\\varepsilon\\max(1, |a_{ij}|)`."""
    A = A.detach()
    other = A.mH if conjugate else A.mT
    rows = A.shape[-2]
    step = max(1, BLOCK // max(1, A[..., 0, :].numel()))  # blocks of rows: no temporaries the size of A
    scales, gaps = [], []
    for start in range(0, rows, step):
        part = A[..., start:start + step, :]
        scales.append(part.abs().amax())
        gaps.append((part - other[..., start:start + step, :]).abs().amax())
    scale, gap = float(torch.stack(scales).amax().clamp_min(1.0)), float(torch.stack(gaps).amax())  # NaN stays
    if not gap <= scale * 1e3 * torch.finfo(A.dtype).eps:
        raise ValueError(f"{name} must be {what}, but |{name} - {name}ᴴ| reaches {gap:.3g}{fix}")


def as_matrix(A, name: str = "A", *, dtype=None, device=None):
    """``A`` as a tensor of shape (..., m, n) with at least one entry."""
    A = as_tensor(A, name, dtype=dtype, device=device)
    if A.dim() < 2:
        raise ValueError(f"{name} must be a matrix (or a batch of them) of shape (..., m, n), got shape "
                         f"{tuple(A.shape)}")
    if A.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(A.shape)}); pass a matrix with at least one entry")
    return A
