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
