"""sciml.signal's spectral estimators against scipy.signal on a parameter grid (≤ 1e-12 relative in float64),
batched along any axis, differentiable (gradcheck), and their bad input."""

import itertools

import numpy as np
import pytest
import scipy.signal
import torch

from sciml import signal

RTOL = 1e-12


def sampled(grid, every):
    """The whole grid, every ``every``-th case in the default run and the rest marked slow."""
    return [case if i % every == 0 else pytest.param(*case, marks=pytest.mark.slow) for i, case in enumerate(grid)]


def close(got, want, rtol=RTOL):
    """Agreement relative to the largest magnitude of the reference (entries near zero are rounding)."""
    got = got.detach().cpu().numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = max(np.max(np.abs(want)), 1e-300)
    err = np.max(np.abs(got - want)) / scale if want.size else 0.0
    assert err <= rtol, f"relative error {err:.3g} > {rtol:g}"


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    t = np.arange(1000) / 50.0
    x = np.sin(2 * np.pi * 3.3 * t) + 0.3 * t + rng.standard_normal((3, 1000))
    return x


WINDOWS = ["hann", "hamming", "blackman", "bartlett", "boxcar", ("tukey", 0.3), ("kaiser", 6.5),
           ("gaussian", 7.0), ("dpss", 3.0)]


@pytest.mark.parametrize("window", WINDOWS, ids=str)
@pytest.mark.parametrize("fftbins", [True, False])
@pytest.mark.parametrize("n", [1, 16, 17])
def test_get_window_matches_scipy(window, fftbins, n):
    close(signal.get_window(window, n, fftbins), scipy.signal.get_window(window, n, fftbins=fftbins), 0)


GRID = list(itertools.product([64, 65], [None, 0, "max"], [None, 131], ["constant", "linear", False],
                              ["density", "spectrum"], [True, False]))


@pytest.mark.parametrize("nperseg, noverlap, nfft, detrend, scaling, onesided", sampled(GRID, 7))
def test_welch_csd_grid(data, nperseg, noverlap, nfft, detrend, scaling, onesided):
    noverlap = nperseg - 1 if noverlap == "max" else noverlap
    kw = dict(fs=50.0, nperseg=nperseg, noverlap=noverlap, nfft=nfft, detrend=detrend, scaling=scaling,
              return_onesided=onesided)
    f, p = signal.welch(torch.from_numpy(data), **kw)
    fr, pr = scipy.signal.welch(data, **kw)
    close(f, fr, 0)
    close(p, pr)
    y = np.roll(data, 5, axis=-1) + 0.1 * data[::-1]
    _, c = signal.csd(torch.from_numpy(data), torch.from_numpy(y), **kw)
    close(c, scipy.signal.csd(data, y, **kw)[1])


