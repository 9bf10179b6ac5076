r"""Newton-CG (truncated Newton): Newton steps from conjugate gradients on Hessian-vector products.

The direction approximately solves :math:`\nabla^2 f(x_k)\, d = -\nabla f(x_k)` by CG, stopped when the
residual is below :math:`\eta_k \|\nabla f\|` with the forcing term
:math:`\eta_k = \min(1/2, \sqrt{\|\nabla f(x_k)\| / \|\nabla f(x_0)\|})` (superlinear convergence; relative
to the first gradient, so that a positive factor on ``f`` changes nothing), or when it meets a direction
of non-positive curvature (then the CG iterate so far, or :math:`-\nabla f` on the first CG step). Each CG
step costs one Hessian-vector product (double backward): the Hessian is never formed, so ``n = 10⁴`` costs
:math:`O(n)` memory. The step length satisfies the strong Wolfe conditions, trying 1 first.

References: R. S. Dembo and T. Steihaug, Math. Prog. 26 (1983) 190–212; J. Nocedal and S. J. Wright,
*Numerical Optimization* (2006), algorithm 7.1.
"""

from __future__ import annotations

import torch

from sciml.optimize._bfgs import BFGS
from sciml.optimize._method import Option, Step


def truncated_cg(hvp, g: torch.Tensor, eta: float, max_cg: int) -> torch.Tensor:
    """A descent direction from CG on :math:`H d = -g` (see the module); ``hvp(v) = H v``."""
    d = torch.zeros_like(g)
    r = g.clone()  # residual H d + g
    p = -r
    rr = float(r @ r)
    tol = eta * rr**0.5
    for j in range(max_cg):
        Hp = hvp(p)
        curv = float(p @ Hp)
        if curv <= 0:  # non-positive curvature: the CG iterate so far is still a descent direction
            return -g if j == 0 else d
        alpha = rr / curv
        d = d + alpha * p
        r = r + alpha * Hp
        rr_new = float(r @ r)
        if rr_new**0.5 <= tol:
            break
        p = -r + (rr_new / rr) * p
        rr = rr_new
    return d


class NewtonCG(BFGS):
    """Newton-CG with a strong Wolfe line search. Options: ``max_cg`` (default ``None``: ``2 n``), ``c1``
    (1e-4), ``c2`` (0.9), ``max_ls`` (30)."""

    name = "newton-cg"
    option_specs = {**BFGS.option_specs,
                    "max_cg": Option(None, 0.0, 1e9, integer=True, doc="most CG iterations per step")}

    def default_max_iter(self, n: int) -> int:
        return max(200, 20 * n)

    def reset(self, x, f, g):
        super().reset(x, f, g)
        if getattr(self, "_g0", None) is None:
            self._g0 = max(float(g.norm()), torch.finfo(g.dtype).tiny)

    def step(self, objective, x, f, g) -> Step:
        gnorm = float(g.norm())
        eta = min(0.5, (gnorm / self._g0) ** 0.5)
        max_cg = self.options["max_cg"] or 2 * g.numel()
        d = truncated_cg(objective.hvp_at(x), g, eta, max_cg)
        if not float(g @ d) < 0:
            d = -g
        t0 = 1.0 if not torch.equal(d, -g) or self._last is None else self._last / gnorm
        if self._last is None and torch.equal(d, -g):
            t0 = 1.0 / float(g.abs().max())
        ls = self._search(objective, x, f, g, d, t0, self._settled(f))
        if not ls.ok:
            return Step(x, f, g, ok=False)
        self._last = float((ls.t * d).norm())
        return Step(x + ls.t * d, ls.f, ls.g)
