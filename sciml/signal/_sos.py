r"""The recursion of second-order sections for :func:`sosfilt` and :func:`sosfiltfilt`: on the CPU all
sections run in SciPy's C loop (``scipy.signal.sosfilt``; for zero-phase filtering SciPy's own steps on
reversed NumPy views) inside autograd functions whose backward pass recomputes the section-by-section
cascade of :func:`~sciml.signal.lfilter` and differentiates it (first derivatives); off the CPU the cascade
itself, by the blocked scan."""

from __future__ import annotations

import concurrent.futures
import itertools

import numpy as np
import scipy.signal
import torch

try:  # SciPy's in-place C loop under sosfilt (private: sosfilt is the fallback)
    from scipy.signal._sosfilt import _sosfilt
except ImportError:  # pragma: no cover
    _sosfilt = None

from sciml.signal._detrend import extend
from sciml.signal._lfilter import filter_last, normalised
from sciml.signal._memory import workers


def normalised_sections(sos: torch.Tensor, dtype) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [normalised(row[:3], row[3:], dtype) for row in sos]


def stacked(sos: torch.Tensor, dtype) -> torch.Tensor:
    """The sections normalised by their ``a0``, as an (n_sections, 6) tensor."""
    return torch.stack([torch.cat(pair) for pair in normalised_sections(sos, dtype)])


def section_states(sos):
    """:func:`~sciml.signal.sosfilt_zi` of normalised sections (a tensor, or a NumPy array: no autograd, a
    fraction of the per-call cost), all at once: each section's steady states :math:`(I - A^\\mathsf{T}) z = B`
    (a 2 × 2 system per section, solved as one batch), scaled by the DC gain of the sections before it."""
    xp = np if isinstance(sos, np.ndarray) else torch
    b, a = sos[:, :3], sos[:, 3:]
    one = xp.ones_like(a[:, 1])
    system = xp.stack([xp.stack([one + a[:, 1], -one], -1), xp.stack([a[:, 2], one], -1)], -2)
    zi = xp.linalg.solve(system, (b[:, 1:] - a[:, 1:] * b[:, :1])[..., None])[..., 0]
    gain = b.sum(-1) / a.sum(-1)
    return zi * xp.cumprod(xp.concatenate([xp.ones_like(gain[:1]), gain[:-1]]), 0)[:, None]


def _cascade(sos: torch.Tensor, x: torch.Tensor, zi: torch.Tensor | None) -> torch.Tensor:
    """The sections one after the other along the last dimension (``zi``: (n_sections, ..., 2) or None)."""
    for k, row in enumerate(sos):
        x, _ = filter_last(row[:3], row[3:], x, None if zi is None else zi[k], final=False)
    return x


class _SOSFilt(torch.autograd.Function):
    """``scipy.signal.sosfilt`` of normalised sections along the last dimension in one C loop; the backward
    pass differentiates the section-by-section cascade (recomputed, so the forward pass keeps SciPy's speed;
    once differentiable: for second derivatives filter section by section with :func:`lfilter`)."""

    @staticmethod
    def forward(ctx, sos, x, zi):  # the ctx-first form: no per-call signature binding
        args = [sos.detach().numpy(), x.detach().numpy()]
        if zi is None:
            y = scipy.signal.sosfilt(*args, axis=-1)
        else:
            y = scipy.signal.sosfilt(*args, axis=-1, zi=zi.detach().numpy().copy())[0]  # SciPy overwrites zi
        ctx.save_for_backward(*(t for t in (sos, x, zi) if t is not None))
        ctx.has_zi = zi is not None
        return torch.from_numpy(np.ascontiguousarray(y)).to(x.dtype)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, gy):
        saved = ctx.saved_tensors
        args = [t.detach().requires_grad_(need) if t is not None else None
                for t, need in zip((saved[0], saved[1], saved[2] if ctx.has_zi else None), ctx.needs_input_grad,
                                   strict=True)]
        with torch.enable_grad():
            wanted = [t for t, need in zip(args, ctx.needs_input_grad, strict=True) if need]
            grads = iter(torch.autograd.grad(_cascade(*args), wanted, gy))
        return tuple(next(grads) if need else None for need in ctx.needs_input_grad)


def cascade(sos: torch.Tensor, x: torch.Tensor, zi: torch.Tensor | None) -> torch.Tensor:
    """The filtered real or complex ``x`` along its last dimension (normalised sections): SciPy's loop on the
    CPU, the blocked scan elsewhere."""
    if x.is_complex():
        return torch.complex(cascade(sos, x.real, None if zi is None else zi.real),
                             cascade(sos, x.imag, None if zi is None else zi.imag))
    if x.device.type == "cpu":
        if zi is not None:
            zi = zi.expand(zi.shape[0], *x.shape[:-1], 2)
        return _SOSFilt.apply(sos, x, zi)
    return _cascade(sos, x, zi)


