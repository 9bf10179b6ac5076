"""sciml.signal's hilbert, instantaneous_frequency, resample, find_peaks and lombscargle against scipy.signal
and closed forms; plot_spectrogram and plot_psd; gradients and bad input."""

import numpy as np
import pytest
import scipy.signal
import torch
from matplotlib.figure import Figure

from sciml import signal
from sciml.signal._fourier import _analytic


def rel(got, want):
    got = got.detach().numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    assert got.shape == np.shape(want)
    return float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-300))


@pytest.mark.parametrize("n", [100, 101])
@pytest.mark.parametrize("N", [None, 64, 65, 300])
def test_hilbert(n, N):
    x = np.random.default_rng(n).standard_normal((3, n))
    assert rel(signal.hilbert(torch.from_numpy(x), N=N), scipy.signal.hilbert(x, N=N)) <= 1e-13
    got = signal.hilbert(torch.from_numpy(x.T.copy()), N=N, axis=0)
    assert rel(got, scipy.signal.hilbert(x.T, N=N, axis=0)) <= 1e-13


def test_envelope_and_instantaneous_frequency_of_a_chirp():
    """A linear chirp 20 → 60 Hz under a slow envelope: both recovered in the middle of the record."""
    fs = 1000.0
    t = torch.arange(4000, dtype=torch.float64) / fs
    env = 1 + 0.3 * torch.cos(2 * torch.pi * 0.5 * t)
    x = env * torch.cos(2 * torch.pi * (20 * t + 5 * t**2))
    assert float((signal.hilbert(x).abs() - env)[500:-500].abs().max()) < 1e-2
    f = signal.instantaneous_frequency(x, fs=fs)
    mid = (t[:-1] + t[1:]) / 2
    assert float((f - (20 + 10 * mid))[500:-500].abs().max()) < 0.05
    want = np.diff(np.unwrap(np.angle(scipy.signal.hilbert(x.numpy())))) * fs / (2 * np.pi)
    assert rel(f, want) <= 1e-12


@pytest.mark.parametrize("num", [40, 41, 100, 151, 250])
@pytest.mark.parametrize("window", [None, "hann", ("kaiser", 3.0)])
def test_resample(num, window):
    x = np.random.default_rng(num).standard_normal((3, 100))
    assert rel(signal.resample(torch.from_numpy(x), num, axis=-1, window=window),
               scipy.signal.resample(x, num, axis=-1, window=window)) <= 1e-13
    z = x + 1j * x[::-1]
    assert rel(signal.resample(torch.from_numpy(z), num, axis=1, window=window),
               scipy.signal.resample(z, num, axis=1, window=window)) <= 1e-13
    t = np.arange(100) * 0.1
    y, tt = signal.resample(torch.from_numpy(x.T.copy()), num, t=torch.from_numpy(t))
    yr, ttr = scipy.signal.resample(x.T, num, t=t)
    assert rel(y, yr) <= 1e-13 and rel(tt, ttr) <= 1e-15


def test_resample_of_a_band_limited_signal_is_exact():
    t = torch.arange(64, dtype=torch.float64) / 64
    x = torch.cos(2 * torch.pi * 3 * t) + 0.5 * torch.sin(2 * torch.pi * 7 * t)
    up = signal.resample(x, 256)
    s = torch.arange(256, dtype=torch.float64) / 256
    assert float((up - torch.cos(2 * torch.pi * 3 * s) - 0.5 * torch.sin(2 * torch.pi * 7 * s)).abs().max()) < 1e-13


@pytest.mark.parametrize("kw", [dict(height=0.5), dict(prominence=0.3, distance=5), dict(width=2, rel_height=0.7),
                                dict(threshold=0.01, height=(0.2, 1.1)), dict(prominence=(0.1, None), wlen=31)])
