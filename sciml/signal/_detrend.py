"""Removing a constant or a (piecewise) linear trend (``detrend``), and extending a signal past its ends
(odd, even, constant, zeros) as SciPy's spectral and filtering functions do."""

from __future__ import annotations

import itertools

import torch

from sciml._validation import as_tensor, check_choice, check_int
from sciml.signal._memory import cat

_TYPES = ("linear", "constant")


def check_axis(axis, ndim: int, name: str = "axis") -> int:
    """``axis`` as a non-negative dimension index of a tensor with ``ndim`` dimensions."""
    axis = check_int(axis, name)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name} = {axis} is out of range for a tensor with {ndim} dimension(s); "
                         f"use -1 for the last")
    return axis % ndim


def line_residual(x: torch.Tensor) -> torch.Tensor:
    """``x`` minus its least-squares line in the sample index, along the last dimension."""
    n = x.shape[-1]
    s = torch.arange(n, dtype=x.real.dtype, device=x.device) - (n - 1) / 2
    x = x - x.mean(-1, keepdim=True)
    if n < 2:
        return x
    return x - s * (x * s).sum(-1, keepdim=True) / (s * s).sum()


def detrend_last(x: torch.Tensor, type) -> torch.Tensor:
    """The spectral estimators' per-segment detrend along the last dimension: ``False``/``None`` (none),
    ``"constant"``, ``"linear"`` or a callable applied to the segments."""
    if type is False or type is None:
        return x
    if callable(type):
        return type(x)
    if type == "constant":
        return x - x.mean(-1, keepdim=True)
    if type == "linear":
        return line_residual(x)
    raise ValueError(f"detrend must be 'constant', 'linear', False or a callable, got {type!r}")


def detrend(data, axis=-1, type="linear", bp=0, overwrite_data=False) -> torch.Tensor:
    r"""Remove a constant or a piecewise linear least-squares trend along ``axis``, as ``scipy.signal.detrend``.

    ``type="constant"`` subtracts the mean, :math:`y_n = x_n - \bar x`; ``type="linear"`` subtracts, on
    each piece between consecutive breakpoints :math:`0 = b_0 < b_1 < \dots < b_m = N`, the least-squares
    line :math:`\alpha + \beta n` of that piece (the pieces are fitted independently).

    Parameters
    ----------
    data : (..., N, ...) tensor-like
        Real or complex samples; other dimensions are a batch.
    axis : int
        The dimension along which to detrend (default the last).
    type : {"linear", "constant"}
        What to remove.
    bp : int or sequence of int
        Breakpoints (sample indices) of the piecewise line, for ``type="linear"``; 0 means none.
    overwrite_data : bool
        Accepted for SciPy compatibility; the input is never modified.

    Returns
    -------
    tensor
        The detrended samples, of ``data``'s shape (differentiable in ``data``).

    Raises
    ------
    ValueError
        An unknown ``type``, a breakpoint outside ``[0, N]``, an empty or non-finite ``data``.

    References
    ----------
    .. [1] ``scipy.signal.detrend``.

    Examples
    --------
    >>> x = torch.tensor([0.0, 1.0, 0.0, -1.0], dtype=torch.float64) + 2 + 3 * torch.arange(4)
    >>> torch.round(detrend(x), decimals=6).tolist()
    [-0.6, 0.8, 0.2, -0.4]
    >>> detrend([1.0, 2.0, 6.0], type="constant").tolist()
    [-2.0, -1.0, 3.0]
    """
    x = as_tensor(data, "data", nonempty=True)
    if x.dim() == 0:
        raise ValueError("data must have at least one dimension, got a scalar")
    axis = check_axis(axis, x.dim())
    type = check_choice(type, "type", (*_TYPES, "l", "c"))
    x = x.movedim(axis, -1)
    n = x.shape[-1]
    if type in ("constant", "c"):
        return (x - x.mean(-1, keepdim=True)).movedim(-1, axis)
    bps = [bp] if isinstance(bp, int) and not isinstance(bp, bool) else list(bp)
    for b in bps:
        check_int(b, "bp", low=0, high=n)
    edges = sorted(set([0, *(int(b) for b in bps), n]))
    pieces = [line_residual(x[..., lo:hi]) for lo, hi in itertools.pairwise(edges) if hi > lo]
    return torch.cat(pieces, -1).movedim(-1, axis)


def extend(x: torch.Tensor, n: int, kind, name: str = "padtype") -> torch.Tensor:
    """``x`` extended by ``n`` samples at both ends of its last dimension: ``"odd"`` (point reflection through
    the end sample), ``"even"`` (mirror), ``"constant"`` (the end sample repeated) or ``"zeros"``/``None``."""
    if n == 0 or kind is None:
        return x
    if kind in ("odd", "even") and n > x.shape[-1] - 1:
        raise ValueError(f"the {kind} extension by {n} samples needs more than {n} samples along the axis, got "
                         f"{x.shape[-1]}; pass a shorter padlen or a longer signal")
    first, last = x[..., :1], x[..., -1:]
    if kind == "zeros":
        left = right = torch.zeros_like(x[..., :n])
        return cat([left, x, right])
    if kind == "constant":
        return cat([first.expand(*x.shape[:-1], n), x, last.expand(*x.shape[:-1], n)])
    left = x[..., 1:n + 1].flip(-1)
    right = x[..., -n - 1:-1].flip(-1)
    if kind == "odd":
        left, right = 2 * first - left, 2 * last - right
    return cat([left, x, right])
