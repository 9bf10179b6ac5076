"""Turning user input into tensors, with errors that name the argument and say what to pass instead."""

from __future__ import annotations

import numbers

import numpy as np
import torch

DEFAULT_DTYPE = torch.float64


def resolve_dtype(dtype, *tensors) -> torch.dtype:
    """``dtype`` if given, else the floating dtype of the first floating tensor, else float64."""
    if dtype is not None:
        if not isinstance(dtype, torch.dtype) or not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError(f"dtype must be a floating torch.dtype such as torch.float64, got {dtype!r}")
        return dtype
    for t in tensors:
        if isinstance(t, torch.Tensor) and (t.is_floating_point() or t.is_complex()):
            return t.dtype
    return DEFAULT_DTYPE


def as_tensor(value, name: str, *, dtype=None, device=None, ndim=None, finite: bool = True) -> torch.Tensor:
    """``value`` (tensor, array, list or number) as a floating tensor.

    Tensors keep their floating dtype and device unless ``dtype``/``device`` are given; everything else
    becomes float64. ``ndim`` is an int or a tuple of allowed dimensions. Raises ``TypeError`` or
    ``ValueError`` naming ``name``.
    """
    if isinstance(value, torch.Tensor):
        t = value
        if not (t.is_floating_point() or t.is_complex()):
            t = t.to(dtype or DEFAULT_DTYPE)
    elif isinstance(value, np.ndarray | list | tuple | numbers.Number) and not isinstance(value, bool):
        try:
            t = torch.as_tensor(np.asarray(value, dtype=np.complex128 if np.iscomplexobj(value) else np.float64))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be numeric (a tensor, array or nested list of numbers): {exc}") from None
    else:
        raise TypeError(f"{name} must be a tensor, array, list or number, got {type(value).__name__}")
    if dtype is not None or device is not None:
        t = t.to(dtype=dtype or t.dtype, device=device or t.device)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if t.dim() not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must have {want} dimension(s), got shape {tuple(t.shape)}")
    if finite and not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or infinite entries; clean the input first")
    return t