def test_find_peaks(kw):
    x = np.sin(np.linspace(0, 20, 500)) + 0.2 * np.random.default_rng(8).standard_normal(500)
    peaks, props = signal.find_peaks(torch.from_numpy(x), **kw)
    pr, propr = scipy.signal.find_peaks(x, **kw)
    assert peaks.tolist() == pr.tolist() and props.keys() == propr.keys()
    for key in props:
        assert np.array_equal(props[key].numpy(), propr[key])


def test_find_peaks_heights_carry_gradients():
    x = torch.tensor([0.0, 2.0, 0.0, 1.0, 0.0], dtype=torch.float64, requires_grad=True)
    _, props = signal.find_peaks(x, height=0.5)
    props["peak_heights"].sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0, 0.0]


@pytest.mark.parametrize("normalize", [False, True, "amplitude"])
@pytest.mark.parametrize("floating_mean", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_lombscargle(normalize, floating_mean, weighted):
    rng = np.random.default_rng(9)
    t = np.sort(30 * rng.random(200))
    y = 2 * np.sin(1.5 * t) + 0.5 + 0.3 * rng.standard_normal(200)
    w = np.linspace(0.1, 3, 300)
    weights = rng.random(200) if weighted else None
    kw = dict(normalize=normalize, floating_mean=floating_mean, weights=weights)
    assert rel(signal.lombscargle(t, y, w, **kw), scipy.signal.lombscargle(t, y, w, **kw)) <= 1e-12
    batch = np.stack([y, 2 * y + 1])
    want = np.stack([scipy.signal.lombscargle(t, v, w, **kw) for v in batch])
    assert rel(signal.lombscargle(t, batch, w, **kw), want) <= 1e-12


def test_lombscargle_amplitude_recovers_the_sinusoid():
    """'amplitude' with floating_mean is the exact least-squares fit: a·cos + b·sin with a + ib = A e^{-iφ}·…"""
    t = torch.sort(20 * torch.rand(150, generator=torch.Generator().manual_seed(3), dtype=torch.float64)).values
    y = 3.0 + 1.7 * torch.cos(2.2 * t + 0.4)
    amp = signal.lombscargle(t, y, torch.tensor([2.2], dtype=torch.float64), normalize="amplitude",
                             floating_mean=True)
    assert abs(float(amp.abs()[0]) - 1.7) < 1e-12


@pytest.mark.parametrize("length, n", [(64, None), (63, None), (64, 100), (64, 37)])
def test_hilbert_paths_match_scipy(length, n):
    """The CPU path (pocketfft) and the device path (torch: rfft, doubled, one complex ifft) both give SciPy's."""
    x = np.random.default_rng(8).standard_normal((3, length))
    want = scipy.signal.hilbert(x, N=n)
    assert np.abs(signal.hilbert(torch.from_numpy(x), N=n).numpy() - want).max() <= 1e-13
    assert np.abs(_analytic(torch.from_numpy(x), n or length).numpy() - want).max() <= 1e-13


def test_gradients():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(2, 24, generator=g, dtype=torch.float64, requires_grad=True)
    t = torch.sort(10 * torch.rand(24, generator=g, dtype=torch.float64)).values
    w = torch.linspace(0.3, 2.0, 7, dtype=torch.float64)
    for n in (30, 24, 17):  # zero-padded, as is, truncated; the CPU's pocketfft forward, torch's adjoint
        assert torch.autograd.gradcheck(lambda x, n=n: signal.hilbert(x, N=n), (x,))
        assert torch.autograd.gradgradcheck(lambda x, n=n: signal.hilbert(x, N=n), (x,))
        assert torch.autograd.gradcheck(lambda x, n=n: _analytic(x, n), (x,))  # the off-CPU path
    assert torch.autograd.gradcheck(lambda x: signal.instantaneous_frequency(x + 3 * torch.cos(t), fs=2.0), (x,))
    assert torch.autograd.gradcheck(lambda x: signal.resample(x, 17, axis=-1, window="hann"), (x,))
    assert torch.autograd.gradcheck(lambda x: signal.resample(x, 31, axis=-1), (x,))
    assert torch.autograd.gradcheck(lambda x: signal.lombscargle(t, x, w, floating_mean=True), (x,))


def test_plots():
    x = torch.sin(2 * torch.pi * 50 * torch.arange(2000, dtype=torch.float64) / 1000)
    f, tt, S = signal.spectrogram(x, fs=1000.0, nperseg=128)
    ax = Figure().add_subplot()
    mesh, _ = signal.plot_spectrogram(f, tt, S, ax=ax)
    values = mesh.get_array()
    assert values.max() == pytest.approx(10 * np.log10(float(S.max())))
    assert values.min() >= 10 * np.log10(float(S.max()) * 1e-12) - 1e-9
    ax = Figure().add_subplot()
    fw, p = signal.welch(torch.stack([x, 2 * x]), fs=1000.0)
    lines = signal.plot_psd(fw, p, ax=ax, db=True)
    assert len(lines) == 2 and np.allclose(lines[1].get_ydata(), 10 * np.log10(np.maximum(p[1].numpy(), 1e-300)))
    with pytest.raises(ValueError, match="S must have shape"):
        signal.plot_spectrogram(f, tt, S.T, ax=ax)
    with pytest.raises(ValueError, match="Pxx"):
        signal.plot_psd(fw, p[:, :-1], ax=ax)


BAD = [
    (lambda: signal.hilbert(np.ones(5) + 1j), TypeError, "real"),
    (lambda: signal.hilbert(np.ones(5), N=0), ValueError, "N"),
    (lambda: signal.hilbert([]), ValueError, "empty"),
    (lambda: signal.instantaneous_frequency(np.ones(5), fs=0.0), ValueError, "fs"),
    (lambda: signal.resample(np.ones(5), 0), ValueError, "num"),
    (lambda: signal.resample(np.ones(5), 3, domain="space"), ValueError, "domain"),
    (lambda: signal.resample(np.ones(5), 3, window=np.ones(4)), ValueError, "window"),
    (lambda: signal.find_peaks(np.ones((2, 5))), ValueError, "one signal"),
    (lambda: signal.find_peaks(np.ones(5), distance=0), ValueError, "distance"),
    (lambda: signal.find_peaks([1.0, np.nan, 1.0]), ValueError, "NaN"),
    (lambda: signal.lombscargle(np.arange(5.0), np.ones(4), [1.0]), ValueError, "samples"),
    (lambda: signal.lombscargle(np.arange(5.0), np.ones(5), [1.0], weights=-np.ones(5)), ValueError, "weights"),
    (lambda: signal.lombscargle(np.arange(5.0), np.ones(5), [1.0], normalize="dB"), ValueError, "normalize"),
    (lambda: signal.lombscargle(np.arange(5.0), np.ones(5) * 1j, [1.0]), TypeError, "real"),
]


@pytest.mark.parametrize("call, error, match", BAD)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("grid", ["linspace", "arange"])
@pytest.mark.parametrize("f0", [5.0, 5.3, 7.77])
def test_dominant_frequencies_on_both_seed_grids(grid, f0):
    """Issue 17's target: tones within 1e-3 Hz and amplitudes within 1e-3 on linspace(0, 1, 1000) (fs = 999 Hz)
    and arange(1000)/1000 (fs = 1000 Hz), on and off the bins."""
    t = (torch.linspace(0, 1, 1000, dtype=torch.float64) if grid == "linspace"
         else torch.arange(1000, dtype=torch.float64) / 1000)
    x = torch.sin(2 * torch.pi * f0 * t) + 0.5 * torch.sin(2 * torch.pi * 2 * f0 * t)
    r = signal.dominant_frequencies(x, t)
    order = torch.argsort(r.freqs)
    assert torch.allclose(r.freqs[order], torch.tensor([f0, 2 * f0], dtype=torch.float64), rtol=0, atol=1e-3)
    assert torch.allclose(r.amplitudes[order], torch.tensor([1.0, 0.5], dtype=torch.float64), rtol=0, atol=1e-3)
