r"""BFGS: a quasi-Newton method whose inverse-Hessian estimate is updated from gradient differences.

With :math:`s_k = x_{k+1} - x_k`, :math:`y_k = \nabla f(x_{k+1}) - \nabla f(x_k)`, :math:`\rho_k = 1/y_k^T s_k`:

.. math:: H_{k+1} = (I - \rho_k s_k y_k^T) H_k (I - \rho_k y_k s_k^T) + \rho_k s_k s_k^T,

the direction is :math:`d_k = -H_k \nabla f(x_k)` and the step length satisfies the strong Wolfe
conditions, which keep :math:`y_k^T s_k > 0` and :math:`H_k` positive definite. :math:`H_0` is the identity
scaled by :math:`y^T s / y^T y` after the first step (Nocedal and Wright, *Numerical Optimization*, §6.1).
"""

from __future__ import annotations

import torch

from sciml.optimize._linesearch import strong_wolfe
from sciml.optimize._method import Method, Option, Step, line_phi


class BFGS(Method):
    """BFGS with a strong Wolfe line search. Options: ``c1`` (1e-4), ``c2`` (0.9), ``max_ls`` (30)."""

    name = "bfgs"
    option_specs = {
        "c1": Option(1e-4, 0.0, 0.5, closed=(False, False), doc="sufficient-decrease constant"),
        "c2": Option(0.9, 0.0, 1.0, closed=(False, False), doc="curvature constant, c1 < c2 < 1"),
        "max_ls": Option(30, 0.0, 10_000, integer=True, doc="most function evaluations per line search"),
    }

    def __init__(self, options=None):
        super().__init__(options)
        if not self.options["c1"] < self.options["c2"]:
            raise ValueError(f"options: BFGS needs c1 < c2, got c1={self.options['c1']}, "
                             f"c2={self.options['c2']}")

    def default_max_iter(self, n: int) -> int:
        return max(1000, 200 * n)

    def reset(self, x, f, g):
        super().reset(x, f, g)
        self.H, self._last = None, None

    def _search(self, objective, x, f, g, d, t0, approximate, slope=None):
        o = self.options
        slope = float(g @ d) if slope is None else slope
        return strong_wolfe(line_phi(objective, x, d), f, slope, d, t0=t0, c1=o["c1"], c2=o["c2"],
                            max_evals=o["max_ls"], approximate=approximate)

    def step(self, objective, x, f, g) -> Step:
        d = -g if self.H is None else -(self.H @ g)
        if self.H is not None and float(g @ d) >= 0:  # lost positive definiteness to rounding: restart
            self.H, d = None, -g
        # without curvature information: a step of length 1 (SciPy's first step, which does not depend on
        # the scale of f), or as long as the last step
        first = 1.0 / float(g.norm()) if self._last is None else self._last / float(g.norm())
        settled = self._settled(f)
        ls = self._search(objective, x, f, g, d, 1.0 if self.H is not None else first, settled)
        if not ls.ok and self.H is not None:  # a stale curvature estimate: retry along -g
            self.H, d = None, -g
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
            return  # no curvature information (the Wolfe search ran out of budget): keep H
        if self.H is None:
            self.H = torch.eye(s.numel(), dtype=s.dtype, device=s.device) * (sy / float(y @ y))
        rho = 1.0 / sy
        Hy = self.H @ y
        # three in-place rank-one updates: O(n²) work and no n × n temporaries
        self.H.addr_(s, s, alpha=rho * rho * (sy + float(y @ Hy)))
        self.H.addr_(Hy, s, alpha=-rho)
        self.H.addr_(s, Hy, alpha=-rho)
