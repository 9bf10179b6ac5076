r"""Time–frequency analysis: ``spectrogram``, ``stft`` and its inverse ``istft`` by weighted overlap-add
(SciPy's conventions; the reconstruction conditions ``check_COLA``/``check_NOLA`` are in ``_cola``).

The STFT of :math:`x` at segment :math:`j` and frequency :math:`f_k` is
:math:`Z_{kj} = s \sum_n w_n x_{jH+n} e^{-2\pi i k n / N_{fft}}`; :func:`istft` inverts each column and
overlap-adds with the window, dividing by :math:`\sum_j w^2_{n - jH}`, which recovers :math:`x` exactly
wherever that sum is non-zero (the NOLA condition).
"""

from __future__ import annotations

import math
import warnings

import torch

from sciml._validation import as_tensor, check_bool, check_choice, check_int
from sciml.signal._detrend import check_axis
from sciml.signal._memory import empty, irfft, recording
from sciml.signal._segments import check_fs, one_sided_doubling, stft_segments
from sciml.signal._windows import SpectralWarning, get_window, segment_window

_MODES = ("psd", "complex", "magnitude", "angle", "phase")


def unwrap(p: torch.Tensor, dim: int) -> torch.Tensor:
    """NumPy's ``unwrap`` of phases along ``dim``: jumps larger than π replaced by their 2π complement."""
    dd = torch.diff(p, dim=dim)
    ddmod = torch.remainder(dd + math.pi, 2 * math.pi) - math.pi
    ddmod = torch.where((ddmod == -math.pi) & (dd > 0), math.pi, ddmod)
    correct = torch.where(dd.abs() < math.pi, 0.0, ddmod - dd)
    first = p.narrow(dim, 0, 1)
    return torch.cat([first, p.narrow(dim, 1, p.shape[dim] - 1) + correct.cumsum(dim)], dim)


def spectrogram(x, fs=1.0, window=("tukey", 0.25), nperseg=None, noverlap=None, nfft=None, detrend="constant",
                return_onesided=True, scaling="density", axis=-1, mode="psd"):
    r"""Spectrogram: the power (or complex, magnitude, phase) of consecutive windowed segments.

    With the segments' transforms :math:`X_{kj}` (as in :func:`welch`), ``mode="psd"`` gives
    :math:`c_k s |X_{kj}|^2` (density or spectrum scaling, one-sided bins doubled), ``"complex"``
    :math:`\sqrt{s} X_{kj}`, ``"magnitude"`` its modulus, ``"angle"`` its argument and ``"phase"`` the
    argument unwrapped along frequency. Segment :math:`j` is centred at :math:`t_j = (L/2 + jH)/f_s`.

    Parameters
    ----------
    x : tensor-like
        Samples along ``axis``; other dimensions are a batch.
    fs : float
        Sampling rate in Hz.
    window : str, tuple or tensor-like
        Default a Tukey window with α = 0.25.
    nperseg, nfft, detrend, return_onesided, scaling, axis
        As for :func:`welch` (``nperseg`` default 256).
    noverlap : int, optional
        Default ``nperseg // 8``.
    mode : {"psd", "complex", "magnitude", "angle", "phase"}
        What to return.

    Returns
    -------
    f : (nfreq,) tensor
        Sample frequencies.
    t : (nseg,) tensor
        Segment centres in seconds.
    Sxx : tensor
        ``axis`` replaced by the frequencies, the segments appended last.

    Raises
    ------
    ValueError
        As :func:`welch`, and an unknown ``mode``.

    References
    ----------
    .. [1] A. V. Oppenheim and R. W. Schafer, *Discrete-Time Signal Processing*, 3rd ed., Pearson, 2010,
       §10.3.
    .. [2] ``scipy.signal.spectrogram``.

    Examples
    --------
    A tone jumping from 50 Hz to 150 Hz halfway, sampled at 1 kHz:

    >>> t = torch.arange(2000, dtype=torch.float64) / 1000
    >>> x = torch.where(t < 1, torch.sin(2 * torch.pi * 50 * t), torch.sin(2 * torch.pi * 150 * t))
    >>> f, tt, S = spectrogram(x, fs=1000.0, nperseg=100)
    >>> S.shape, f[S[:, 0].argmax()].item(), f[S[:, -1].argmax()].item()
    (torch.Size([51, 22]), 50.0, 150.0)
    """
    mode = check_choice(mode, "mode", _MODES)
    f, t, Z, axis, _, (_, _, nfft) = stft_segments(x, fs, window, nperseg, noverlap, nfft, detrend,
                                                   return_onesided, scaling, axis, default_overlap=8)
    if mode == "psd":
        S = Z.real.square() + Z.imag.square()
        if f.shape[0] != nfft:  # one-sided
            S = S * one_sided_doubling(S.shape[-1], nfft, S)
    elif mode == "complex":
        S = Z
    elif mode == "magnitude":
        S = Z.abs()
    else:
        S = torch.angle(Z)
        if mode == "phase":
            S = unwrap(S, -1)
    return f, t, S.movedim(-1, axis)


