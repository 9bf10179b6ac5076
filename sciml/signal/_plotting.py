"""Plotting spectra: the one-sided amplitude spectrum with the dominant components marked."""

from __future__ import annotations


def plot_spectrum(spectrum, components=None, *, ax=None):
    r"""Draw the amplitude spectrum :math:`a_k` against :math:`f_k` and mark the given components.

    Plots ``spectrum.amplitude`` (:math:`a_k`, see :func:`~sciml.signal.spectrum`) against
    ``spectrum.freqs`` (:math:`f_k = k f_s / N`) as a line, and each component :math:`A_j \cos(2\pi f_j t +
    \varphi_j)` of ``components`` as a marker at :math:`(f_j, A_j)` labelled with :math:`f_j` in Hz. Axis
    labels and a legend are set; nothing is shown or saved (the caller decides).

    Parameters
    ----------
    spectrum : Spectrum
        A single (1-D) spectrum, e.g. from :func:`~sciml.signal.spectrum`; index a batched one first.
    components : Sinusoids, optional
        Components to mark, e.g. from :func:`~sciml.signal.dominant_frequencies` or
        :func:`~sciml.signal.fit_sinusoids`; default none.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on; default the current axes (``matplotlib.pyplot.gca()``).

    Returns
    -------
    list of matplotlib.artist.Artist
        The spectrum's line, then (with ``components``) the markers' line and one annotation per component.

    Raises
    ------
    ValueError
        ``spectrum`` is batched.

    References
    ----------
    .. [1] scikit-learn developer guide, "Developing with the plotting API": ``ax=None`` in, artists out.

    Examples
    --------
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> from sciml.signal import dominant_frequencies, spectrum
    >>> t = torch.arange(200, dtype=torch.float64) / 100
    >>> x = 2 * torch.cos(2 * torch.pi * 7 * t) + torch.sin(2 * torch.pi * 20 * t)
    >>> ax = Figure().add_subplot()
    >>> artists = plot_spectrum(spectrum(x, fs=100.0), dominant_frequencies(x, fs=100.0), ax=ax)
    >>> len(artists), [a.get_text() for a in artists[2:]], ax.get_xlabel()
    (4, ['7 Hz', '20 Hz'], 'frequency (Hz)')
    """
    import matplotlib.pyplot as plt

    if spectrum.amplitude.dim() != 1:
        raise ValueError(f"plot_spectrum draws one spectrum; got a batch of shape "
                         f"{tuple(spectrum.amplitude.shape)}: index it first")
    ax = plt.gca() if ax is None else ax
    freqs = spectrum.freqs.detach().cpu().numpy()
    artists = ax.plot(freqs, spectrum.amplitude.detach().cpu().numpy(), "-", lw=1, label="amplitude spectrum")
    if components is not None and components.freqs.numel():
        f, a = components.freqs.detach().cpu().numpy(), components.amplitudes.detach().cpu().numpy()
        artists += ax.plot(f, a, "rv", label="dominant components")
        artists += [ax.annotate(f"{fi:.6g} Hz", (fi, ai), textcoords="offset points", xytext=(4, 4),
                                fontsize="small") for fi, ai in zip(f, a, strict=True)]
    ax.set(xlabel="frequency (Hz)", ylabel="amplitude")
    ax.legend(loc="upper right", fontsize="small")
    return artists


def _values(v):
    return v.detach().cpu().numpy() if hasattr(v, "detach") else v


