"""Dominant frequencies of a sampled signal: spectral peaks, refined by a least-squares sinusoid fit."""

from __future__ import annotations

import numpy as np
import scipy.signal
import torch

from sciml._validation import check_int, check_real
from sciml.signal._sampling import as_signal, sampling
from sciml.signal._sinusoids import FitStatus, Sinusoids, fit_parameters, linear_coefficients, make_result
from sciml.signal._spectrum import spectrum


def spectral_peaks(amplitude: np.ndarray, threshold: float, floor: float = 0.0) -> np.ndarray:
    """Interior peak bins of a one-sided amplitude spectrum whose prominence is at least ``threshold`` × the
    largest amplitude, with fractional offsets from a parabola through the log amplitudes (exact for a
    Gaussian peak). Returns fractional bin positions, strongest first; none when the spectrum does not rise
    above ``floor`` (rounding noise)."""
    top = float(amplitude[1:].max(initial=0.0))
    if not top > floor:
        return np.zeros(0)
    bins, _ = scipy.signal.find_peaks(amplitude, prominence=threshold * top)
    bins = bins[np.argsort(-amplitude[bins], kind="stable")]
    la, lb, lc = (np.log(np.maximum(amplitude[bins + s], top * 1e-300)) for s in (-1, 0, 1))
    curvature = la - 2 * lb + lc
    delta = np.where(curvature < 0, 0.5 * (la - lc) / np.where(curvature < 0, curvature, -1.0), 0.0)
    return bins + np.clip(delta, -0.5, 0.5)


#: most components fitted jointly (a fit costs O(N·(3K)²) per iteration); a broadband spectrum with more
#: peaks than this is reduced to its largest ones
MAX_COMPONENTS = 32


