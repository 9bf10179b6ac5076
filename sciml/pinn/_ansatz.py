"""The trial function: linear conditions imposed exactly (theory of functional connections), others soft.

For linear conditions ``L_j[u] = Σ_q c_jq u_{f_q}^{(d_q)}(x_q) = v_j`` (Dirichlet, Neumann, Robin, periodic,
initial values, and mixtures across functions), the trial function is

.. math:: u(x) = N(x) + \\sum_i \\alpha_i\\, s_i(x)\\, e_{f_i}, \\qquad \\alpha = M^{-1}\\,(v - L[N]),
          \\quad M_{ji} = L_j[s_i\\, e_{f_i}],

with polynomial supports ``s_i(x) = tᵖ``, ``t = (x - a)/(b - a)``, picked greedily by degree so that ``M`` is
invertible. Then ``L_j[u] = v_j`` holds for every network ``N``: for two Dirichlet conditions it is
``u = N + (u_a - N(a))(1 - t) + (u_b - N(b)) t``. Nonlinear conditions, and conditions with unknown constants,
stay as penalty residuals.
"""

from __future__ import annotations

import math

import numpy as np
import torch


class Ansatz:
    """The constrained expression of a :class:`~sciml.pinn.BVP` for a network with ``len(functions)`` outputs.

    Parameters
    ----------
    problem : BVP
    order : int
        Highest derivative the callers ask for (at least the orders in the problem and its conditions).
    hard : bool
        Impose the linear conditions exactly; ``False`` leaves every condition soft.
    """

    def __init__(self, problem, order: int, *, hard: bool = True, dtype=torch.float64, device=None):
        self.functions = problem.functions
        self.order = order
        self.a, self.b = problem.domain
        self.hard = [c for c in problem.conditions if hard and c.linear is not None]
        self.soft = [c for c in problem.conditions if not (hard and c.linear is not None)]
        self.points = torch.tensor([float(p) for p in problem.points], dtype=dtype, device=device)
        k, n_pts, m = len(self.functions), len(problem.points), len(self.hard)
        # L as a dense tensor over (condition, derivative order, point, function)
        L = np.zeros((m, order + 1, max(n_pts, 1), k))
        v = np.zeros(m)
        for j, cond in enumerate(self.hard):
            coeffs, v[j] = cond.linear
            for pv in cond.values:
                i_pt = _point_index(problem.points, pv.point)
                L[j, pv.order, i_pt, self.functions.index(pv.function)] += coeffs[pv.symbol]
        self.supports = _choose_supports(L, np.asarray([float(p) for p in problem.points]), self.a, self.b, k)
        M = np.stack([[_apply(L[j], s, np.asarray([float(p) for p in problem.points]), self.a, self.b)
                       for s in self.supports] for j in range(m)]) if m else np.zeros((0, 0))
        self.M = M
        as_t = {"dtype": dtype, "device": device}
        self.M_inv = torch.as_tensor(np.linalg.inv(M) if m else M, **as_t)
        self.L = torch.as_tensor(L, **as_t)
        self.v = torch.as_tensor(v, **as_t)
        powers = [p for _, p in self.supports]
        self._expo = torch.tensor([[max(p - d, 0) for p in powers] for d in range(order + 1)], device=device,
                                  dtype=torch.long)
        length = self.b - self.a
        self._coef = torch.tensor([[math.perm(p, d) / length**d if d <= p else 0.0 for p in powers]
                                   for d in range(order + 1)], **as_t)
        self._onehot = torch.zeros(m, k, **as_t)
        for i, (f, _) in enumerate(self.supports):
            self._onehot[i, f] = 1.0
        self._max_power = max(powers, default=0)

    @property
    def n_hard(self) -> int:
        return len(self.hard)

    def alpha(self, net, theta: torch.Tensor) -> torch.Tensor:
        """The coefficients ``α = M⁻¹ (v - L[N])`` of the supports, shape ``(m,)``."""
        if not self.hard:
            return theta.new_zeros(0)
        return self.alpha_from(net.derivatives(theta, self.points, self.order))

    def alpha_from(self, D: torch.Tensor) -> torch.Tensor:
        """``α`` from the network's derivatives at the condition points, shape ``(order + 1, n_pts, k)``."""
        return self.M_inv @ (self.v - (self.L * D).sum(dim=(1, 2, 3)))

    def support_derivatives(self, x: torch.Tensor, order: int | None = None) -> torch.Tensor:
        """``s_i^{(d)}(x)`` for ``d = 0..order``, shape ``(order + 1, *x.shape, m)``."""
        order = self.order if order is None else order
        t = (x - self.a) / (self.b - self.a)
        powers = [torch.ones_like(t)]
        for _ in range(self._max_power):
            powers.append(powers[-1] * t)
        P = torch.stack(powers, dim=-1)  # (*x.shape, max_power + 1)
        coef = self._coef[: order + 1].reshape(order + 1, *([1] * x.dim()), -1)
        return P[..., self._expo[: order + 1]].movedim(-2, 0) * coef

    def values(self, D: torch.Tensor, alpha: torch.Tensor, x: torch.Tensor, order: int | None = None):
        """``u^{(d)}(x)`` for ``d = 0..order`` from the network's derivatives ``D`` (shape
        ``(order + 1, *x.shape, k)``) and the coefficients ``alpha``."""
        if not self.hard:
            return D
        return D + (self.support_derivatives(x, order) * alpha) @ self._onehot


def _point_index(points, point) -> int:
    for i, p in enumerate(points):
        if p == point:
            return i
    raise ValueError(f"internal: the point {point} is not in the problem's points")


def _support_derivative(power: int, d: int, x: np.ndarray, a: float, b: float) -> np.ndarray:
    if d > power:
        return np.zeros_like(x)
    t = (x - a) / (b - a)
    return math.perm(power, d) / (b - a) ** d * t ** (power - d)


def _apply(Lj: np.ndarray, support, points, a, b) -> float:
    """``L_j[s e_f]`` for one condition's dense coefficients ``Lj`` (order + 1, n_pts, k)."""
    f, power = support
    if points.size == 0:
        return 0.0
    return float(sum(Lj[d, :, f] @ _support_derivative(power, d, points, a, b) for d in range(Lj.shape[0])))


def _choose_supports(L: np.ndarray, points, a, b, k) -> list[tuple[int, int]]:
    """Greedily the lowest-degree supports ``(function, power)`` that make ``M`` invertible."""
    m = L.shape[0]
    chosen: list[tuple[int, int]] = []
    columns: list[np.ndarray] = []
    max_power = L.shape[1] + m + 1
    for power in range(max_power + 1):
        for f in range(k):
            if len(chosen) == m:
                return chosen
            col = np.array([_apply(L[j], (f, power), points, a, b) for j in range(m)])
            trial = np.stack([*columns, col], axis=1)
            s = np.linalg.svd(trial, compute_uv=False)
            if s[-1] > 1e-10 * max(s[0], 1e-300):
                chosen.append((f, power))
                columns.append(col)
    if len(chosen) < m:
        raise ValueError("conditions: the linear conditions are not independent (one repeats or combines "
                         "others); drop the redundant ones")
    return chosen
