"""Dominant frequencies of a signal given as a formula in t, sampled on a uniform grid."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.optimize
import scipy.signal
import sympy
import torch

from sciml.problems._base import Problem
from sciml.problems._expressions import parse


def _by_frequency(freqs, amps, phases=None):
    order = np.argsort(freqs)
    return freqs[order], amps[order], (None if phases is None else phases[order])


def _wrap(angle):
    return np.angle(np.exp(1j * np.asarray(angle)))


@dataclasses.dataclass(eq=False)
class SpectrumProblem(Problem):
    """The ``n_peaks`` dominant sinusoidal components of ``signal(t)`` sampled at
    ``t = linspace(start, stop, num)``, each reported once with its frequency (Hz), amplitude and phase.

    Error (both references): components are matched in order of frequency; the error is the max over them
    of ``|f − f*|`` (Hz) and ``|A − A*|``, and of the wrapped ``|φ − φ*|`` when ``exact_phases`` are given
    (phases of ``A cos(2π f t + φ)``). References: ``exact`` (``exact_freqs``, ``exact_amplitudes``) and
    ``scipy``: ``scipy.signal.periodogram`` peaks (``scipy.signal.find_peaks``) refined by
    ``scipy.optimize.curve_fit`` (MINPACK Levenberg–Marquardt) of the same sinusoid model, on samples from
    ``sympy.lambdify``.
    """

    kind = "spectrum"
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
        if not (isinstance(self.num, int) and self.num >= 4) or not self.stop > self.start:
            raise ValueError(f"t must be a grid with stop > start and num ≥ 4 samples, got start={self.start}, "
                             f"stop={self.stop}, num={self.num}")
        if not (isinstance(self.n_peaks, int) and self.n_peaks >= 1):
            raise ValueError(f"n_peaks must be a positive integer, got {self.n_peaks!r}")
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
            err = max(err, np.max(np.abs(_wrap(got_p - phases))))
        return float(err)

    def scipy_estimate(self):
        """Frequencies, amplitudes and phases from SciPy alone (periodogram peaks, then ``curve_fit``)."""
        t = np.linspace(self.start, self.stop, self.num)
        x = np.broadcast_to(sympy.lambdify(sympy.Symbol("t"), self.expr, "numpy")(t), t.shape).astype(float)
        fs = (self.num - 1) / (self.stop - self.start)
        f, pxx = scipy.signal.periodogram(x, fs, window="hann", scaling="spectrum")  # pxx = A²/2 on a peak
        bins, _ = scipy.signal.find_peaks(pxx, prominence=1e-3 * pxx.max())
        bins = bins[np.argsort(-pxx[bins])][: self.n_peaks]
        X = np.fft.rfft(x * scipy.signal.get_window("hann", self.num))
        p0 = [x.mean()]
        for k in bins:
            p0 += [f[k], np.sqrt(2 * pxx[k]), np.angle(X[k]) - 2 * np.pi * f[k] * t[0]]

        def model(tt, c0, *p):
            return c0 + sum(a * np.cos(2 * np.pi * fk * tt + ph) for fk, a, ph in zip(*[iter(p)] * 3, strict=True))

        p, _ = scipy.optimize.curve_fit(model, t, x, p0=p0, xtol=1e-15, ftol=1e-15, gtol=1e-15, maxfev=10000)
        fk, ak, phk = np.asarray(p[1::3]), np.asarray(p[2::3]), np.asarray(p[3::3])
        phk = np.where(ak < 0, phk + np.pi, phk)  # a negative amplitude is a half-turn of phase
        return np.abs(fk), np.abs(ak), _wrap(np.where(fk < 0, -phk, phk))

    def references(self):
        refs = []
        for name in self.tolerances:
            if name == "exact":
                refs.append(self._reference(name, lambda r: self._error(
                    r, self.exact_freqs, self.exact_amplitudes, self.exact_phases)))
            else:
                refs.append(self._reference(name, lambda r: self._error(r, *self.scipy_estimate())))
        return refs

    def plot(self, result, fig) -> bool:
        from sciml.signal import plot_spectrum, spectrum

        t, x = self.times(), self.samples()
        left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        left.plot(t.numpy(), x.numpy(), ".", ms=2, label="samples")
        left.plot(t.numpy(), result.model(t).numpy(), "-", lw=0.8, label="fitted components + offset")
        left.set(xlabel="t", ylabel="x(t)")
        left.set_title(f"x(t) = {self.signal}", fontsize="small")
        left.legend(loc="upper right", fontsize="small")
        plot_spectrum(spectrum(x, t), result, ax=right)
        right.set_title("one-sided amplitude spectrum (rectangular window) and the refined components",
                         fontsize="small")
        right.set_xlim(0, min(float(result.fs) / 2, 3 * float(result.freqs.max()) if result.freqs.numel() else 1e9))
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        grid = spec.table("t")
        num = grid.get("num")
        if isinstance(num, bool) or not isinstance(num, int):
            raise grid.error("num", f"must be an integer number of samples, got {num!r}")
        n_peaks = spec.get("n_peaks")
        if isinstance(n_peaks, bool) or not isinstance(n_peaks, int):
            raise spec.error("n_peaks", f"must be an integer, got {n_peaks!r}")
        problem = cls(
            signal=spec.str("signal"), start=grid.number("start"), stop=grid.number("stop"), num=num,
            n_peaks=n_peaks,
            exact_freqs=spec.numbers("exact_freqs") if spec.has("exact_freqs") else None,
            exact_amplitudes=spec.numbers("exact_amplitudes") if spec.has("exact_amplitudes") else None,
            exact_phases=spec.numbers("exact_phases") if spec.has("exact_phases") else None,
            window=spec.str("window", "hann"), **common)
        grid.check_unused()
        return problem
