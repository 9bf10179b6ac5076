"""One ``solve`` run's state and bookkeeping: history, checkpoints, callback, refinement of the points.

:class:`RunState` is everything a run needs to continue (what a checkpoint holds); :class:`Trainer` holds it
with the residuals of the current points, and runs the phases of the plan (an optional Adam warm-up, then the
main method) with the loops of :mod:`sciml.pinn._loops`. Each loop reports every accepted iterate to
:meth:`Trainer.record`, which appends the loss to the history, writes the checkpoint when it is due, calls the
user's callback and says when to refine the collocation points (:mod:`sciml.pinn._resample`).
"""

from __future__ import annotations

import dataclasses
import math

import torch

from sciml.pinn._loops import WINDOW, adam, lbfgs, lm
from sciml.pinn._resample import refine
from sciml.pinn._residual import Residuals
from sciml.pinn._result import BVPIntermediate
from sciml.training import Checkpointer, Stop, load_checkpoint, relative_decrease_met

#: what a checkpoint of :func:`sciml.pinn.solve` is called and which layout of it this sciml reads
CHECKPOINT_FORMAT, CHECKPOINT_VERSION = "sciml.pinn.solve checkpoint", 1


def signature(problem, net, constraints: str) -> dict:
    """What a checkpoint must match to be resumed: the statement, the network's sizes, the constraints."""
    return {
        "residuals": [str(e) for e in problem.residuals],
        "conditions": [str(c.expr) for c in problem.conditions],
        "domain": [float(v) for v in problem.domain],
        "unknowns": list(problem.unknowns),
        "sizes": list(net.sizes),
        "constraints": constraints,
    }


def load_run(path, expected: dict, *, dtype, device) -> dict:
    """Read the checkpoint of a run whose :func:`signature` is ``expected``; ``z`` and ``x`` in ``dtype`` on
    ``device`` (the optimizer's state is left as saved: ``Optimizer.load_state_dict`` casts it)."""
    data = load_checkpoint(path, format=CHECKPOINT_FORMAT, version=CHECKPOINT_VERSION, expected=expected,
                           hint="pass the same problem and hidden=/constraints= to resume it", device=device)
    for key in ("z", "x"):
        data[key] = data[key].to(dtype=dtype, device=device)
    return data


@dataclasses.dataclass
class RunState:
    """Everything a run needs to continue exactly where it stopped (what a checkpoint holds)."""

    z: torch.Tensor
    x: torch.Tensor
    niter: int = 0
    phase: int = 0
    phase_iter: int = 0
    history: list = dataclasses.field(default_factory=list)
    nfev: int = 0
    njev: int = 0
    lam: float | None = None
    optimizer: dict | None = None
    loss_scale: float | None = None
    resamples: int = 0
    last_resample: int = 0

    FIELDS = ("niter", "phase", "phase_iter", "nfev", "njev", "lam", "optimizer", "loss_scale", "resamples",
              "last_resample")


