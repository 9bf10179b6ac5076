"""The optimizer loops of :func:`sciml.pinn.solve`: Levenberg–Marquardt, L-BFGS, Adam; each ends in a
:class:`~sciml.training.Stop` of the shared status vocabulary.

All three minimise ``‖r(z)‖²``, the mean-squared residual, and report each accepted iterate to the run's
:class:`~sciml.pinn.training.Trainer` (``tr.record``), which may ask for a refinement of the points.

- Levenberg–Marquardt is :func:`sciml.optimize.levenberg_marquardt`, run in segments between refinements; a
  segment (or a resumed run) restarts from the saved damping ``λ``, so that a run split in two follows the
  same iterates as one run.
- L-BFGS is :class:`sciml.training.LBFGSStepper` (``torch.optim.LBFGS``, strong Wolfe, on the loss divided
  by the current loss so that torch's absolute curvature threshold becomes relative). A line search without
  decrease resets the memory once before the run stops.
- Adam is :class:`sciml.training.AdamStepper` with a fixed learning rate, as a warm-up before the main
  method or alone.
"""

from __future__ import annotations

import math
import warnings

import torch

from sciml.optimize import levenberg_marquardt
from sciml.results import ConvergenceWarning, Status
from sciml.training import (
    AdamStepper,
    LBFGSStepper,
    Stop,
    cached_evaluator,
    callback_stop,
    finite,
    max_iter_stop,
)

#: loss-decrease window (iterations) of the ``ftol`` test
WINDOW = 20
#: L-BFGS memory and most function evaluations of one strong-Wolfe line search
LBFGS_HISTORY, LBFGS_MAX_LS = 100, 25
_RESUME = " (with checkpoint=, resume=True continues this run)"


def lm(tr, n: int) -> Stop:
    """Levenberg–Marquardt for ``n`` iterations of the phase, in segments between refinements."""
    s = tr.state
    tr.snapshot = None  # its state is the damping, kept in s.lam
    while True:
        lam0, first = 1e-3, None
        if s.lam is not None and math.isfinite(s.lam):
            # restart from the saved damping: levenberg_marquardt takes it relative to mean(diag JᵀJ)
            first = tr.jac(s.z)
            lam0 = s.lam / max(float((first * first).sum()) / first.shape[1], 1e-300)

        cached = [] if first is None else [first]  # the first call (at s.z) reuses the Jacobian taken above

        def jac(z, cached=cached):
            return cached.pop() if cached else tr.jac(z)

        def callback(state):
            s.lam = state.lam
            if tr.record(state.x, state.fun, state.lam):
                tr.pending = True
                raise StopIteration

        tr.pending = False
        with warnings.catch_warnings():  # a segment's end is not the run's: solve reports the run's stop
            warnings.simplefilter("ignore", ConvergenceWarning)
            out = levenberg_marquardt(tr.fun, jac, s.z, max_iter=n - s.phase_iter, xtol=tr.xtol, ftol=tr.ftol,
                                      gtol=tr.gtol, window=WINDOW, converged=tr.converged, callback=callback, lam0=lam0)
        if tr.pending:
            tr.refine()
            continue
        s.z = out.x
        if out.status == Status.MAX_ITER:  # an LMStatus member: compare codes (==), not identity
            return max_iter_stop(n, _RESUME)
        return Stop(Status(int(out.status)), out.message)


def _start(tr, loss: float, r, grad) -> Stop | None:
    if not finite(loss, grad):
        return Stop(Status.NONFINITE, "the residual is not finite at the starting point")
    if tr.main and (loss == 0.0 or tr.converged(tr.state.z, r)):
        return Stop(Status.SUCCESS, "the starting point already meets the tolerance")
    return None


def _tolerance_stop(tr, z, r, step_norm: float | None = None, z_norm: float = 0.0) -> Stop | None:
    """The convergence tests after an accepted iterate, in order: residual, step (when given), ftol."""
    if tr.converged(z.detach(), r):
        return Stop(Status.SUCCESS, "converged: the residual meets the tolerance")
    if step_norm is not None and step_norm <= tr.xtol * (tr.xtol + z_norm):
        return Stop(Status.XTOL, f"converged: the step {step_norm:.1e} is below xtol relative to the parameters")
    if tr.ftol_met():
        return Stop(Status.FTOL, f"converged: the loss fell by less than ftol={tr.ftol:g} (relative) over the "
                    f"last {WINDOW} iterations")
    return None


