"""The one-sided amplitude and phase spectrum of uniformly sampled real signals (``torch.fft.rfft``)."""

from __future__ import annotations

import dataclasses
import math

import torch

from sciml.results import Result
from sciml.signal._detrend import line_residual
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
    r"""Remove the mean (``"constant"``) or the least-squares line (``"linear"``) along the last dimension.

    .. math:: y_n = x_n - \bar x \quad (\texttt{"constant"}), \qquad
              y_n = x_n - \bar x - \beta (n - \bar n), \quad
              \beta = \frac{\sum_n (n - \bar n) x_n}{\sum_n (n - \bar n)^2} \quad (\texttt{"linear"}),

    the residual of the least-squares fit of a constant or of a line in the sample index :math:`n`.

    Parameters
    ----------
    x : (..., N) tensor
        Samples; leading dimensions are a batch.
    kind : {None, "constant", "linear"}
        What to remove; ``None`` returns ``x`` itself.

    Returns
    -------
    (..., N) tensor
        The detrended samples.

    Raises
    ------
    ValueError
        ``kind`` is none of the above.

    References
    ----------
    .. [1] ``scipy.signal.detrend``, which this mirrors with ``type="constant"`` or ``"linear"``.

    Examples
    --------
    >>> x = torch.tensor([0.0, 1.0, 0.0, -1.0], dtype=torch.float64) + 2 + 3 * torch.arange(4)
    >>> torch.round(remove_trend(x, "linear"), decimals=6).tolist()
    [-0.6, 0.8, 0.2, -0.4]
    """
    if kind not in _DETRENDS:
        raise ValueError(f"detrend must be one of {_DETRENDS}, got {kind!r}")
    if kind is None:
        return x
    return line_residual(x) if kind == "linear" else x - x.mean(-1, keepdim=True)


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

    Raises
    ------
    ValueError
        Neither or both of ``t`` and ``fs`` given, ``t`` not uniform and increasing or of the wrong length,
        fewer than 2 samples, an unknown ``detrend`` or window.
    TypeError
        ``x`` is complex (use ``torch.fft.fft``).

    References
    ----------
    .. [1] F. J. Harris, "On the use of windows for harmonic analysis with the discrete Fourier transform",
       *Proc. IEEE* 66(1), 51–83, 1978 (coherent gain, leakage).
    .. [2] G. Heinzel, A. Rüdiger and R. Schilling, "Spectrum and spectral density estimation by the Discrete
       Fourier transform (DFT), including a comprehensive list of window functions and some new flat-top
       windows", Max-Planck-Institut für Gravitationsphysik, 2002 (amplitude scaling of windowed spectra).
    .. [3] ``numpy.fft.rfft``/``numpy.fft.rfftfreq``; ``scipy.signal.periodogram`` with
       ``scaling="spectrum", detrend=False`` and the same window gives the squares of these amplitudes
       (halved off 0 and Nyquist).

    Examples
    --------
    A tone of amplitude 3 and phase 0.5 on the 5 Hz bin, over an offset of 1:

    >>> t = torch.arange(100, dtype=torch.float64) / 100
    >>> s = spectrum(1 + 3 * torch.cos(2 * torch.pi * 5 * t + 0.5), fs=100.0)
    >>> s.freqs.shape, s.resolution
    (torch.Size([51]), 1.0)
    >>> [round(float(v), 6) for v in (s.amplitude[0], s.amplitude[5], s.phase[5])]
    [1.0, 3.0, 0.5]

    With sample times instead of a rate (``fs = (N − 1)/(t[-1] − t[0])``, not ``N`` over the duration):

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
    peak = None
    if not bool(torch.isfinite(X).all()):  # finite samples near the dtype's limit overflow the sum: rescale
        peak = x.abs().amax(dim=-1, keepdim=True).clamp_min(torch.finfo(x.dtype).tiny)
        X = torch.fft.rfft((x if w is None else x * w) / peak, dim=-1)
    freqs = torch.fft.rfftfreq(n, d=1.0 / rate, dtype=x.dtype, device=x.device)
    scale = torch.full((freqs.shape[0],), 2.0, dtype=x.dtype, device=x.device)
    scale[0] = 1.0
    if n % 2 == 0:
        scale[-1] = 1.0
    amplitude = X.abs() * scale / gain
    if peak is not None:
        amplitude = amplitude * peak
        if not bool(torch.isfinite(amplitude).all()):
            raise ValueError(f"x: the amplitudes overflow {x.dtype} (samples up to {float(peak.max()):.3g}); "
                             "rescale x (the spectrum scales with it)")
    if t0 != 0.0:  # refer phases to t = 0: x(t0 + n/fs) = a cos(2π f n/fs + φ + 2π f t0)
        X = X * torch.polar(torch.ones_like(freqs), -2 * math.pi * freqs * t0)
    return Spectrum(freqs=freqs, amplitude=amplitude, phase=torch.angle(X), fs=rate)
