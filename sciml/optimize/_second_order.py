r"""Second-order conditions at a stationary point, and escaping along directions of non-positive curvature.

At a point where :math:`\nabla f(x^*) = 0`, a positive definite Hessian proves a strict local minimum
(second-order sufficient condition). If the smallest eigenvalue :math:`\lambda_{\min}` is not clearly
positive, :math:`x^*` may be a saddle (:math:`\lambda_{\min} < 0`), an inflection point or a degenerate
point (:math:`\lambda_{\min} = 0`, as for :math:`x^4 - 3x^3` at 0): gradient methods started there stop at
once, and reporting success would be wrong. :func:`probe_descent` looks along the eigenvectors of the
non-positive eigenvalues for a lower value to restart from.
"""

from __future__ import annotations

import dataclasses

import torch

#: probe lengths along each direction, relative to max(1, |x|_inf)
PROBE_SIZES = (1e-3, 1e-2, 1e-1, 1.0)


@dataclasses.dataclass
class Curvature:
    """The spectrum of a Hessian and the verdict on it."""

    hess: torch.Tensor
    eigenvalues: torch.Tensor
    eigenvectors: torch.Tensor
    tol: float

    @property
    def min_eigenvalue(self) -> float:
        return float(self.eigenvalues[0])

    @property
    def positive_definite(self) -> bool:
        """The smallest eigenvalue is clearly positive: above ``tol``."""
        return self.min_eigenvalue > self.tol


def default_curvature_tol(w: torch.Tensor, *, approximate: bool = False) -> float:
    r"""The threshold above which the smallest eigenvalue counts as positive.

    :math:`50\, n\, \epsilon \max_i |\lambda_i|` for a Hessian from automatic differentiation (the reach of
    its rounding errors and of the eigensolver's; relative, so a positive factor on ``f`` changes nothing),
    :math:`\epsilon^{1/3} \max_i |\lambda_i|` for one from finite differences (``approximate``).
    """
    eps = torch.finfo(w.dtype).eps
    top = float(w.abs().max()) if w.numel() else 0.0
    return (eps ** (1 / 3) if approximate else 50 * max(w.numel(), 1) * eps) * top


def curvature(H: torch.Tensor, tol: float | None = None, *, approximate: bool = False) -> Curvature:
    r"""Eigen-decomposition of the symmetric Hessian ``H``.

    ``tol`` (default :func:`default_curvature_tol`) is the threshold above which the smallest eigenvalue
    counts as positive: smaller values are within the reach of rounding errors of a Hessian computed in
    this dtype.
    """
    w, V = torch.linalg.eigh(H)
    if tol is None:
        tol = default_curvature_tol(w, approximate=approximate)
    return Curvature(H, w, V, float(tol))


def probe_descent(objective, x: torch.Tensor, f: float, curv: Curvature, *, max_directions: int = 4):
    """The lowest point ``x ± s v`` with ``f`` clearly below ``f(x)``, or ``None``.

    ``v`` runs over the eigenvectors of the (at most ``max_directions``) eigenvalues ≤ ``curv.tol``, ``s``
    over :data:`PROBE_SIZES` times ``max(1, |x|_inf)``. "Clearly below" means by more than a hundred
    rounding errors of ``f``, so that rounding noise at a degenerate minimum is not mistaken for descent.
    Returns ``(x_new, f_new)``.
    """
    scale = max(1.0, float(x.abs().max()))
    margin = 100 * torch.finfo(x.dtype).eps * abs(f)
    best = None
    flat = [i for i in range(curv.eigenvalues.numel()) if float(curv.eigenvalues[i]) <= curv.tol]
    for i in flat[:max_directions]:
        v = curv.eigenvectors[:, i]
        for size in PROBE_SIZES:
            for sign in (1.0, -1.0):
                y = x + (sign * size * scale) * v
                fy = objective.value(y)
                if fy < f - margin and (best is None or fy < best[1]):
                    best = (y, fy)
    return best
