"""sciml.signal's filtering against scipy.signal: lfilter, sosfilt (with zi), filtfilt, sosfiltfilt, fftconvolve;
the blocked parallel scan used off the CPU; gradients (gradcheck, gradgradcheck) and bad input."""

import numpy as np
import pytest
import scipy.signal
import torch

from sciml import signal
from sciml.signal._allpole import all_pole, fir
from sciml.signal._lfilter import normalised


def rel(got, want):
    got = got.detach().numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    assert got.shape == np.shape(want)
    return float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-300))


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(2).standard_normal((3, 700))


BA = {
    "butter4": scipy.signal.butter(4, 0.1),
    "cheby1": scipy.signal.cheby1(3, 1, 0.3),
    "fir": ([1.0, 2.0, 3.0], [1.0]),
    "one-pole": ([0.5], [1.0, -0.5]),
    "unnormalised": ([1.0, 0.2], [2.0, -0.5, 0.1]),
    "firwin": (scipy.signal.firwin(21, 0.3), [1.0]),
}


@pytest.mark.parametrize("name", BA)
def test_lfilter_matches_scipy(x, name):
    b, a = BA[name]
    assert rel(signal.lfilter(b, a, torch.from_numpy(x)), scipy.signal.lfilter(b, a, x)) <= 1e-14
    zi = np.random.default_rng(3).standard_normal((3, max(len(a), len(b)) - 1))
    y, zf = signal.lfilter(b, a, torch.from_numpy(x), zi=torch.from_numpy(zi))
    yr, zfr = scipy.signal.lfilter(b, a, x, zi=zi)
    assert rel(y, yr) <= 1e-14 and rel(zf, zfr) <= 1e-13
    # axis 0, shorter than the order, complex
    y, zf = signal.lfilter(b, a, torch.from_numpy(x[:, :2].T.copy()), axis=0, zi=torch.from_numpy(zi.T.copy()))
    yr, zfr = scipy.signal.lfilter(b, a, x[:, :2].T, axis=0, zi=zi.T)
    assert rel(y, yr) <= 1e-14 and rel(zf, zfr) <= 1e-13
    z = x + 1j * x[::-1]
    assert rel(signal.lfilter(b, a, torch.from_numpy(z)), scipy.signal.lfilter(b, a, z)) <= 1e-14
    assert rel(signal.lfilter_zi(b, a), scipy.signal.lfilter_zi(b, a)) <= 1e-13


@pytest.mark.parametrize("name", BA)
def test_blocked_scan_matches_scipy(x, name):
    """The recursion off the CPU (exercised here on the CPU): cascaded one-pole blocks, doubling scan."""
    b, a = BA[name]
    bt, at = normalised(torch.tensor(b, dtype=torch.float64), torch.tensor(a, dtype=torch.float64), torch.float64)
    y = all_pole(at, fir(bt, torch.from_numpy(x)))
    assert rel(y, scipy.signal.lfilter(b, a, x)) <= 1e-12


def test_blocked_scan_near_the_unit_circle(x):
    """Poles 1e-3 from z = 1 (a 1e-3 low-pass): within 1e-11 of SciPy's direct recursion."""
    sos = scipy.signal.butter(2, 1e-3, output="sos")
    b, a = normalised(torch.from_numpy(sos[0, :3]), torch.from_numpy(sos[0, 3:]), torch.float64)
    long = np.random.default_rng(4).standard_normal(20_000)
    y = all_pole(a, fir(b, torch.from_numpy(long)))
    assert rel(y, scipy.signal.sosfilt(sos, long)) <= 1e-11


SOS = {
    "butter6": scipy.signal.butter(6, 0.2, output="sos"),
    "cheby1-bandpass": scipy.signal.cheby1(5, 1, [0.1, 0.3], "bandpass", output="sos"),
    "butter3": scipy.signal.butter(3, 0.3, output="sos"),
    "ellip-highpass": scipy.signal.ellip(4, 0.5, 40, 0.6, "highpass", output="sos"),
}