def stft(x, fs=1.0, window="hann", nperseg=256, noverlap=None, nfft=None, detrend=False, return_onesided=True,
         boundary="zeros", padded=True, axis=-1, scaling="spectrum"):
    r"""Short-time Fourier transform :math:`Z_{kj} = s \sum_n w_n x_{jH+n} e^{-2\pi i k n/N_{fft}}`.

    The signal is first extended by ``nperseg // 2`` samples at both ends (``boundary``) so that the first
    segment is centred on the first sample, and zero-padded (``padded``) to a whole number of segments;
    ``s = 1/\sum w`` (``scaling="spectrum"``: a unit sinusoid on a bin reads ½) or
    :math:`1/\sqrt{f_s \sum w^2}` (``"psd"``). :func:`istft` inverts it when the NOLA condition holds.

    Parameters
    ----------
    x : tensor-like
        Samples along ``axis``; real or complex (two-sided).
    fs, window, noverlap, nfft, return_onesided, axis
        As for :func:`welch` (``window`` default ``"hann"``, ``noverlap`` default ``nperseg // 2``).
    nperseg : int
        Segment length (default 256).
    detrend : {False, "constant", "linear"} or callable
        Default none.
    boundary : {"zeros", "even", "odd", "constant", None}
        Extension at both ends by ``nperseg // 2`` samples (default zeros).
    padded : bool
        Zero-pad the end to a whole number of segments (default).
    scaling : {"spectrum", "psd"}
        Magnitude or density scaling.

    Returns
    -------
    f : (nfreq,) tensor
        Sample frequencies.
    t : (nseg,) tensor
        Segment centres in seconds.
    Zxx : complex tensor
        ``axis`` replaced by the frequencies, the segments appended last.

    Raises
    ------
    ValueError
        As :func:`welch`, an unknown ``boundary`` or ``scaling``, an extension longer than the signal.

    References
    ----------
    .. [1] D. W. Griffin and J. S. Lim, "Signal estimation from modified short-time Fourier transform",
       *IEEE Trans. ASSP* 32(2), 236–243, 1984.
    .. [2] ``scipy.signal.stft``.

    Examples
    --------
    >>> x = torch.cos(2 * torch.pi * 0.125 * torch.arange(64, dtype=torch.float64))
    >>> f, t, Z = stft(x, nperseg=16)
    >>> Z.shape, round(float(Z[2, 4].abs()), 12)
    (torch.Size([9, 9]), 0.5)
    """
    scaling = check_choice(scaling, "scaling", ("spectrum", "psd"))
    f, t, Z, axis, _, _ = stft_segments(x, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                                        "density" if scaling == "psd" else "spectrum", axis, boundary=boundary,
                                        padded=padded)
    return f, t, Z.movedim(-1, axis)


