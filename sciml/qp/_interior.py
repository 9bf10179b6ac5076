"""A batched primal–dual interior-point method (Mehrotra predictor–corrector) for convex quadratic programs.

.. math:: \\min_x \\tfrac12 x^T Q x + c^T x \\quad \\text{s.t.} \\quad A x = b,\\; G x \\le h,\\;
          l \\le x \\le u

Slacks ``s = h − Gx ≥ 0``, ``s_l = x − l ≥ 0``, ``s_u = u − x ≥ 0`` and multipliers ``z, z_l, z_u ≥ 0`` meet
the perturbed KKT conditions ``Qx + c + Aᵀy + Gᵀz − z_l + z_u = 0``, ``Ax = b``, ``s ∘ z = σμ``. Each
Newton step eliminates the slacks and multipliers of the inequalities and solves the quasi-definite system

.. math:: \\begin{pmatrix} Q + G^T W G + W_l + W_u + \\rho I & A^T \\\\ A & -\\delta I \\end{pmatrix}
          \\begin{pmatrix} \\Delta x \\\\ \\Delta y \\end{pmatrix} = r, \\qquad W = Z S^{-1},

with one LU factorization shared by the predictor and the corrector. The terms ``ρ`` and ``δ`` are a
proximal (primal–dual) regularization centred at the current iterate (Altman & Gondzio): they keep the
matrix non-singular for a semidefinite ``Q``, a rank-deficient ``A`` and free variables without changing
the fixed points, and iterative refinement against the unregularized matrix removes their bias from the step.
Rows with an infinite right-hand side (``h = inf``, ``l = −inf``, ``u = inf``) are masked out.

Every batch element carries its own status: it stops when the primal and dual residuals and the duality gap
meet ``eps_abs + eps_rel · scale`` (qpbenchmark's measures), or when a Farkas certificate of primal or dual
infeasibility built from the iterates passes its check (:mod:`sciml.qp._residuals`).
"""

from __future__ import annotations

import torch

from sciml.qp import _residuals as R
from sciml.qp._scaling import unscale

#: the proximal regularization: its start and its floor (relative to the scale of Q, and absolute for δ)
REG_START, REG_MIN = 1e-9, 1e-11
#: iterative refinement steps of each Newton solve
REFINE = 1
#: fraction of the way to the boundary a step may go
TAU = 0.995
#: infeasibility certificates are looked for at every other iteration from this one on (no ray shows in the
#: first steps, and one more step only sharpens a ray)
CERT_FROM = 3
#: the loop goes on with the elements still running once they are at most this fraction of the batch
SHRINK = 0.5


def _mv(M, v):
    return (M @ v.unsqueeze(-1)).squeeze(-1)


def _max_step(v, dv, mask):
    """Largest α ≤ 1 with v + α dv ≥ 0 on the masked entries (per batch element)."""
    ratio = torch.where(mask & (dv < 0), -v / dv.clamp(max=-torch.finfo(v.dtype).tiny), torch.full_like(v, 1.0))
    return R.amin(ratio, 1.0).clamp(max=1.0)


def _shifted(P, diagonal):
    """``P + diag(diagonal)`` (a copy)."""
    out = P.clone()
    out.diagonal(dim1=-2, dim2=-1).add_(diagonal)
    return out


class _System:
    """The regularized Newton matrix of one iteration, factorized once and solved with refinement."""

    def __init__(self, P, p, rho, delta):
        self.P = P  # the unregularized reduced matrix [[H, Aᵀ], [A, 0]]
        n = P.shape[-1] - p
        reg = torch.cat([rho.expand(P.shape[0], n), -delta.expand(P.shape[0], p)], -1)
        self.lu, self.pivots, self.info = torch.linalg.lu_factor_ex(_shifted(P, reg))
        for _ in range(3):  # a zero pivot: more regularization for those elements only
            bad = (self.info > 0) | ~torch.isfinite(self.lu.diagonal(dim1=-2, dim2=-1)).all(-1)
            if not bool(bad.any()):
                break
            reg = torch.where(bad.unsqueeze(-1), reg * 1e4, reg)
            lu, piv, info = torch.linalg.lu_factor_ex(_shifted(P, reg))
            self.lu = torch.where(bad[:, None, None], lu, self.lu)
            self.pivots, self.info = torch.where(bad[:, None], piv, self.pivots), torch.where(bad, info, self.info)

    def solve(self, rhs, refine=None):
        refine = int(REFINE if refine is None else refine)
        sol = torch.linalg.lu_solve(self.lu, self.pivots, rhs.unsqueeze(-1)).squeeze(-1)
        for _ in range(refine):
            sol = sol + torch.linalg.lu_solve(self.lu, self.pivots, (rhs - _mv(self.P, sol)).unsqueeze(-1)).squeeze(-1)
        return sol


