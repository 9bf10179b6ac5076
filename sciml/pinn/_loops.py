"""The optimizer loops of :func:`sciml.pinn.solve`: Levenberg–Marquardt, L-BFGS, Adam; each ends in a :class:`Stop`.

All three minimise ``‖r(z)‖²``, the mean-squared residual, and report each accepted iterate to the run's
:class:`~sciml.pinn.training.Trainer` (``tr.record``), which may ask for a refinement of the points.

- Levenberg–Marquardt is :func:`sciml.optimize.levenberg_marquardt`, run in segments between refinements; a
  segment (or a resumed run) restarts from the saved damping ``λ``, so that a run split in two follows the
  same iterates as one run.
- L-BFGS is ``torch.optim.LBFGS`` with the strong-Wolfe line search, one iteration per ``step``. Its
  objective is divided by the current loss, and the stored curvature pairs are rescaled to match, so that
  torch's absolute curvature threshold (``yᵀs > 1e-10``) keeps the memory updating near a zero residual
  (without this it stalls near a loss of 1e-8); the L-BFGS direction does not depend on that scale. A line
  search without decrease resets the memory once before the run stops.
- Adam is ``torch.optim.Adam`` with a fixed learning rate, as a warm-up before the main method or alone.
"""

from __future__ import annotations

import collections
import dataclasses
import math

import torch

from sciml.optimize._least_squares import STATUS as LM_STATUS
from sciml.optimize._least_squares import levenberg_marquardt

#: status → (stop reason, success): Levenberg–Marquardt's codes plus the L-BFGS line search's
STATUS = {**LM_STATUS, 6: ("line_search", False)}
#: loss-decrease window (iterations) of the ``ftol`` test
WINDOW = 20
#: L-BFGS memory and most function evaluations of one strong-Wolfe line search
LBFGS_HISTORY, LBFGS_MAX_LS = 100, 25


@dataclasses.dataclass(frozen=True)
class Stop:
    """Why a loop ended: a status of :data:`STATUS` and the reason in words."""

    status: int
    message: str

    @property
    def reason(self) -> str:
        return STATUS[self.status][0]

    @property
    def success(self) -> bool:
        return STATUS[self.status][1]


def _callback_stop() -> Stop:
    return Stop(5, "stopped by the callback")


def _max_iter_stop(n: int) -> Stop:
    return Stop(0, f"stopped at max_iter={n} before meeting the tolerance; raise max_iter (with checkpoint=, "
                "resume=True continues this run)")


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
            if tr.record(state.z, state.loss, state.lam):
                tr.pending = True
                raise StopIteration

        tr.pending = False
        out = levenberg_marquardt(tr.fun, jac, s.z, max_iter=n - s.phase_iter, xtol=tr.xtol, ftol=tr.ftol,
                                  window=WINDOW, converged=tr.converged, callback=callback, lam0=lam0)
        if tr.pending:
            tr.refine()
            continue
        s.z = out.z
        return _max_iter_stop(n) if out.status == 0 else Stop(out.status, out.message)


def _evaluator(tr):
    """``evaluate(z) -> (loss, r, grad)`` with a small cache: the line search has evaluated most points that
    the loop asks for again."""
    cache = collections.deque(maxlen=8)

    def evaluate(z):
        key = z.detach()
        for k, value in cache:
            if torch.equal(k, key):
                return value
        with torch.enable_grad():
            leaf = key.clone().requires_grad_(True)
            r = tr.fun(leaf)
            loss = r @ r
            (grad,) = torch.autograd.grad(loss, leaf)
        value = (float(loss.detach()), r.detach(), grad)
        cache.append((key.clone(), value))
        return value

    return evaluate


def _finite(loss: float, *tensors) -> bool:
    return math.isfinite(loss) and all(bool(torch.isfinite(t).all()) for t in tensors)


def _start(tr, loss: float, r, grad) -> Stop | None:
    if not _finite(loss, grad):
        return Stop(-1, "the residual is not finite at the starting point")
    if tr.main and (loss == 0.0 or tr.converged(tr.state.z, r)):
        return Stop(1, "the starting point already meets the tolerance")
    return None


def _tolerance_stop(tr, z, r, step_norm: float | None = None, z_norm: float = 0.0) -> Stop | None:
    """The convergence tests after an accepted iterate, in order: residual, step (when given), ftol."""
    if tr.converged(z.detach(), r):
        return Stop(1, "converged: the residual meets the tolerance")
    if step_norm is not None and step_norm <= tr.xtol * (tr.xtol + z_norm):
        return Stop(2, f"converged: the step {step_norm:.1e} is below xtol relative to the parameters")
    if tr.ftol_met():
        return Stop(3, f"converged: the loss fell by less than ftol={tr.ftol:g} (relative) over the last "
                    f"{WINDOW} iterations")
    return None


