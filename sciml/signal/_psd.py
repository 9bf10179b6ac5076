r"""Power and cross spectral densities: ``periodogram``, ``welch``, ``csd``, ``coherence`` (SciPy's names,
signatures and scalings), batched over every dimension but ``axis`` and differentiable.

With segments :math:`x^{(j)}_n = x_{jH + n}` (:math:`H` = ``nperseg − noverlap``), detrended, windowed by
:math:`w` and transformed, :math:`X^{(j)}_k = \sum_n w_n x^{(j)}_n e^{-2\pi i k n / N_{fft}}`, the estimate
is the average over segments of :math:`s \, \overline{X^{(j)}_k} Y^{(j)}_k`, with
:math:`s = 1/(f_s \sum w_n^2)` (``scaling="density"``, units²/Hz) or :math:`1/(\sum w_n)^2`
(``"spectrum"``, units²), doubled on the one-sided bins that stand for two.
"""

from __future__ import annotations

import numpy as np
import torch

from sciml._validation import as_tensor, check_bool, check_choice, check_int
from sciml.signal._memory import binary
from sciml.signal._segments import (
    as_samples,
    check_fs,
    frequencies,
    one_sided_doubling,
    pad_to,
    scale_factor,
    segment_fft,
    segment_parameters,
)


def median_bias(n: int) -> float:
    """The bias of the median of ``n`` periodogram values (χ²₂ variates) relative to their mean."""
    ii = 2 * np.arange(1.0, (n - 1) // 2 + 1)
    return float(1 + np.sum(1.0 / (ii + 1) - 1.0 / ii))


def _median(p: torch.Tensor) -> torch.Tensor:
    """NumPy's median along the last dimension (the mean of the two middle values for an even count)."""
    v = p.sort(-1).values
    m = v.shape[-1]
    return v[..., m // 2] if m % 2 else (v[..., m // 2 - 1] + v[..., m // 2]) / 2


def cross_spectrum(x, y, fs, window, nperseg, noverlap, nfft, detrend, return_onesided, scaling, axis, average):
    """``(f, Pxy)`` of :func:`csd` (``y=None``: the real ``Pxx`` of :func:`welch`)."""
    x, axis_x = as_samples(x, "x", axis)
    same = y is None
    if not same:
        y, _ = as_samples(y, "y", axis)
        try:
            torch.broadcast_shapes(x.shape[:-1], y.shape[:-1])
        except RuntimeError:
            raise ValueError(f"x and y must broadcast together apart from axis {axis}: got shapes "
                             f"{tuple(x.shape)} and {tuple(y.shape)} (axis moved last)") from None
        n = max(x.shape[-1], y.shape[-1])
        x, y = pad_to(x, n), pad_to(y, n)
    fs = check_fs(fs)
    average = check_choice(average, "average", ("mean", "median"))
    win, nperseg, noverlap, nfft = segment_parameters(x.shape[-1], window, nperseg, noverlap, nfft, x)
    onesided = check_bool(return_onesided, "return_onesided")
    onesided = onesided and not x.is_complex() and (same or not y.is_complex())
    scale = scale_factor(win, fs, scaling)
    X = segment_fft(x, win, detrend, nperseg, noverlap, nfft, onesided)
    if same:
        P = binary(torch.mul, X.real, X.real).addcmul_(X.imag, X.imag)  # |X|², one allocation
    else:
        P = X.conj() * segment_fft(y, win, detrend, nperseg, noverlap, nfft, onesided)
    # the scale and the one-sided doubling are positive per frequency: applied after averaging (fewer passes)
    if P.shape[-2] == 1:
        P = P[..., 0, :]
    elif average == "mean":
        P = P.mean(-2)
    else:
        bias = median_bias(P.shape[-2])
        P = P.transpose(-1, -2)
        P = (_median(P) if not P.is_complex() else torch.complex(_median(P.real), _median(P.imag))) / bias
    P = P * scale
    if onesided:
        P = P * one_sided_doubling(P.shape[-1], nfft, P)
    return frequencies(nfft, fs, onesided, x), P.movedim(-1, axis_x)


def welch(x, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None, detrend="constant",
          return_onesided=True, scaling="density", axis=-1, average="mean"):
    r"""Power spectral density by Welch's method: the average of windowed, overlapping segments' periodograms.

    .. math:: P_k = \frac{c_k}{J} \sum_{j=0}^{J-1} s \left|\sum_{n=0}^{L-1} w_n\, d(x^{(j)})_n
              e^{-2\pi i k n / N_{fft}}\right|^2, \qquad f_k = k f_s / N_{fft},

    over the :math:`J = \lfloor (N - L)/H \rfloor + 1` segments :math:`x^{(j)}_n = x_{jH+n}` of
    :math:`L` = ``nperseg`` samples, :math:`H = L -` ``noverlap`` apart, detrended by :math:`d`, with
    :math:`s = 1/(f_s \sum w^2)` (``"density"``) or :math:`1/(\sum w)^2` (``"spectrum"``) and
    :math:`c_k = 2` on the one-sided bins that stand for two (else 1). ``average="median"`` takes the median
    over segments divided by its bias for χ²₂ values, which resists transients. Averaging trades frequency
    resolution (:math:`f_s/L`) for variance (about :math:`1/J` of a single periodogram's, less with overlap).

    Parameters
    ----------
    x : (..., N, ...) tensor-like
        Samples along ``axis``; real (one-sided) or complex (two-sided); other dimensions are a batch.
    fs : float
        Sampling rate in Hz (default 1).
    window : str, tuple or (nperseg,) tensor-like
        A window name for :func:`get_window` (periodic; default ``"hann"``) or its samples.
    nperseg : int, optional
        Segment length :math:`L`; default 256 for a named window (shortened to N with a
        :class:`SpectralWarning`, as SciPy does) or the window's length.
    noverlap : int, optional
        Samples shared by consecutive segments, in ``[0, nperseg)``; default ``nperseg // 2``.
    nfft : int, optional
        FFT length ≥ ``nperseg`` (zero-padding); default ``nperseg``.
    detrend : {"constant", "linear", False} or callable
        Removed from each segment (default the mean).
    return_onesided : bool
        One-sided spectrum for real data (default); complex data is always two-sided.
    scaling : {"density", "spectrum"}
        Power spectral density (V²/Hz) or power spectrum (V²).
    axis : int
        The samples' dimension (default the last).
    average : {"mean", "median"}
        How segments are averaged.

    Returns
    -------
    f : (nfreq,) tensor
        Sample frequencies (``rfftfreq``/``fftfreq`` of ``nfft`` at ``fs``).
    Pxx : tensor
        The estimate, real, with ``axis`` replaced by the ``nfreq`` frequencies; differentiable in ``x``.

    Raises
    ------
    ValueError
        An empty or non-finite ``x``, ``fs ≤ 0``, ``noverlap ≥ nperseg``, ``nfft < nperseg``, a window longer
        than the signal, an unknown window, ``scaling``, ``average`` or ``detrend``.

    References
    ----------
    .. [1] P. D. Welch, "The use of the fast Fourier transform for the estimation of power spectra: a method
       based on time averaging over short, modified periodograms", *IEEE Trans. Audio Electroacoust.* 15(2),
       70–73, 1967.
    .. [2] B. Allen et al., "FINDCHIRP: an algorithm for detection of gravitational waves from inspiraling
       compact binaries", *Phys. Rev. D* 85, 122006, 2012 (the median bias).
    .. [3] ``scipy.signal.welch``, whose conventions and values this reproduces.

    Examples
    --------
    White noise of variance σ² = 4 sampled at 100 Hz has the one-sided density 2σ²/fs = 0.08 V²/Hz:

    >>> g = torch.Generator().manual_seed(0)
    >>> x = 2 * torch.randn(8, 100_000, generator=g, dtype=torch.float64)
    >>> f, p = welch(x, fs=100.0, nperseg=256)
    >>> p.shape, round(float(p[:, 1:-1].mean()), 3)
    (torch.Size([8, 129]), 0.08)
    """
    return cross_spectrum(x, None, fs, window, nperseg, noverlap, nfft, detrend, return_onesided, scaling, axis,
                          average)


def csd(x, y, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None, detrend="constant",
        return_onesided=True, scaling="density", axis=-1, average="mean"):
    r"""Cross spectral density :math:`P_{xy}` by Welch's method.

    As :func:`welch` with :math:`|X^{(j)}_k|^2` replaced by :math:`\overline{X^{(j)}_k}\, Y^{(j)}_k`
    (SciPy's order: the conjugate on ``x``); ``average="median"`` takes the medians of the real and
    imaginary parts. The shorter of ``x`` and ``y`` is zero-padded at the end; other dimensions broadcast.

    Parameters
    ----------
    x, y : tensor-like
        Samples along ``axis``.
    fs, window, nperseg, noverlap, nfft, detrend, return_onesided, scaling, axis, average
        As for :func:`welch`; the output is two-sided when ``x`` or ``y`` is complex.

    Returns
    -------
    f : (nfreq,) tensor
        Sample frequencies.
    Pxy : complex tensor
        The cross spectral density, ``axis`` replaced by the frequencies.

    Raises
    ------
    ValueError
        As :func:`welch`, and ``x`` and ``y`` that do not broadcast.

    References
    ----------
    .. [1] J. S. Bendat and A. G. Piersol, *Random Data: Analysis and Measurement Procedures*, 4th ed.,
       Wiley, 2010, ch. 11.
    .. [2] ``scipy.signal.csd``.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(1)
    >>> x = torch.randn(4096, generator=g, dtype=torch.float64)
    >>> f, pxy = csd(x, 3 * x, nperseg=128)
    >>> f, pxx = welch(x, nperseg=128)
    >>> bool(torch.allclose(pxy, 3 * pxx.to(pxy.dtype)))
    True
    """
    if y is None:
        raise TypeError("y must be a signal tensor; for the power spectral density of x use welch(x)")
    return cross_spectrum(x, y, fs, window, nperseg, noverlap, nfft, detrend, return_onesided, scaling, axis,
                          average)


def periodogram(x, fs=1.0, window="boxcar", nfft=None, detrend="constant", return_onesided=True,
                scaling="density", axis=-1):
    r"""Power spectral density by the periodogram: one windowed segment, the whole signal.

    :func:`welch` with a single segment of all :math:`N` samples (``noverlap = 0``): resolution
    :math:`f_s / N`, but a variance as large as the estimate at every frequency, whatever ``N``. An
    ``nfft`` shorter than ``N`` uses the first ``nfft`` samples (SciPy's convention); a longer one zero-pads.

    Parameters
    ----------
    x : tensor-like
        Samples along ``axis``.
    fs : float
        Sampling rate in Hz.
    window : str, tuple or tensor-like
        Default ``"boxcar"`` (rectangular); ``None`` means the same.
    nfft, detrend, return_onesided, scaling, axis
        As for :func:`welch`.

    Returns
    -------
    f : (nfreq,) tensor
        Sample frequencies.
    Pxx : tensor
        The periodogram, ``axis`` replaced by the frequencies.

    Raises
    ------
    ValueError
        As :func:`welch`.

    References
    ----------
    .. [1] A. Schuster, "On the investigation of hidden periodicities", *Terr. Magn.* 3(1), 13–41, 1898.
    .. [2] ``scipy.signal.periodogram``.

    Examples
    --------
    A unit cosine on the 10 Hz bin has power ½ there (``scaling="spectrum"``):

    >>> t = torch.arange(100, dtype=torch.float64) / 100
    >>> f, p = periodogram(torch.cos(2 * torch.pi * 10 * t), fs=100.0, scaling="spectrum")
    >>> float(f[10]), round(float(p[10]), 12)
    (10.0, 0.5)
    """
    xt, axis_i = as_samples(x, "x", axis)
    n = xt.shape[-1]
    window = "boxcar" if window is None else window
    if nfft is None:
        nperseg = n
    else:
        nfft = check_int(nfft, "nfft", low=1)
        nperseg = min(nfft, n)
        if nfft < n:
            xt, nfft = xt[..., :nfft], None
    if not isinstance(window, str | tuple) and len(window) != nperseg:
        raise ValueError(f"window must have {nperseg} samples (the signal's length along axis), got {len(window)}")
    return cross_spectrum(xt.movedim(-1, axis_i), None, fs, window, nperseg, 0, nfft, detrend, return_onesided,
                          scaling, axis_i, "mean")


def coherence(x, y, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None, detrend="constant", axis=-1):
    r"""Magnitude-squared coherence :math:`C_{xy} = |P_{xy}|^2 / (P_{xx} P_{yy})` by Welch's method.

    :math:`0 \le C_{xy}(f) \le 1`, and :math:`C_{xy} = 1` at every frequency where :math:`y` is a linear
    time-invariant filtering of :math:`x` (up to the segment length's leakage); independent noise lowers it.

    Parameters
    ----------
    x, y : tensor-like
        Samples along ``axis``.
    fs, window, nperseg, noverlap, nfft, detrend, axis
        As for :func:`welch`.

    Returns
    -------
    f : (nfreq,) tensor
        Sample frequencies.
    Cxy : tensor
        The coherence, real, ``axis`` replaced by the frequencies.

    Raises
    ------
    ValueError
        As :func:`csd`.

    References
    ----------
    .. [1] J. S. Bendat and A. G. Piersol, *Random Data*, 4th ed., Wiley, 2010, §9.2.3.
    .. [2] ``scipy.signal.coherence``.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(2)
    >>> x = torch.randn(8192, generator=g, dtype=torch.float64)
    >>> y = torch.roll(x, 3) - 0.5 * x  # a delay and a gain: a linear filter
    >>> f, c = coherence(x, y, nperseg=256)
    >>> bool((c[5:-5] > 0.95).all())
    True
    """
    x, y = as_tensor(x, "x"), as_tensor(y, "y")
    onesided = not (x.is_complex() or y.is_complex())  # all three on the same (two-sided) grid otherwise
    f, pxx = welch(x, fs, window, nperseg, noverlap, nfft, detrend, onesided, axis=axis)
    _, pyy = welch(y, fs, window, nperseg, noverlap, nfft, detrend, onesided, axis=axis)
    _, pxy = csd(x, y, fs, window, nperseg, noverlap, nfft, detrend, axis=axis)
    if pxx.shape[axis] != pxy.shape[axis] or pyy.shape[axis] != pxy.shape[axis]:
        raise ValueError(f"x and y of {x.shape[axis]} and {y.shape[axis]} samples give different frequency grids "
                         "(nperseg shortened to each one's length); pass an nperseg no longer than either signal")
    return f, (pxy.real.square() + pxy.imag.square()) / pxx / pyy