class _Newton:
    """One iteration's Newton system: the factorized matrix, and what the directions need besides."""

    def __init__(self, system, G, masks, slacks, duals, residuals):
        self.system, self.G, self.masks = system, G, masks
        self.slacks, self.duals, self.residuals = slacks, duals, residuals
        self.f = [m.to(G.dtype) for m in masks]
        self.W = [z / s * f for z, s, f in zip(duals, slacks, self.f, strict=True)]
        self._values = self._mask = None

    def direction(self, rc, rcl, rcu):
        """The step (dx, dy, ds, dsl, dsu, dz, dzl, dzu) for complementarity right-hand sides rc, rcl, rcu."""
        (s, sl, su), (z, zl, zu), (rd, rp, ri, rl, ru) = self.slacks, self.duals, self.residuals
        (fg, fl, fu), (Wg, Wl, Wu), G = self.f, self.W, self.G
        n = rd.shape[-1]
        gz, gl, gu = (-rc + z * ri) / s * fg, (-rcl + zl * rl) / sl * fl, (-rcu + zu * ru) / su * fu
        sol = self.system.solve(torch.cat([-rd - _mv(G.mT, gz) + gl - gu, -rp], -1))
        dx, dy = sol[..., :n], sol[..., n:]
        Gdx = _mv(G, dx)
        ds, dsl, dsu = (-ri - Gdx) * fg, (-rl + dx) * fl, (-ru - dx) * fu
        dz, dzl, dzu = Wg * Gdx + gz, -Wl * dx + gl, Wu * dx + gu
        return dx, dy, ds, dsl, dsu, dz, dzl, dzu

    def step(self, d):
        """The largest step ≤ 1 that keeps every slack and dual non-negative."""
        if self._values is None:  # every slack and dual, and the mask of the finite sides, side by side
            self._values = torch.cat([*self.slacks, *self.duals], -1)
            self._mask = torch.cat([*self.masks, *self.masks], -1)
        return _max_step(self._values, torch.cat(d[2:], -1), self._mask)


def _checks(iteration):
    """Whether the certificates are looked for at this iteration (counted from the start of the solve)."""
    return iteration >= CERT_FROM and iteration % 2 == 1