def adam(tr, n: int, lr: float) -> Stop | None:
    """``n`` Adam steps of the phase on the loss (``None`` when a warm-up phase completes)."""
    s = tr.state
    z = s.z.clone().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    if s.optimizer is not None:
        opt.load_state_dict(s.optimizer)
        s.optimizer = None
    tr.snapshot = opt.state_dict
    evaluate = _evaluator(tr)
    loss, r, grad = evaluate(z)
    stop = _start(tr, loss, r, grad)
    if stop is not None:
        return stop
    while s.phase_iter < n:
        tr.in_step = True
        z.grad = grad
        opt.step()
        loss, r, grad = evaluate(z)
        if not _finite(loss, grad, z):
            with torch.no_grad():
                z.copy_(s.z)
            return Stop(-1, f"the loss is not finite after Adam step {s.niter + 1} (lr={lr:g}); kept the last "
                        "finite iterate: lower lr")
        tr.in_step = False
        try:
            due = tr.record(z, loss)
        except StopIteration:
            return _callback_stop()
        if not tr.main:
            continue
        stop = _tolerance_stop(tr, z, r)
        if stop is not None:
            return stop
        if due:
            tr.refine()
            evaluate = _evaluator(tr)
            loss, r, grad = evaluate(z)
    return _max_iter_stop(n) if tr.main else None


def _rescale(opt, z, c: float) -> None:
    """Multiply L-BFGS' objective by ``c``: its stored gradient differences and inverse-Hessian scale follow,
    so that its next direction is unchanged."""
    st = opt.state.get(z)
    if not st or "old_dirs" not in st:
        return
    for y in st["old_dirs"]:
        y.mul_(c)
    st["ro"] = [rho / c for rho in st["ro"]]
    st["H_diag"] = st["H_diag"] / c
    if st.get("prev_flat_grad") is not None:
        st["prev_flat_grad"].mul_(c)


def lbfgs(tr, n: int) -> Stop:
    """L-BFGS with the strong-Wolfe line search for ``n`` iterations of the phase."""
    s = tr.state
    z = s.z.clone().requires_grad_(True)

    def make():
        opt = torch.optim.LBFGS([z], lr=1, max_iter=1, max_eval=LBFGS_MAX_LS + 1, history_size=LBFGS_HISTORY,
                                tolerance_grad=0.0, tolerance_change=0.0, line_search_fn="strong_wolfe")
        tr.snapshot = opt.state_dict
        return opt

    opt = make()
    if s.optimizer is not None:
        opt.load_state_dict(s.optimizer)
        s.optimizer = None
    evaluate = _evaluator(tr)

    def closure():
        loss, _, grad = evaluate(z)
        z.grad = grad / s.loss_scale
        return torch.tensor(loss / s.loss_scale, dtype=z.dtype)

    loss, r, grad = evaluate(z)
    stop = _start(tr, loss, r, grad)
    if stop is not None:
        return stop
    if s.loss_scale is None:
        s.loss_scale = loss
    reset = False
    while s.phase_iter < n:
        z_old, loss_old = z.detach().clone(), loss
        tr.in_step = True
        opt.step(closure)
        loss, r, grad = evaluate(z)
        if not _finite(loss, grad, z):
            with torch.no_grad():
                z.copy_(z_old)
            return Stop(-1, f"the loss is not finite after L-BFGS iteration {s.niter + 1}; kept the last finite "
                        "iterate")
        if not loss < loss_old:
            with torch.no_grad():
                z.copy_(z_old)
            if reset:
                return Stop(6, f"the strong-Wolfe line search found no decrease of the loss {loss_old:.3e} along "
                            "the L-BFGS direction, even after resetting its memory: the loss is at the rounding "
                            "level of the dtype, or at a stationary point")
            opt, reset, s.loss_scale = make(), True, loss_old  # forget the curvature pairs, retry once
            tr.in_step = False
            continue
        reset = False
        _rescale(opt, z, s.loss_scale / loss)
        s.loss_scale = loss
        tr.in_step = False
        step_norm, z_norm = float((z.detach() - z_old).norm()), float(z_old.norm())
        try:
            due = tr.record(z, loss)
        except StopIteration:
            return _callback_stop()
        stop = _tolerance_stop(tr, z, r, step_norm, z_norm)
        if stop is not None:
            return stop
        if due:
            tr.refine()
            evaluate = _evaluator(tr)
            opt = make()
            loss, r, grad = evaluate(z)
            s.loss_scale = loss
    return _max_iter_stop(n)
