"""First-order methods: gradient descent and heavy-ball momentum, with Armijo backtracking or a fixed lr."""

from __future__ import annotations

from sciml.optimize._linesearch import armijo
from sciml.optimize._method import BACKTRACKING, Method, Option, Step, line_phi


class GradientDescent(Method):
    r"""Gradient descent :math:`x_{k+1} = x_k - t_k \nabla f(x_k)`.

    Options: ``lr`` (a fixed step :math:`t_k`; default ``None``: Armijo backtracking from twice the last
    accepted step), ``c1``, ``shrink``, ``max_ls``.
    """

    name = "gd"
    option_specs = {"lr": Option(None, doc="fixed step size; None for Armijo backtracking"), **BACKTRACKING}

    def default_max_iter(self, n: int) -> int:
        return 20_000

    def reset(self, x, f, g):
        super().reset(x, f, g)
        self._t = 1.0

    def _move(self, objective, x, f, g, d) -> Step:
        o = self.options
        if o["lr"] is not None:
            x_new = x + o["lr"] * d
            f_new, g_new = objective.value_and_grad(x_new)
            return Step(x_new, f_new, g_new)
        ls = armijo(line_phi(objective, x, d), f, float(g @ d), d, t0=2 * self._t, c1=o["c1"],
                    shrink=o["shrink"], max_steps=o["max_ls"], approximate=self._settled(f))
        if not ls.ok:
            return Step(x, f, g, ok=False)
        self._t = ls.t
        return Step(x + ls.t * d, ls.f, ls.g)

    def step(self, objective, x, f, g) -> Step:
        return self._move(objective, x, f, g, -g)


class Momentum(GradientDescent):
    r"""Heavy-ball momentum (Polyak): :math:`d_k = -\nabla f(x_k) + \beta d_{k-1}`, :math:`x_{k+1} = x_k + t_k d_k`.

    With a fixed ``lr`` this is Polyak's :math:`x_{k+1} = x_k - \text{lr}\,\nabla f(x_k) + \beta (x_k - x_{k-1})`.
    With ``lr=None`` (default) :math:`t_k` comes from Armijo backtracking, and the momentum is dropped
    whenever :math:`d_k` is not a descent direction, so that every step decreases ``f``.
    Options: ``lr``, ``beta`` (default 0.9), ``c1``, ``shrink``, ``max_ls``.
    """

    name = "momentum"
    option_specs = {**GradientDescent.option_specs, "beta": Option(0.9, 0.0, 1.0, closed=(True, False), doc="momentum")}

    def reset(self, x, f, g):
        super().reset(x, f, g)
        self._d = None

    def step(self, objective, x, f, g) -> Step:
        d = -g if self._d is None else -g + self.options["beta"] * self._d
        if self.options["lr"] is None and float(g @ d) >= 0:
            d = -g
        out = self._move(objective, x, f, g, d)
        self._d = d if out.ok else None
        return out
