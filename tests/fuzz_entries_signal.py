"""sciml.signal's spectral, filtering and Fourier entry points in the fuzz suite (tests/test_bad_input.py): junk
``a``, ``b`` give a named ValueError/TypeError/LookupError or an honest result, never a crash inside torch."""

import numpy as np
import torch

from sciml import signal

_X = torch.sin(torch.arange(64, dtype=torch.float64))
_SOS = np.array([[0.2, 0.4, 0.2, 1.0, -0.3, 0.1]])


def _plot(draw):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        return draw()
    finally:
        plt.close("all")


ENTRY_POINTS = {
    "signal.get_window": lambda a, b: signal.get_window(a, b),
    "signal.detrend": lambda a, b: signal.detrend(a, type="linear", bp=b),
    "signal.periodogram": lambda a, b: signal.periodogram(a, fs=b),
    "signal.welch": lambda a, b: signal.welch(a, nperseg=b),
    "signal.welch(noverlap)": lambda a, b: signal.welch(_X, nperseg=16, noverlap=a, window=b),
    "signal.csd": lambda a, b: signal.csd(a, b, nperseg=4),
    "signal.coherence": lambda a, b: signal.coherence(_X, a, nperseg=b),
    "signal.spectrogram": lambda a, b: signal.spectrogram(a, nperseg=b),
    "signal.stft": lambda a, b: signal.stft(a, nperseg=b),
    "signal.istft": lambda a, b: signal.istft(a, nperseg=b),
    "signal.check_COLA": lambda a, b: signal.check_COLA("hann", a, b),
    "signal.check_NOLA": lambda a, b: signal.check_NOLA(a, 8, b),
    "signal.lombscargle": lambda a, b: signal.lombscargle(a, b, [1.0, 2.0]),
    "signal.hilbert": lambda a, b: signal.hilbert(a, N=b),
    "signal.instantaneous_frequency": lambda a, b: signal.instantaneous_frequency(a, fs=b),
    "signal.resample": lambda a, b: signal.resample(a, b),
    "signal.find_peaks": lambda a, b: signal.find_peaks(a, height=b),
    "signal.lfilter": lambda a, b: signal.lfilter(a, [1.0, -0.5], b),
    "signal.lfilter(zi)": lambda a, b: signal.lfilter([1.0], [1.0, -0.5], _X, zi=a),
    "signal.lfilter_zi": lambda a, b: signal.lfilter_zi(a, b),
    "signal.filtfilt": lambda a, b: signal.filtfilt([1.0], a, _X, padlen=b),
    "signal.filtfilt(gust)": lambda a, b: signal.filtfilt(a, [1.0, -0.5], _X, method="gust", irlen=b),
    "signal.sosfilt": lambda a, b: signal.sosfilt(a, b),
    "signal.sosfilt_zi": lambda a, b: signal.sosfilt_zi(a),
    "signal.sosfiltfilt": lambda a, b: signal.sosfiltfilt(_SOS, a, padlen=b),
    "signal.fftconvolve": lambda a, b: signal.fftconvolve(a, b),
    "signal.plot_spectrogram": lambda a, b: _plot(lambda: signal.plot_spectrogram(*signal.spectrogram(a, nperseg=8))),
    "signal.plot_psd": lambda a, b: _plot(lambda: signal.plot_psd(*signal.welch(a, nperseg=8), db=b is True)),
}

#: what the entry points may warn (SciPy warns there too): nperseg longer than the signal, complex input made
#: two-sided, an STFT that is not invertible
WARNINGS = (signal.SpectralWarning,)
