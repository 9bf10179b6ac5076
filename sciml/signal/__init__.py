"""Signal analysis on tensors: SciPy's spectral toolbox, batched over leading dimensions, on any device and
differentiable, plus spectra and dominant frequencies refined beyond the bin width.

- Spectra of one record: :func:`spectrum` (amplitude and phase on the true frequency axis),
  :func:`dominant_frequencies` (tones refined by a least-squares sinusoid fit), :func:`fit_sinusoids`.
- Windows and trends: :func:`get_window`, :func:`detrend`.
- Spectral densities (SciPy's names and conventions): :func:`periodogram`, :func:`welch`, :func:`csd`,
  :func:`coherence`, :func:`lombscargle` (uneven sampling).
- Filtering (design with ``scipy.signal.butter(..., output="sos")`` etc.; application here, with SciPy's
  initial conditions ``zi``): :func:`lfilter`, :func:`lfilter_zi`, :func:`filtfilt`, :func:`sosfilt`,
  :func:`sosfilt_zi`, :func:`sosfiltfilt`, :func:`fftconvolve`.
- Fourier tools: :func:`hilbert` (analytic signal; its modulus is the envelope),
  :func:`instantaneous_frequency`, :func:`resample`; :func:`find_peaks` (SciPy's search, heights on the graph).
- Time–frequency: :func:`spectrogram`, :func:`stft`, :func:`istft`, :func:`check_COLA`, :func:`check_NOLA`.
- Plots: :func:`plot_spectrum`, :func:`plot_spectrogram`, :func:`plot_psd` (``ax=None`` in, artists out).
"""

from sciml.signal._cola import check_COLA, check_NOLA
from sciml.signal._convolve import fftconvolve
from sciml.signal._detrend import detrend
from sciml.signal._filtfilt import filtfilt, sosfilt, sosfilt_zi, sosfiltfilt
from sciml.signal._findpeaks import find_peaks
from sciml.signal._fourier import hilbert, instantaneous_frequency, resample
from sciml.signal._lfilter import lfilter, lfilter_zi
from sciml.signal._lombscargle import lombscargle
from sciml.signal._peaks import dominant_frequencies
from sciml.signal._plotting import plot_psd, plot_spectrogram, plot_spectrum
from sciml.signal._psd import coherence, csd, periodogram, welch
from sciml.signal._sinusoids import FitConvergenceWarning, FitStatus, Sinusoids, fit_sinusoids
from sciml.signal._spectrum import Spectrum, spectrum
from sciml.signal._stft import istft, spectrogram, stft
from sciml.signal._windows import SpectralWarning, get_window

__all__ = [
    "FitConvergenceWarning",
    "FitStatus",
    "Sinusoids",
    "SpectralWarning",
    "Spectrum",
    "check_COLA",
    "check_NOLA",
    "coherence",
    "csd",
    "detrend",
    "dominant_frequencies",
    "fftconvolve",
    "filtfilt",
    "find_peaks",
    "fit_sinusoids",
    "get_window",
    "hilbert",
    "instantaneous_frequency",
    "istft",
    "lfilter",
    "lfilter_zi",
    "lombscargle",
    "periodogram",
    "plot_psd",
    "plot_spectrogram",
    "plot_spectrum",
    "resample",
    "sosfilt",
    "sosfilt_zi",
    "sosfiltfilt",
    "spectrogram",
    "spectrum",
    "stft",
    "welch",
]