@pytest.mark.parametrize("average", ["mean", "median"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_welch_any_axis_average_complex(data, average, axis):
    x = np.stack([data, 2 * data]).transpose(1, 2, 0) if axis == 1 else data.T if axis == 0 else data
    kw = dict(nperseg=100, average=average, axis=axis)
    close(signal.welch(torch.from_numpy(x), **kw)[1], scipy.signal.welch(x, **kw)[1])
    z = x + 1j * np.roll(x, 3, axis=axis)
    close(signal.welch(torch.from_numpy(z), **kw)[1], scipy.signal.welch(z, **kw)[1])
    close(signal.csd(torch.from_numpy(z), torch.from_numpy(x), **kw)[1], scipy.signal.csd(z, x, **kw)[1])


@pytest.mark.parametrize("nfft", [None, 700, 1000, 1500])
@pytest.mark.parametrize("window", ["boxcar", "hann"])
@pytest.mark.parametrize("scaling", ["density", "spectrum"])
def test_periodogram(data, nfft, window, scaling):
    kw = dict(fs=2.0, nfft=nfft, window=window, scaling=scaling)
    f, p = signal.periodogram(torch.from_numpy(data), **kw)
    fr, pr = scipy.signal.periodogram(data, **kw)
    close(f, fr, 0)
    close(p, pr)


@pytest.mark.parametrize("nperseg, noverlap", [(64, None), (65, 13), (128, 127)])
def test_coherence(data, nperseg, noverlap):
    y = np.roll(data, 2, axis=-1) + 0.5 * np.random.default_rng(1).standard_normal(data.shape)
    kw = dict(fs=10.0, nperseg=nperseg, noverlap=noverlap)
    close(signal.coherence(torch.from_numpy(data), torch.from_numpy(y), **kw)[1],
          scipy.signal.coherence(data, y, **kw)[1])


@pytest.mark.parametrize("mode", ["psd", "complex", "magnitude", "angle", "phase"])
@pytest.mark.parametrize("nperseg, noverlap, nfft", [(64, None, None), (65, 64, 100), (50, 0, None)])
@pytest.mark.parametrize("scaling", ["density", "spectrum"])
def test_spectrogram(data, mode, nperseg, noverlap, nfft, scaling):
    kw = dict(fs=50.0, nperseg=nperseg, noverlap=noverlap, nfft=nfft, mode=mode, scaling=scaling)
    f, t, s = signal.spectrogram(torch.from_numpy(data), **kw)
    fr, tr, sr = scipy.signal.spectrogram(data, **kw)
    close(f, fr, 0)
    close(t, tr, 0)
    # phases compare to rounding in the argument, where the transform is far from zero
    close(s, sr, 1e-10 if mode in ("angle", "phase") else RTOL)


@pytest.mark.parametrize("axis", [0, -1])
def test_spectrogram_axis_and_complex(data, axis):
    x = data.T if axis == 0 else data
    z = x + 0.5j * x[::-1]
    for v in (x, z):
        with np.errstate(all="ignore"):
            if np.iscomplexobj(v):
                with pytest.warns(UserWarning):
                    want = scipy.signal.spectrogram(v, nperseg=64, axis=axis)
                with pytest.warns(signal.SpectralWarning):
                    got = signal.spectrogram(torch.from_numpy(v.copy()), nperseg=64, axis=axis)
            else:
                want = scipy.signal.spectrogram(v, nperseg=64, axis=axis)
                got = signal.spectrogram(torch.from_numpy(v), nperseg=64, axis=axis)
        close(got[2], want[2])


STFT_GRID = list(itertools.product([64, 65], [None, 63, 16], [None, 128], ["zeros", "even", "odd", "constant", None],
                                   [True, False], ["spectrum", "psd"]))


@pytest.mark.parametrize("nperseg, noverlap, nfft, boundary, padded, scaling", sampled(STFT_GRID, 7))
def test_stft_istft(data, nperseg, noverlap, nfft, boundary, padded, scaling):
    kw = dict(fs=4.0, nperseg=nperseg, noverlap=noverlap, nfft=nfft, scaling=scaling)
    f, t, z = signal.stft(torch.from_numpy(data), boundary=boundary, padded=padded, **kw)
    fr, tr, zr = scipy.signal.stft(data, boundary=boundary, padded=padded, **kw)
    close(f, fr, 0)
    close(t, tr, 0)
    close(z, zr)
    if boundary is not None and padded:  # what istft inverts (it removes the extension)
        _tt, x = signal.istft(z, **kw)
        _ttr, xr = scipy.signal.istft(zr, **kw)
        close(x, xr)
        close(x[..., :data.shape[-1]], data)


def test_istft_reconstructs_complex_and_any_axis(data):
    z = torch.from_numpy(data + 1j * data[::-1])
    with pytest.warns(signal.SpectralWarning):
        _, _, Z = signal.stft(z, nperseg=32)
    _, x = signal.istft(Z, nperseg=32, input_onesided=False)
    close(x[..., :1000], z.numpy())
    _, _, Z = signal.stft(torch.from_numpy(data.T), nperseg=32, axis=0)  # (freq, batch, seg)
    assert Z.shape[:2] == (17, 3)
    _, x = signal.istft(Z, nperseg=32, freq_axis=0, time_axis=-1)
    close(x[..., :1000], data)
    Zt = Z.permute(2, 1, 0)  # (seg, batch, freq)
    _, x = signal.istft(Zt, nperseg=32, freq_axis=2, time_axis=0)
    _, xr = scipy.signal.istft(Zt.numpy(), nperseg=32, freq_axis=2, time_axis=0)
    close(x, xr)


def test_cola_nola_and_the_warning():
    for win, nper, nover in [("hann", 256, 128), ("hann", 256, 100), ("boxcar", 10, 0), (("tukey", 0.5), 64, 16),
                             ("hann", 64, 0), ("hamming", 65, 40)]:
        assert signal.check_COLA(win, nper, nover) == scipy.signal.check_COLA(win, nper, nover)
        assert signal.check_NOLA(win, nper, nover) == scipy.signal.check_NOLA(win, nper, nover)
    _, _, Z = signal.stft(torch.ones(300, dtype=torch.float64), nperseg=64, noverlap=0, window="hann")
    with pytest.warns(signal.SpectralWarning, match="NOLA"):
        signal.istft(Z, nperseg=64, noverlap=0)


@pytest.mark.parametrize("bp", [0, [300], [100, 650]])
@pytest.mark.parametrize("type", ["linear", "constant"])
@pytest.mark.parametrize("axis", [0, 1])
def test_detrend(data, bp, type, axis):
    x = data if axis == 1 else data.T.copy()
    close(signal.detrend(torch.from_numpy(x), axis=axis, type=type, bp=bp),
          scipy.signal.detrend(x, axis=axis, type=type, bp=bp))


def test_float32_and_dtype_follow_input(data):
    x = torch.from_numpy(data).float()
    f, p = signal.welch(x, nperseg=128)
    assert p.dtype == torch.float32 and f.dtype == torch.float32
    close(p, scipy.signal.welch(data, nperseg=128)[1], 1e-5)


def test_gradcheck():
    g = torch.Generator().manual_seed(5)
    x = torch.randn(2, 40, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.randn(40, generator=g, dtype=torch.float64, requires_grad=True)
    checks = [
        lambda x: signal.welch(x, nperseg=16, noverlap=12, detrend="linear")[1],
        lambda x: signal.welch(x, nperseg=16, average="median")[1],
        lambda x: signal.csd(x, y, nperseg=15, nfft=20)[1],
        lambda x: signal.coherence(x, y, nperseg=16)[1],
        lambda x: signal.periodogram(x, window="hann", scaling="spectrum")[1],
        lambda x: signal.spectrogram(x, nperseg=10, mode="magnitude")[2],
        lambda x: signal.istft(signal.stft(x, nperseg=8)[2], nperseg=8)[1],
        lambda x: signal.stft(x, nperseg=9, noverlap=2, detrend="constant", boundary="odd")[2],
        lambda x: signal.istft(torch.complex(x[:, :9].reshape(2, 3, 3), x[:, 9:18].reshape(2, 3, 3)), nperseg=4,
                               noverlap=1)[1],
        lambda x: signal.detrend(x, bp=[17]),
    ]
    for fn in checks:
        assert torch.autograd.gradcheck(fn, (x,))


def test_recorded_and_unrecorded_paths_agree():
    """Without a gradient the large results go to NumPy memory by ``out=`` and in-place steps; with one, the
    ordinary operations run: the same values."""
    x = torch.randn(3, 2000, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    xg = x.clone().requires_grad_()
    for fn in (lambda x: signal.welch(x, nperseg=100, detrend="constant")[1],
               lambda x: signal.stft(x, nperseg=64, boundary="even")[2],
               lambda x: signal.istft(signal.stft(x, nperseg=64)[2], nperseg=64)[1],
               lambda x: signal.hilbert(x)):
        assert torch.equal(fn(x), fn(xg).detach())


def test_white_noise_level(generator):
    x = 0.5 * torch.randn(16, 50_000, generator=generator, dtype=torch.float64)
    _f, p = signal.welch(x, fs=200.0, nperseg=512)
    level = 2 * 0.25 / 200.0  # one-sided density 2σ²/fs
    assert abs(float(p[:, 1:-1].mean()) / level - 1) < 0.01


BAD = [
    (lambda: signal.welch([]), ValueError, "x is empty"),
    (lambda: signal.welch([1.0, float("nan"), 2.0]), ValueError, "NaN"),
    (lambda: signal.welch(np.ones(100), fs=0), ValueError, "fs"),
    (lambda: signal.welch(np.ones(100), fs=-1.0), ValueError, "fs"),
    (lambda: signal.welch(np.ones(100), nperseg=10, noverlap=10), ValueError, "noverlap"),
    (lambda: signal.welch(np.ones(100), nperseg=10, nfft=5), ValueError, "nfft"),
    (lambda: signal.welch(np.ones(100), nperseg=10, window="hanning-ish"), ValueError, "window"),
    (lambda: signal.welch(np.ones(100), window=np.ones(200)), ValueError, "window"),
    (lambda: signal.welch(np.ones(100), nperseg=10, scaling="power"), ValueError, "scaling"),
    (lambda: signal.welch(np.ones(100), nperseg=10, average="max"), ValueError, "average"),
    (lambda: signal.welch(np.ones(100), nperseg=10, detrend="quadratic"), ValueError, "detrend"),
    (lambda: signal.welch(np.ones(100), axis=2), ValueError, "axis"),
    (lambda: signal.csd(np.ones((2, 100)), np.ones((3, 100)), nperseg=10), ValueError, "broadcast"),
    (lambda: signal.stft(np.ones(100), nperseg=10, boundary="wrap"), ValueError, "boundary"),
    (lambda: signal.spectrogram(np.ones(100), nperseg=10, mode="power"), ValueError, "mode"),
    (lambda: signal.istft(np.ones(10)), ValueError, "Zxx"),
    (lambda: signal.istft(np.ones((9, 10)), time_axis=0, freq_axis=0), ValueError, "differ"),
    (lambda: signal.get_window("nonsense", 10), ValueError, "window"),
    (lambda: signal.get_window("kaiser", 10), ValueError, "window"),
    (lambda: signal.get_window("hann", 0), ValueError, "Nx"),
    (lambda: signal.detrend([1.0, 2.0], type="cubic"), ValueError, "type"),
    (lambda: signal.detrend([1.0, 2.0, 3.0], bp=[5]), ValueError, "bp"),
]


@pytest.mark.parametrize("call, error, match", BAD)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_nperseg_longer_than_signal_warns_as_scipy():
    with pytest.warns(signal.SpectralWarning, match="nperseg"):
        _f, p = signal.welch(np.ones(100) + np.arange(100.0), nperseg=256)
    with pytest.warns(UserWarning):
        close(p, scipy.signal.welch(np.ones(100) + np.arange(100.0), nperseg=256)[1])
