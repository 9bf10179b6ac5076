"""The active-set KKT system of a QP: the polish after the interior-point method, and its implicit derivative.

With the active inequality rows ``𝒜`` (``z_i > s_i`` at the interior-point solution) and the active bounds
taken as equalities, the solution solves a square system ``F(x, y, z; θ) = 0`` whose rows are

- for a variable at no active bound: ``(Qx + c + Aᵀy + Gᵀz)_j = 0``; at an active bound: ``x_j = l_j``
  (or ``u_j``), its multiplier following as ``z_{l,j} = (Qx + c + Aᵀy + Gᵀz)_j`` (or ``z_{u,j} = −…``);
- ``Ax = b``; ``G_i x = h_i`` for ``i ∈ 𝒜`` and ``z_i = 0`` otherwise.

The polish solves it (LU, a ``10⁻¹³`` regularization removed by iterative refinement) and keeps the result
where it meets the tolerances better than the interior-point iterate (the "active-set polish" of OSQP).
Differentiating ``F`` at the solution gives ``∂(x, y, z)/∂θ = −K⁻¹ ∂F/∂θ`` with ``K = ∂F/∂(x, y, z)``;
the backward pass solves ``Kᵀ λ = ḡ`` with the same LU factors and forms every input's gradient from ``λ``
(Amos & Kolter's OptNet derivative, restricted to the active set). At a *weakly* active constraint (zero
multiplier and zero slack) the solution map is not differentiable; it is treated as inactive, which gives the
one-sided derivative for perturbations that loosen it.
"""

from __future__ import annotations

import torch

from sciml.qp import _residuals as R
from sciml.qp._scaling import unscale

EPS_REG = 1e-13
#: the regularizations of the last polish rounds, on the unscaled problem (each kept only where it helps)
ORIGINAL_POLISH = (1e-10, 1e-8, 1e-6)
#: iterative refinement steps of the first polish round (on the equilibrated problem)
POLISH_REFINE = 1
#: active-set updates the polish may make (:func:`_update`)
PDAS_ROUNDS = 6


def active_sets(d: R.Data, x, z, zl, zu):
    """Masks of the active rows of ``G`` and of the active lower and upper bounds."""
    s = d.h - R._mv(d.G, x)
    act_g = d.mG & (z > s)
    act_l = d.ml & (zl > x - d.lb)
    act_u = d.mu & (zu > d.ub - x) & ~act_l
    return act_g, act_l, act_u


def kkt_matrix(d: R.Data, act_g, act_l, act_u):
    """The Jacobian ``K`` of the active-set system (rows: x, y, z)."""
    Q, A, G = d.Q, d.A, d.G
    B, n, p, q = Q.shape[0], Q.shape[-1], A.shape[-2], G.shape[-2]
    fixed = act_l | act_u
    K = Q.new_zeros(B, n + p + q, n + p + q)
    top = K[:, :n]  # a fixed variable's row is x_j = bound: the unit row
    top[..., :n], top[..., n:n + p], top[..., n + p:] = Q, A.mT, G.mT
    top.masked_fill_(fixed.unsqueeze(-1), 0.0)
    top[..., :n].diagonal(dim1=-2, dim2=-1).add_(fixed.to(Q.dtype))
    K[:, n:n + p, :n] = A
    bot = K[:, n + p:]  # an inactive row of G is z_i = 0
    bot[..., :n] = G.masked_fill(~act_g.unsqueeze(-1), 0.0)
    bot[..., n + p:].diagonal(dim1=-2, dim2=-1).copy_((~act_g).to(Q.dtype))
    return K


def _rhs(d: R.Data, act_g, act_l, act_u):
    bound = torch.where(act_l, d.lb, torch.where(act_u, d.ub, 0.0))
    top = torch.where(act_l | act_u, bound, -d.c)
    return torch.cat([top, d.b, torch.where(act_g, d.h, 0.0)], -1)