def _overlap_add(frames: torch.Tensor, step: int, length: int) -> torch.Tensor:
    """Sum the first ``length`` samples of frames ``(..., nseg, ≥ length)`` placed ``step`` samples apart:
    ``(..., length + (nseg − 1) step)``. Frames cut into ``r = ⌈length/step⌉`` blocks of ``step`` samples add
    as ``r`` in-place slice additions (no loop over segments, no copies); for long frames with a short step,
    one ``index_add``."""
    nseg, batch = frames.shape[-2], frames.shape[:-2]
    total = length + (nseg - 1) * step
    r = -(-length // step)
    if r <= 16:
        out = empty((*batch, nseg + r - 1, step), frames.dtype, frames.device).zero_()
        for i in range(r):
            width = min(step, length - i * step)
            out[..., i:i + nseg, :width] += frames[..., i * step:i * step + width]
        return out.reshape(*batch, -1)[..., :total]
    index = (torch.arange(nseg, device=frames.device)[:, None] * step
             + torch.arange(length, device=frames.device)).reshape(-1)
    out = frames.new_zeros(*batch, total)
    return out.index_add(-1, index, frames[..., :length].reshape(*batch, -1))


def istft(Zxx, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None, input_onesided=True,
          boundary=True, time_axis=-1, freq_axis=-2, scaling="spectrum"):
    r"""Inverse short-time Fourier transform by weighted overlap-add.

    Each column is inverted (``irfft``/``ifft``), multiplied by the window and added at its offset
    :math:`jH`; the sum is divided by :math:`\sum_j w^2_{n-jH}`:

    .. math:: x_n = \frac{\sum_j w_{n-jH}\, \mathcal F^{-1}[Z_{\cdot j}/s]_{n-jH}}{\sum_j w^2_{n-jH}},

    the least-squares inverse of Griffin and Lim, exact for the STFT of a signal wherever the denominator is
    non-zero (the NOLA condition, :func:`check_NOLA`). Where it vanishes a :class:`SpectralWarning` says so.

    Parameters
    ----------
    Zxx : complex tensor-like
        The STFT; other dimensions are a batch.
    fs : float
        Sampling rate in Hz.
    window : str, tuple or tensor-like
        The analysis window (default ``"hann"``).
    nperseg, noverlap, nfft : int, optional
        As for :func:`stft`; defaults inferred from ``Zxx`` as SciPy does.
    input_onesided : bool
        Whether ``Zxx`` is one-sided (a real signal; default).
    boundary : bool
        Remove the ``nperseg // 2`` extension samples of :func:`stft` (default).
    time_axis, freq_axis : int
        Where the segments and the frequencies are (default last and second to last).
    scaling : {"spectrum", "psd"}
        As for :func:`stft`.

    Returns
    -------
    t : tensor
        Sample times ``n / fs`` along the output's time axis.
    x : tensor
        The signal (real for one-sided input), with the frequency axis removed and the time axis in place of
        the segments.

    Raises
    ------
    ValueError
        ``Zxx`` with fewer than 2 dimensions, equal axes, ``noverlap ≥ nperseg``, ``nfft < nperseg``, a window
        of the wrong length.

    References
    ----------
    .. [1] D. W. Griffin and J. S. Lim, "Signal estimation from modified short-time Fourier transform",
       *IEEE Trans. ASSP* 32(2), 236–243, 1984.
    .. [2] ``scipy.signal.istft``.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(3)
    >>> x = torch.randn(3, 1000, generator=g, dtype=torch.float64)
    >>> f, t, Z = stft(x, nperseg=64)
    >>> _, y = istft(Z, nperseg=64)
    >>> bool(torch.allclose(y[:, :1000], x, rtol=0, atol=1e-12))
    True
    """
    Z = as_tensor(Zxx, "Zxx", nonempty=True, finite=False)
    if not bool(torch.isfinite(Z.sum())) and not bool(torch.isfinite(Z).all()):
        raise ValueError("Zxx contains NaN or infinite entries; clean the input first")
    if Z.dim() < 2:
        raise ValueError(f"Zxx must have at least 2 dimensions (frequencies, segments), got shape {tuple(Z.shape)}")
    fs = check_fs(fs)
    time_axis, freq_axis = check_axis(time_axis, Z.dim(), "time_axis"), check_axis(freq_axis, Z.dim(), "freq_axis")
    if time_axis == freq_axis:
        raise ValueError(f"time_axis and freq_axis must differ, got both = {time_axis}")
    onesided = check_bool(input_onesided, "input_onesided")
    boundary = check_bool(boundary, "boundary")
    scaling = check_choice(scaling, "scaling", ("spectrum", "psd"))
    Z = Z.movedim((freq_axis, time_axis), (-2, -1))
    nfreq, nseg = Z.shape[-2:]
    n_default = 2 * (nfreq - 1) if onesided else nfreq
    nperseg = n_default if nperseg is None else check_int(nperseg, "nperseg", low=1)
    if nperseg < 1:
        raise ValueError(f"Zxx has {nfreq} frequency row(s), too few to infer nperseg; pass nperseg")
    if nfft is None:
        nfft = nperseg if onesided and nperseg == n_default + 1 else n_default
    else:
        nfft = check_int(nfft, "nfft", low=1)
    if nfft < nperseg:
        raise ValueError(f"nfft = {nfft} must be at least nperseg = {nperseg}")
    noverlap = nperseg // 2 if noverlap is None else check_int(noverlap, "noverlap", low=0)
    if noverlap >= nperseg:
        raise ValueError(f"noverlap = {noverlap} must be less than nperseg = {nperseg}")
    step = nperseg - noverlap
    real = Z.real.dtype
    if isinstance(window, str | tuple):
        win = get_window(window, nperseg, dtype=real, device=Z.device)
    else:
        win, _ = segment_window(window, nperseg, nperseg, torch.empty(0, dtype=real, device=Z.device))
    Zc = Z if Z.is_complex() else Z.to(torch.complex128 if real == torch.float64 else torch.complex64)
    Zc = Zc.transpose(-1, -2)  # (..., nseg, nfreq): a view; the FFT reads it strided
    frames = irfft(Zc, nfft) if onesided else torch.fft.ifft(Zc, n=nfft, dim=-1)
    scale = win.sum() if scaling == "spectrum" else torch.sqrt(fs * (win * win).sum())
    weights = (win * scale).to(frames.dtype)
    frames = frames[..., :nperseg]
    frames = frames * weights if recording(frames) else frames.mul_(weights)
    x = _overlap_add(frames, step, nperseg)
    norm = _overlap_add((win * win).expand(nseg, nperseg), step, nperseg)
    if boundary:
        x, norm = x[..., nperseg // 2:-(nperseg // 2) or None], norm[nperseg // 2:-(nperseg // 2) or None]
    if not bool((norm > 1e-10).all()):
        warnings.warn("the NOLA condition fails: the overlap-added squared window vanishes at some samples, so "
                      "the STFT may not be invertible there" + ("" if boundary else " (possibly the missing "
                      "boundary extension)"), SpectralWarning, stacklevel=2)
    norm = torch.where(norm > 1e-10, norm, 1.0)
    x = x / norm if recording(x) else x.div_(norm)
    t = torch.arange(x.shape[-1], dtype=real, device=Z.device) / fs
    if x.dim() > 1 and time_axis != Z.dim() - 1:
        x = x.movedim(-1, time_axis - (freq_axis < time_axis))
    return t, x
