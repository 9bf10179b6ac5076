"""Spectral-analysis problems (kind ``signal`` with an ``operation``): one of :mod:`sciml.signal` — ``welch``,
``spectrogram``, ``hilbert``, ``filter`` or ``coherence`` — on a sampled signal (a formula in t plus seeded
white noise), checked against what the maths says (a white-noise level, an instantaneous frequency, a
frequency response, a coherence) and against ``scipy.signal`` on the same samples."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.signal
import sympy
import torch

from sciml._validation import check_choice, check_int, check_real
from sciml.expressions import parse
from sciml.problems._base import Problem, brief
from sciml.problems._references import numpy_function
from sciml.results import Result

OPERATIONS = ("welch", "spectrogram", "hilbert", "filter", "coherence")
#: the keyword options of the sciml function each operation accepts from ``[options]``
OPTIONS = {"welch": ("nperseg", "noverlap", "nfft", "window", "detrend", "scaling", "average"),
           "spectrogram": ("nperseg", "noverlap", "nfft", "window"), "hilbert": (), "filter": (),
           "coherence": ("nperseg", "noverlap", "nfft", "window")}
WHAT = {"welch": "mean PSD over the inner bins", "spectrogram": "ridge frequency (Hz) per segment",
        "hilbert": "instantaneous frequency (Hz)", "filter": "filtered samples", "coherence": "mean coherence"}


@dataclasses.dataclass(repr=False)
class SpectralAnswer(Result):
    """What a spectral problem computed: the sciml output ``values`` (on ``freqs``/``times`` where they
    apply) and the ``estimate`` the exact reference checks (see ``WHAT``)."""

    operation: str
    values: torch.Tensor
    estimate: torch.Tensor
    freqs: torch.Tensor | None = None
    times: torch.Tensor | None = None


def _relative(got, want) -> float:
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        raise ValueError(f"shape {got.shape} differs from the reference's {want.shape}")
    return float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-300))


def ridge(f: np.ndarray, S: np.ndarray) -> np.ndarray:
    """The frequency of the largest power in each column of ``S``, refined by a parabola through the log
    powers of the peak bin and its neighbours (exact for a Gaussian-shaped peak)."""
    k = np.clip(np.argmax(S, axis=0), 1, len(f) - 2)
    cols = np.arange(S.shape[1])
    la, lb, lc = (np.log(np.maximum(S[k + s, cols], 1e-300)) for s in (-1, 0, 1))
    curve = la - 2 * lb + lc
    delta = np.where(curve < 0, 0.5 * (la - lc) / np.where(curve < 0, curve, -1.0), 0.0)
    return f[k] + np.clip(delta, -0.5, 0.5) * (f[1] - f[0])


@dataclasses.dataclass(eq=False)
class SpectralProblem(Problem):
    """``operation`` on ``x(t) = signal(t) + noise·ε`` sampled at ``t = n / fs``, n < ``num`` (ε seeded
    standard normal; for ``filter`` the signal is the sum of ``tones`` ``A cos(2π f t + φ)``).

    - ``welch``: the PSD; exact: ``exact_level``, the white-noise density (``2σ²/fs`` one-sided), against the
      mean over the inner bins (relative error).
    - ``spectrogram``: the ridge frequency of each segment; exact: ``exact_frequency(t)`` at the segment
      centres, inside ``trim`` of each end (Hz).
    - ``hilbert``: the instantaneous frequency; exact: ``exact_frequency`` at the midpoints, inside ``trim``.
    - ``filter``: ``apply`` (``sosfilt`` or ``sosfiltfilt``) of the ``design`` (``scipy.signal.iirfilter``
      keywords); exact: the tones through the frequency response, ``|H| A cos(2π f t + φ + arg H)``
      (``|H|² A cos(2π f t + φ)`` zero-phase), once the transient has died (``trim``).
    - ``coherence``: of x (white, ``signal = "0"``) and ``y = gain · x(n − delay) + noise_y · ε'``; exact:
      ``gain² σ² / (gain² σ² + noise_y²)`` against the mean over the inner bins.

    ``scipy`` compares the same output computed by ``scipy.signal`` (relative error).
    """

    kind = "signal"
    capability = "signal"
    reference_labels = {"exact": "closed form", "scipy": "scipy.signal"}

    operation: str = "welch"
    signal: str = "0"
    fs: float = 1.0
    num: int = 1000
    noise: float = 0.0
    seed: int = 0
    options: dict = dataclasses.field(default_factory=dict)
    exact_level: float | None = None
    exact_frequency: str | None = None
    trim: float = 0.1
    tones: list | None = None
    design: dict | None = None
    apply: str = "sosfilt"
    gain: float = 1.0
    delay: int = 0
    noise_y: float = 0.0

    def __post_init__(self):
        super().__post_init__()
        self.operation = check_choice(self.operation, "operation", OPERATIONS)
        self.expr = parse(self.signal, where="signal", symbols=["t"])
        self.fs = check_real(self.fs, "fs", low=0, low_open=True)
        self.num = check_int(self.num, "num", low=16)
        self.noise = check_real(self.noise, "noise", low=0)
        self.noise_y = check_real(self.noise_y, "noise_y", low=0)
        self.trim = check_real(self.trim, "trim", low=0, high=0.5, high_open=True)
        self.delay = check_int(self.delay, "delay", low=0, high=self.num - 1)
        unknown = sorted(set(self.options) - set(OPTIONS[self.operation]))
        if unknown:
            raise ValueError(f"options: {unknown[0]!r} is not an option of {self.operation}; choose from "
                             f"{list(OPTIONS[self.operation]) or 'none'}")
        if self.exact_frequency is not None:
            self.frequency_expr = parse(self.exact_frequency, where="exact_frequency", symbols=["t"])
        needs = {"welch": "exact_level", "spectrogram": "exact_frequency", "hilbert": "exact_frequency"}
        if "exact" in self.tolerances and getattr(self, needs.get(self.operation, "operation")) is None:
            raise ValueError(f"an 'exact' reference of {self.operation} needs {needs[self.operation]}")
        if self.operation == "filter":
            try:
                self.tones = [[float(v) for v in tone] for tone in self.tones or []]
            except (TypeError, ValueError):
                self.tones = []
            if not self.tones or any(len(tone) != 3 for tone in self.tones):
                raise ValueError("tones: filter problems need tones = [[f, A, phase], ...] (numbers: the input's "
                                 f"components), got {self.tones!r}")
            if self.signal != "0":
                raise ValueError("filter problems take their input from tones; leave signal out")
            self.apply = check_choice(self.apply, "apply", ("sosfilt", "sosfiltfilt"))
            try:
                self.sos = scipy.signal.iirfilter(output="sos", fs=self.fs, **(self.design or {}))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"design: scipy.signal.iirfilter rejects {self.design!r} ({exc}); give e.g. "
                                 "{ N = 4, Wn = 50, btype = 'lowpass', ftype = 'butter' }") from None
        if self.operation == "coherence" and self.signal != "0" and "exact" in self.tolerances:
            raise ValueError("the exact coherence assumes white x: signal = '0' with noise > 0")

    @property
    def method(self) -> str:
        name = {"filter": self.apply, "hilbert": "instantaneous_frequency"}.get(self.operation, self.operation)
        return f"sciml.signal.{name}"

    def statement(self) -> str:
        what = (" + ".join(f"{a:g}·cos(2π·{f:g}t + {p:g})" for f, a, p in self.tones) if self.tones
                else str(self.expr))
        noise = f" + {self.noise:g}·white noise" if self.noise else ""
        return f"{WHAT[self.operation]} of x(t) = {what}{noise}, {self.num} samples at {self.fs:g} Hz"

    # -- the data, the same for sciml and SciPy ---------------------------------------------------------------

    def times(self) -> np.ndarray:
        return np.arange(self.num) / self.fs

    def samples(self) -> tuple[np.ndarray, np.ndarray | None]:
        t = self.times()
        rng = np.random.default_rng(self.seed)
        if self.tones:
            x = sum(a * np.cos(2 * np.pi * f * t + p) for f, a, p in self.tones)
        else:
            x = np.broadcast_to(numpy_function(self.expr, [sympy.Symbol("t")])(t), t.shape).astype(float)
        x = x + self.noise * rng.standard_normal(self.num)
        if self.operation != "coherence":
            return x, None
        y = self.gain * np.concatenate([np.zeros(self.delay), x[:self.num - self.delay]])
        return x, y + self.noise_y * rng.standard_normal(self.num)

    def _inner(self, n: int) -> slice:
        cut = int(self.trim * n)
        return slice(cut, n - cut)

    def _estimate(self, values: np.ndarray, freqs, times) -> np.ndarray:
        if self.operation in ("welch", "coherence"):
            return np.asarray(values[1:-1].mean())
        if self.operation == "spectrogram":
            return ridge(freqs, values)[self._inner(len(times))]
        if self.operation == "hilbert":
            return values[self._inner(len(values))]
        return values[self._inner(len(values)) if self.apply == "sosfiltfilt" else slice(int(self.trim * self.num),
                                                                                        None)]

    def solve(self, **options):
        from sciml import signal

        x, y = (None if v is None else torch.from_numpy(v) for v in self.samples())
        kw = {**self.options, **options}
        freqs = times = None
        if self.operation == "welch":
            freqs, values = signal.welch(x, fs=self.fs, **kw)
        elif self.operation == "spectrogram":
            freqs, times, values = signal.spectrogram(x, fs=self.fs, **kw)
        elif self.operation == "hilbert":
            values = signal.instantaneous_frequency(x, fs=self.fs)
            times = torch.from_numpy(self.times()[:-1] + 0.5 / self.fs)
        elif self.operation == "filter":
            values = getattr(signal, self.apply)(self.sos, x)
            times = torch.from_numpy(self.times())
        else:
            freqs, values = signal.coherence(x, y, fs=self.fs, **kw)
        estimate = self._estimate(values.numpy(), None if freqs is None else freqs.numpy(),
                                  None if times is None else times.numpy())
        return SpectralAnswer(self.operation, values, torch.from_numpy(np.asarray(estimate)), freqs, times)

    # -- references -----------------------------------------------------------------------------------------

    def exact_answer(self, answer: SpectralAnswer) -> np.ndarray:
        """What the maths says the estimate is (on the answer's own frequency or time grid)."""
        if self.operation == "welch":
            return np.asarray(self.exact_level)
        if self.operation == "coherence":
            sx, g = self.noise**2, self.gain**2
            return np.asarray(g * sx / (g * sx + self.noise_y**2))
        if self.operation in ("spectrogram", "hilbert"):
            t = answer.times.numpy()[self._inner(len(answer.times))]
            return np.broadcast_to(numpy_function(self.frequency_expr, [sympy.Symbol("t")])(t), t.shape).astype(float)
        freqs = [f for f, _, _ in self.tones]
        _, h = scipy.signal.freqz_sos(self.sos, freqs, fs=self.fs)
        t = answer.times.numpy()
        if self.apply == "sosfiltfilt":
            h = np.abs(h) ** 2
        out = sum(a * np.abs(hk) * np.cos(2 * np.pi * f * t + p + np.angle(hk))
                  for (f, a, p), hk in zip(self.tones, h, strict=True))
        return self._estimate(out, None, t)

    def scipy_values(self) -> np.ndarray:
        """The operation's output by ``scipy.signal`` on the same samples."""
        x, y = self.samples()
        kw = dict(self.options)
        if self.operation == "welch":
            return scipy.signal.welch(x, fs=self.fs, **kw)[1]
        if self.operation == "spectrogram":
            return scipy.signal.spectrogram(x, fs=self.fs, **kw)[2]
        if self.operation == "hilbert":
            return np.diff(np.unwrap(np.angle(scipy.signal.hilbert(x)))) * self.fs / (2 * np.pi)
        if self.operation == "filter":
            return getattr(scipy.signal, self.apply)(self.sos, x)
        return scipy.signal.coherence(x, y, fs=self.fs, **kw)[1]

    def _error(self, answer, ref_name) -> float:
        if ref_name == "scipy":
            return _relative(answer.values.numpy(), self.scipy_values())
        want = self.exact_answer(answer)
        if self.operation == "welch":
            return float(abs(answer.estimate.numpy() / want - 1))
        return float(np.max(np.abs(answer.estimate.numpy() - want)))

    def references(self):
        refs = []
        for name in self.tolerances:
            refs.append(self._reference(name, lambda r, name=name: self._error(r, name),
                                        value=lambda r: brief(r.estimate)))
        return refs

    def plot(self, result, fig) -> bool:
        from sciml.signal import plot_psd, plot_spectrogram

        ax = fig.add_subplot()
        values = result.values.numpy()
        if self.operation == "welch":
            plot_psd(result.freqs, result.values, ax=ax, label="sciml welch")
            if self.exact_level is not None:
                ax.axhline(self.exact_level, color="k", ls="--", lw=0.8, label="white-noise level")
        elif self.operation == "spectrogram":
            plot_spectrogram(result.freqs, result.times, result.values, ax=ax)
            t = result.times.numpy()[self._inner(len(result.times))]
            ax.plot(t, result.estimate.numpy(), "w.", ms=3, label="ridge")
        elif self.operation == "coherence":
            ax.plot(result.freqs.numpy(), values, lw=0.8, label="sciml coherence")
            ax.set(xlabel="frequency (Hz)", ylabel="coherence", ylim=(0, 1.05))
        else:
            ax.plot(result.times.numpy(), values, lw=0.8, label=WHAT[self.operation])
            ax.set(xlabel="time (s)")
        ax.legend(loc="best", fontsize="small")
        ax.set_title(self.statement(), fontsize="small")
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        return cls(operation=spec.choice("operation", OPERATIONS), signal=spec.str("signal", "0"),
                   fs=spec.positive("fs"), num=spec.int("num", low=16), noise=spec.number("noise", 0.0, low=0),
                   seed=spec.int("seed", 0, low=0), options=spec.mapping("options"),
                   exact_level=spec.number("exact_level", None), exact_frequency=spec.str("exact_frequency", None),
                   trim=spec.number("trim", 0.1, low=0), tones=spec.get("tones", None),
                   design=spec.mapping("design") or None, apply=spec.str("apply", "sosfilt"),
                   gain=spec.number("gain", 1.0), delay=spec.int("delay", 0, low=0),
                   noise_y=spec.number("noise_y", 0.0, low=0), **common)
