"""Optimality measures, stopping tests and infeasibility certificates of a QP with inequalities.

For ``min ½xᵀQx + cᵀx`` s.t. ``Ax = b``, ``Gx ≤ h``, ``l ≤ x ≤ u`` with multipliers ``y``, ``z ≥ 0``,
``z_l ≥ 0``, ``z_u ≥ 0`` (qpbenchmark's definitions, infinite sides left out):

- primal residual ``max(‖Ax − b‖∞, ‖(Gx − h)₊‖∞, ‖(l − x)₊‖∞, ‖(x − u)₊‖∞)``;
- dual residual ``‖Qx + c + Aᵀy + Gᵀz − z_l + z_u‖∞``;
- duality gap ``|xᵀQx + cᵀx + bᵀy + hᵀz − lᵀz_l + uᵀz_u|``.

Each is met when it is at most ``eps_abs + eps_rel · scale`` with ``scale`` the largest of the terms it is
made of. A Farkas certificate of primal infeasibility is ``v = (y, z, z_l, z_u)`` with the duals of the
inequalities ``≥ 0``, ``Aᵀy + Gᵀz − z_l + z_u = r ≈ 0`` and ``bᵀy + hᵀz − lᵀz_l + uᵀz_u = −γ < 0``: every
feasible ``x`` would satisfy ``xᵀr + γ ≤ 0``, so none lies within ``‖x‖∞ < γ / ‖r‖₁``. One of dual
infeasibility (an unbounded objective) is a ray ``d`` with ``Qd ≈ 0``, ``Ad ≈ 0``, ``Gd ≤ 0``, ``d ≥ 0``
where ``l`` is finite, ``d ≤ 0`` where ``u`` is, and ``cᵀd < 0``. Candidates from the iterates are accepted
only when they pass these tests with margins that rounding cannot explain (:data:`INF_TOL`, :data:`RADIUS`).
"""

from __future__ import annotations

import enum
from typing import NamedTuple

import torch

#: relative tolerance of the infeasibility certificates
INF_TOL = 1e-9
#: a primal infeasibility certificate must exclude every feasible point within this radius (× the data scale)
RADIUS = 1e8


class Code(enum.IntEnum):
    """Internal per-element outcomes of the interior-point loop (mapped to :class:`sciml.qp.QPStatus`)."""

    RUNNING = -1
    SOLVED = 0
    PRIMAL_INFEASIBLE = 9
    DUAL_INFEASIBLE = 4
    MAX_ITER = 1
    NUMERICAL = 3


class Data(NamedTuple):
    """A flat batch of problems (batch dimension first) and the masks of its finite inequality sides."""

    Q: torch.Tensor
    c: torch.Tensor
    A: torch.Tensor
    b: torch.Tensor
    G: torch.Tensor
    h: torch.Tensor
    lb: torch.Tensor
    ub: torch.Tensor
    mG: torch.Tensor
    ml: torch.Tensor
    mu: torch.Tensor


def make_data(Q, c, A, b, G, h, lb, ub):
    return Data(Q, c, A, b, G, h, lb, ub, torch.isfinite(h), torch.isfinite(lb), torch.isfinite(ub))


def amax(v, empty=0.0):
    """Max over the last dimension, ``empty`` where it has length 0."""
    return v.amax(-1) if v.shape[-1] else v.new_full(v.shape[:-1], empty)


def amin(v, empty=torch.inf):
    return v.amin(-1) if v.shape[-1] else v.new_full(v.shape[:-1], empty)


def _inf(v):
    return amax(v.abs())


def _mv(M, v):
    return (M @ v.unsqueeze(-1)).squeeze(-1)


