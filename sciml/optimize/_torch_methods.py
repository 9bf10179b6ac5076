r"""First-order methods with torch.optim's update rules: Nesterov momentum, Adam and RMSprop.

Each iteration hands the gradient to the ``torch.optim`` optimizer (through
:class:`sciml.training.TorchStepper`, run with ``lr = 1``) and reads off the displacement it would take,
:math:`d_k`; the update rules are linear in the learning rate, so :math:`x_{k+1} = x_k + t_k d_k` is exactly
torch's step with ``lr = t_k``:

- ``nesterov``: ``SGD(momentum=beta, nesterov=True)``: :math:`b_k = \beta b_{k-1} + g_k`,
  :math:`d_k = -(g_k + \beta b_k)`;
- ``adam``: :math:`d_k = -\hat m_k / (\sqrt{\hat v_k} + \epsilon)` with bias-corrected moment estimates
  (``betas``);
- ``rmsprop``: :math:`v_k = \alpha v_{k-1} + (1 - \alpha) g_k^2`, :math:`d_k = -g_k / (\sqrt{v_k} + \epsilon)`.

With a fixed ``lr`` (torch's behaviour) :math:`t_k` = ``lr``. With ``lr=None`` :math:`t_k` comes from Armijo
backtracking (from twice the last accepted step), and the optimizer's state is reset whenever
:math:`d_k` is not a descent direction — every step then decreases ``f``.

References: Y. Nesterov, Soviet Math. Dokl. 27 (1983) 372–376; I. Sutskever et al., ICML (2013);
D. P. Kingma and J. Ba, ICLR (2015); T. Tieleman and G. Hinton, COURSERA lecture 6.5 (2012).
"""

from __future__ import annotations

import torch

from sciml.optimize._first_order import GradientDescent
from sciml.optimize._linesearch import armijo
from sciml.optimize._method import BACKTRACKING, Option, Step, line_phi
from sciml.training import TorchStepper

_LR = {"lr": Option(None, doc="fixed learning rate; None for Armijo backtracking")}


class _TorchMethod(GradientDescent):
    """A torch.optim update rule as a direction generator (see the module)."""

    def _optimizer(self) -> tuple[type, dict]:
        raise NotImplementedError

    def reset(self, x, f, g):
        super().reset(x, f, g)
        self._z = x.detach().clone()
        cls, hyper = self._optimizer()
        self._stepper = TorchStepper(self._z, cls, lr=1.0, **hyper)

    def _direction(self, x, g) -> torch.Tensor:
        with torch.no_grad():
            self._z.copy_(x)
        self._stepper.step(g.detach().clone())
        return self._z.detach() - x

    def step(self, objective, x, f, g) -> Step:
        d = self._direction(x, g)
        o = self.options
        if o["lr"] is not None:
            x_new = x + o["lr"] * d
            f_new, g_new = objective.value_and_grad(x_new)
            return Step(x_new, f_new, g_new)
        if not float(g @ d) < 0:  # the accumulated state points uphill: start afresh
            self.reset(x, f, g)
            d = self._direction(x, g)
        ls = armijo(line_phi(objective, x, d), f, float(g @ d), d, t0=2 * self._t, c1=o["c1"],
                    shrink=o["shrink"], max_steps=o["max_ls"], approximate=self._settled(f))
        if not ls.ok:
            return Step(x, f, g, ok=False)
        self._t = ls.t
        return Step(x + ls.t * d, ls.f, ls.g)


class Nesterov(_TorchMethod):
    """Nesterov momentum, ``torch.optim.SGD(momentum=beta, nesterov=True)``. Options: ``lr`` (``None``:
    Armijo), ``beta`` (0.9), ``c1``, ``shrink``, ``max_ls``."""

    name = "nesterov"
    option_specs = {**_LR, "beta": Option(0.9, 0.0, 1.0, closed=(False, False), doc="momentum"), **BACKTRACKING}

    def _optimizer(self):
        return torch.optim.SGD, {"momentum": self.options["beta"], "nesterov": True}


class Adam(_TorchMethod):
    """Adam, ``torch.optim.Adam``. Options: ``lr`` (``None``: Armijo), ``beta1`` (0.9), ``beta2`` (0.999),
    ``eps`` (1e-8), ``c1``, ``shrink``, ``max_ls``."""

    name = "adam"
    option_specs = {**_LR, "beta1": Option(0.9, 0.0, 1.0, closed=(True, False), doc="first-moment decay"),
                    "beta2": Option(0.999, 0.0, 1.0, closed=(True, False), doc="second-moment decay"),
                    "eps": Option(1e-8, doc="added to the root of the second moment"), **BACKTRACKING}

    def _optimizer(self):
        o = self.options
        return torch.optim.Adam, {"betas": (o["beta1"], o["beta2"]), "eps": o["eps"]}


class RMSprop(_TorchMethod):
    """RMSprop, ``torch.optim.RMSprop``. Options: ``lr`` (``None``: Armijo), ``alpha`` (0.99), ``eps`` (1e-8),
    ``c1``, ``shrink``, ``max_ls``."""

    name = "rmsprop"
    option_specs = {**_LR, "alpha": Option(0.99, 0.0, 1.0, closed=(True, False), doc="square-average decay"),
                    "eps": Option(1e-8, doc="added to the root of the square average"), **BACKTRACKING}

    def _optimizer(self):
        return torch.optim.RMSprop, {"alpha": self.options["alpha"], "eps": self.options["eps"]}
