"""sciml.signal against numpy.fft / scipy.fft, exact tones and SciPy's detrend."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import scipy.fft
import scipy.signal
import torch

from sciml.signal import (
    FitConvergenceWarning,
    FitStatus,
    dominant_frequencies,
    fit_sinusoids,
    plot_spectrum,
    spectrum,
)

PI = math.pi


def seed_signal():
    t = torch.linspace(0, 1, 1000, dtype=torch.float64)
    return t, torch.sin(2 * PI * 5 * t) + 0.5 * torch.sin(2 * PI * 10 * t)


# ---------------------------------------------------------------- spectrum

@pytest.mark.parametrize(("n", "start", "stop"), [(1000, 0.0, 1.0), (101, -2.0, 3.0), (64, 10.0, 10.63)])
def test_frequency_axis_uses_the_true_sample_spacing(n, start, stop):
    t = np.linspace(start, stop, n)
    x = np.cos(t)
    s = spectrum(x, t)
    d = (stop - start) / (n - 1)
    np.testing.assert_allclose(s.freqs.numpy(), np.fft.rfftfreq(n, d=d), rtol=1e-12, atol=1e-12)
    assert s.fs == pytest.approx(1 / d, rel=1e-12)
    assert s.resolution == pytest.approx(1 / (n * d), rel=1e-12)


def test_seed_grid_rate_is_999_hz_not_1000():
    t, x = seed_signal()
    s = spectrum(x, t)
    assert s.fs == pytest.approx(999.0, rel=1e-13)
    assert float(s.freqs[1]) == pytest.approx(0.999, rel=1e-13)


@pytest.mark.parametrize("n", [16, 17])
def test_on_bin_amplitudes_and_phases_dc_and_nyquist(n):
    fs = 8.0
    tn = np.arange(n) / fs
    f3 = 3 * fs / n
    x = 2.0 + 3.0 * np.cos(2 * PI * f3 * tn + 0.4) + 0.5 * np.cos(2 * PI * 5 * fs / n * tn - 2.0)
    if n % 2 == 0:
        x = x + 0.7 * np.cos(PI * np.arange(n))  # the Nyquist tone
    s = spectrum(x, fs=fs)
    expected = np.zeros(n // 2 + 1)
    expected[[0, 3, 5]] = [2.0, 3.0, 0.5]
    if n % 2 == 0:
        expected[-1] = 0.7
    np.testing.assert_allclose(s.amplitude.numpy(), expected, atol=1e-13)
    np.testing.assert_allclose(s.phase.numpy()[[3, 5]], [0.4, -2.0], atol=1e-13)
    # independent reference: scipy.fft.rfft scaled by hand
    X = scipy.fft.rfft(x)
    ref = 2 * np.abs(X) / n
    ref[0] /= 2
    if n % 2 == 0:
        ref[-1] /= 2
    np.testing.assert_allclose(s.amplitude.numpy(), ref, atol=1e-13)


def test_phase_is_referred_to_t_zero_and_windows_keep_on_bin_amplitudes():
    n, fs, t0 = 64, 16.0, 3.7
    t = t0 + np.arange(n) / fs
    f = 5 * fs / n
    x = 1.5 * np.cos(2 * PI * f * t + 1.1)
    for window in (None, "hann", "blackmanharris", scipy.signal.get_window("hamming", n)):  # cosine sums
        s = spectrum(x, t, window=window)
        assert float(s.amplitude[5]) == pytest.approx(1.5, abs=1e-12)
        assert float(s.phase[5]) == pytest.approx(1.1, abs=1e-12)


def test_batched_spectra_match_one_at_a_time(generator):
    x = torch.randn(3, 2, 50, generator=generator, dtype=torch.float64)
    s = spectrum(x, fs=10.0, window="hann")
    assert s.amplitude.shape == s.phase.shape == (3, 2, 26)
    for i in range(3):
        for j in range(2):
            one = spectrum(x[i, j], fs=10.0, window="hann")
            torch.testing.assert_close(s.amplitude[i, j], one.amplitude, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ["constant", "linear"])
def test_detrend_matches_scipy(kind, generator):
    x = torch.randn(40, generator=generator, dtype=torch.float64) + 0.3 * torch.arange(40) + 5
    expected = np.abs(np.fft.rfft(scipy.signal.detrend(x.numpy(), type=kind))) * 2 / 40
    expected[0] /= 2
    expected[-1] /= 2
    np.testing.assert_allclose(spectrum(x, fs=1.0, detrend=kind).amplitude.numpy(), expected, atol=1e-12)


def test_float32_input_keeps_its_dtype():
    x = torch.cos(2 * PI * 3 * torch.arange(32) / 32)
    s = spectrum(x, t=torch.arange(32, dtype=torch.float32) / 32)
    assert s.amplitude.dtype == s.freqs.dtype == torch.float32
    assert float(s.amplitude[3]) == pytest.approx(1.0, abs=1e-5)


# ---------------------------------------------------------------- dominant frequencies

def test_seed_dominant_frequencies_are_exact_to_rounding():
    t, x = seed_signal()
    r = dominant_frequencies(x, t)
    assert r.success and r.status == FitStatus.XTOL
    # one-sided: each tone once, positive, sorted by amplitude; far tighter than the 1e-3 Hz
    np.testing.assert_allclose(r.freqs.numpy(), [5.0, 10.0], atol=1e-11)
    np.testing.assert_allclose(r.amplitudes.numpy(), [1.0, 0.5], atol=1e-12)
    np.testing.assert_allclose(r.phases.numpy(), [-PI / 2, -PI / 2], atol=1e-11)
    assert abs(r.offset) < 1e-12 and r.residual < 1e-12
    torch.testing.assert_close(r.model(t), x, atol=1e-12, rtol=0)


def test_interpolated_peaks_without_refinement_are_within_a_tenth_of_a_bin():
    t, x = seed_signal()
    r = dominant_frequencies(x, t, refine=False)
    assert r.status == FitStatus.NOT_REFINED
    assert np.max(np.abs(r.freqs.numpy() - [5.0, 10.0])) < 0.1 * r.resolution
    assert np.max(np.abs(r.freqs.numpy() - [5.0, 10.0])) > 1e-6  # the refinement is what makes it exact


@pytest.mark.parametrize("window", [None, "hann", "blackmanharris"])
def test_leakage_is_not_reported(window):
    # off-bin tones: a rectangular window leaks side lobes at −13 dB, which a low threshold would detect
    t = torch.linspace(0, 2, 801, dtype=torch.float64)
    x = 0.3 + 2 * torch.cos(2 * PI * 3.3 * t + 0.4) + 0.8 * torch.sin(2 * PI * 17.25 * t) \
        + 0.25 * torch.sin(2 * PI * 41.7 * t - 1)
    r = dominant_frequencies(x, t, window=window, threshold=1e-3)
    np.testing.assert_allclose(r.freqs.numpy(), [3.3, 17.25, 41.7], atol=1e-11)
    np.testing.assert_allclose(r.amplitudes.numpy(), [2.0, 0.8, 0.25], atol=1e-12)
    np.testing.assert_allclose(r.phases.numpy(), [0.4, -PI / 2, -1 - PI / 2], atol=1e-10)
    assert r.offset == pytest.approx(0.3, abs=1e-12)


def test_k_reports_the_largest_but_fits_all():
    t, x = seed_signal()
    r = dominant_frequencies(x, t, k=1)
    assert r.freqs.shape == (1,) and float(r.freqs[0]) == pytest.approx(5.0, abs=1e-11)
    assert r.residual < 1e-12  # the 10 Hz tone is still in the fit


def test_noisy_signal_within_statistical_accuracy():
    rng = np.random.default_rng(7)
    n, fs, sigma = 2000, 500.0, 0.2
    tn = np.arange(n) / fs
    x = np.cos(2 * PI * 31.4 * tn + 0.3) + 0.6 * np.cos(2 * PI * 77.7 * tn) + sigma * rng.standard_normal(n)
    r = dominant_frequencies(x, fs=fs)
    # Cramér–Rao bound for the frequency: sqrt(6) σ / (π A T sqrt(N)); allow 5 of them
    crb = math.sqrt(6) * sigma / (PI * 0.6 * (n / fs) * math.sqrt(n))
    assert r.freqs.shape == (2,)
    np.testing.assert_allclose(r.freqs.numpy(), [31.4, 77.7], atol=5 * crb)
    np.testing.assert_allclose(r.amplitudes.numpy(), [1.0, 0.6], atol=5 * sigma * math.sqrt(2 / n))
    assert r.residual == pytest.approx(sigma, rel=0.1)


def test_closely_spaced_tones_resolved_with_a_rectangular_window():
    t = torch.linspace(0, 1, 500, dtype=torch.float64)
    x = torch.cos(2 * PI * 20 * t) + 0.5 * torch.cos(2 * PI * 21.6 * t + 1)
    r = dominant_frequencies(x, t, window=None)
    np.testing.assert_allclose(r.freqs.numpy(), [20.0, 21.6], atol=1e-10)


def test_constant_signal_has_no_peaks():
    r = dominant_frequencies(np.full(100, 0.1), fs=10.0)
    assert r.success and r.status == FitStatus.NO_PEAKS and r.freqs.numel() == 0
    assert r.offset == pytest.approx(0.1, abs=1e-15)


def test_fit_sinusoids_refines_from_a_rough_start_and_reports_max_iter():
    t = torch.linspace(0, 1, 200, dtype=torch.float64)
    x = 3 * torch.cos(2 * PI * 7.3 * t + 1) - 0.2
    fit = fit_sinusoids(x, t, freqs=[7.0])
    assert fit.success
    assert float(fit.freqs[0]) == pytest.approx(7.3, abs=1e-11)
    assert float(fit.amplitudes[0]) == pytest.approx(3.0, abs=1e-11)
    assert float(fit.phases[0]) == pytest.approx(1.0, abs=1e-10)
    assert fit.offset == pytest.approx(-0.2, abs=1e-12)
    with pytest.warns(FitConvergenceWarning, match="max_iter"):
        stopped = fit_sinusoids(x, t, freqs=[7.0], max_iter=1)
    assert not stopped.success and stopped.status == FitStatus.MAX_ITER


def test_plot_spectrum_returns_artists():
    t, x = seed_signal()
    fig, ax = plt.subplots()
    artists = plot_spectrum(spectrum(x, t), dominant_frequencies(x, t), ax=ax)
    assert len(artists) == 4  # the spectrum line, the markers and two labels
    plt.close(fig)


# ---------------------------------------------------------------- bad input

def test_bad_input_is_named():
    t, x = seed_signal()
    bent = t.clone()
    bent[500] += 1e-4
    with pytest.raises(ValueError, match="t must be uniformly spaced"):
        spectrum(x, bent)
    with pytest.raises(ValueError, match="strictly increasing"):
        spectrum(x, t.flip(0))
    with pytest.raises(ValueError, match="t must have one time per sample"):
        spectrum(x, t[:-1])
    with pytest.raises(ValueError, match="exactly one of them"):
        spectrum(x)
    with pytest.raises(ValueError, match="exactly one of them"):
        spectrum(x, t, fs=999.0)
    with pytest.raises(ValueError, match="fs must be a positive"):
        spectrum(x, fs=-1.0)
    with pytest.raises(ValueError, match="x must have at least 2 samples"):
        spectrum([1.0], fs=1.0)
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., N\)"):
        spectrum(1.0, fs=1.0)
    with pytest.raises(TypeError, match="x must be a real signal"):
        spectrum(torch.ones(8, dtype=torch.complex128), fs=1.0)
    with pytest.raises(ValueError, match="window 'nosuch'"):
        spectrum(x, t, window="nosuch")
    with pytest.raises(ValueError, match="window must have 1000 samples"):
        spectrum(x, t, window=np.ones(10))
    with pytest.raises(ValueError, match="detrend must be one of"):
        spectrum(x, t, detrend="quadratic")
    with pytest.raises(ValueError, match=r"x must have shape \(N,\): one signal at a time"):
        dominant_frequencies(x[None], t)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        dominant_frequencies(x, t, k=0)
    with pytest.raises(ValueError, match="threshold must be a fraction"):
        dominant_frequencies(x, t, threshold=2.0)
    with pytest.raises(ValueError, match="freqs must lie strictly between 0 and the Nyquist"):
        fit_sinusoids(x, t, freqs=[600.0])
    with pytest.raises(ValueError, match="freqs must be distinct"):
        fit_sinusoids(x, t, freqs=[5.0, 5.0])
