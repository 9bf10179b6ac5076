"""Line searches along a descent direction ``d``: Armijo backtracking and a strong Wolfe search.

Both work on :math:`\\varphi(t) = f(x + t d)` through a callable ``phi(t) -> (f, g)`` returning the value
and the full gradient at ``x + t d`` (the gradient of the accepted point is reused by the methods).

Sufficient decrease is Armijo's :math:`\\varphi(t) \\le \\varphi(0) + c_1 t \\varphi'(0)`. Close to a
minimum the decrease drops below the rounding error of ``f``, and that test fails although the step is
good (or, worse, passes for too long a step because ``f`` cannot resolve the change). There
(``approximate=True``, which the methods set once ``f`` changes by less than 0.1 % per iteration) values
within :math:`\\epsilon_f` (a hundred rounding errors) of :math:`\\varphi(0)` are judged by the slope instead,
with Hager and Zhang's approximate condition :math:`\\varphi'(t) \\le (2 c_1 - 1) \\varphi'(0)`. It trusts
the slope, so it is not used before ``f`` has settled: a wrong ``jac`` then makes the search fail instead
of creeping uphill.

References: J. Nocedal and S. J. Wright, *Numerical Optimization* (2006), algorithms 3.1, 3.5 and 3.6;
W. W. Hager and H. Zhang, SIAM J. Optim. 16 (2005) 170–192.
"""

from __future__ import annotations

import dataclasses
import math

import torch


@dataclasses.dataclass
class LineSearchResult:
    """The accepted step ``t`` with ``f`` and ``g`` at ``x + t d``; ``ok`` is False when none was found."""

    t: float
    f: float
    g: torch.Tensor | None
    ok: bool


class _Phi:
    """``phi`` with the quantities the tests need: value, slope, and the rounding level of ``f``."""

    def __init__(self, phi, f0: float, slope0: float, d: torch.Tensor, c1: float, approximate: bool):
        self.phi, self.f0, self.slope0, self.d, self.c1 = phi, f0, slope0, d, c1
        self.approximate = approximate
        self.noise = 100 * torch.finfo(d.dtype).eps * abs(f0)

    def __call__(self, t: float):
        f, g = self.phi(t)
        return f, g, float(g @ self.d)

    def in_noise(self, f: float, ref: float) -> bool:
        """In approximate mode: ``f`` and ``ref`` are too close to be ordered, only slopes can decide."""
        return self.approximate and abs(f - ref) <= self.noise

    def sufficient(self, t: float, f: float, slope: float) -> bool:
        if self.in_noise(f, self.f0):
            return slope <= (2 * self.c1 - 1) * self.slope0
        return f <= self.f0 + self.c1 * t * self.slope0

    def higher(self, f: float, ref: float) -> bool:
        return f >= ref and not self.in_noise(f, ref)


def armijo(phi, f0: float, slope0: float, d: torch.Tensor, *, t0: float = 1.0, c1: float = 1e-4,
           shrink: float = 0.5, max_steps: int = 60, approximate: bool = False) -> LineSearchResult:
    """Backtracking: the first ``t = t0 * shrink**k`` giving sufficient decrease (``NaN`` values shrink)."""
    search = _Phi(phi, f0, slope0, d, c1, approximate)
    t = t0
    for _ in range(max_steps):
        f, g, slope = search(t)
        if f == -math.inf or (math.isfinite(f) and search.sufficient(t, f, slope)):
            return LineSearchResult(t, f, g, True)
        t *= shrink
    return LineSearchResult(0.0, f0, None, False)


def _interpolate(lo, hi) -> float:
    """The cubic through (t, f, slope) at both ends (Nocedal–Wright 3.59), kept inside; else bisection."""
    (t_lo, f_lo, s_lo), (t_hi, f_hi, s_hi) = lo, hi
    width = t_hi - t_lo
    mid = t_lo + width / 2
    if not all(math.isfinite(v) for v in (f_lo, s_lo, f_hi, s_hi)):
        return mid
    d1 = s_lo + s_hi - 3 * (f_lo - f_hi) / (t_lo - t_hi)
    rad = d1 * d1 - s_lo * s_hi
    if rad < 0:
        return mid
    d2 = math.copysign(math.sqrt(rad), width)
    denom = s_hi - s_lo + 2 * d2
    if denom == 0:
        return mid
    t = t_hi - width * (s_hi + d2 - d1) / denom
    a, b = sorted((t_lo, t_hi))
    margin = 0.1 * (b - a)
    return t if a + margin <= t <= b - margin else mid


def strong_wolfe(phi, f0: float, slope0: float, d: torch.Tensor, *, t0: float = 1.0, c1: float = 1e-4,
                 c2: float = 0.9, max_evals: int = 30, approximate: bool = False) -> LineSearchResult:
    """A step satisfying the strong Wolfe conditions (bracketing, then zoom by safeguarded cubics).

    Conditions: sufficient decrease (see the module) and :math:`|\\varphi'(t)| \\le c_2 |\\varphi'(0)|`.
    When the evaluation budget ends after sufficient decrease but before the curvature condition, the
    best point found is returned with ``ok=True`` (the caller may skip a quasi-Newton update) if it lowers
    ``f`` by more than a relative :math:`\\sqrt{\\epsilon}`, else with ``ok=False`` (``f`` is at its noise level).
    """
    search = _Phi(phi, f0, slope0, d, c1, approximate)
    prev = (0.0, f0, slope0, None)
    t = t0
    evals = 0
    while evals < max_evals:
        f, g, s = search(t)
        evals += 1
        if f == -math.inf:
            return LineSearchResult(t, f, g, True)
        if not math.isfinite(f) or not search.sufficient(t, f, s) or (evals > 1 and search.higher(f, prev[1])):
            return _zoom(search, prev, (t, f, s, g), c2, max_evals - evals)
        if abs(s) <= -c2 * slope0:
            return LineSearchResult(t, f, g, True)
        if s >= 0:
            return _zoom(search, (t, f, s, g), prev, c2, max_evals - evals)
        prev = (t, f, s, g)
        t *= 2
    return _exhausted(search, prev)


def _exhausted(search: _Phi, best) -> LineSearchResult:
    """The budget ran out before the curvature condition held: the best point is accepted only when it
    lowers ``f`` by more than :math:`\\sqrt{\\epsilon} |f|` — below that the search is lost in the rounding
    noise of ``f`` (whose level is often far above :math:`\\epsilon |f|` when ``f`` is computed with
    cancellation, as for sums of squared residuals), and further iterations would only burn evaluations."""
    t, f, _, g = best
    enough = search.f0 - f > math.sqrt(torch.finfo(search.d.dtype).eps) * abs(search.f0)
    return LineSearchResult(t, f, g, t > 0 and enough)


def _zoom(search: _Phi, lo, hi, c2: float, budget: int) -> LineSearchResult:
    """Nocedal–Wright algorithm 3.6: ``lo`` has sufficient decrease and the lowest value so far."""
    for _ in range(max(budget, 0)):
        t = _interpolate(lo[:3], hi[:3])
        if t in (lo[0], hi[0]):
            break
        f, g, s = search(t)
        if f == -math.inf:
            return LineSearchResult(t, f, g, True)
        if not math.isfinite(f) or not search.sufficient(t, f, s) or search.higher(f, lo[1]):
            hi = (t, f, s, g)
            continue
        if abs(s) <= -c2 * search.slope0:
            return LineSearchResult(t, f, g, True)
        if s * (hi[0] - lo[0]) >= 0:
            hi = lo
        lo = (t, f, s, g)
    return _exhausted(search, lo)
