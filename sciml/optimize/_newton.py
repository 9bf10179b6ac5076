r"""Newton's method with an eigenvalue-modified Hessian, so that every step is a descent step.

At :math:`x_k` with :math:`\nabla^2 f(x_k) = V \operatorname{diag}(\lambda) V^T`, the step solves
:math:`\tilde H d = -\nabla f` with :math:`\tilde H = V \operatorname{diag}(\max(|\lambda_i|, \delta)) V^T`,
:math:`\delta = \sqrt{\epsilon}\,\max(1, \max_i |\lambda_i|)`: the plain Newton step where the Hessian is
positive definite, and a step that moves *down* directions of negative curvature elsewhere. The length
comes from Armijo backtracking starting at 1 (Nocedal and Wright, *Numerical Optimization*, §3.4).
"""

from __future__ import annotations

import torch

from sciml.optimize._bounds import projected_armijo, reduced_newton_direction
from sciml.optimize._linesearch import armijo
from sciml.optimize._method import BACKTRACKING, Method, Step, line_phi


def modified_newton_direction(H: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """:math:`-\\tilde H^{-1} g` with the absolute-value eigenvalue modification described above."""
    w, V = torch.linalg.eigh(H)
    delta = torch.finfo(H.dtype).eps ** 0.5 * max(1.0, float(w.abs().max()))
    return -V @ ((V.mT @ g) / w.abs().clamp_min(delta))


class Newton(Method):
    r"""Modified Newton with Armijo backtracking. Options: ``c1``, ``shrink``, ``max_ls``.

    With bounds: Bertsekas' projected Newton — the variables held at a bound by the gradient (within
    :meth:`~sciml.optimize._bounds.Box.margin` of it) take a diagonally scaled gradient step, the others the
    modified Newton step on their block of the Hessian, and the search runs along :math:`P(x + t d)`.
    """

    name = "newton"
    supports_bounds = True
    option_specs = dict(BACKTRACKING)

    def default_max_iter(self, n: int) -> int:
        return 200

    def step(self, objective, x, f, g) -> Step:
        o = self.options
        if self.box is not None:
            fixed = self.box.binding(x, g, self.box.margin(x, g))
            d = reduced_newton_direction(objective.hess(x), g, fixed, modified_newton_direction)
            found = projected_armijo(objective, self.box, x, f, g, d, c1=o["c1"], shrink=o["shrink"],
                                     max_steps=o["max_ls"])
            return Step(x, f, g, ok=False) if found is None else Step(*found)
        d = modified_newton_direction(objective.hess(x), g)
        ls = armijo(line_phi(objective, x, d), f, float(g @ d), d, t0=1.0, c1=o["c1"], shrink=o["shrink"],
                    max_steps=o["max_ls"], approximate=self._settled(f))
        if not ls.ok:
            return Step(x, f, g, ok=False)
        return Step(x + ls.t * d, ls.f, ls.g)
