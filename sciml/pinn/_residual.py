"""The residual vector of a BVP for the trial function, and its Jacobian from ``torch.func``.

Rows, in order: the equations at the collocation points (scaled by ``1/√N``, so that their squares average),
the soft conditions (times ``condition_weight``), the observations (scaled by ``1/√n_obs``, times
``data_weight``). The optimizer's variable ``z`` is the network's flat parameters followed by the unknown
constants. Each equation row depends on one point only, so the Jacobian is a ``vmap`` over points of a
reverse-mode Jacobian of one point's residual — linear, not quadratic, in the number of points — plus the
chain rule through the ansatz coefficients ``α(θ)``.
"""

from __future__ import annotations

import math

import sympy
import torch
from torch.func import jacrev, vmap

from sciml.calculus import to_torch
from sciml.pinn._parse import value_symbol
from sciml.pinn._singular import derivative_orders


class Residuals:
    """Residual rows and Jacobian of ``problem`` for the network ``net`` and the trial function ``ansatz``.

    Parameters
    ----------
    problem : BVP
    net : TanhMLP
    ansatz : Ansatz
    x : tensor
        Collocation points, shape ``(N,)``.
    condition_weight, data_weight : float
        Weights of the soft-condition rows and of the observation rows.
    """

    def __init__(self, problem, net, ansatz, x, *, condition_weight: float = 1.0, data_weight: float = 1.0):
        self.problem, self.net, self.ansatz, self.x = problem, net, ansatz, x
        self.n_theta = net.n_params
        self.unknowns = list(problem.unknowns)
        self.n_z = self.n_theta + len(self.unknowns)
        fs = problem.functions
        orders = derivative_orders(problem)
        self._slots = [(d, fs.index(f)) for f in fs for d in range(orders[f] + 1)]
        variables = [str(problem.variable), *(value_symbol(f, d).name for f in fs
                                               for d in range(orders[f] + 1)), *self.unknowns]
        self._eqs, self._eq_terms = [], []
        for i, e in enumerate(problem.residuals):
            ends = [end for end in problem.singular if end.equation == i]
            self._eqs.append(_at_ends(to_torch(e, variables), ends, variables, problem.domain, _value))
            self._eq_terms.append(_at_ends(_squares(e, variables), ends, variables, problem.domain, _squares))
        self._soft = []
        for cond in ansatz.soft:
            names = [v.symbol.name for v in cond.values] + [t.symbol.name for t in cond.integrals] + self.unknowns
            slots = [(v.order, _index(problem.points, v.point), fs.index(v.function)) for v in cond.values]
            terms = [to_torch(t, names) for t in sympy.Add.make_args(cond.expr)]
            integrals = [(to_torch(t.integrand, variables), *t.rule(x.dtype, x.device)) for t in cond.integrals]
            self._soft.append((to_torch(cond.expr, names), terms, slots, integrals))
        self.condition_weight = float(condition_weight)
        self.data_weight = float(data_weight)
        self._eq_scale = 1.0 / math.sqrt(x.shape[0])
        self.data = None
        if problem.data is not None:
            x_obs, u_obs = problem.data
            x_obs = x_obs.to(dtype=x.dtype, device=x.device)
            u_obs = u_obs.to(dtype=x.dtype, device=x.device).reshape(x_obs.shape[0], len(fs))
            self.data = (x_obs, u_obs, self.data_weight / math.sqrt(x_obs.shape[0]))

    @property
    def n_checked(self) -> int:
        """Number of leading rows (equations and soft conditions) that the relative residual covers."""
        return self.x.shape[0] * len(self._eqs) + len(self._soft)

    # -- pieces ---------------------------------------------------------------------------------------------

    def split(self, z: torch.Tensor):
        return z[: self.n_theta], z[self.n_theta:]

    def _args(self, U, x, p):
        return [x, *(U[d, ..., f] for d, f in self._slots), *(p[i] for i in range(len(self.unknowns)))]

    def _values(self, theta, x, order):
        """``u^{(d)}`` at the points ``x`` (any shape) with the ansatz coefficients from the same network
        evaluation: the condition points ride along, so that one ``vmap``-ed Jacobian covers ``α(θ)``."""
        if not self.ansatz.n_hard:
            return self.net.derivatives(theta, x, order)
        pts = self.ansatz.points
        flat = x.reshape(-1)
        D = self.net.derivatives(theta, torch.cat([flat, pts]), self.ansatz.order)
        alpha = self.ansatz.alpha_from(D[:, flat.shape[0]:])
        D = D[: order + 1, : flat.shape[0]].reshape(order + 1, *x.shape, -1)
        return self.ansatz.values(D, alpha, x, order)

    def _equations(self, U, x, p):
        return torch.stack([eq(*self._args(U, x, p)) for eq in self._eqs], dim=-1)

    def _point(self, theta, p, x):
        """The equations' residuals at one point ``x`` (0-d): shape ``(E,)``."""
        return self._equations(self._values(theta, x, self.ansatz.order), x, p)

    def _point_data(self, theta, p, x):
        return self._values(theta, x, 0)[0]

    def _soft_args(self, theta, p, U, slots, integrals):
        """The arguments of a soft condition: its point values (from ``U`` at the condition points), its
        integrals (Gauss–Legendre sums of the integrands at their nodes), the unknowns."""
        sums = []
        for h, nodes, weights in integrals:
            Uq = self._values(theta, nodes, self.ansatz.order)
            sums.append((h(*self._args(Uq, nodes, p)) * weights).sum())
        return [*(U[d, i, f] for d, i, f in slots), *sums, *(p[i] for i in range(len(self.unknowns)))]

    def _soft_rows(self, theta, p):
        if not self._soft:
            return theta.new_zeros(0)
        U = self._values(theta, self.ansatz.points, self.ansatz.order)
        rows = [g(*self._soft_args(theta, p, U, slots, integrals)) for g, _, slots, integrals in self._soft]
        return torch.stack(rows) * self.condition_weight

    # -- the residual vector and its Jacobian ------------------------------------------------------------------

    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        theta, p = self.split(z)
        parts = [self._equations(self._values(theta, self.x, self.ansatz.order), self.x, p).reshape(-1)
                 * self._eq_scale, self._soft_rows(theta, p)]
        if self.data is not None:
            x_obs, u_obs, w = self.data
            parts.append((self._values(theta, x_obs, 0)[0] - u_obs).reshape(-1) * w)
        return torch.cat(parts)

    def _pointwise_jacobian(self, fn, theta, p, xs):
        jt, jp = vmap(jacrev(fn, argnums=(0, 1)), in_dims=(None, None, 0))(theta, p, xs)
        jt = jt.reshape(-1, self.n_theta)
        return torch.cat([jt, jp.reshape(jt.shape[0], len(self.unknowns))], dim=1)

    def jacobian(self, z: torch.Tensor) -> torch.Tensor:
        """``∂r/∂z``, shape ``(len(r), len(z))``."""
        theta, p = self.split(z)
        blocks = [self._pointwise_jacobian(self._point, theta, p, self.x) * self._eq_scale]
        if self._soft:
            jt, jp = jacrev(self._soft_rows, argnums=(0, 1))(theta, p)
            blocks.append(torch.cat([jt, jp], dim=1))
        if self.data is not None:
            x_obs, _, w = self.data
            blocks.append(self._pointwise_jacobian(self._point_data, theta, p, x_obs) * w)
        return torch.cat(blocks)

    def relative(self, z: torch.Tensor) -> tuple[float, float]:
        """``(‖r‖, ‖s‖)`` over the equation and soft-condition rows, with ``s`` the root sum of squares of each
        row's terms: the relative residual ``‖r‖/‖s‖`` measures how well the equation holds."""
        theta, p = self.split(z)
        with torch.no_grad():
            U = self._values(theta, self.x, self.ansatz.order)
            args = self._args(U, self.x, p)
            r2 = s2 = 0.0
            for eq, squares in zip(self._eqs, self._eq_terms, strict=True):
                r2 += float((eq(*args) ** 2).sum()) * self._eq_scale**2
                s2 += float(squares(*args).sum()) * self._eq_scale**2
            if self._soft:
                Uc = self._values(theta, self.ansatz.points, self.ansatz.order)
                w2 = self.condition_weight**2
                for g, terms, slots, integrals in self._soft:
                    cargs = self._soft_args(theta, p, Uc, slots, integrals)
                    r2 += float(g(*cargs) ** 2) * w2
                    s2 += float(sum(t(*cargs) ** 2 for t in terms)) * w2
        return math.sqrt(r2), math.sqrt(s2)