@pytest.mark.parametrize("name", SOS)
def test_sos_matches_scipy(x, name):
    sos = SOS[name]
    xt = torch.from_numpy(x)
    assert rel(signal.sosfilt(sos, xt), scipy.signal.sosfilt(sos, x)) <= 1e-13
    zi = np.random.default_rng(5).standard_normal((len(sos), 3, 2))
    y, zf = signal.sosfilt(sos, xt, zi=torch.from_numpy(zi))
    yr, zfr = scipy.signal.sosfilt(sos, x, zi=zi)
    assert rel(y, yr) <= 1e-13 and rel(zf, zfr) <= 1e-13
    assert rel(signal.sosfilt_zi(sos), scipy.signal.sosfilt_zi(sos)) <= 1e-13
    assert rel(signal.sosfiltfilt(sos, xt), scipy.signal.sosfiltfilt(sos, x)) <= 1e-13
    for padtype, padlen in [("even", 20), ("constant", None), (None, None)]:
        got = signal.sosfiltfilt(sos, torch.from_numpy(x.T.copy()), axis=0, padtype=padtype, padlen=padlen)
        assert rel(got, scipy.signal.sosfiltfilt(sos, x.T, axis=0, padtype=padtype, padlen=padlen)) <= 1e-13


@pytest.mark.parametrize("padtype", ["odd", "even", "constant", None])
def test_filtfilt(x, padtype):
    b, a = scipy.signal.butter(3, 0.25)
    assert rel(signal.filtfilt(b, a, torch.from_numpy(x), padtype=padtype),
               scipy.signal.filtfilt(b, a, x, padtype=padtype)) <= 1e-13


@pytest.mark.parametrize("name", BA)
@pytest.mark.parametrize("irlen", [None, 1, 30, 400])
def test_filtfilt_gust(x, name, irlen):
    """Gustafsson's method against SciPy's, the whole signal (irlen None or ≥ N/2) or its ends only."""
    b, a = BA[name]
    got = signal.filtfilt(b, a, torch.from_numpy(x), method="gust", irlen=irlen)
    assert rel(got, scipy.signal.filtfilt(b, a, x, method="gust", irlen=irlen)) <= 1e-12
    got = signal.filtfilt(b, a, torch.from_numpy(x.T.copy()), axis=0, method="gust", irlen=irlen, padlen=10 ** 6)
    assert rel(got, scipy.signal.filtfilt(b, a, x.T, axis=0, method="gust", irlen=irlen)) <= 1e-12


def test_filtfilt_gust_complex_and_short(x):
    b, a = BA["cheby1"]
    z = x[:2] + 1j * x[1:]
    assert rel(signal.filtfilt(b, a, torch.from_numpy(z), method="gust"),
               scipy.signal.filtfilt(b, a, z, method="gust")) <= 1e-12
    assert rel(signal.filtfilt(b, a, torch.from_numpy(x[:, :3]), method="gust"),
               scipy.signal.filtfilt(b, a, x[:, :3], method="gust")) <= 1e-12
    assert rel(signal.filtfilt([2.0], [4.0], torch.from_numpy(x), method="gust"), 0.25 * x) <= 1e-15


def test_sosfiltfilt_on_threads():
    """With several torch threads the batch's rows are filtered in blocks, concurrently: the same values."""
    sos = SOS["butter6"]
    x = np.random.default_rng(9).standard_normal((5, 20_000))
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(3)
        got = signal.sosfiltfilt(sos, torch.from_numpy(x))
    finally:
        torch.set_num_threads(before)
    assert rel(got, scipy.signal.sosfiltfilt(sos, x)) <= 1e-13


def test_float32_stays_float32(x):
    sos = SOS["butter6"]
    y = signal.sosfilt(torch.from_numpy(sos).float(), torch.from_numpy(x).float())
    assert y.dtype == torch.float32
    assert rel(y, scipy.signal.sosfilt(sos, x)) <= 1e-5


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_fftconvolve(x, mode):
    rng = np.random.default_rng(6)
    k = rng.standard_normal((1, 31))
    got = signal.fftconvolve(torch.from_numpy(x), torch.from_numpy(k), mode=mode, axes=-1)
    assert rel(got, scipy.signal.fftconvolve(x, k, mode=mode, axes=-1)) <= 1e-13
    u, v = rng.standard_normal((20, 30)), rng.standard_normal((5, 7)) + 1j * rng.standard_normal((5, 7))
    for p, q in [(u, v), (v, u)]:
        assert rel(signal.fftconvolve(torch.from_numpy(p), torch.from_numpy(q), mode=mode),
                   scipy.signal.fftconvolve(p, q, mode=mode)) <= 1e-13


def test_frequency_response_of_a_filtered_tone():
    """A tone through sosfilt comes out scaled by |H| and shifted by arg H (after the transient)."""
    fs, f0 = 1000.0, 60.0
    sos = scipy.signal.butter(4, 100.0, fs=fs, output="sos")
    _, h = scipy.signal.freqz_sos(sos, [f0], fs=fs)
    t = torch.arange(4000, dtype=torch.float64) / fs
    y = signal.sosfilt(sos, torch.cos(2 * torch.pi * f0 * t))
    want = abs(h[0]) * torch.cos(2 * torch.pi * f0 * t + float(np.angle(h[0])))
    assert float((y - want)[2000:].abs().max()) < 1e-10


