"""Window functions as tensors (SciPy's ``get_window``), and the window/segment-length triage of the spectral
estimators."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.signal
import torch

from sciml._validation import DEFAULT_DTYPE, as_tensor, check_bool, check_dtype, check_int


class SpectralWarning(UserWarning):
    """A spectral estimate SciPy would also warn about: a segment longer than the signal (shortened to it),
    complex input with ``return_onesided=True`` (switched to two-sided), or an STFT that is not invertible
    (the NOLA condition fails)."""


def _scipy_window(window, nx: int, fftbins: bool) -> np.ndarray:
    if not isinstance(window, str | tuple | float | int) or isinstance(window, bool):
        raise TypeError(f"window must be a name such as 'hann', a (name, parameter) tuple such as ('kaiser', 8.0) "
                        f"or the samples, got {type(window).__name__}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return scipy.signal.get_window(window, nx, fftbins=fftbins)
    except (ValueError, TypeError, KeyError, IndexError, RuntimeWarning, UserWarning) as exc:
        raise ValueError(f"window {window!r} is not a window SciPy knows ({exc}); use e.g. 'hann', 'hamming', "
                         "'blackman', 'bartlett', 'boxcar', ('tukey', 0.5), ('kaiser', 8.0), ('gaussian', std) "
                         "or ('dpss', NW)") from None


def get_window(window, Nx, fftbins=True, *, dtype=None, device=None) -> torch.Tensor:
    r"""A window of ``Nx`` samples, as SciPy's ``scipy.signal.get_window`` computes it, as a tensor.

    The window :math:`w_n`, :math:`n = 0, \dots, N_x - 1`, is sampled from its continuous form over ``Nx``
    points (symmetric, ``fftbins=False``, :math:`w_n = w_{N_x-1-n}`) or over ``Nx + 1`` points with the last
    dropped (periodic, ``fftbins=True``, the default: the form for spectral analysis, whose DFT has the
    window's ideal main lobe), e.g. Hann :math:`w_n = \tfrac12 - \tfrac12 \cos(2\pi n / M)` with
    :math:`M = N_x` (periodic) or :math:`M = N_x - 1` (symmetric).

    Parameters
    ----------
    window : str, float or tuple
        A window name (``"hann"``, ``"hamming"``, ``"blackman"``, ``"bartlett"``, ``"boxcar"``, ...), a
        ``(name, parameter...)`` tuple for parametrised windows (``("tukey", α)``, ``("kaiser", β)``,
        ``("gaussian", σ)``, ``("dpss", NW)``, ...), or a number β for a Kaiser window.
    Nx : int
        Number of samples, ≥ 1.
    fftbins : bool
        Periodic (default) or symmetric.
    dtype, device : optional
        Of the tensor; default float64 on the CPU.

    Returns
    -------
    (Nx,) tensor
        The window samples.

    Raises
    ------
    ValueError
        An unknown window or a missing parameter, ``Nx < 1``.

    References
    ----------
    .. [1] ``scipy.signal.get_window``, which computes the samples (exactly the same values).
    .. [2] F. J. Harris, "On the use of windows for harmonic analysis with the discrete Fourier transform",
       *Proc. IEEE* 66(1), 51–83, 1978.

    Examples
    --------
    >>> get_window("hann", 4).tolist()
    [0.0, 0.5, 1.0, 0.5]
    >>> get_window("hann", 5, fftbins=False).tolist()
    [0.0, 0.5, 1.0, 0.5, 0.0]
    >>> get_window(("kaiser", 8.0), 64).dtype
    torch.float64
    """
    nx = check_int(Nx, "Nx", low=1)
    fftbins = check_bool(fftbins, "fftbins")
    dtype = check_dtype(dtype, complex=False) if dtype is not None else DEFAULT_DTYPE
    return torch.as_tensor(_scipy_window(window, nx, fftbins), dtype=dtype, device=device)


def segment_window(window, nperseg, n: int, like: torch.Tensor, *, default_nperseg=256,
                   longer="warn") -> tuple[torch.Tensor, int]:
    """The window samples and the segment length, as SciPy's spectral estimators triage them.

    A named window (str/tuple) has ``nperseg`` samples (default ``default_nperseg``); an ``nperseg`` longer
    than the signal's ``n`` samples is shortened to ``n`` with a :class:`SpectralWarning` (SciPy's warning).
    Samples given as a tensor fix ``nperseg`` (which must then match) and, when ``longer="raise"``, must not be
    longer than the signal."""
    real = torch.empty(0, dtype=like.dtype).real.dtype
    if nperseg is not None:
        nperseg = check_int(nperseg, "nperseg", low=1)
    if isinstance(window, str | tuple):
        nperseg = default_nperseg if nperseg is None else nperseg
        if nperseg > n:
            warnings.warn(f"nperseg = {nperseg} is greater than the signal length {n}, using nperseg = {n}",
                          SpectralWarning, stacklevel=3)
            nperseg = n
        return get_window(window, nperseg, dtype=real, device=like.device), nperseg
    win = as_tensor(window, "window", device=like.device, ndim=1, real=True, nonempty=True)
    win = win.to(real)
    if longer == "raise" and win.shape[0] > n:
        raise ValueError(f"window has {win.shape[0]} samples, more than the signal's {n}; pass a shorter window")
    if nperseg is not None and nperseg != win.shape[0]:
        raise ValueError(f"nperseg = {nperseg} does not equal the window's length {win.shape[0]}; pass one of them")
    return win, win.shape[0]