def measure(d: Data, x, y, z, zl, zu):
    """Residuals, gap and their scales per element (a dict of tensors of the batch shape)."""
    hz, lbz, ubz = d.h.where(d.mG, 0.0), d.lb.where(d.ml, 0.0), d.ub.where(d.mu, 0.0)
    Ax, Gx, Qx = _mv(d.A, x), _mv(d.G, x).where(d.mG, 0.0), _mv(d.Q, x)
    zero = torch.zeros_like(x[..., :1])
    viol = torch.cat([(Ax - d.b).abs(), (Gx - hz).clamp(min=0), (lbz - x).clamp(min=0).where(d.ml, 0.0),
                      (x - ubz).clamp(min=0).where(d.mu, 0.0), zero], -1)
    Aty, Gtz = _mv(d.A.mT, y), _mv(d.G.mT, z)
    zl, zu = zl.where(d.ml, 0.0), zu.where(d.mu, 0.0)
    terms = ((x * Qx).sum(-1), (d.c * x).sum(-1), (d.b * y).sum(-1), (hz * z).sum(-1), -(lbz * zl).sum(-1),
             (ubz * zu).sum(-1))
    return {  # each scale the largest entry of the vectors the residual is made of (x is never empty)
        "primal": viol.amax(-1),
        "primal_scale": torch.cat([Ax, d.b, Gx, hz, x], -1).abs().amax(-1),
        "dual": _inf(Qx + d.c + Aty + Gtz - zl + zu),
        "dual_scale": torch.cat([Qx, d.c, Aty, Gtz, zl, zu], -1).abs().amax(-1),
        "gap": sum(terms).abs(),
        "gap_scale": torch.stack(terms).abs().amax(0),
    }


def tolerance_ratio(meas, eps_abs, eps_rel):
    """max over primal, dual, gap of residual / (eps_abs + eps_rel · scale): ≤ 1 means converged."""
    return torch.stack([meas[k] / (eps_abs + eps_rel * meas[k + "_scale"]) for k in ("primal", "dual", "gap")]
                       ).amax(0).nan_to_num(torch.inf)


def converged(meas, eps_abs, eps_rel):
    return tolerance_ratio(meas, eps_abs, eps_rel) <= 1.0


def keep_best(best, meas, point, running):
    """The iterate of smallest merit so far (each measure relative to 1 + its scale), per element."""
    merit = torch.stack([meas[k] / (1 + meas[k + "_scale"]) for k in ("primal", "dual", "gap")]).amax(0)
    merit = merit.nan_to_num(torch.inf)
    if best is None:
        return merit, [p.clone() for p in point]
    better = (merit < best[0]) & running
    return (torch.where(better, merit, best[0]),
            [torch.where(better.unsqueeze(-1), p, q) for p, q in zip(point, best[1], strict=True)])


def pick_best(best, point, status):
    """The final point, except where the loop failed: there its best iterate."""
    failed = (status == Code.MAX_ITER) | (status == Code.NUMERICAL)
    return tuple(torch.where(failed.unsqueeze(-1), q, p) for p, q in zip(point, best[1], strict=True))


def data_scale(d: Data):
    parts = [d.b, d.h.where(d.mG, 0.0), d.lb.where(d.ml, 0.0), d.ub.where(d.mu, 0.0), d.c]
    return 1.0 + torch.stack([_inf(p) for p in parts]).amax(0)


def primal_certificate(d: Data, y, z, zl, zu, scale=None):
    """Mask of elements where (y, z, zl, zu) proves primal infeasibility (the duals of inequalities ≥ 0)."""
    scale = data_scale(d) if scale is None else scale
    z, zl, zu = z.where(d.mG, 0.0).clamp(min=0), zl.where(d.ml, 0.0).clamp(min=0), zu.where(d.mu, 0.0).clamp(min=0)
    norm = torch.stack([_inf(y), _inf(z), _inf(zl), _inf(zu)]).amax(0)
    r = _mv(d.A.mT, y) + _mv(d.G.mT, z) - zl + zu
    hz, lbz, ubz = d.h.where(d.mG, 0.0), d.lb.where(d.ml, 0.0), d.ub.where(d.mu, 0.0)
    gamma = -((d.b * y).sum(-1) + (hz * z).sum(-1) - (lbz * zl).sum(-1) + (ubz * zu).sum(-1))
    r1 = r.abs().sum(-1)
    ok = (norm > 0) & (gamma > INF_TOL * norm * scale) & (_inf(r) <= INF_TOL * norm)
    return ok & (gamma > RADIUS * scale * r1)