def test_gradients():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(2, 30, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.3, 0.2, 0.1], dtype=torch.float64, requires_grad=True)
    a = torch.tensor([1.2, -0.6, 0.2], dtype=torch.float64, requires_grad=True)
    zi = torch.randn(2, 2, generator=g, dtype=torch.float64, requires_grad=True)
    sos = torch.tensor(SOS["butter3"], requires_grad=True)
    assert torch.autograd.gradcheck(lambda b, a, x, zi: signal.lfilter(b, a, x, zi=zi), (b, a, x, zi))
    assert torch.autograd.gradgradcheck(lambda b, a, x, zi: signal.lfilter(b, a, x, zi=zi)[0], (b, a, x, zi))
    assert torch.autograd.gradcheck(lambda s, x: signal.sosfiltfilt(s, x, padlen=10), (sos, x))
    assert torch.autograd.gradcheck(lambda s: signal.sosfilt_zi(s), (sos,))
    assert torch.autograd.gradcheck(lambda b, a, x: signal.filtfilt(b, a, x), (b, a, x))
    for irlen in (None, 8):
        assert torch.autograd.gradcheck(lambda b, a, x, n=irlen: signal.filtfilt(b, a, x, method="gust", irlen=n),
                                        (b, a, x))
    assert torch.autograd.gradcheck(lambda x: signal.fftconvolve(x, x[:1, :7], mode="same"), (x,))
    for den in ([1.0, -0.6, 0.2], [1.0, -1.5, 0.56], [1.0, -0.6, 0.2, 0.05]):  # complex, real, order-3 poles
        d = torch.tensor(den, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda d, x: all_pole(d, x), (d, x))


BAD = [
    (lambda: signal.lfilter([1.0], [0.0, 1.0], np.ones(5)), ValueError, r"a\[0\]"),
    (lambda: signal.lfilter([1.0], [1.0, -1.5], np.ones(5)), ValueError, "unstable"),
    (lambda: signal.lfilter([1.0], [1.0, -0.5], np.ones(5), zi=np.ones(3)), ValueError, "zi"),
    (lambda: signal.lfilter([1.0], [1.0], []), ValueError, "x is empty"),
    (lambda: signal.lfilter([1j], [1.0], np.ones(5)), TypeError, "b must be real"),
    (lambda: signal.sosfilt(np.ones((2, 5)), np.ones(5)), ValueError, "sos"),
    (lambda: signal.sosfilt([[1, 0, 0, 1, -2.5, 1]], np.ones(5)), ValueError, "unstable"),
    (lambda: signal.sosfilt(SOS["butter3"], [1.0, np.inf]), ValueError, "NaN or infinite"),
    (lambda: signal.sosfiltfilt(SOS["butter3"], np.ones(10)), ValueError, "padlen"),
    (lambda: signal.sosfiltfilt(SOS["butter3"], np.ones(100), padtype="wrap"), ValueError, "padtype"),
    (lambda: signal.filtfilt([1.0], [1.0, -0.5], np.ones(100), method="wrap"), ValueError, "method"),
    (lambda: signal.filtfilt([1.0], [1.0, -0.5], np.ones(100), method="gust", irlen=0), ValueError, "irlen"),
    (lambda: signal.fftconvolve(np.ones(3), np.ones((3, 3))), ValueError, "dimensions"),
    (lambda: signal.fftconvolve(np.ones((2, 5)), np.ones((3, 5)), axes=1), ValueError, "broadcast"),
    (lambda: signal.fftconvolve(np.ones(3), np.ones(3), mode="circular"), ValueError, "mode"),
]


@pytest.mark.parametrize("where", [0, 57, -1])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_anywhere(where, bad):
    """lfilter and sosfiltfilt check finiteness on their output's end (no pass over x): a NaN or an infinity
    at either end or inside one row of a batch is still refused, for IIR, FIR and one-tap filters."""
    x = np.ones((3, 200))
    x[1, where] = bad
    for call in (lambda: signal.lfilter(*BA["butter4"], x), lambda: signal.lfilter(*BA["fir"], x),
                 lambda: signal.lfilter([2.0], [1.0], x), lambda: signal.lfilter(*BA["cheby1"], x + 1j),
                 lambda: signal.sosfiltfilt(SOS["butter6"], x), lambda: signal.sosfiltfilt(SOS["butter3"], x,
                                                                                            padtype=None)):
        with pytest.raises(ValueError, match="NaN or infinite"):
            call()


@pytest.mark.parametrize("call, error, match", BAD)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
