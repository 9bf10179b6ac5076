r"""L-BFGS-B: limited-memory BFGS on a box, with the generalized Cauchy point and subspace minimization.

The L-BFGS matrix is kept in compact form, :math:`B = \theta I - W M W^T` with :math:`W = [Y, \theta S]` and
:math:`M = \begin{bmatrix} -D & L^T \\ L & \theta S^T S \end{bmatrix}^{-1}` (:math:`D` the diagonal and
:math:`L` the strict lower triangle of :math:`S^T Y`). Each iteration

1. follows the projected steepest-descent path :math:`x(t) = P(x - t g)` through its breakpoints to the
   first local minimizer of the quadratic model — the generalized Cauchy point :math:`x^c`, which fixes the
   variables it has pushed onto bounds (Byrd, Lu, Nocedal and Zhu, algorithm CP);
2. minimizes the model over the remaining free variables (Sherman–Morrison–Woodbury on the reduced
   :math:`B`), truncating the step to stay in the box;
3. backtracks along :math:`\bar x - x` (feasible for steps up to 1) to sufficient decrease, and stores the
   pair when :math:`y^T s > \epsilon \|y\|\|s\|`.

:math:`\theta` starts at :math:`\|g_0\|_\infty` (a first step of length 1 in the largest coordinate), so a
positive factor on ``f`` changes nothing. Convergence is measured by the projected gradient
:math:`P(x - g) - x`.

References: R. H. Byrd, P. Lu, J. Nocedal and C. Zhu, SIAM J. Sci. Comput. 16 (1995) 1190–1208; J. L. Morales
and J. Nocedal, ACM TOMS 38 (2011) 7.
"""

from __future__ import annotations

import collections

import torch

from sciml.optimize._bounds import Box, projected_armijo
from sciml.optimize._method import BACKTRACKING, Method, Option, Step


class _Compact:
    """The compact L-BFGS matrix of the stored pairs (see the module)."""

    def __init__(self, pairs, theta: float, like: torch.Tensor):
        self.theta = theta
        if not pairs:
            self.W = like.new_zeros(like.numel(), 0)
            self.M = like.new_zeros(0, 0)
            return
        S = torch.stack([s for s, _ in pairs], 1)
        Y = torch.stack([y for _, y in pairs], 1)
        SY = S.mT @ Y
        D = torch.diag(SY.diagonal())
        L = torch.tril(SY, -1)
        K = torch.cat([torch.cat([-D, L.mT], 1), torch.cat([L, theta * (S.mT @ S)], 1)], 0)
        self.W = torch.cat([Y, theta * S], 1)
        self.M = torch.linalg.inv(K)

    def times(self, v: torch.Tensor) -> torch.Tensor:
        return self.theta * v - self.W @ (self.M @ (self.W.mT @ v))


def cauchy_point(x: torch.Tensor, g: torch.Tensor, box: Box, B: _Compact) -> torch.Tensor:
    """The generalized Cauchy point (Byrd et al. 1995, algorithm CP)."""
    inf = torch.tensor(float("inf"), dtype=x.dtype, device=x.device)
    t = torch.where(g < 0, (x - box.high) / g, torch.where(g > 0, (x - box.low) / g, inf))
    t = torch.nan_to_num(t, nan=float("inf"))
    d = torch.where(t > 0, -g, torch.zeros_like(g))
    theta, W, M = B.theta, B.W, B.M
    p = W.mT @ d
    c = torch.zeros_like(p)
    f1 = -float(d @ d)
    f2 = -theta * f1 - float(p @ (M @ p))
    f2_floor = torch.finfo(x.dtype).eps * abs(f2)
    dt_min = -f1 / max(f2, f2_floor) if f1 < 0 else 0.0
    t_old = 0.0
    xc = x.clone()
    order = torch.argsort(t)
    for b in order.tolist():
        tb = float(t[b])
        if tb <= 0:
            continue
        if dt_min < tb - t_old or tb == float("inf"):
            break
        dt = tb - t_old
        xc[b] = box.high[b] if d[b] > 0 else box.low[b]
        zb = float(xc[b] - x[b])
        c = c + dt * p
        gb = float(g[b])
        wb = W[b]
        Mc, Mp, Mw = M @ c, M @ p, M @ wb
        f1 = f1 + dt * f2 + gb * gb + theta * gb * zb - gb * float(wb @ Mc)
        f2 = f2 - theta * gb * gb - 2 * gb * float(wb @ Mp) - gb * gb * float(wb @ Mw)
        p = p + gb * wb
        d[b] = 0.0
        f2 = max(f2, f2_floor)
        dt_min = -f1 / f2 if f1 < 0 else 0.0
        t_old = tb
    dt_min = max(dt_min, 0.0)
    moving = d != 0
    xc[moving] = x[moving] + (t_old + dt_min) * d[moving]
    return box.project(xc)