def dominant_frequencies(x, t=None, *, fs=None, k: int | None = None, threshold: float = 0.05,
                         window="hann", refine: bool = True, max_iter: int = 100, xtol: float = 1e-12,
                         ftol: float = 1e-15, throw: bool = False) -> Sinusoids:
    """The dominant sinusoidal components of a real signal, estimated beyond the FFT's bin resolution.

    1. Peaks of the one-sided amplitude spectrum of the mean-removed, windowed signal
       (:func:`~sciml.signal.spectrum`, ``scipy.signal.find_peaks``) whose prominence is at least
       ``threshold`` times the largest amplitude: leakage side lobes (below 3 % of the main lobe for the
       Hann window) are not reported. Each frequency appears once (one-sided, positive).
    2. Frequencies start from a parabola through the log amplitudes around each peak; then frequencies,
       amplitudes, phases and an offset are refined jointly by nonlinear least squares of

       .. math:: x(t) \\approx c_0 + \\sum_j A_j \\cos(2\\pi f_j t + \\varphi_j)

       to the samples (:func:`~sciml.signal.fit_sinusoids`, float64). Components that the fit shrinks below
       ``threshold`` × the largest amplitude are dropped and the rest refitted.

    Parameters
    ----------
    x : (N,) tensor-like
        One real signal.
    t, fs
        Uniformly spaced sample times (the rate is ``(N − 1)/(t[-1] − t[0])``) or the sampling rate in Hz.
    k : int, optional
        Report at most the ``k`` largest components (all peaks are fitted); default all.
    threshold : float
        Relative prominence below which a spectral peak counts as leakage or noise (default 0.05); lower it
        (and use a low-leakage window such as ``"blackmanharris"``) to find weaker tones.
    window : str, tuple or tensor-like
        Window for the peak search (default ``"hann"``).
    refine : bool
        Fit by least squares (default); ``False`` reports the interpolated peaks with linear least-squares
        amplitudes and phases.
    max_iter, xtol, ftol
        Passed to the Levenberg–Marquardt fit.
    throw : bool
        Raise :class:`~sciml.results.ConvergenceError` instead of returning a failed fit.

    Returns
    -------
    Sinusoids
        ``freqs`` (Hz), ``amplitudes``, ``phases`` (of ``A cos(2π f t + φ)``, referred to ``t = 0``) sorted by
        decreasing amplitude, the ``offset``, the RMS ``residual`` of the fit and its ``status``. Tones within
        a bin of 0 Hz or of the Nyquist frequency are not searched for (the constant part is ``offset``).

    Examples
    --------
    >>> t = torch.linspace(0, 1, 1000, dtype=torch.float64)
    >>> x = torch.sin(2 * torch.pi * 5 * t) + 0.5 * torch.sin(2 * torch.pi * 10 * t)
    >>> r = dominant_frequencies(x, t)
    >>> [round(f, 9) for f in r.freqs.tolist()], [round(a, 9) for a in r.amplitudes.tolist()]
    ([5.0, 10.0], [1.0, 0.5])
    """
    x = as_signal(x, dtype=torch.float64, batched=False)
    n = x.shape[0]
    rate, t0 = sampling(t, fs, n)
    k = check_int(k, "k", low=1, none=True)
    threshold = check_real(threshold, "threshold")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be a fraction in (0, 1) of the largest peak, got {threshold!r}")
    spec = spectrum(x, fs=rate, window=window, detrend="constant")
    rounding = 1e3 * torch.finfo(x.dtype).eps * float(x.abs().max())
    bins = spectral_peaks(spec.amplitude.cpu().numpy(), threshold, floor=rounding)
    tau = torch.arange(n, dtype=torch.float64, device=x.device) / rate
    most = min(MAX_COMPONENTS, (n - 1) // 3)  # no more than the samples can determine, nor a joint fit can afford
    if len(bins) > most:  # a broadband spectrum: the largest peaks only
        amplitude = spec.amplitude.cpu().numpy()
        bins = np.sort(bins[np.argsort(-amplitude[np.rint(bins).astype(int)], kind="stable")[:most]])
    freqs = torch.as_tensor(bins * rate / n, dtype=torch.float64, device=x.device)
    status, nit, nfev = FitStatus.NOT_REFINED, 0, 1
    if freqs.numel() == 0:
        p, status = torch.cat([x.mean()[None], freqs]), FitStatus.NO_PEAKS
    elif not refine:
        p = linear_coefficients(x, tau, freqs)
    else:
        for _ in range(MAX_COMPONENTS):  # each round drops at least one component
            p, status, it, fe = fit_parameters(x, tau, freqs, max_iter=max_iter, xtol=xtol, ftol=ftol)
            nit, nfev = nit + it, nfev + fe
            keep = _keep(p, freqs.numel(), threshold, rate / n)
            if bool(keep.all()):
                break
            freqs = p[1 + 2 * freqs.numel():][keep].abs()
    kk = freqs.numel()
    order = torch.argsort(torch.hypot(p[1:1 + kk], p[1 + kk:1 + 2 * kk]), descending=True, stable=True)
    p = torch.cat([p[:1], p[1:1 + kk][order], p[1 + kk:1 + 2 * kk][order], p[1 + 2 * kk:][order]])
    report = kk if k is None else min(k, kk)
    return make_result(x, tau, p, kk, t0, rate, status, nit, nfev, report=report, throw=throw)


def _keep(p, kk, threshold, resolution):
    """Components worth keeping after a fit: not shrunk below ``threshold`` of the largest amplitude and
    not a duplicate (within a tenth of a bin) of a larger one."""
    amp = torch.hypot(p[1:1 + kk], p[1 + kk:1 + 2 * kk])
    f = p[1 + 2 * kk:].abs()
    keep = amp >= threshold * amp.max()
    for i in range(kk):
        larger = (amp > amp[i]) | ((amp == amp[i]) & (torch.arange(kk, device=amp.device) < i))
        if bool((larger & keep & ((f - f[i]).abs() < 0.1 * resolution)).any()):
            keep[i] = False
    return keep