class Trainer:
    """The run's state and its per-iteration bookkeeping, shared by the optimizer loops.

    ``plan`` lists the phases (``"adam"``, ``"lm"``, ``"lbfgs"``); the last is the main one, the only one
    that refines points and tests convergence.
    """

    def __init__(self, problem, net, ansatz, state: RunState, *, plan, weights, rtol, atol, xtol, ftol, gtol,
                 callback, make_sol, resample, generator, path, every, signature, bar):
        self.problem, self.net, self.ansatz, self.state, self.plan = problem, net, ansatz, state, plan
        self.weights, self.rtol, self.atol, self.xtol, self.ftol = weights, rtol, atol, xtol, ftol
        self.gtol = gtol
        self.user_callback, self.make_sol, self.resample, self.generator = callback, make_sol, resample, generator
        self.signature, self.bar = signature, bar
        self.checkpoints = Checkpointer(path, self._payload, every=every, format=CHECKPOINT_FORMAT,
                                        version=CHECKPOINT_VERSION)
        self.snapshot = None  # callable: the optimizer's state_dict, for checkpoints
        self.in_step = False  # inside an optimizer step: its state is ahead of state.z
        self.pending = False  # Levenberg–Marquardt was stopped to refine the points
        self.residuals = self._build(state.x)
        if not state.history:
            r = self.fun(state.z)
            state.history.append(float(r @ r))

    def _build(self, x) -> Residuals:
        self._scale, self._age = None, 0
        return Residuals(self.problem, self.net, self.ansatz, x, condition_weight=self.weights[0],
                         data_weight=self.weights[1])

    @property
    def main(self) -> bool:
        return self.state.phase == len(self.plan) - 1

    # -- evaluations ---------------------------------------------------------------------------------------

    def fun(self, z):
        self.state.nfev += 1
        return self.residuals(z)

    def jac(self, z):
        self.state.njev += 1
        return self.residuals.jacobian(z)

    def converged(self, z, r) -> bool:
        """``‖r‖ ≤ atol + rtol·‖terms‖`` over the equation and condition rows (the scale of the terms is
        refreshed every 10 calls, and whenever the test looks met)."""
        norm = float(r[: self.residuals.n_checked].norm())
        self._age += 1
        if norm == 0.0:
            return True
        if self._scale is None or self._age >= 10 or norm <= self.atol + self.rtol * self._scale:
            self._scale, self._age = self.residuals.relative(z)[1], 0
        return norm <= self.atol + self.rtol * self._scale

    def ftol_met(self) -> bool:
        s = self.state
        return (s.phase_iter - s.last_resample >= WINDOW
                and relative_decrease_met(s.history, WINDOW, self.ftol))

    # -- per iteration -----------------------------------------------------------------------------------------

    def record(self, z, loss: float, lam: float = math.nan) -> bool:
        """Book an accepted iterate; checkpoint when due; call the user's callback (its ``StopIteration``
        propagates). Returns whether the points are due for refinement."""
        s = self.state
        s.z = z.detach().clone()
        s.niter += 1
        s.phase_iter += 1
        s.history.append(loss)
        if self.checkpoints.due():
            self.save()
        self.bar.update(s.niter, loss=loss)
        if self.user_callback is not None:
            theta, p = self.residuals.split(s.z)
            self.user_callback(BVPIntermediate(s.niter, loss, lam, theta, self.unknowns(p), self.make_sol,
                                               self.plan[s.phase]))
        return (self.main and self.resample is not None
                and self.resample.due(s.phase_iter, s.history, s.last_resample, s.resamples))

    def refine(self) -> None:
        s = self.state
        s.x = refine(self.resample, self.residuals, s.z, self.generator)
        s.resamples += 1
        s.last_resample = s.phase_iter
        self.residuals = self._build(s.x)

    def unknowns(self, p) -> dict[str, float]:
        return {name: float(v) for name, v in zip(self.problem.unknowns, p.tolist(), strict=True)}

    # -- checkpoints ---------------------------------------------------------------------------------------------

    def save(self, *, consistent: bool = True) -> None:
        """Write the checkpoint; ``consistent=False`` (interrupted inside a step) leaves out the optimizer's
        state, which is then ahead of the saved iterate."""
        self.checkpoints.save(consistent=consistent)

    def _payload(self, *, consistent: bool = True) -> dict:
        s = self.state
        optimizer = self.snapshot() if consistent and self.snapshot is not None else None
        payload = {name: getattr(s, name) for name in RunState.FIELDS}
        payload.update(optimizer=optimizer, z=s.z, x=s.x, history=torch.tensor(s.history, dtype=torch.float64),
                       unknowns=self.unknowns(self.residuals.split(s.z)[1]), plan=list(self.plan),
                       signature=self.signature, generator=self.generator.get_state())
        return payload

    def run(self, steps: list, lr: float) -> Stop:
        """Run the phases of the plan from the current state; ``steps[i]``: iterations of phase ``i``."""
        s = self.state
        while True:
            name = self.plan[s.phase]
            n = steps[s.phase]
            if name == "adam":
                stop = adam(self, n, lr)
            else:
                stop = (lm if name == "lm" else lbfgs)(self, n)
            if stop is not None or self.main:
                return stop
            s.phase, s.phase_iter, s.last_resample = s.phase + 1, 0, 0
            s.lam = s.optimizer = s.loss_scale = None