def _value(expr, variables):
    return to_torch(expr, variables)


def _squares(expr, variables):
    """``Σ t²`` over the terms ``t`` of ``expr``, compiled: the scale of the relative residual."""
    terms = [to_torch(t, variables) for t in sympy.Add.make_args(expr)]
    return lambda *args: sum(t(*args) ** 2 for t in terms)


def _at_ends(inside, ends, variables, domain, compile_):
    """``inside`` at the points off the singular ends; at a point on an end (within rounding), the equation's
    limit there (:mod:`sciml.pinn._singular`), or 0 where it has no limit form. ``inside`` is evaluated at the
    midpoint of the domain in place of an end, so that no infinity enters a masked branch (nor its gradient)."""
    if not ends:
        return inside
    a, b = domain
    tol, middle = 1e-12 * (b - a), (a + b) / 2
    limits = [(end.point, None if end.limit is None else compile_(end.limit, variables)) for end in ends]

    def evaluate(x, *args):
        masks = [(x - r).abs() <= tol for r, _ in limits]
        on_end = masks[0] if len(masks) == 1 else torch.stack(torch.broadcast_tensors(*masks)).any(0)
        out = inside(torch.where(on_end, middle, x), *args)
        for mask, (_, limit) in zip(masks, limits, strict=True):
            out = torch.where(mask, 0.0 if limit is None else limit(x, *args), out)
        return out

    return evaluate


def _index(points, point) -> int:
    return next(i for i, p in enumerate(points) if p == point)
