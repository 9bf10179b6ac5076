"""Convolution by the FFT (``fftconvolve``), batched by broadcasting and differentiable."""

from __future__ import annotations

import torch

from sciml._validation import as_tensor, check_choice
from sciml.signal._detrend import check_axis


def fftconvolve(in1, in2, mode="full", axes=None) -> torch.Tensor:
    r"""Convolve two N-dimensional tensors by the FFT, as ``scipy.signal.fftconvolve``.

    .. math:: (u * v)_n = \sum_m u_m v_{n-m}

    over the dimensions ``axes`` (default all), computed as
    :math:`\mathcal F^{-1}[\mathcal F u \cdot \mathcal F v]` on a grid of the full output size (no
    wrap-around), in :math:`O(N \log N)`. Other dimensions broadcast (size 1 against any size), so a batch of
    signals convolves with one kernel in one call.

    Parameters
    ----------
    in1, in2 : tensor-like
        Real or complex inputs with the same number of dimensions.
    mode : {"full", "same", "valid"}
        The full convolution (``n1 + n2 − 1`` per axis), its centre of ``in1``'s size, or the part computed
        without zero-padding (``n1 − n2 + 1``; one input must be at least as large as the other on every axis).
    axes : int or sequence of int, optional
        The dimensions to convolve over.

    Returns
    -------
    tensor
        The convolution (real for real inputs).

    Raises
    ------
    ValueError
        Different numbers of dimensions, non-broadcasting other dimensions, an unknown ``mode``, ``valid``
        with neither input the larger on every axis, empty or non-finite inputs.

    References
    ----------
    .. [1] J. W. Cooley and J. W. Tukey, "An algorithm for the machine calculation of complex Fourier series",
       *Math. Comput.* 19, 297–301, 1965.
    .. [2] ``scipy.signal.fftconvolve``.

    Examples
    --------
    >>> u = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    >>> torch.round(fftconvolve(u, torch.tensor([1.0, 0.5], dtype=torch.float64)), decimals=12).tolist()
    [1.0, 2.5, 4.0, 1.5]
    """
    u = as_tensor(in1, "in1", nonempty=True)
    v = as_tensor(in2, "in2", nonempty=True)
    mode = check_choice(mode, "mode", ("full", "same", "valid"))
    if u.dim() != v.dim():
        raise ValueError(f"in1 and in2 must have the same number of dimensions, got shapes {tuple(u.shape)} and "
                         f"{tuple(v.shape)}; add size-1 dimensions to broadcast")
    if u.dim() == 0:
        return u * v
    if axes is None:
        axes = list(range(u.dim()))
    else:
        axes = [axes] if isinstance(axes, int) else list(axes)
        axes = sorted({check_axis(ax, u.dim(), "axes") for ax in axes})
    for d in range(u.dim()):
        if d not in axes and u.shape[d] != v.shape[d] and 1 not in (u.shape[d], v.shape[d]):
            raise ValueError(f"in1 and in2 must broadcast on dimension {d} (not convolved), got sizes "
                             f"{u.shape[d]} and {v.shape[d]}")
    if mode == "valid":
        bigger = all(u.shape[d] >= v.shape[d] for d in axes)
        if not bigger and not all(v.shape[d] >= u.shape[d] for d in axes):
            raise ValueError("mode='valid' needs one input at least as large as the other on every convolved axis")
        if not bigger:
            u, v = v, u
    dtype = torch.promote_types(u.dtype, v.dtype)
    u, v = u.to(dtype), v.to(device=u.device, dtype=dtype)
    full = [u.shape[d] + v.shape[d] - 1 for d in axes]
    if dtype.is_complex:
        out = torch.fft.ifftn(torch.fft.fftn(u, full, axes) * torch.fft.fftn(v, full, axes), full, axes)
    else:
        out = torch.fft.irfftn(torch.fft.rfftn(u, full, axes) * torch.fft.rfftn(v, full, axes), full, axes)
    if mode == "full":
        return out
    for d, n in zip(axes, full, strict=True):
        size = u.shape[d] if mode == "same" else u.shape[d] - v.shape[d] + 1
        start = (n - size) // 2
        out = out.narrow(d, start, size)
    return out
