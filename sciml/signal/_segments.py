"""The windowed segment transform under every spectral estimator: overlapping segments (``unfold``, a view),
detrended and windowed, one batched FFT — no loop over segments. SciPy's ``_spectral_helper`` conventions."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from sciml._validation import as_tensor, check_bool, check_choice, check_int, check_real
from sciml.signal._detrend import check_axis, detrend_last, extend
from sciml.signal._memory import binary, cat, recording, rfft
from sciml.signal._windows import SpectralWarning, segment_window

_BOUNDARIES = ("even", "odd", "constant", "zeros", None)


def check_finite(x: torch.Tensor, name: str) -> None:
    """Refuse NaN or infinite entries (one reduction, not a mask, unless the sum overflows)."""
    if not bool(torch.isfinite(x.sum())) and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or infinite entries; clean the input first")


def as_samples(x, name: str, axis, finite: bool = True) -> tuple[torch.Tensor, int]:
    """``x`` as a floating tensor — finite unless ``finite=False`` (the caller checks) — with its ``axis`` moved
    last, and that axis as a non-negative index."""
    x = as_tensor(x, name, nonempty=True, finite=False)
    if finite:
        check_finite(x, name)
    if x.dim() == 0:
        raise ValueError(f"{name} must have at least one dimension (the samples), got a scalar")
    axis = check_axis(axis, x.dim())
    return x.movedim(axis, -1), axis


def check_fs(fs) -> float:
    """The sampling rate as a positive finite float."""
    if isinstance(fs, torch.Tensor) and fs.numel() == 1 and not fs.is_complex():
        fs = fs.item()
    return check_real(fs, "fs", low=0, low_open=True)


def segment_parameters(n: int, window, nperseg, noverlap, nfft, like, *, default_nperseg=256,
                       default_overlap=2, longer="raise"):
    """``(win, nperseg, noverlap, nfft)`` checked as SciPy checks them (``noverlap`` defaults to
    ``nperseg // default_overlap``)."""
    win, nperseg = segment_window(window, nperseg, n, like, default_nperseg=default_nperseg, longer=longer)
    nfft = nperseg if nfft is None else check_int(nfft, "nfft", low=1)
    if nfft < nperseg:
        raise ValueError(f"nfft = {nfft} must be at least nperseg = {nperseg} (zero-padding only); pass a larger "
                         "nfft or leave it None")
    noverlap = nperseg // default_overlap if noverlap is None else check_int(noverlap, "noverlap", low=0)
    if noverlap >= nperseg:
        raise ValueError(f"noverlap = {noverlap} must be less than nperseg = {nperseg} (the step nperseg − noverlap "
                         "must be positive)")
    return win, nperseg, noverlap, nfft


def sides(return_onesided, *tensors) -> bool:
    """One-sided unless some input is complex (then two-sided, with SciPy's warning when one-sided was asked)."""
    onesided = check_bool(return_onesided, "return_onesided")
    if onesided and any(t.is_complex() for t in tensors):
        warnings.warn("input data is complex, switching to return_onesided=False", SpectralWarning, stacklevel=4)
        return False
    return onesided


def frequencies(nfft: int, fs: float, onesided: bool, like: torch.Tensor) -> torch.Tensor:
    """``rfftfreq``/``fftfreq`` (NumPy's values) as a real tensor like ``like``."""
    f = np.fft.rfftfreq(nfft, 1 / fs) if onesided else np.fft.fftfreq(nfft, 1 / fs)
    return torch.as_tensor(f, dtype=like.real.dtype, device=like.device)


def segment_fft(x: torch.Tensor, win: torch.Tensor, detrend, nperseg: int, noverlap: int, nfft: int,
                onesided: bool, scale=None) -> torch.Tensor:
    """The FFTs of the detrended, windowed segments of ``x`` along its last dimension: ``(..., nseg, nfreq)``;
    ``scale`` (a positive scalar) multiplies the window. The segments are a strided view (``unfold``); the one
    copy of them is the detrended, windowed one the FFT reads, written in place where no gradient is recorded."""
    segs = x.unfold(-1, nperseg, nperseg - noverlap)
    win = win.to(segs.dtype) if scale is None else (win * scale).to(segs.dtype)
    if detrend is False or detrend is None:
        segs = binary(torch.mul, segs, win)
    else:
        if detrend == "constant":
            segs = binary(torch.sub, segs, segs.mean(-1, keepdim=True))
        else:
            segs = detrend_last(segs, detrend)
        fresh = segs.data_ptr() != x.data_ptr() and not recording(segs)
        segs = segs.mul_(win) if fresh and segs.is_contiguous() else segs * win  # one pass less when we may
    if onesided:
        return rfft(segs, nfft)
    return torch.fft.fft(segs, n=nfft, dim=-1)


def scale_factor(win: torch.Tensor, fs: float, scaling: str):
    """``1/(fs Σ w²)`` (density) or ``1/(Σ w)²`` (spectrum)."""
    scaling = check_choice(scaling, "scaling", ("density", "spectrum"))
    return 1.0 / (fs * (win * win).sum()) if scaling == "density" else 1.0 / win.sum() ** 2


def one_sided_doubling(nfreq: int, nfft: int, like: torch.Tensor) -> torch.Tensor:
    """The factor 2 on the one-sided bins that stand for two (all but 0 and, for even ``nfft``, Nyquist)."""
    d = torch.full((nfreq,), 2.0, dtype=like.real.dtype, device=like.device)
    d[0] = 1.0
    if nfft % 2 == 0:
        d[-1] = 1.0
    return d


def pad_to(x: torch.Tensor, n: int) -> torch.Tensor:
    """``x`` zero-padded at the end of its last dimension to ``n`` samples."""
    return x if x.shape[-1] == n else cat([x, x.new_zeros(*x.shape[:-1], n - x.shape[-1])])


def stft_segments(x, fs, window, nperseg, noverlap, nfft, detrend, return_onesided, scaling, axis, *,
                  boundary=None, padded=False, default_overlap=2):
    """SciPy's ``_spectral_helper(mode="stft")``: ``(f, t, Zxx, axis, win, (nperseg, noverlap, nfft))`` with
    ``Zxx`` of shape ``(..., nseg, nfreq)`` (the transformed axis removed; the caller moves ``nfreq`` to
    ``axis``, which leaves the segments last as in SciPy)."""
    x, axis = as_samples(x, "x", axis)
    fs = check_fs(fs)
    if boundary not in _BOUNDARIES:
        raise ValueError(f"boundary must be one of {_BOUNDARIES}, got {boundary!r}")
    padded = check_bool(padded, "padded")
    win, nperseg, noverlap, nfft = segment_parameters(x.shape[-1], window, nperseg, noverlap, nfft, x,
                                                      default_overlap=default_overlap)
    step = nperseg - noverlap
    if boundary is not None:
        x = extend(x, nperseg // 2, boundary, "boundary")
    if padded:
        x = pad_to(x, x.shape[-1] + (-(x.shape[-1] - nperseg) % step) % nperseg)
    onesided = sides(return_onesided, x)
    Z = segment_fft(x, win, detrend, nperseg, noverlap, nfft, onesided, scale_factor(win, fs, scaling).sqrt())
    t = np.arange(nperseg / 2, x.shape[-1] - nperseg / 2 + 1, step) / float(fs)
    if boundary is not None:
        t = t - (nperseg / 2) / fs
    t = torch.as_tensor(t, dtype=x.real.dtype, device=x.device)
    return frequencies(nfft, fs, onesided, x), t, Z, axis, win, (nperseg, noverlap, nfft)
