r"""Box constraints :math:`l \le x \le u`: parsing SciPy's forms, projection, active sets, KKT conditions.

A point is stationary on the box when the projected gradient
:math:`P(x - \nabla f(x)) - x` vanishes, i.e. :math:`\partial_i f = 0` on free variables,
:math:`\partial_i f \ge 0` where :math:`x_i = l_i` and :math:`\partial_i f \le 0` where :math:`x_i = u_i` (the KKT
conditions, with multipliers :math:`|\partial_i f|` on the active bounds). It is a strict local minimum when,
in addition, the Hessian restricted to the free variables is positive definite and the multipliers of the
active bounds are positive (strict complementarity; a zero multiplier leaves the verdict to the curvature
along that variable, which is checked with the free ones).

References: D. P. Bertsekas, SIAM J. Control Optim. 20 (1982) 221–246 (projected Newton);
J. Nocedal and S. J. Wright, *Numerical Optimization* (2006), §12.5 and §16.7.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np
import torch


@dataclasses.dataclass
class Box:
    """Lower and upper bounds, shape ``(n,)`` each, ``±inf`` where unbounded."""

    low: torch.Tensor
    high: torch.Tensor

    def project(self, z: torch.Tensor) -> torch.Tensor:
        return torch.maximum(torch.minimum(z, self.high), self.low)

    def projected_gradient(self, z: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """:math:`P(z - g) - z`: zero exactly at the KKT points of the box."""
        return self.project(z - g) - z

    def binding(self, z: torch.Tensor, g: torch.Tensor, eps: float | None = None) -> torch.Tensor:
        """The bounds that hold ``z`` back: at (within ``eps`` of) a bound with ``-g`` pointing outside."""
        if eps is None:
            eps = 0.0
        at_low = (z <= self.low + eps) & (g > 0)
        at_high = (z >= self.high - eps) & (g < 0)
        return at_low | at_high

    def margin(self, z: torch.Tensor, g: torch.Tensor) -> float:
        r"""Bertsekas' :math:`\epsilon_k = \min(\bar\epsilon, \|P(z - g) - z\|_\infty)`, with
        :math:`\bar\epsilon = \sqrt{\epsilon}\max(1, \|z\|_\infty)`: how close to a bound counts as on it."""
        cap = torch.finfo(z.dtype).eps ** 0.5 * max(1.0, float(z.abs().max()))
        return min(cap, float(self.projected_gradient(z, g).abs().max()))

    def active(self, z: torch.Tensor) -> torch.Tensor:
        """Variables exactly at a bound."""
        return (z <= self.low) | (z >= self.high)


def _side(values, n: int, name: str, fill: float, dtype, device) -> torch.Tensor:
    if values is None:
        return torch.full((n,), fill, dtype=dtype, device=device)
    if isinstance(values, numbers.Real) and not isinstance(values, bool):
        return torch.full((n,), float(values), dtype=dtype, device=device)
    try:
        t = torch.as_tensor(np.asarray(values, dtype=float) if not isinstance(values, torch.Tensor) else values)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"bounds: the {name} bounds must be numbers or tensors, got {values!r}") from exc
    t = t.to(dtype=dtype, device=device).reshape(-1)
    if t.numel() == 1:
        t = t.expand(n).clone()
    if t.numel() != n:
        raise ValueError(f"bounds: {n} {name} bounds needed (one per entry of x0), got {t.numel()}")
    if torch.isnan(t).any():
        raise ValueError(f"bounds: the {name} bounds contain NaN; use None or ±inf for no bound")
    return t


def _pair(item) -> bool:
    return isinstance(item, tuple | list) and len(item) == 2 and all(
        v is None or (isinstance(v, numbers.Real) and not isinstance(v, bool)) for v in item)


def as_box(bounds, n: int, dtype, device) -> Box | None:
    """``bounds`` in SciPy's forms as a :class:`Box` (``None`` stays ``None``).

    Accepted: an object with ``lb`` and ``ub`` (``scipy.optimize.Bounds``); a sequence of ``n`` pairs
    ``(low, high)`` with ``None`` for no bound (checked first, as SciPy does); a pair ``(low, high)`` of
    tensors, arrays or numbers.
    """
    if bounds is None:
        return None
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        low, high = bounds.lb, bounds.ub
    elif isinstance(bounds, tuple | list) and len(bounds) == n and all(_pair(b) for b in bounds):
        low = [-np.inf if b[0] is None else b[0] for b in bounds]
        high = [np.inf if b[1] is None else b[1] for b in bounds]
    elif isinstance(bounds, tuple | list) and len(bounds) == 2:
        low, high = bounds
    else:
        raise TypeError(f"bounds must be scipy.optimize.Bounds, a pair (low, high) or a sequence of {n} pairs "
                        f"(low, high) with None for no bound, got {type(bounds).__name__} {bounds!r:.80}")
    box = Box(_side(low, n, "lower", -np.inf, dtype, device), _side(high, n, "upper", np.inf, dtype, device))
    bad = (box.low > box.high).nonzero().reshape(-1)
    if bad.numel():
        i = int(bad[0])
        raise ValueError(f"bounds: low > high for entry {i} ({float(box.low[i])} > {float(box.high[i])}); "
                         "swap them")
    return box


def reduced_newton_direction(H: torch.Tensor, g: torch.Tensor, fixed: torch.Tensor, direction) -> torch.Tensor:
    """``direction(H_FF, g_F)`` on the free variables ``F = ~fixed``, ``-g`` scaled by the Hessian's
    diagonal on the fixed ones (Bertsekas' projected Newton)."""
    free = ~fixed
    d = torch.zeros_like(g)
    if bool(free.any()):
        d[free] = direction(H[free][:, free], g[free])
    if bool(fixed.any()):
        diag = H.diagonal()[fixed].abs().clamp_min(torch.finfo(g.dtype).eps ** 0.5)
        d[fixed] = -g[fixed] / diag
    return d


def projected_armijo(objective, box: Box, x: torch.Tensor, f: float, g: torch.Tensor, d: torch.Tensor, *,
                     t0: float = 1.0, c1: float = 1e-4, shrink: float = 0.5, max_steps: int = 60):
    """Backtracking along the projected path :math:`x(t) = P(x + t d)` until
    :math:`f(x(t)) \\le f(x) + c_1 \\nabla f(x)^T (x(t) - x)`; returns ``(x(t), f, g)`` or ``None``."""
    t = t0
    noise = 100 * torch.finfo(x.dtype).eps * abs(f)
    for _ in range(max_steps):
        xt = box.project(x + t * d)
        decrease = float(g @ (xt - x))
        if decrease >= 0 and not torch.equal(xt, x):
            t *= shrink
            continue
        ft, gt = objective.value_and_grad(xt)
        if ft == -float("inf") or ft <= f + c1 * decrease or (abs(ft - f) <= noise and decrease < 0
                                                               and float(gt @ (xt - x)) <= 0):
            return xt, ft, gt
        t *= shrink
    return None
