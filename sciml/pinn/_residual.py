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
        self._slots = [(d, fs.index(f)) for f in fs for d in range(problem.orders[f] + 1)]
        variables = [str(problem.variable), *(value_symbol(f, d).name for f in fs
                                               for d in range(problem.orders[f] + 1)), *self.unknowns]
        self._eqs = [to_torch(e, variables) for e in problem.residuals]
        self._eq_terms = [[to_torch(t, variables) for t in sympy.Add.make_args(e)] for e in problem.residuals]
        self._soft = []
        for cond in ansatz.soft:
            names = [v.symbol.name for v in cond.values] + self.unknowns
            slots = [(v.order, _index(problem.points, v.point), fs.index(v.function)) for v in cond.values]
            terms = [to_torch(t, names) for t in sympy.Add.make_args(cond.expr)]
            self._soft.append((to_torch(cond.expr, names), terms, slots))
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

    def _soft_rows(self, theta, p):
        if not self._soft:
            return theta.new_zeros(0)
        U = self._values(theta, self.ansatz.points, self.ansatz.order)
        rows = []
        for g, _, slots in self._soft:
            rows.append(g(*(U[d, i, f] for d, i, f in slots), *(p[i] for i in range(len(self.unknowns)))))
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
            for eq, terms in zip(self._eqs, self._eq_terms, strict=True):
                r2 += float((eq(*args) ** 2).sum()) * self._eq_scale**2
                s2 += float(sum(t(*args) ** 2 for t in terms).sum()) * self._eq_scale**2
            if self._soft:
                Uc = self._values(theta, self.ansatz.points, self.ansatz.order)
                w2 = self.condition_weight**2
                for g, terms, slots in self._soft:
                    cargs = [*(Uc[d, i, f] for d, i, f in slots), *(p[i] for i in range(len(self.unknowns)))]
                    r2 += float(g(*cargs) ** 2) * w2
                    s2 += float(sum(t(*cargs) ** 2 for t in terms)) * w2
        return math.sqrt(r2), math.sqrt(s2)


def _index(points, point) -> int:
    return next(i for i, p in enumerate(points) if p == point)