def subspace_step(x: torch.Tensor, g: torch.Tensor, xc: torch.Tensor, box: Box, B: _Compact) -> torch.Tensor:
    """Minimize the model over the variables free at ``xc``, truncated to the box."""
    free = (xc > box.low) & (xc < box.high)
    if not bool(free.any()):
        return xc
    r = (g + B.times(xc - x))[free]
    theta = B.theta
    WF = B.W[free]
    k = WF.shape[1]
    du = r / theta
    if k:
        inner = torch.eye(k, dtype=x.dtype, device=x.device) - (B.M @ (WF.mT @ WF)) / theta
        du = du + WF @ torch.linalg.solve(inner, B.M @ (WF.mT @ r)) / theta**2
    du = -du
    lo, hi = (box.low - xc)[free], (box.high - xc)[free]
    with torch.no_grad():
        ratio = torch.where(du > 0, hi / du, torch.where(du < 0, lo / du, torch.full_like(du, float("inf"))))
    alpha = min(1.0, float(ratio.min()))
    out = xc.clone()
    out[free] = xc[free] + max(alpha, 0.0) * du
    return box.project(out)


class LBFGSB(Method):
    """L-BFGS-B. Options: ``m`` (10 pairs), ``c1`` (1e-4), ``shrink`` (0.5), ``max_ls`` (60)."""

    name = "l-bfgs-b"
    supports_bounds = True
    option_specs = {"m": Option(10, 0.0, 10_000, integer=True, doc="number of curvature pairs kept"),
                    **BACKTRACKING}

    def default_max_iter(self, n: int) -> int:
        return max(1000, 200 * n)

    def reset(self, x, f, g):
        super().reset(x, f, g)
        self.pairs = collections.deque(maxlen=self.options["m"])
        self.theta = max(float(g.abs().max()), torch.finfo(g.dtype).tiny)

    def step(self, objective, x, f, g) -> Step:
        box = self.box if self.box is not None else Box(torch.full_like(x, -float("inf")),
                                                        torch.full_like(x, float("inf")))
        for _attempt in range(2):
            B = _Compact(list(self.pairs), self.theta, x)
            xbar = subspace_step(x, g, cauchy_point(x, g, box, B), box, B)
            d = xbar - x
            if float(g @ d) < 0:
                break
            self.reset(x, f, g)
        else:
            return Step(x, f, g, ok=False)
        o = self.options
        found = projected_armijo(objective, box, x, f, g, d, t0=1.0, c1=o["c1"], shrink=o["shrink"],
                                 max_steps=o["max_ls"])
        if found is None and self.pairs:
            self.reset(x, f, g)
            return self.step(objective, x, f, g)
        if found is None:
            return Step(x, f, g, ok=False)
        x_new, f_new, g_new = found
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if sy > torch.finfo(x.dtype).eps * float(s.norm() * y.norm()):
            self.pairs.append((s, y))
            self.theta = float(y @ y) / sy
        return Step(x_new, f_new, g_new)
