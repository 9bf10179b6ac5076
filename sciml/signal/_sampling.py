"""Validating sampled signals: the signal tensor, the sample times or rate, and window tensors."""

from __future__ import annotations

import scipy.signal
import torch

from sciml._validation import as_tensor, check_real


def as_signal(x, *, dtype=None, device=None, batched: bool = True) -> torch.Tensor:
    """``x`` as a real floating tensor of shape (..., N) with N ≥ 2 (or (N,) when ``batched`` is False)."""
    x = as_tensor(x, "x", dtype=dtype, device=device)
    if x.is_complex():
        raise TypeError(f"x must be a real signal, got {x.dtype}; for complex signals use torch.fft.fft")
    if x.dim() == 0 or (not batched and x.dim() != 1):
        want = "(..., N)" if batched else "(N,): one signal at a time; loop over a batch"
        raise ValueError(f"x must have shape {want}, got shape {tuple(x.shape)}")
    if x.shape[-1] < 2:
        raise ValueError(f"x must have at least 2 samples along its last dimension, got shape {tuple(x.shape)}")
    return x


def sampling(t, fs, n: int) -> tuple[float, float]:
    """The sampling rate and the first sample time ``(fs, t0)`` from uniform sample times ``t`` or ``fs``.

    ``t`` must be strictly increasing and uniformly spaced to within ``1e-6`` of the spacing (plus the
    rounding of its dtype); ``fs = (N − 1) / (t[-1] − t[0])`` is the true rate, not ``N / duration``.
    """
    if (t is None) == (fs is None):
        raise ValueError("give either the sample times t or the sampling rate fs (in Hz), exactly one of them")
    if fs is not None:
        if isinstance(fs, torch.Tensor) and fs.numel() == 1:
            fs = fs.item()
        return check_real(fs, "fs", low=0, low_open=True), 0.0
    t_in = as_tensor(t, "t", ndim=1)
    if t_in.is_complex():
        raise TypeError(f"t must be real sample times, got {t_in.dtype}")
    if t_in.shape[0] != n:
        raise ValueError(f"t must have one time per sample, {n} entries to match x, got {t_in.shape[0]}")
    tt = t_in.detach().to("cpu", torch.float64)
    dt = torch.diff(tt)
    if not bool((dt > 0).all()):
        raise ValueError("t must be strictly increasing sample times")
    spacing = float(tt[-1] - tt[0]) / (n - 1)
    slack = 1e-6 * spacing + 16 * torch.finfo(t_in.dtype).eps * float(tt.abs().max())
    worst = float((dt - spacing).abs().max())
    if worst > slack:
        raise ValueError(
            f"t must be uniformly spaced (the FFT assumes it): spacings range from {float(dt.min()):.6g} to "
            f"{float(dt.max()):.6g}; resample onto a uniform grid first (e.g. numpy.interp or "
            "scipy.signal.resample) or use a non-uniform method such as scipy.signal.lombscargle")
    return 1.0 / spacing, float(tt[0])


def window_tensor(window, n: int, like: torch.Tensor) -> torch.Tensor | None:
    """A window of length ``n`` as a tensor like ``like``: a SciPy window name (periodic, as for spectra),
    a ``(name, parameter)`` tuple, a tensor/array of length ``n``, or ``None`` (rectangular)."""
    if window is None:
        return None
    if isinstance(window, str | tuple):
        try:
            w = scipy.signal.get_window(window, n, fftbins=True)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"window {window!r} is not a window SciPy knows ({exc}); use e.g. 'hann', "
                             "'hamming', 'blackmanharris', ('kaiser', 8.0), or pass the samples") from None
        return torch.as_tensor(w, dtype=like.dtype, device=like.device)
    w = as_tensor(window, "window", dtype=like.dtype, device=like.device, ndim=1)
    if w.shape[0] != n:
        raise ValueError(f"window must have {n} samples to match x, got {w.shape[0]}")
    if not float(w.sum()) > 0:
        raise ValueError("window must have a positive sum (its coherent gain)")
    return w