class Factors:
    """LU factors of ``K`` plus a small regularization, solved with refinement against ``K`` itself."""

    def __init__(self, K, act_g, act_l, act_u, reg=EPS_REG):
        self.K, self.act = K, (act_g, act_l, act_u)
        n = K.shape[-1] - act_g.shape[-1]
        size = K.shape[-1]
        shift = reg * (1 + K.abs().amax((-2, -1))).unsqueeze(-1)
        sign = torch.ones(size, dtype=K.dtype, device=K.device)
        sign[n:] = -1
        regularized = K.clone()
        regularized.diagonal(dim1=-2, dim2=-1).add_(shift * sign)
        self.lu, self.piv, self.info = torch.linalg.lu_factor_ex(regularized)

    def solve(self, rhs, adjoint=False, refine=4):
        K = self.K.mT if adjoint else self.K
        sol = torch.linalg.lu_solve(self.lu, self.piv, rhs.unsqueeze(-1), adjoint=adjoint)
        for _ in range(refine):
            sol = sol + torch.linalg.lu_solve(self.lu, self.piv, rhs.unsqueeze(-1) - K @ sol, adjoint=adjoint)
        return sol.squeeze(-1)


def bound_multipliers(d: R.Data, x, y, z, act_l, act_u):
    r = R._mv(d.Q, x) + d.c + R._mv(d.A.mT, y) + R._mv(d.G.mT, z)
    return torch.where(act_l, r, 0.0), torch.where(act_u, -r, 0.0)


def residual(d: R.Data, act, x, y, z):
    """``F(x, y, z)`` of the active-set system (the rows of :func:`kkt_matrix`)."""
    act_g, act_l, act_u = act
    r = R._mv(d.Q, x) + d.c + R._mv(d.A.mT, y) + R._mv(d.G.mT, z)
    fixed = torch.where(act_l, x - d.lb, torch.where(act_u, x - d.ub, r))
    return torch.cat([fixed, R._mv(d.A, x) - d.b, torch.where(act_g, R._mv(d.G, x) - d.h, z)], -1)


def _correct(d: R.Data, act, point, reg, refine):
    """The Newton correction of ``point`` on the active set ``act``: the candidate and the factorization."""
    x, y, z, _, _ = point
    n, p = x.shape[-1], y.shape[-1]
    factors = Factors(kkt_matrix(d, *act), *act, reg=reg)
    step = factors.solve(-residual(d, act, x, y, z.where(act[0], 0.0)), refine=refine)
    px, py = x + step[..., :n], y + step[..., n:n + p]
    pz = (z + step[..., n + p:]).where(act[0], 0.0)
    pzl, pzu = bound_multipliers(d, px, py, pz, act[1], act[2])
    ok = (factors.info == 0) & torch.isfinite(step).all(-1)
    return (px, py, pz, pzl, pzu), ok


def _update(d: R.Data, new):
    """The next active set of the primal–dual active-set method (Hintermüller, Ito & Kunisch): a row stays or
    becomes active where ``multiplier + violation > 0``; a negative multiplier drops it, a violation adds it."""
    x, _, z, zl, zu = new
    act_g = d.mG & (z + R._mv(d.G, x) - d.h > 0)
    act_l = d.ml & (zl + (d.lb - x) > 0)
    act_u = d.mu & (zu + (x - d.ub) > 0) & ~act_l
    return act_g, act_l, act_u


def polish(d: R.Data, point, eps_abs, eps_rel, back=None, original=None, reg=1e-10, refine=3, rounds=PDAS_ROUNDS,
           before=None):
    """Newton correction of ``point`` on its active set, kept where it meets the tolerances better.

    The correction solves ``K Δ = −F`` with ``K + reg·diag(±1)`` factorized and refined against ``K``: a
    proximal step, so that on a degenerate active set (``K`` singular: non-unique multipliers) it moves the
    point as little as it must. Where the candidate has a negative multiplier or violates an inactive row, the
    active set is updated by the primal–dual active-set rule (:func:`_update`) and the correction repeated, up
    to ``rounds`` times. ``d`` may be the equilibrated problem, ``back`` mapping its points to those of
    ``original``, where the test is made; ``before`` is the tolerance ratio of ``point`` where known. Returns the
    point (of ``d``), the mask of the elements that took it and the tolerance ratio of the point returned.
    """
    back = back or (lambda *pt: pt)
    original = d if original is None else original
    x, _, z, zl, zu = point
    act = active_sets(d, x, z, zl, zu)
    if before is None:
        before = R.tolerance_ratio(R.measure(original, *back(*point)), eps_abs, eps_rel)
    out, used, best = point, torch.zeros_like(before, dtype=torch.bool), before
    for _ in range(rounds):
        new, ok = _correct(d, act, point, reg, refine)
        pz, pzl, pzu = new[2:]
        signs_ok = (R.amin(pz, 0.0) >= 0) & (R.amin(pzl, 0.0) >= 0) & (R.amin(pzu, 0.0) >= 0)
        after = R.tolerance_ratio(R.measure(original, *back(*new)), eps_abs, eps_rel)
        take = signs_ok & (after <= best) & ok
        out = tuple(torch.where(take.unsqueeze(-1), a, b) for a, b in zip(new, out, strict=True))
        used, best = used | take, torch.where(take, after, best)
        open_ = best > 1
        if not bool(open_.any()):
            break
        following = _update(d, new)
        changed = torch.stack([(a != b).any(-1) for a, b in zip(following, act, strict=True)]).any(0)
        if not bool((changed & open_ & ok).any()):
            break
        act = following
    return out, used, best


