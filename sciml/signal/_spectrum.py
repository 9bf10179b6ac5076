"""The one-sided amplitude and phase spectrum of uniformly sampled real signals (``torch.fft.rfft``)."""

from __future__ import annotations

import dataclasses
import math

import torch

from sciml._result import Result
from sciml.signal._sampling import as_signal, sampling, window_tensor

_DETRENDS = (None, "constant", "linear")


@dataclasses.dataclass(repr=False)
class Spectrum(Result):
    """One-sided spectrum of a real signal.

    Attributes
    ----------
    freqs : (N//2 + 1,) tensor
        Frequencies in Hz, ``k · fs / N``, from 0 to the Nyquist frequency ``fs/2`` (when N is even).
    amplitude : (..., N//2 + 1) tensor
        Amplitude: a sinusoid ``a cos(2π f t + φ)`` with ``f`` on a bin reads ``a`` there.
    phase : (..., N//2 + 1) tensor
        Phase ``φ`` in (−π, π] of that cosine, referred to ``t = 0``.
    fs : float
        Sampling rate in Hz.
    """

    freqs: torch.Tensor
    amplitude: torch.Tensor
    phase: torch.Tensor
    fs: float

    @property
    def resolution(self) -> float:
        """The bin spacing ``fs / N`` in Hz."""
        return float(self.freqs[1])


def remove_trend(x: torch.Tensor, kind) -> torch.Tensor:
    """Remove the mean (``"constant"``) or the least-squares line (``"linear"``) along the last dimension."""
    if kind not in _DETRENDS:
        raise ValueError(f"detrend must be one of {_DETRENDS}, got {kind!r}")
    if kind is None:
        return x
    x = x - x.mean(-1, keepdim=True)
    if kind == "linear":
        s = torch.arange(x.shape[-1], dtype=x.dtype, device=x.device)
        s = s - s.mean()
        x = x - s * (x * s).sum(-1, keepdim=True) / (s * s).sum()
    return x


def spectrum(x, t=None, *, fs=None, window=None, detrend=None, dtype=None, device=None) -> Spectrum:
    """One-sided amplitude and phase spectrum of uniformly sampled real signals.

    With :math:`X_k = \\sum_n w_n x_n e^{-2\\pi i k n / N}` (``torch.fft.rfft``) and the window's coherent
    gain :math:`G = \\sum_n w_n` (``N`` without a window),

    .. math:: a_k = \\frac{2 |X_k|}{G} \\; (0 < k < N/2), \\qquad a_k = \\frac{|X_k|}{G} \\; (k = 0, N/2),

    so a sinusoid :math:`a \\cos(2\\pi f_k t + \\varphi)` on the bin :math:`f_k = k f_s / N` reads ``a`` and a
    constant reads its value at 0 Hz (exactly without a window or with a cosine-sum window such as Hann away
    from 0 and Nyquist; other windows, e.g. Kaiser, add a little leakage from the tone's image at −f_k).
    At the Nyquist bin only the cosine part is seen: it reads :math:`|a \\cos\\varphi|`. Phases are
    :math:`\\arg X_k - 2\\pi f_k t_0`, referred to ``t = 0``.

    Parameters
    ----------
    x : (..., N) tensor-like
        Real samples; leading dimensions are a batch.
    t : (N,) tensor-like, optional
        Uniformly spaced, increasing sample times; the rate is ``fs = (N − 1)/(t[-1] − t[0])``. Give ``t`` or
        ``fs``.
    fs : float, optional
        Sampling rate in Hz (samples at ``t = n / fs``).
    window : str, tuple or (N,) tensor-like, optional
        A SciPy window name (``"hann"``, ``("kaiser", 8.0)``, ...; the periodic form) or its samples;
        default rectangular.
    detrend : {None, "constant", "linear"}
        Remove the mean or a line before the transform; default none.
    dtype, device : optional
        Default to ``x``'s (float64 for lists and arrays).

    Returns
    -------
    Spectrum
        ``freqs``, ``amplitude``, ``phase``, ``fs``.

    Examples
    --------
    >>> t = torch.linspace(0, 1, 1000, dtype=torch.float64)
    >>> s = spectrum(torch.sin(2 * torch.pi * 5 * t), t)
    >>> round(s.fs, 6), round(float(s.freqs[1]), 6)
    (999.0, 0.999)
    """
    x = as_signal(x, dtype=dtype, device=device)
    n = x.shape[-1]
    rate, t0 = sampling(t, fs, n)
    x = remove_trend(x, detrend)
    w = window_tensor(window, n, x)
    gain = float(n) if w is None else w.sum()
    X = torch.fft.rfft(x if w is None else x * w, dim=-1)
    freqs = torch.fft.rfftfreq(n, d=1.0 / rate, dtype=x.dtype, device=x.device)
    scale = torch.full((freqs.shape[0],), 2.0, dtype=x.dtype, device=x.device)
    scale[0] = 1.0
    if n % 2 == 0:
        scale[-1] = 1.0
    amplitude = X.abs() * scale / gain
    if t0 != 0.0:  # refer phases to t = 0: x(t0 + n/fs) = a cos(2π f n/fs + φ + 2π f t0)
        X = X * torch.polar(torch.ones_like(freqs), -2 * math.pi * freqs * t0)
    return Spectrum(freqs=freqs, amplitude=amplitude, phase=torch.angle(X), fs=rate)