def adam(tr, n: int, lr: float) -> Stop | None:
    """``n`` Adam steps of the phase on the loss (``None`` when a warm-up phase completes)."""
    s = tr.state
    z = s.z.clone().requires_grad_(True)
    stepper = AdamStepper(z, lr, s.optimizer)
    s.optimizer = None
    tr.snapshot = stepper.state_dict
    evaluate = cached_evaluator(tr.fun)
    loss, r, grad = evaluate(z)
    stop = _start(tr, loss, r, grad)
    if stop is not None:
        return stop
    while s.phase_iter < n:
        tr.in_step = True
        stepper.step(grad)
        loss, r, grad = evaluate(z)
        if not finite(loss, grad, z):
            with torch.no_grad():
                z.copy_(s.z)
            return Stop(Status.NONFINITE, f"the loss is not finite after Adam step {s.niter + 1} (lr={lr:g}); kept "
                        "the last finite iterate: lower lr")
        tr.in_step = False
        try:
            due = tr.record(z, loss)
        except StopIteration:
            return callback_stop()
        if not tr.main:
            continue
        stop = _tolerance_stop(tr, z, r)
        if stop is not None:
            return stop
        if due:
            tr.refine()
            evaluate = cached_evaluator(tr.fun)
            loss, r, grad = evaluate(z)
    return max_iter_stop(n, _RESUME) if tr.main else None


def lbfgs(tr, n: int) -> Stop:
    """L-BFGS with the strong-Wolfe line search for ``n`` iterations of the phase."""
    s = tr.state
    z = s.z.clone().requires_grad_(True)
    evaluate = cached_evaluator(tr.fun)
    loss, r, grad = evaluate(z)
    if s.loss_scale is None and finite(loss):
        s.loss_scale = loss
    stepper = LBFGSStepper(z, evaluate, scale=s.loss_scale, history=LBFGS_HISTORY, max_ls=LBFGS_MAX_LS,
                           state=s.optimizer)
    s.optimizer = None
    tr.snapshot = stepper.state_dict
    stop = _start(tr, loss, r, grad)
    if stop is not None:
        return stop
    reset = False
    while s.phase_iter < n:
        z_old, loss_old = z.detach().clone(), loss
        tr.in_step = True
        stepper.step()
        loss, r, grad = evaluate(z)
        if not finite(loss, grad, z):
            with torch.no_grad():
                z.copy_(z_old)
            return Stop(Status.NONFINITE, f"the loss is not finite after L-BFGS iteration {s.niter + 1}; kept the "
                        "last finite iterate")
        if not loss < loss_old:
            with torch.no_grad():
                z.copy_(z_old)
            if reset:
                return Stop(Status.LINE_SEARCH, f"the strong-Wolfe line search found no decrease of the loss "
                            f"{loss_old:.3e} along the L-BFGS direction, even after resetting its memory: the loss "
                            "is at the rounding level of the dtype, or at a stationary point")
            stepper.reset()  # forget the curvature pairs, retry once
            reset, stepper.scale = True, loss_old
            s.loss_scale = loss_old
            tr.in_step = False
            continue
        reset = False
        stepper.rescale(loss)
        s.loss_scale = loss
        tr.in_step = False
        step_norm, z_norm = float((z.detach() - z_old).norm()), float(z_old.norm())
        try:
            due = tr.record(z, loss)
        except StopIteration:
            return callback_stop()
        stop = _tolerance_stop(tr, z, r, step_norm, z_norm)
        if stop is not None:
            return stop
        if due:
            tr.refine()
            evaluate = cached_evaluator(tr.fun)
            loss, r, grad = evaluate(z)
            stepper = LBFGSStepper(z, evaluate, scale=loss, history=LBFGS_HISTORY, max_ls=LBFGS_MAX_LS)
            tr.snapshot = stepper.state_dict
            s.loss_scale = loss
    return max_iter_stop(n, _RESUME)