def interior_point(data, *, eps_abs, eps_rel, max_iter, warm=None, original=None, factors=None, state=None,
                   first=0):
    """Solve a flat batch of QPs; ``data`` is a :class:`sciml.qp._residuals.Data` with batch dimension first.

    ``original`` and the equilibration ``factors`` (:func:`sciml.qp._scaling.equilibrate`) let the loop run on
    equilibrated data while every test is made on the original problem. Returns ``(x, y, z, zl, zu, status,
    nit, certificates)`` in the variables of ``data``, where ``status`` holds the codes of
    :class:`sciml.qp._residuals.Code` per element and ``certificates`` the rays of infeasible elements (in the
    variables of ``original``). Once at most half of a batch (:data:`SHRINK`) is still running, the loop goes
    on with those elements alone (``state`` carries their iterate, ``first`` the iterations already made), so
    that a few slow problems do not cost the whole batch their iterations.
    """
    original = data if original is None else original

    def back(*point):
        return point if factors is None else unscale(factors, *point)

    Q, c, A, b, G, h, lb, ub = data.Q, data.c, data.A, data.b, data.G, data.h, data.lb, data.ub
    mG, ml, mu_ = data.mG, data.ml, data.mu
    B, p = Q.shape[0], A.shape[-2]
    dt = Q.dtype
    count = (mG.sum(-1) + ml.sum(-1) + mu_.sum(-1)).clamp(min=1).to(dt)
    hz, lbz, ubz = h.where(mG, 0.0), lb.where(ml, 0.0), ub.where(mu_, 0.0)
    one_g, fl, fu = mG.to(dt), ml.to(dt), mu_.to(dt)
    scale = 1.0 + Q.abs().amax((-2, -1)).clamp(min=0)
    if state is None:
        state = _start(data, warm)
    x, y, z, zl, zu, s, sl, su, rho, delta = state
    status = torch.full((B,), R.Code.RUNNING, dtype=torch.long, device=Q.device)
    nit = torch.zeros(B, dtype=torch.long, device=Q.device)
    cert = R.Certificates.empty(data)
    best = None
    for it in range(max_iter + 1):
        running = status == R.Code.RUNNING
        point = back(x, y, z, zl, zu)
        meas = R.measure(original, *point)
        done = R.converged(meas, eps_abs, eps_rel) & running
        status = torch.where(done, R.Code.SOLVED, status)
        best = R.keep_best(best, meas, (x, y, z, zl, zu), running)
        if _checks(it + first) or it == max_iter:
            cert.check(original, *point, running & ~done, status)
        bad = ~torch.isfinite(torch.cat([x, y, z, zl, zu], -1)).all(-1) & (status == R.Code.RUNNING)
        status = torch.where(bad, R.Code.NUMERICAL, status)
        running = status == R.Code.RUNNING
        left = int(running.sum())  # the one convergence check that reads back (with the zero-pivot test)
        if not left or it == max_iter:
            break
        if B >= 16 and left <= SHRINK * B:  # go on with the few still running
            idx = torch.nonzero(running).squeeze(-1)
            sub = interior_point(
                R.Data(*(t[idx] for t in data)), eps_abs=eps_abs, eps_rel=eps_rel, max_iter=max_iter - it,
                original=R.Data(*(t[idx] for t in original)), first=first + it,
                factors=None if factors is None else tuple(f[idx] for f in factors),
                state=tuple(t[idx] for t in (x, y, z, zl, zu, s, sl, su, rho, delta)))
            point = R.pick_best(best, (x, y, z, zl, zu), status)
            for full, part in zip(point, sub[:5], strict=True):
                full[idx] = part
            status[idx], nit[idx] = sub[5], nit[idx] + sub[6]
            cert.primal[idx], cert.dual[idx] = sub[7].primal, sub[7].dual
            return (*point, status, nit, cert)
        nit = nit + running.long()
        # residuals of the KKT conditions
        rd = _mv(Q, x) + c + _mv(A.mT, y) + _mv(G.mT, z) - zl * fl + zu * fu
        rp = _mv(A, x) - b
        ri = (_mv(G, x) + s - hz) * one_g
        rl = (-x + sl + lbz) * fl
        ru = (x + su - ubz) * fu
        mu = ((s * z).sum(-1) + (sl * zl).sum(-1) + (su * zu).sum(-1)) / count
        system = _System(_reduced(data, z / s * one_g, zl / sl * fl, zu / su * fu), p, rho, delta)
        newton = _Newton(system, G, (mG, ml, mu_), (s, sl, su), (z, zl, zu), (rd, rp, ri, rl, ru))

        aff = newton.direction(s * z, sl * zl, su * zu)
        a = newton.step(aff).unsqueeze(-1)
        _, _, ds, dsl, dsu, dz, dzl, dzu = aff
        mu_aff = (((s + a * ds) * (z + a * dz)).sum(-1) + ((sl + a * dsl) * (zl + a * dzl)).sum(-1)
                  + ((su + a * dsu) * (zu + a * dzu)).sum(-1)) / count
        sigma = (mu_aff / mu.clamp(min=torch.finfo(dt).tiny)).clamp(0, 1) ** 3
        sm = (sigma * mu).unsqueeze(-1)
        d = newton.direction(s * z + ds * dz - sm, sl * zl + dsl * dzl - sm, su * zu + dsu * dzu - sm)
        a = (TAU * newton.step(d)).clamp(max=1.0).where(running, torch.zeros_like(mu)).unsqueeze(-1)
        dx, dy, ds, dsl, dsu, dz, dzl, dzu = d
        x, y = x + a * dx, y + a * dy
        s, sl, su = (s + a * ds).where(mG, 1.0), (sl + a * dsl).where(ml, 1.0), (su + a * dsu).where(mu_, 1.0)
        z, zl, zu = (z + a * dz).where(mG, 0.0), (zl + a * dzl).where(ml, 0.0), (zu + a * dzu).where(mu_, 0.0)
        if _checks(it + first + 1) or it + 1 == max_iter:  # the step is tried as a ray at the next check
            cert.steps = back(dx, dy, dz, dzl, dzu)
        rho = torch.where(running.unsqueeze(-1), (rho * 0.5).clamp(min=REG_MIN * scale.unsqueeze(-1)), rho)
        delta = torch.where(running.unsqueeze(-1), (delta * 0.5).clamp(min=REG_MIN), delta)
    status = torch.where(status == R.Code.RUNNING, R.Code.MAX_ITER, status)
    x, y, z, zl, zu = R.pick_best(best, (x, y, z, zl, zu), status)
    return x, y, z, zl, zu, status, nit, cert