def matrix_scales(d: Data):
    """1 + the largest entry of Q, of A and of G, per element."""
    return 1 + d.Q.abs().amax((-2, -1)), 1 + amax(d.A.abs().flatten(-2)), 1 + amax(d.G.abs().flatten(-2))


def dual_certificate(d: Data, v, scales=None):
    """Mask of elements where the direction v proves the objective unbounded below on the feasible set."""
    norm = _inf(v)
    tol = INF_TOL * norm
    scale_q, scale_a, scale_g = matrix_scales(d) if scales is None else scales
    ok = (norm > 0) & (_inf(_mv(d.Q, v)) <= tol * scale_q) & (_inf(_mv(d.A, v)) <= tol * scale_a)
    ok &= amax(_mv(d.G, v).where(d.mG, 0.0)) <= tol * scale_g
    ok &= (amax((-v).where(d.ml, 0.0)) <= tol) & (amax(v.where(d.mu, 0.0)) <= tol)
    return ok & ((d.c * v).sum(-1) < -1e3 * tol * (1 + _inf(d.c)))


class Certificates:
    """Rays found so far: ``primal`` (y, z, zl, zu) for infeasible elements, ``dual`` (a ray d) for unbounded."""

    def __init__(self, primal, dual, steps=None):
        self.primal, self.dual, self.steps = primal, dual, steps
        self.scales = None

    @classmethod
    def empty(cls, d: Data):
        B, n, p, q = d.Q.shape[0], d.Q.shape[-1], d.A.shape[-2], d.G.shape[-2]
        nan = torch.full((B, p + q + 2 * n), torch.nan, dtype=d.Q.dtype, device=d.Q.device)
        return cls(nan, torch.full((B, n), torch.nan, dtype=d.Q.dtype, device=d.Q.device))

    def check(self, d: Data, x, y, z, zl, zu, candidates, status):
        """Test the iterate and the last step as certificates on ``candidates``; mark ``status`` in place."""
        if not bool(candidates.any()):
            return
        if self.scales is None:
            self.scales = data_scale(d), matrix_scales(d)
        tries = [(y, z, zl, zu, x)]
        if self.steps is not None:
            dx, dy, dz, dzl, dzu = self.steps
            tries.append((dy, dz, dzl, dzu, dx))
        for ty, tz, tzl, tzu, tx in tries:
            open_ = candidates & (status == Code.RUNNING)
            pinf = primal_certificate(d, ty, tz, tzl, tzu, self.scales[0]) & open_
            dinf = dual_certificate(d, tx, self.scales[1]) & open_ & ~pinf
            ray = torch.cat([ty, tz.clamp(min=0), tzl.clamp(min=0), tzu.clamp(min=0)], -1)
            # the rays scaled to a largest entry of 1 (the tests above are invariant under positive scaling)
            self.primal = torch.where(pinf.unsqueeze(-1), ray / _inf(ray).clamp(min=1e-300).unsqueeze(-1),
                                      self.primal)
            self.dual = torch.where(dinf.unsqueeze(-1), tx / _inf(tx).clamp(min=1e-300).unsqueeze(-1), self.dual)
            status.masked_fill_(pinf, Code.PRIMAL_INFEASIBLE)
            status.masked_fill_(dinf, Code.DUAL_INFEASIBLE)


def warm_start(warm, d: Data, x, y, z, zl, zu, s, sl, su):
    """An interior starting point from the given ``x0`` (and multipliers), slacks and duals kept ≥ a margin."""
    x0, y0, z0 = warm
    if x0 is not None:
        x = x0
        hz, lbz, ubz = d.h.where(d.mG, 0.0), d.lb.where(d.ml, 0.0), d.ub.where(d.mu, 0.0)
        floor = 1e-2
        s = (hz - _mv(d.G, x)).clamp(min=floor).where(d.mG, 1.0)
        sl, su = (x - lbz).clamp(min=floor).where(d.ml, 1.0), (ubz - x).clamp(min=floor).where(d.mu, 1.0)
        z, zl, zu = torch.full_like(z, floor), torch.full_like(zl, floor), torch.full_like(zu, floor)
    if y0 is not None:
        y = y0
    if z0 is not None:
        z = z0.clamp(min=1e-2)
    return x, y, z, zl, zu, s, sl, su