def forward_backward(x: torch.Tensor, edge: int, padtype, run) -> torch.Tensor:
    """``run(signal, initial_value)`` forward over the extended ``x``, then backward; the extension removed."""
    ext = extend(x, edge, padtype)
    y = run(ext, ext[..., :1])
    y = run(y.flip(-1), y[..., -1:]).flip(-1)
    return y[..., edge:ext.shape[-1] - edge]


def zero_phase(sos: torch.Tensor, x: torch.Tensor, zi: torch.Tensor, edge: int, padtype) -> torch.Tensor:
    """Forward-backward filtering of ``x`` (last dimension) by normalised sections from the steady states
    ``zi`` (n_sections, 2) scaled by each pass's first sample."""

    def run(v, v0):
        return cascade(sos, v, zi.reshape(zi.shape[0], *[1] * (v.dim() - 1), 2) * v0)

    return forward_backward(x, edge, padtype, run)


def _extended(a: np.ndarray, n: int, kind) -> np.ndarray:
    """:func:`~sciml.signal._detrend.extend` in NumPy (SciPy's ``odd_ext``/``even_ext``/``const_ext``)."""
    if n == 0 or kind is None:
        return a
    if kind == "constant":
        left, right = np.repeat(a[..., :1], n, -1), np.repeat(a[..., -1:], n, -1)
    else:
        left, right = a[..., n:0:-1], a[..., -2:-n - 2:-1]
        if kind == "odd":
            left, right = 2 * a[..., :1] - left, 2 * a[..., -1:] - right
    return np.concatenate((left, a, right), -1)


def _filter_rows(s: np.ndarray, rows: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``rows`` (C-contiguous, (batch, n)) filtered in place by the sections ``s`` from the states ``z``
    scaled by each row's first sample: SciPy's C loop itself (``scipy.signal.sosfilt`` without its copy of
    the input; blocks of rows on torch's threads), or ``sosfilt`` where that private routine is missing."""
    states = z[None] * rows[:, :1, None]
    if _sosfilt is None:
        return scipy.signal.sosfilt(s, rows, axis=-1, zi=states.transpose(1, 0, 2))[0]
    s, states = s.astype(rows.dtype, copy=False), np.ascontiguousarray(states, dtype=rows.dtype)
    threads = min(workers(), rows.shape[0])
    if threads < 2 or rows.size < 1 << 16:
        _sosfilt(s, rows, states)
        return rows
    # the C loop releases the GIL: torch's threads filter disjoint blocks of rows
    bounds = np.linspace(0, rows.shape[0], threads + 1).astype(int)
    blocks = [slice(lo, hi) for lo, hi in itertools.pairwise(bounds)]
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda b: _sosfilt(s, rows[b], states[b]), blocks))
    return rows


class SOSFiltFilt(torch.autograd.Function):
    """SciPy's ``sosfiltfilt`` step for step in NumPy — the extension, one pass in place, a reversed copy,
    the other pass in place, reversed back: three writes of the signal, as SciPy's three (the result is a view
    without the extension). The backward pass differentiates :func:`zero_phase`, recomputed."""

    @staticmethod
    def forward(ctx, sos, x, zi, edge, padtype):
        ctx.save_for_backward(sos, x, zi)
        ctx.edge, ctx.padtype = edge, padtype
        s, z = sos.detach().numpy(), zi.detach().numpy()
        a = x.detach().numpy()
        ext = _extended(a, edge, padtype)
        n = ext.shape[-1]
        rows = (np.array(ext, order="C") if ext is a else np.ascontiguousarray(ext)).reshape(-1, n)
        rows = _filter_rows(s, rows, z)
        rows = _filter_rows(s, np.ascontiguousarray(rows[:, ::-1]), z)
        y = np.ascontiguousarray(rows[:, ::-1]).reshape(*a.shape[:-1], n)  # whole rows: a fast reversed copy
        return torch.from_numpy(y).to(x.dtype)[..., edge:n - edge]

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, gy):
        args = [t.detach().requires_grad_(need) for t, need in zip(ctx.saved_tensors, ctx.needs_input_grad,
                                                                    strict=False)]
        with torch.enable_grad():
            wanted = [t for t, need in zip(args, ctx.needs_input_grad, strict=False) if need]
            grads = iter(torch.autograd.grad(zero_phase(*args, ctx.edge, ctx.padtype), wanted, gy))
        return (*tuple(next(grads) if need else None for need in ctx.needs_input_grad[:3]), None, None)
