"""sciml.signal against SciPy: one-sided spectra, and dominant frequencies refined beyond the bin width."""

import numpy as np
import scipy.fft
import scipy.optimize
import scipy.signal
import torch
from _harness import Case

from sciml.signal import dominant_frequencies, spectrum


def _scipy_dominant(x, t):
    """SciPy's route to the same answer: periodogram peaks, then curve_fit of the sinusoid model."""
    fs = (len(t) - 1) / (t[-1] - t[0])
    f, p = scipy.signal.periodogram(x, fs=fs, window="hann")
    peaks, _ = scipy.signal.find_peaks(p, prominence=0.05 * p.max())

    def model(t, *q):
        k = (len(q) - 1) // 3
        return q[-1] + sum(q[3 * i] * np.cos(2 * np.pi * q[3 * i + 1] * t + q[3 * i + 2]) for i in range(k))

    p0 = [v for i in peaks for v in (1.0, f[i], 0.0)] + [0.0]
    return scipy.optimize.curve_fit(model, t, x, p0=p0)[0]


def cases():
    out = []
    for n in (1000, 100_000):
        t_np = np.linspace(0, 1, n)
        x_np = np.sin(2 * np.pi * 5 * t_np) + 0.5 * np.sin(2 * np.pi * 10 * t_np)
        t, x = torch.from_numpy(t_np), torch.from_numpy(x_np)
        out.append(Case(f"spectrum N={n}", lambda x=x, t=t: spectrum(x, t),
                        {"scipy.fft.rfft": lambda x_np=x_np: np.abs(scipy.fft.rfft(x_np))}))
    t_np = np.linspace(0, 1, 1000)
    x_np = np.sin(2 * np.pi * 5 * t_np) + 0.5 * np.sin(2 * np.pi * 10 * t_np)
    t, x = torch.from_numpy(t_np), torch.from_numpy(x_np)
    out.append(Case("dominant frequencies (seed)", lambda: dominant_frequencies(x, t),
                    {"scipy periodogram+curve_fit": lambda: _scipy_dominant(x_np, t_np)}))
    return out