def plot_spectrogram(f, t, S, *, ax=None, db=True, floor=1e-12, cmap="viridis"):
    r"""Draw a spectrogram :math:`S(f, t)` (e.g. from :func:`~sciml.signal.spectrogram`) as an image.

    Colours show :math:`10 \log_{10} \max(S, \text{floor} \cdot \max S)` in dB (``db=True``, the default)
    or :math:`S` itself, with time on the horizontal axis and frequency on the vertical; a colour bar is
    added. Nothing is shown or saved.

    Parameters
    ----------
    f : (F,) tensor-like
        Frequencies in Hz.
    t : (T,) tensor-like
        Segment times in seconds.
    S : (F, T) tensor-like
        Non-negative power (``mode="psd"`` or ``"magnitude"``); index a batched one first.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on; default the current axes.
    db : bool
        Decibel colour scale (default).
    floor : float
        Relative floor below which values are clipped in dB.
    cmap : str
        Colour map.

    Returns
    -------
    list of matplotlib.artist.Artist
        The mesh and the colour bar's axes.

    Raises
    ------
    ValueError
        ``S`` not of shape (len(f), len(t)).

    References
    ----------
    .. [1] ``matplotlib.axes.Axes.pcolormesh``; ``scipy.signal.spectrogram``'s example.

    Examples
    --------
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> from sciml.signal import spectrogram
    >>> x = torch.sin(2 * torch.pi * 50 * torch.arange(2000, dtype=torch.float64) / 1000)
    >>> ax = Figure().add_subplot()
    >>> artists = plot_spectrogram(*spectrogram(x, fs=1000.0, nperseg=128), ax=ax)
    >>> ax.get_ylabel(), len(artists)
    ('frequency (Hz)', 2)
    """
    import matplotlib.pyplot as plt
    import numpy as np

    f, t, S = (np.asarray(_values(v)) for v in (f, t, S))
    if S.shape != (f.shape[0], t.shape[0]):
        raise ValueError(f"S must have shape (len(f), len(t)) = ({f.shape[0]}, {t.shape[0]}), got {S.shape}; "
                         "index a batched spectrogram first")
    ax = plt.gca() if ax is None else ax
    if np.iscomplexobj(S):
        S = np.abs(S)
    values = 10 * np.log10(np.maximum(S, floor * max(float(S.max()), 1e-300))) if db else S
    mesh = ax.pcolormesh(t, f, values, shading="nearest", cmap=cmap)
    bar = ax.figure.colorbar(mesh, ax=ax)
    bar.set_label("power (dB)" if db else "power")
    ax.set(xlabel="time (s)", ylabel="frequency (Hz)")
    return [mesh, bar.ax]


def plot_psd(f, Pxx, *, ax=None, db=False, label=None, **style):
    r"""Draw a power spectral density :math:`P(f)` (e.g. from :func:`~sciml.signal.welch`) on a log scale.

    Plots :math:`P` against :math:`f` with a logarithmic vertical axis, or :math:`10 \log_{10} P` in dB
    (``db=True``) on a linear one. Nothing is shown or saved.

    Parameters
    ----------
    f : (F,) tensor-like
        Frequencies in Hz.
    Pxx : (F,) or (K, F) tensor-like
        One density or K of them (one line each).
    ax : matplotlib.axes.Axes, optional
        The axes to draw on; default the current axes.
    db : bool
        Decibels instead of a log axis.
    label : str, optional
        Legend label (of the first line).
    **style
        Passed to ``Axes.plot``.

    Returns
    -------
    list of matplotlib.lines.Line2D
        The lines.

    Raises
    ------
    ValueError
        ``Pxx`` whose last dimension is not ``len(f)``.

    References
    ----------
    .. [1] ``scipy.signal.welch``'s example (``semilogy``).

    Examples
    --------
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> from sciml.signal import welch
    >>> g = torch.Generator().manual_seed(0)
    >>> ax = Figure().add_subplot()
    >>> lines = plot_psd(*welch(torch.randn(4096, generator=g, dtype=torch.float64), fs=100.0), ax=ax)
    >>> len(lines), ax.get_yscale()
    (1, 'log')
    """
    import matplotlib.pyplot as plt
    import numpy as np

    f, P = np.asarray(_values(f)), np.asarray(_values(Pxx))
    if P.shape[-1] != f.shape[0] or P.ndim > 2:
        raise ValueError(f"Pxx must have shape (len(f),) or (K, len(f)) with len(f) = {f.shape[0]}, got {P.shape}")
    ax = plt.gca() if ax is None else ax
    floor = max(float(np.max(P, initial=0.0)) * 1e-30, 1e-300)  # zeros drawn at a floor, not off the log axis
    values = 10 * np.log10(np.maximum(P, floor)) if db else np.maximum(P, floor)
    lines = ax.plot(f, values.T, label=label, **style)
    if not db:
        ax.set_yscale("log")
    ax.set(xlabel="frequency (Hz)", ylabel="PSD (dB re 1/Hz)" if db else "PSD (1/Hz)")
    return lines
