"""Signal problems (kind ``signal``, alias ``spectrum``): the dominant frequencies of a signal given as a
formula in t, sampled on a uniform grid, found by :func:`sciml.signal.dominant_frequencies` (the default
``operation = "dominant"``); the spectral operations (``welch``, ``spectrogram``, ``hilbert``, ``filter``,
``coherence``) are :class:`~sciml.problems._spectral.SpectralProblem`."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import scipy.optimize
import scipy.signal
import sympy
import torch

from sciml._validation import check_int
from sciml.expressions import parse
from sciml.problems._base import Problem, brief
from sciml.problems._references import numpy_function, wrapped
from sciml.problems._spectral import OPERATIONS, SpectralProblem


def _by_frequency(freqs, amps, phases=None):
    order = np.argsort(freqs)
    return freqs[order], amps[order], (None if phases is None else phases[order])


def _tones(freqs, amps, phases=None) -> str:
    """Tones in a short line, in order of frequency: ``f = [..] Hz, A = [..]`` (and ``φ = [..]``)."""
    freqs, amps, phases = _by_frequency(np.asarray(freqs, float), np.asarray(amps, float),
                                        None if phases is None else np.asarray(phases, float))
    return f"f = {brief(freqs)} Hz, A = {brief(amps)}" + ("" if phases is None else f", φ = {brief(phases)}")


def scipy_tones(expr, t: np.ndarray, n_peaks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequencies, amplitudes and phases of the ``n_peaks`` strongest tones of ``expr`` (in ``t``) sampled at
    the uniform grid ``t``, by SciPy alone: ``periodogram`` peaks (``find_peaks``) refined by ``curve_fit``
    (MINPACK Levenberg–Marquardt) of ``c₀ + Σ A cos(2π f t + φ)``, on samples from ``sympy.lambdify``."""
    x = numpy_function(expr, [sympy.Symbol("t")])(t).astype(float)
    num = len(t)
    fs = (num - 1) / (t[-1] - t[0])
    f, pxx = scipy.signal.periodogram(x, fs, window="hann", scaling="spectrum")  # pxx = A²/2 on a peak
    bins, _ = scipy.signal.find_peaks(pxx, prominence=1e-3 * pxx.max())
    bins = bins[np.argsort(-pxx[bins])][:n_peaks]
    X = np.fft.rfft(x * scipy.signal.get_window("hann", num))
    p0 = [x.mean()]
    for k in bins:
        p0 += [f[k], np.sqrt(2 * pxx[k]), np.angle(X[k]) - 2 * np.pi * f[k] * t[0]]

    def model(tt, c0, *p):
        return c0 + sum(a * np.cos(2 * np.pi * fk * tt + ph) for fk, a, ph in zip(*[iter(p)] * 3, strict=True))

    p, _ = scipy.optimize.curve_fit(model, t, x, p0=p0, xtol=1e-15, ftol=1e-15, gtol=1e-15, maxfev=10000)
    fk, ak, phk = np.asarray(p[1::3]), np.asarray(p[2::3]), np.asarray(p[3::3])
    phk = np.where(ak < 0, phk + np.pi, phk)  # a negative amplitude is a half-turn of phase
    return np.abs(fk), np.abs(ak), wrapped(np.where(fk < 0, -phk, phk))