def _reduced(d, Wg, Wl, Wu):
    """The reduced Newton matrix ``[[Q + GᵀW G + W_l + W_u, Aᵀ], [A, 0]]`` (unregularized)."""
    Q, A, G = d.Q, d.A, d.G
    B, n, p = Q.shape[0], Q.shape[-1], A.shape[-2]
    P = Q.new_zeros(B, n + p, n + p)
    H = P[:, :n, :n]
    H.copy_(Q + G.mT @ (Wg.unsqueeze(-1) * G))
    H.diagonal(dim1=-2, dim2=-1).add_(Wl * d.ml.to(Q.dtype) + Wu * d.mu.to(Q.dtype))
    P[:, :n, n:], P[:, n:, :n] = A.mT, A
    return P


def _start(data, warm):
    """The initial iterate: CVXOPT's (the least-squares solve with unit weights, then slacks and multipliers
    shifted to be positive), or the warm start; with the initial regularization."""
    Q, c, b, G, h, lb, ub = data.Q, data.c, data.b, data.G, data.h, data.lb, data.ub
    mG, ml, mu_ = data.mG, data.ml, data.mu
    n, p, dt = Q.shape[-1], data.A.shape[-2], Q.dtype
    hz, lbz, ubz = h.where(mG, 0.0), lb.where(ml, 0.0), ub.where(mu_, 0.0)
    one_g, fl, fu = mG.to(dt), ml.to(dt), mu_.to(dt)
    scale = 1.0 + Q.abs().amax((-2, -1)).clamp(min=0)
    rho = (REG_START * scale).unsqueeze(-1)
    delta = torch.full_like(rho, REG_START)
    one_n = torch.ones_like(c)
    system = _System(_reduced(data, one_g, one_n, one_n), p, rho, delta)
    sol = system.solve(torch.cat([-c + _mv(G.mT, hz * one_g) + lbz * fl + ubz * fu, b], -1))
    x, y = sol[..., :n], sol[..., n:]
    gap_g, gap_l, gap_u = hz - _mv(G, x), x - lbz, ubz - x
    masks = (mG, ml, mu_)

    def shift(*parts):
        low = torch.stack([R.amin(v.where(m, torch.inf)) for v, m in zip(parts, masks, strict=True)]).amin(0)
        low = torch.where(torch.isfinite(low), low, torch.zeros_like(low))
        add = torch.where(low < 0, 1.0 - low, torch.zeros_like(low)).unsqueeze(-1)
        return [torch.where(m, v + add, torch.ones_like(v)) for v, m in zip(parts, masks, strict=True)]

    s, sl, su = shift(gap_g, gap_l, gap_u)
    z, zl, zu = shift(-gap_g, -gap_l, -gap_u)
    if warm is not None:
        x, y, z, zl, zu, s, sl, su = R.warm_start(warm, data, x, y, z, zl, zu, s, sl, su)
    z, zl, zu = z.where(mG, 0.0), zl.where(ml, 0.0), zu.where(mu_, 0.0)
    return x, y, z, zl, zu, s, sl, su, rho, delta
