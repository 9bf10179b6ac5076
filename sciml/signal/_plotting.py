"""Plotting spectra: the one-sided amplitude spectrum with the dominant components marked."""

from __future__ import annotations


def plot_spectrum(spectrum, components=None, *, ax=None):
    """Draw ``spectrum.amplitude`` against ``spectrum.freqs`` and, if given, mark ``components``
    (a :class:`~sciml.signal.Sinusoids`, e.g. from :func:`~sciml.signal.dominant_frequencies`).

    Only a single (1-D) spectrum is drawn. Returns the list of artists; ``ax`` defaults to the current axes.

    Examples
    --------
    >>> import torch
    >>> from sciml.signal import spectrum
    >>> artists = plot_spectrum(spectrum(torch.ones(8), fs=8.0))
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
