r"""Conditions for inverting a short-time Fourier transform by overlap-add: ``check_COLA`` (the shifted
windows add to a constant) and ``check_NOLA`` (the shifted squared windows never vanish; what :func:`istft`
needs), with SciPy's definitions."""

from __future__ import annotations

import numpy as np
import torch

from sciml._validation import check_int, check_real
from sciml.signal._windows import get_window, segment_window


def _overlap_sums(window, nperseg, noverlap, power: int) -> np.ndarray:
    nperseg = check_int(nperseg, "nperseg", low=1)
    noverlap = check_int(noverlap, "noverlap", low=0)
    if noverlap >= nperseg:
        raise ValueError(f"noverlap = {noverlap} must be less than nperseg = {nperseg}")
    if isinstance(window, str | tuple):
        win = get_window(window, nperseg)
    else:
        win, _ = segment_window(window, nperseg, nperseg, torch.empty(0, dtype=torch.float64))
    win = win.detach().cpu().double() ** power
    step = nperseg - noverlap
    sums = sum(win[i * step:(i + 1) * step] for i in range(nperseg // step))
    if nperseg % step:
        sums[:nperseg % step] += win[-(nperseg % step):]
    return sums.numpy()


def check_COLA(window, nperseg, noverlap, tol=1e-10) -> bool:
    r"""Whether the window's shifted copies add to a constant: :math:`\sum_j w_{n - jH} = C` for all n.

    The constant overlap-add (COLA) condition, under which an unmodified STFT overlap-adds back to the signal
    without division; see :func:`check_NOLA` for what :func:`istft` needs.

    Parameters
    ----------
    window : str, tuple or tensor-like
        The window (periodic for names).
    nperseg, noverlap : int
        Segment length and overlap.
    tol : float
        Largest allowed deviation of a sum from their median.

    Returns
    -------
    bool
        Whether the condition holds.

    Raises
    ------
    ValueError
        ``noverlap ≥ nperseg``, a window of the wrong length.

    References
    ----------
    .. [1] J. B. Allen, "Short term spectral analysis, synthesis, and modification by discrete Fourier
       transform", *IEEE Trans. ASSP* 25(3), 235–238, 1977.
    .. [2] ``scipy.signal.check_COLA``.

    Examples
    --------
    >>> check_COLA("hann", 256, 128), check_COLA("hann", 256, 100)
    (True, False)
    """
    tol = check_real(tol, "tol", low=0)
    sums = _overlap_sums(window, nperseg, noverlap, 1)
    return bool(np.max(np.abs(sums - np.median(sums))) < tol)


def check_NOLA(window, nperseg, noverlap, tol=1e-10) -> bool:
    r"""Whether the squared window's shifted copies never vanish: :math:`\sum_j w^2_{n - jH} > \text{tol}`.

    The nonzero overlap-add (NOLA) condition, under which :func:`istft` inverts :func:`stft` exactly.

    Parameters
    ----------
    window : str, tuple or tensor-like
        The window.
    nperseg, noverlap : int
        Segment length and overlap.
    tol : float
        Smallest allowed sum.

    Returns
    -------
    bool
        Whether the condition holds.

    Raises
    ------
    ValueError
        ``noverlap ≥ nperseg``, a window of the wrong length.

    References
    ----------
    .. [1] ``scipy.signal.check_NOLA``.

    Examples
    --------
    >>> check_NOLA("hann", 256, 128), check_NOLA("hann", 256, 0)
    (True, False)
    """
    tol = check_real(tol, "tol", low=0)
    return bool(np.min(_overlap_sums(window, nperseg, noverlap, 2)) > tol)