@dataclasses.dataclass(eq=False)
class SpectrumProblem(Problem):
    """``operation = "dominant"`` (the default): the ``n_peaks`` dominant sinusoidal components of ``signal(t)``
    sampled at ``t = linspace(start, stop, num)``, each reported once with its frequency (Hz), amplitude and
    phase.

    Error (both references): components are matched in order of frequency; the error is the max over them
    of ``|f − f*|`` (Hz) and ``|A − A*|``, and of the wrapped ``|φ − φ*|`` when ``exact_phases`` are given
    (phases of ``A cos(2π f t + φ)``). References: ``exact`` (``exact_freqs``, ``exact_amplitudes``) and
    ``scipy`` (:func:`scipy_tones`).
    """

    kind = "signal"
    capability = "signal"
    reference_labels = {"exact": "exact tones", "scipy": "scipy periodogram + curve_fit"}

    signal: str = "0"
    start: float = 0.0
    stop: float = 1.0
    num: int = 100
    n_peaks: int = 1
    exact_freqs: list | None = None
    exact_amplitudes: list | None = None
    exact_phases: list | None = None
    window: str = "hann"

    def __post_init__(self):
        super().__post_init__()
        self.expr = parse(self.signal, where="signal", symbols=["t"])
        self.num = check_int(self.num, "num (samples of t)", low=4)
        self.n_peaks = check_int(self.n_peaks, "n_peaks", low=1)
        try:  # a window SciPy knows, checked now rather than at solve time
            scipy.signal.get_window(self.window, self.num)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"window: {self.window!r} is not a window SciPy knows ({exc}); use e.g. 'hann', "
                             "'hamming', 'blackmanharris' or ['kaiser', 8.0]") from None
        if not self.stop > self.start:
            raise ValueError(f"t must be a grid with stop > start, got start={self.start}, stop={self.stop}")
        for key in ("exact_freqs", "exact_amplitudes", "exact_phases"):
            value = getattr(self, key)
            if value is not None and len(value) != self.n_peaks:
                raise ValueError(f"{key} must have n_peaks = {self.n_peaks} entries, got {len(value)}")
        if "exact" in self.tolerances and (self.exact_freqs is None or self.exact_amplitudes is None):
            raise ValueError("an 'exact' reference needs exact_freqs and exact_amplitudes")

    @property
    def method(self) -> str:
        return "sciml.signal.dominant_frequencies"

    def statement(self) -> str:
        return (f"the {self.n_peaks} dominant frequencies and amplitudes of x(t) = {self.expr} sampled at "
                f"t = linspace({self.start:g}, {self.stop:g}, {self.num})")

    def times(self) -> torch.Tensor:
        return torch.linspace(self.start, self.stop, self.num, dtype=torch.float64)

    def samples(self) -> torch.Tensor:
        from sciml.calculus import to_torch

        return to_torch(self.expr, ["t"])(self.times())

    def solve(self, **options):
        from sciml.signal import dominant_frequencies

        options.setdefault("window", self.window)
        return dominant_frequencies(self.samples(), self.times(), k=self.n_peaks, **options)

    # -- references -----------------------------------------------------------------------------------------

    def _error(self, result, freqs, amps, phases=None) -> float:
        got_f = result.freqs.detach().cpu().numpy()
        if got_f.shape[0] != self.n_peaks:
            raise ValueError(f"found {got_f.shape[0]} components, expected n_peaks = {self.n_peaks}")
        got_f, got_a, got_p = _by_frequency(got_f, result.amplitudes.detach().cpu().numpy(),
                                            result.phases.detach().cpu().numpy())
        freqs, amps, phases = _by_frequency(np.asarray(freqs, float), np.asarray(amps, float),
                                            None if phases is None else np.asarray(phases, float))
        err = max(np.max(np.abs(got_f - freqs)), np.max(np.abs(got_a - amps)))
        if phases is not None:
            err = max(err, np.max(np.abs(wrapped(got_p - phases))))
        return float(err)

    def scipy_estimate(self):
        """Frequencies, amplitudes and phases from SciPy alone (:func:`scipy_tones`)."""
        return scipy_tones(self.expr, np.linspace(self.start, self.stop, self.num), self.n_peaks)

    def references(self):
        answers = {"exact": lambda: (self.exact_freqs, self.exact_amplitudes, self.exact_phases),
                   "scipy": self.scipy_estimate}
        return self._compare_with(
            answers, lambda r, ref: self._error(r, *ref),
            value=lambda r: _tones(r.freqs.detach().cpu().numpy(), r.amplitudes.detach().cpu().numpy(),
                                   r.phases.detach().cpu().numpy()),
            expected=lambda ref: _tones(*ref))

    def plot(self, result, fig) -> bool:
        from sciml.signal import plot_spectrum, spectrum

        t, x = self.times(), self.samples()
        left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        left.plot(t.numpy(), x.numpy(), ".", ms=2, label="samples")
        left.plot(t.numpy(), result.model(t).numpy(), "-", lw=0.8, label="fitted components + offset")
        left.set(xlabel="t", ylabel="x(t)")
        shown = re.sub(r"\bpi\b", "π", self.signal.replace("**", "^").replace("*", "·"))  # as a mathematician writes
        left.set_title(f"x(t) = {shown}", fontsize="small")
        low, high = left.get_ylim()
        left.set_ylim(low, high + 0.3 * (high - low))  # room for the legend above the signal
        left.legend(loc="upper right", fontsize="small", ncols=2)
        plot_spectrum(spectrum(x, t), result, ax=right)
        right.set_title("one-sided amplitude spectrum (rectangular window) and the refined components",
                         fontsize="small")
        right.set_xlim(0, min(float(result.fs) / 2, 3 * float(result.freqs.max()) if result.freqs.numel() else 1e9))
        low, high = right.get_ylim()
        right.set_ylim(low, high + 0.15 * (high - low))  # room for the frequency labels above the markers
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        operation = spec.choice("operation", ("dominant", *OPERATIONS), "dominant")
        if operation != "dominant":
            return SpectralProblem.from_spec(spec, **common)
        grid = spec.table("t")
        problem = cls(
            signal=spec.str("signal"), start=grid.number("start"), stop=grid.number("stop"),
            num=grid.int("num", low=4), n_peaks=spec.int("n_peaks", low=1),
            exact_freqs=spec.numbers("exact_freqs", None), exact_amplitudes=spec.numbers("exact_amplitudes", None),
            exact_phases=spec.numbers("exact_phases", None), window=spec.str("window", "hann"), **common)
        grid.check_unused()
        return problem
