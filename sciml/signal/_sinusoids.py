"""Least-squares fits of a sum of sinusoids plus an offset to samples (Levenberg–Marquardt in torch).

.. math:: x(t) \\approx c_0 + \\sum_j A_j \\cos(2\\pi f_j t + \\varphi_j)

Frequencies are estimated far beyond the FFT's bin resolution: for a clean signal the fit is limited only
by rounding. :func:`fit_sinusoids` refines given frequencies; :mod:`sciml.signal._peaks` finds them.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import torch

from sciml._validation import as_tensor, check_int, check_real
from sciml.optimize import levenberg_marquardt
from sciml.results import ConvergenceWarning, Result, conclude, status_enum
from sciml.signal._sampling import as_signal, sampling


class FitConvergenceWarning(ConvergenceWarning):
    """The sinusoid fit stopped at ``max_iter`` (or at non-finite values) before its convergence test passed."""


#: what each status means, and what to do
MESSAGES = {
    "XTOL": "converged: the least-squares step fell below xtol",
    "FTOL": "converged: the residual cannot be reduced further (relative decrease below ftol)",
    "MAX_ITER": "max_iter reached before convergence: the estimates are those of the last iterate; "
                "increase max_iter or start from better frequencies",
    "NO_PEAKS": "no spectral peak above the threshold: the signal has no oscillating component to report",
    "NONFINITE": "the fit produced non-finite values: check the samples and the starting frequencies",
    "OUT_OF_RANGE": "a fitted frequency left (0, Nyquist): the fit did not find that component; start within "
                    "half a bin (fs/N) of it, e.g. from dominant_frequencies",
    "NO_PROGRESS": "the fit explains none of the signal (residual ≈ the signal's RMS): the starting frequencies are "
                   "too far from any component; start within half a bin (fs/N), e.g. from dominant_frequencies",
    "NOT_REFINED": "not refined (refine=False): frequencies from interpolated spectrum peaks, "
                   "amplitudes and phases from a linear least-squares fit at those frequencies",
}

FitStatus = status_enum(
    "FitStatus", "MAX_ITER NONFINITE XTOL FTOL NO_PEAKS NOT_REFINED OUT_OF_RANGE NO_PROGRESS", module=__name__,
    hints=MESSAGES,
    doc="""Outcome of a sinusoid fit (codes of :class:`sciml.results.Status`): a success for ``XTOL``, ``FTOL``,
    ``NO_PEAKS`` and ``NOT_REFINED``. A converged fit whose frequency left (0, Nyquist) is ``OUT_OF_RANGE``, one that
    explains none of the signal ``NO_PROGRESS``.""")


@dataclasses.dataclass(repr=False)
class Sinusoids(Result):
    """Sinusoidal components ``A_j cos(2π f_j t + φ_j)`` of a signal, plus its ``offset``.

    Attributes
    ----------
    freqs, amplitudes, phases : (K,) tensors
        Frequencies (Hz, positive), amplitudes (positive) and phases (radians in (−π, π], referred to
        ``t = 0``) of the components.
    offset : float
        The constant ``c₀``.
    residual : float
        Root mean square of the samples minus the fitted model.
    fs : float
        The sampling rate (Hz); ``resolution = fs / N`` is the FFT bin spacing.
    success, status, message, nit, nfev
        As in SciPy; ``status`` is a :class:`FitStatus`.
    """

    freqs: torch.Tensor
    amplitudes: torch.Tensor
    phases: torch.Tensor
    offset: float
    residual: float
    fs: float
    resolution: float
    success: bool
    status: FitStatus
    message: str
    nit: int = 0
    nfev: int = 0

    def model(self, t) -> torch.Tensor:
        """The fitted signal at times ``t``."""
        t = torch.as_tensor(t, dtype=self.freqs.dtype, device=self.freqs.device)
        arg = 2 * math.pi * t[..., None] * self.freqs + self.phases
        return self.offset + (self.amplitudes * torch.cos(arg)).sum(-1)


def _design(tau, freqs):
    arg = 2 * math.pi * tau[:, None] * freqs
    return torch.cos(arg), torch.sin(arg)


def linear_coefficients(x, tau, freqs):
    """Offset and cos/sin coefficients at fixed frequencies (linear least squares)."""
    C, S = _design(tau, freqs)
    B = torch.cat([torch.ones_like(tau)[:, None], C, S], 1)
    Qm, R = torch.linalg.qr(B)
    coef = torch.linalg.solve_triangular(R, (Qm.mT @ x)[:, None], upper=True).squeeze(1)
    return torch.cat([coef, freqs])


def _model(p, tau, k):
    c0, a, b, f = p[0], p[1:1 + k], p[1 + k:1 + 2 * k], p[1 + 2 * k:]
    C, S = _design(tau, f)
    m = c0 + C @ a + S @ b
    J = torch.cat([torch.ones_like(tau)[:, None], C, S, 2 * math.pi * tau[:, None] * (b * C - a * S)], 1)
    return m, J


def fit_parameters(x, tau, freqs, *, max_iter, xtol, ftol):
    """Fit ``c0 + Σ a_j cos(2π f_j τ) + b_j sin(2π f_j τ)``; returns ``(params, status, nit, nfev)``.

    ``params`` is ``[c0, a, b, f]``, started from the linear least-squares coefficients at ``freqs`` and
    refined by :func:`sciml.optimize.levenberg_marquardt` with Marquardt's column scaling (frequency and
    amplitude columns differ by orders of magnitude). When no step lowers the sum of squares any more, the
    residual is at its rounding floor: that is convergence here (status ``FTOL``).
    """
    max_iter = check_int(max_iter, "max_iter", low=1)
    xtol, ftol = check_real(xtol, "xtol", low=0), check_real(ftol, "ftol", low=0)
    k = freqs.shape[0]
    p0 = linear_coefficients(x, tau, freqs)
    with warnings.catch_warnings():  # the fit's own status says how it ended
        warnings.simplefilter("ignore", ConvergenceWarning)
        out = levenberg_marquardt(lambda p: _model(p, tau, k)[0] - x, lambda p: _model(p, tau, k)[1], p0,
                                  max_iter=max_iter, xtol=xtol, ftol=ftol, window=1, lam0=1e-8, scale=True)
    status = {"xtol": FitStatus.XTOL, "ftol": FitStatus.FTOL, "no_progress": FitStatus.FTOL, "residual": FitStatus.FTOL,
              "max_iter": FitStatus.MAX_ITER, "nan": FitStatus.NONFINITE}[out.stop_reason]
    return out.x, status, out.nit, out.nfev


def components(p, k, t0):
    """Frequencies, amplitudes and phases (referred to t = 0) from fitted parameters on τ = t − t0."""
    c0, a, b, f = p[0], p[1:1 + k], p[1 + k:1 + 2 * k], p[1 + 2 * k:]
    b = torch.where(f < 0, -b, b)  # a cos(−ωτ) + b sin(−ωτ) = a cos(ωτ) − b sin(ωτ)
    f = f.abs()
    amp = torch.hypot(a, b)
    phase = torch.atan2(-b, a) - 2 * math.pi * f * t0  # a cos θ + b sin θ = A cos(θ + φ), φ = atan2(−b, a)
    phase = torch.angle(torch.polar(torch.ones_like(phase), phase))
    return f, amp, phase, float(c0)


def fit_sinusoids(x, t=None, *, fs=None, freqs, max_iter: int = 100, xtol: float = 1e-12,
                  ftol: float = 1e-15, throw: bool = False) -> Sinusoids:
    """Refine frequencies, amplitudes and phases of a sum of sinusoids plus an offset by nonlinear least squares.

    .. math:: \\min_{c_0, a, b, f} \\sum_n \\Big(x_n - c_0 - \\sum_j a_j \\cos(2\\pi f_j \\tau_n)
              + b_j \\sin(2\\pi f_j \\tau_n)\\Big)^2, \\qquad \\tau_n = t_n - t_0,

    by Levenberg–Marquardt in float64 with Marquardt's column scaling, from the linear least-squares
    coefficients at the starting ``freqs``. Converges when frequencies start within about half a bin
    (``fs/N``) of the truth.

    Parameters
    ----------
    x : (N,) tensor-like
        Real samples.
    t, fs
        Uniform sample times or the sampling rate, as in :func:`sciml.signal.spectrum`.
    freqs : (K,) tensor-like
        Starting frequencies in Hz.
    max_iter, xtol, ftol
        Iteration limit; stop when the scaled step is below ``xtol`` relative to the scaled parameters or
        the sum of squares decreases by less than ``ftol`` relative.
    throw : bool
        Raise :class:`~sciml.results.ConvergenceError` instead of returning a failed fit.

    Returns
    -------
    Sinusoids
        Components in the order of ``freqs``; ``residual`` is the RMS misfit.

    Examples
    --------
    >>> t = torch.linspace(0, 1, 200, dtype=torch.float64)
    >>> fit = fit_sinusoids(3 * torch.cos(2 * torch.pi * 7.3 * t + 1), t, freqs=[7.0])
    >>> round(float(fit.freqs[0]), 10), round(float(fit.amplitudes[0]), 10)
    (7.3, 3.0)
    """
    x = as_signal(x, dtype=torch.float64, batched=False)
    rate, t0 = sampling(t, fs, x.shape[0])
    f0 = as_tensor(freqs, "freqs", dtype=torch.float64, device=x.device, ndim=1)
    if not bool((f0 > 0).all() and (f0 < rate / 2).all()):
        raise ValueError(f"freqs must lie strictly between 0 and the Nyquist frequency {rate / 2:g} Hz, "
                         f"got {f0.tolist()}")
    if f0.shape[0] > 1 and not bool((torch.diff(torch.sort(f0).values) > 0).all()):
        raise ValueError(f"freqs must be distinct, got {f0.tolist()}")
    if x.shape[0] < 1 + 3 * f0.shape[0]:
        raise ValueError(f"x has {x.shape[0]} samples, too few to fit {f0.shape[0]} sinusoids (3 parameters "
                         "each) and an offset")
    tau = torch.arange(x.shape[0], dtype=torch.float64, device=x.device) / rate
    p, status, nit, nfev = fit_parameters(x, tau, f0, max_iter=max_iter, xtol=xtol, ftol=ftol)
    return make_result(x, tau, p, f0.shape[0], t0, rate, status, nit, nfev, throw=throw)


def make_result(x, tau, p, k, t0, rate, status, nit, nfev, *, report=None, throw=False,
                stacklevel=4) -> Sinusoids:
    """The result from fitted parameters of ``k`` components; only the first ``report`` are listed, but the
    residual is that of the whole fit."""
    m, _ = _model(p, tau, k)
    f, amp, phase, c0 = components(p, k, t0)
    report = k if report is None else report
    residual = float(torch.sqrt(torch.mean((x - m) ** 2)))
    if status in (FitStatus.XTOL, FitStatus.FTOL) and k:  # a converged fit must also mean something
        spread = float(torch.sqrt(torch.mean((x - x.mean()) ** 2)))
        if not bool(((f > 0) & (f < rate / 2)).all()):
            status = FitStatus.OUT_OF_RANGE
        elif spread > 0 and residual >= (1 - 1e-3) * spread:
            status = FitStatus.NO_PROGRESS
    result = Sinusoids(freqs=f[:report], amplitudes=amp[:report], phases=phase[:report], offset=c0,
                       residual=residual, fs=rate, resolution=rate / x.shape[0],
                       success=status.success, status=status, message=status.hint, nit=nit, nfev=nfev)
    return conclude(result, throw=throw, category=FitConvergenceWarning, stacklevel=stacklevel)
