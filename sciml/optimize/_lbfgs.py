r"""L-BFGS: BFGS with the inverse Hessian kept implicitly as the last ``m`` curvature pairs.

The direction :math:`d_k = -H_k \nabla f(x_k)` comes from the two-loop recursion over the pairs
:math:`(s_i, y_i)`, :math:`i = k-m, \dots, k-1`, with :math:`H_k^0 = \gamma_k I`,
:math:`\gamma_k = s_{k-1}^T y_{k-1} / y_{k-1}^T y_{k-1}` — :math:`O(mn)` work and memory per iteration. The
step satisfies the strong Wolfe conditions; a pair is stored only when
:math:`y^T s > \epsilon \|y\| \|s\|`, a test that does not depend on the scale of ``f`` (torch's
``LBFGS`` compares :math:`y^T s` with an absolute ``1e-10`` and stalls on objectives whose values are
small, such as Watson's function). The first step is as long as ``1/|∇f|_∞`` times the gradient, which
makes the whole path independent of a positive factor on ``f``.

References: J. Nocedal, Math. Comp. 35 (1980) 773–782; D. C. Liu and J. Nocedal, Math. Prog. 45 (1989)
503–528; J. Nocedal and S. J. Wright, *Numerical Optimization* (2006), algorithm 7.4.
"""

from __future__ import annotations

import collections

import torch

from sciml.optimize._bfgs import BFGS
from sciml.optimize._method import Option, Step


def two_loop(g: torch.Tensor, pairs, gamma: float) -> torch.Tensor:
    """:math:`H g` for the L-BFGS matrix of ``pairs`` (``(s, y, rho)``, oldest first) and
    :math:`H^0 = \\gamma I`."""
    q = g.clone()
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * float(s @ q)
        alphas.append(a)
        q -= a * y
    r = gamma * q
    for (s, y, rho), a in zip(pairs, reversed(alphas), strict=True):
        b = rho * float(y @ r)
        r += (a - b) * s
    return r


class LBFGS(BFGS):
    """L-BFGS with a strong Wolfe line search. Options: ``m`` (10 pairs), ``c1`` (1e-4), ``c2`` (0.9),
    ``max_ls`` (30)."""

    name = "l-bfgs"
    option_specs = {**BFGS.option_specs,
                    "m": Option(10, 0.0, 10_000, integer=True, doc="number of curvature pairs kept")}

    def default_max_iter(self, n: int) -> int:
        return max(1000, 200 * n)

    def reset(self, x, f, g):
        super().reset(x, f, g)
        self.pairs = collections.deque(maxlen=self.options["m"])
        self.gamma = 1.0

    def step(self, objective, x, f, g) -> Step:
        first = 1.0 / float(g.norm()) if self._last is None else self._last / float(g.norm())
        settled = self._settled(f)
        if self.pairs:
            d = -two_loop(g, list(self.pairs), self.gamma)
            if float(g @ d) >= 0:  # rounding spoilt the direction: start the memory afresh
                self.pairs.clear()
        if not self.pairs:
            d = -g
        ls = self._search(objective, x, f, g, d, 1.0 if self.pairs else first, settled)
        if not ls.ok and self.pairs:
            self.pairs.clear()
            d = -g
            ls = self._search(objective, x, f, g, d, first, settled)
        if not ls.ok:
            return Step(x, f, g, ok=False)
        x_new = x + ls.t * d
        self._last = float((ls.t * d).norm())
        self._update(x_new - x, ls.g - g)
        return Step(x_new, ls.f, ls.g)

    def _update(self, s: torch.Tensor, y: torch.Tensor) -> None:
        sy = float(s @ y)
        if not sy > torch.finfo(s.dtype).eps * float(s.norm() * y.norm()):
            return
        self.pairs.append((s, y, 1.0 / sy))
        self.gamma = sy / float(y @ y)
