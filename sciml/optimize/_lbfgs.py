r"""L-BFGS: BFGS with the inverse Hessian kept implicitly as the last ``m`` curvature pairs.

The direction :math:`d_k = -H_k \nabla f(x_k)` is the two-loop recursion over the pairs
:math:`(s_i, y_i)`, :math:`i = k-m, \dots, k-1`, with :math:`H_k^0 = \gamma_k I`,
:math:`\gamma_k = s_{k-1}^T y_{k-1} / y_{k-1}^T y_{k-1}`. The pairs sit in one preallocated
:math:`(2m, n)` buffer :math:`[S; Y]` beside the small Gram matrices :math:`S^T Y` and :math:`Y^T Y`, so that
the recursion's inner products are read off :math:`S^T g` and :math:`Y^T g` (one matrix-vector product):

.. math:: \alpha_i = \rho_i \Big(s_i^T g - \sum_{j > i} \alpha_j\, s_i^T y_j\Big), \qquad
          \beta_i = \rho_i \Big(\gamma\, y_i^T g - \gamma \sum_j \alpha_j\, y_i^T y_j
          + \sum_{j < i} (\alpha_j - \beta_j)\, s_j^T y_i\Big),

and :math:`H g = \gamma g - \gamma Y^T \alpha + S^T (\alpha - \beta)` is one more product — the scalar
recursion costs :math:`O(m^2)`, the vector work :math:`O(mn)` in three products per iteration (Byrd, Nocedal
and Schnabel's compact form, evaluated as the two-loop recursion).

The step satisfies the strong Wolfe conditions; a pair is stored only when
:math:`y^T s > \epsilon \|y\| \|s\|`, a test that does not depend on the scale of ``f`` (torch's
``LBFGS`` compares :math:`y^T s` with an absolute ``1e-10`` and stalls on objectives whose values are
small, such as Watson's function). The first step is as long as ``1/|∇f|`` times the gradient, which
makes the whole path independent of a positive factor on ``f``.

References: J. Nocedal, Math. Comp. 35 (1980) 773–782; D. C. Liu and J. Nocedal, Math. Prog. 45 (1989)
503–528; R. H. Byrd, J. Nocedal and R. B. Schnabel, Math. Prog. 63 (1994) 129–156; J. Nocedal and S. J.
Wright, *Numerical Optimization* (2006), algorithm 7.4.
"""

from __future__ import annotations

import math

import torch

from sciml.optimize._bfgs import BFGS
from sciml.optimize._method import Option, Step


class History:
    """The last ``m`` curvature pairs in a ring buffer ``[S; Y]`` of shape ``(2m, n)``, with their Gram
    matrices ``sy[i][j] = s_i·y_j`` and ``yy[i][j] = y_i·y_j`` as Python floats (slot order)."""

    def __init__(self, m: int, like: torch.Tensor):
        self.m, self.order = m, []  # slots, oldest first
        self.buf = like.new_zeros(2 * m, like.numel())
        self.sy = [[0.0] * m for _ in range(m)]
        self.yy = [[0.0] * m for _ in range(m)]
        self.gamma = 1.0

    def __len__(self) -> int:
        return len(self.order)

    def clear(self) -> None:
        self.order = []

    def add(self, s: torch.Tensor, y: torch.Tensor, sy: float, yy: float) -> None:
        if len(self.order) == self.m:
            slot = self.order.pop(0)
        else:
            slot = len(self.order)
        m = self.m
        self.buf[slot].copy_(s)
        self.buf[m + slot].copy_(y)
        self.order.append(slot)
        # the new row and column of both Gram matrices: [S; Y] y and Y s
        py, ys = (self.buf @ y).tolist(), (self.buf[m:] @ s).tolist()
        for j in self.order:
            self.sy[j][slot] = py[j]   # s_j · y_new
            self.sy[slot][j] = ys[j]   # s_new · y_j
            self.yy[j][slot] = self.yy[slot][j] = py[m + j]
        self.sy[slot][slot], self.yy[slot][slot] = sy, yy
        self.gamma = sy / yy

    def apply(self, g: torch.Tensor) -> torch.Tensor:
        """:math:`H g` by the two-loop recursion on the Gram matrices (see the module)."""
        m, order, sy, yy, gamma = self.m, self.order, self.sy, self.yy, self.gamma
        proj = (self.buf @ g).tolist()  # S g and Y g
        alpha = {}
        for i in reversed(order):
            alpha[i] = (proj[i] - sum(alpha[j] * sy[i][j] for j in alpha)) / sy[i][i]
        beta, coef = {}, [0.0] * (2 * m)
        for pos, i in enumerate(order):
            yr = gamma * (proj[m + i] - sum(alpha[j] * yy[i][j] for j in order))
            yr += sum((alpha[j] - beta[j]) * sy[j][i] for j in order[:pos])
            beta[i] = yr / sy[i][i]
            coef[i], coef[m + i] = alpha[i] - beta[i], -gamma * alpha[i]
        return torch.addmv(g, self.buf.mT, g.new_tensor(coef), beta=gamma)


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
        self.pairs = History(self.options["m"], x) if self.options["m"] else []
        self._last_step = None

    def _first(self, g) -> float:
        """The first step along ``-g`` after a restart: as long as the last step, or of length 1."""
        gnorm = float(g.norm())
        return (1.0 if self._last_step is None else self._last_step) / gnorm

    def step(self, objective, x, f, g) -> Step:
        settled = self._settled(f)
        ls = None
        if self.pairs:
            d = -self.pairs.apply(g)
            slope = float(g @ d)
            if slope < 0:
                ls = self._search(objective, x, f, g, d, 1.0, settled, slope)
            if ls is None or not ls.ok:  # rounding spoilt the direction, or stale pairs: start afresh
                self.pairs.clear()
                ls = None
        if ls is None:
            d = -g
            ls = self._search(objective, x, f, g, d, self._first(g), settled)
        if not ls.ok:
            return Step(x, f, g, ok=False)
        s = ls.t * d
        x_new = x + s
        self._update(s, ls.g - g)
        return Step(x_new, ls.f, ls.g)

    def _update(self, s: torch.Tensor, y: torch.Tensor) -> None:
        ss, sy, yy = float(s @ s), float(s @ y), float(y @ y)
        self._last_step = math.sqrt(ss)
        if not sy > torch.finfo(s.dtype).eps * math.sqrt(ss * yy) or not self.options["m"]:
            return
        self.pairs.add(s, y, sy, yy)
