"""Peaks of a sampled signal (``find_peaks``) with SciPy's definitions of height, threshold, distance,
prominence and width; the search is SciPy's, the heights stay attached to the tensor's graph."""

from __future__ import annotations

import numpy as np
import scipy.signal
import torch

from sciml.signal._segments import as_samples


def find_peaks(x, height=None, threshold=None, distance=None, prominence=None, width=None, wlen=None,
               rel_height=0.5, plateau_size=None):
    r"""Local maxima of a 1-D signal selected by their properties, as ``scipy.signal.find_peaks``.

    A peak is a sample (or the middle of a flat plateau) larger than both neighbours. The conditions, each a
    number (minimum) or a ``(min, max)`` pair, are SciPy's: ``height`` :math:`x_p`; ``threshold`` the
    vertical distance to the neighbours; ``distance`` the minimal horizontal distance in samples (smaller
    peaks removed first); ``prominence`` :math:`x_p - \max(\min_\text{left}, \min_\text{right})`, the minima
    taken over the ranges up to the nearest higher sample on each side (within ``wlen``); ``width`` the
    peak's width at ``rel_height`` of its prominence below the peak, interpolated between samples.

    Parameters
    ----------
    x : (N,) tensor-like
        One real signal.
    height, threshold, distance, prominence, width, wlen, rel_height, plateau_size
        As ``scipy.signal.find_peaks``.

    Returns
    -------
    peaks : (P,) int64 tensor
        Indices of the peaks, increasing.
    properties : dict of (P,) tensors
        The properties computed for the conditions (``peak_heights``, ``left_thresholds``, ``prominences``,
        ``left_bases``, ``widths``, ``width_heights``, ``left_ips``, ...); ``peak_heights`` is ``x[peaks]``,
        differentiable in ``x``.

    Raises
    ------
    ValueError
        ``x`` not one-dimensional or empty or non-finite, a condition SciPy rejects (e.g. ``distance < 1``).
    TypeError
        Complex ``x``.

    References
    ----------
    .. [1] ``scipy.signal.find_peaks``, which performs the search.
    .. [2] Wikipedia, "Topographic prominence".

    Examples
    --------
    >>> x = torch.tensor([0.0, 2.0, 0.0, 1.0, 0.0, 3.0, 1.0, 1.5, 0.0], dtype=torch.float64)
    >>> peaks, props = find_peaks(x, prominence=1.0)
    >>> peaks.tolist(), props["prominences"].tolist()
    ([1, 3, 5], [2.0, 1.0, 3.0])
    """
    t, _ = as_samples(x, "x", -1)
    if t.dim() != 1:
        raise ValueError(f"x must be one signal of shape (N,), got shape {tuple(t.shape)}; loop over a batch")
    if t.is_complex():
        raise TypeError(f"x must be real, got {t.dtype}; pass x.abs() or x.real")
    try:
        peaks, props = scipy.signal.find_peaks(t.detach().cpu().numpy(), height=height, threshold=threshold,
                                               distance=distance, prominence=prominence, width=width, wlen=wlen,
                                               rel_height=rel_height, plateau_size=plateau_size)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"find_peaks: {exc}") from None
    index = torch.as_tensor(peaks, dtype=torch.int64, device=t.device)
    out = {}
    for key, value in props.items():
        value = np.asarray(value)
        dtype = torch.int64 if value.dtype.kind in "iu" else t.dtype
        out[key] = torch.as_tensor(value, dtype=dtype, device=t.device)
    if "peak_heights" in out:
        out["peak_heights"] = t[index]
    return index, out