def _subset(mask, *groups):
    """The indices of ``mask`` and each group of tensors restricted to them."""
    idx = torch.nonzero(mask).squeeze(-1)
    return idx, [tuple(t[idx] for t in g) for g in groups]


def polish_batch(data, scaled, factors, point, code, eps_abs, eps_rel, every):
    """The active-set polish (:func:`polish`) of the elements outside the tolerance (of every
    element not certified infeasible if ``every``): a round on the equilibrated problem; for those still
    outside, two more there with more refinement (each a proximal Newton step from a better point), then
    rounds on the problem as given. Returns the point in the original variables."""
    ratio = R.tolerance_ratio(R.measure(data, *unscale(factors, *point)), eps_abs, eps_rel)
    feasible = (code != R.Code.PRIMAL_INFEASIBLE) & (code != R.Code.DUAL_INFEASIBLE)
    chosen = feasible if every else feasible & (ratio > 1)
    for refine in (POLISH_REFINE, 3, 3):
        if not bool(chosen.any()):
            return unscale(factors, *point)
        idx, (sub, sub_data, sub_scaled, sub_factors) = _subset(chosen, point, data, scaled, factors)
        sub, _, sub_ratio = polish(R.Data(*sub_scaled), sub, eps_abs, eps_rel, original=R.Data(*sub_data),
                                           back=lambda *pt, f=sub_factors: unscale(f, *pt), before=ratio[idx],
                                           refine=refine)
        for full, part in zip(point, sub, strict=True):
            full[idx] = part
        ratio[idx] = sub_ratio
        chosen = feasible & (ratio > 1)
    point = unscale(factors, *point)
    if not bool(chosen.any()):
        return point
    idx, (sub, sub_data) = _subset(chosen, point, data)
    sub_data = R.Data(*sub_data)
    for reg in ORIGINAL_POLISH:
        sub, _, sub_ratio = polish(sub_data, sub, eps_abs, eps_rel, reg=reg, refine=10)
        if bool((sub_ratio <= 1).all()):
            break
    for full, part in zip(point, sub, strict=True):
        full[idx] = part
    return point


def input_gradients(d: R.Data, factors: Factors, x, y, z, gx, gy, gz):
    """Gradients of ``⟨gx, x⟩ + ⟨gy, y⟩ + ⟨gz, z⟩`` with respect to Q, c, A, b, G, h, lb, ub."""
    act_g, act_l, act_u = factors.act
    n, p = x.shape[-1], y.shape[-1]
    lam = factors.solve(torch.cat([gx, gy, gz], -1), adjoint=True)
    lx, ly, lz = lam[..., :n], lam[..., n:n + p], lam[..., n + p:]
    free = ~(act_l | act_u)
    fx = lx.where(free, 0.0)
    az = lz.where(act_g, 0.0)
    def outer(u, v):
        return u.unsqueeze(-1) * v.unsqueeze(-2)

    return {
        "Q": -outer(fx, x), "c": -fx, "A": -(outer(y, fx) + outer(ly, x)), "b": ly,
        "G": -(outer(z, fx) + outer(az, x)), "h": az, "lb": lx.where(act_l, 0.0), "ub": lx.where(act_u, 0.0),
    }
