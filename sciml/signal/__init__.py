"""Spectra and dominant frequencies of uniformly sampled signals.

- :func:`spectrum` — one-sided amplitude and phase spectrum (``torch.fft.rfft``) on the true frequency axis,
  batched, scaled so that a unit sinusoid on a bin reads 1.
- :func:`dominant_frequencies` — the dominant tones, one-sided and free of leakage peaks, refined beyond the
  bin resolution by a least-squares sinusoid fit.
- :func:`fit_sinusoids` — that least-squares fit from given starting frequencies.
- :func:`plot_spectrum` — the amplitude spectrum with marked components.
"""

from sciml.signal._peaks import dominant_frequencies
from sciml.signal._plotting import plot_spectrum
from sciml.signal._sinusoids import FitConvergenceWarning, FitStatus, Sinusoids, fit_sinusoids
from sciml.signal._spectrum import Spectrum, spectrum

__all__ = [
    "FitConvergenceWarning",
    "FitStatus",
    "Sinusoids",
    "Spectrum",
    "dominant_frequencies",
    "fit_sinusoids",
    "plot_spectrum",
    "spectrum",
]
