"""The iteration loop of :func:`~sciml.optimize.minimize`: stopping tests, the second-order check, escapes
from stationary points that are not minima, and the result with its message.

Stopping tests (all invariant under ``f -> c f``, ``c > 0``, unless an absolute ``gtol`` is given):

- ``SUCCESS``: :math:`\\|g_k\\|_\\infty \\le` ``gtol`` when ``gtol`` is given (SciPy's absolute test), else
  :math:`\\le` ``rtol`` :math:`\\cdot \\|g_0\\|_\\infty` (relative to the first gradient, or to the gradient after
  an escape); with bounds :math:`g` is the projected gradient :math:`P(x - g) - x`;
- ``FTOL``: :math:`f_k - f_{k+1} \\le` ``ftol`` :math:`\\cdot \\max(|f_k|, |f_{k+1}|)` when ``ftol`` is given; or
  no step decreases ``f`` any more while :math:`\\|g_k\\|_\\infty \\le \\epsilon^{1/3} \\|g_0\\|_\\infty`: ``f``
  is at its rounding level (a ``LINE_SEARCH`` failure otherwise).
"""

from __future__ import annotations

import math

import torch

from sciml.optimize._result import FAILED, NOT_CHECKED, VERIFIED, OptimizeResult, Status
from sciml.optimize._second_order import Curvature, curvature, probe_descent


def _num(v: float) -> str:
    """A short number that still reads as a float: 0.0, 20.25, 1.5e-09."""
    return repr(float(f"{v:.4g}"))


class Run:
    """The state of one :func:`minimize` call: iterates, counters, and the way the result is assembled."""

    def __init__(self, obj, solver, shape, keep, callback, bar, box=None, progress=True):
        self.obj, self.solver, self.shape, self.callback, self.bar = obj, solver, shape, callback, bar
        self.bar_shown = progress
        self.box = box
        self.trajectory = [] if keep else None
        self.values = [] if keep else None
        self.nit = self.escapes = 0

    def _record(self, z, f, g) -> bool:
        """Store an iterate and call the callback; False when the callback asks to stop."""
        if self.trajectory is not None:
            self.trajectory.append(z.clone())
            self.values.append(f)
        if self.bar_shown:
            self.bar.update(self.nit, f=f, grad=float(g.abs().max()))
        if self.callback is None:
            return True
        try:
            self.callback(OptimizeResult(x=z.reshape(self.shape).clone(), fun=f, jac=g.reshape(self.shape),
                                         nit=self.nit, nfev=self.obj.nfev, njev=self.obj.njev,
                                         method=self.solver.name))
        except StopIteration:
            return False
        return True

    def _measure(self, z, g) -> torch.Tensor:
        return g if self.box is None else self.box.projected_gradient(z, g)

    def _curvature(self, z, g, curvature_tol):
        """The second-order check, on the variables not held at a bound (see :mod:`sciml.optimize._bounds`)."""
        H = self.obj.hess(z)
        approximate = self.obj.fd is not None
        if self.box is None:
            return curvature(H, curvature_tol, approximate=approximate), None
        held = self.box.binding(z, g, 0.0) & (g.abs() > self.threshold)
        free = ~held
        if not bool(free.any()):  # a vertex with positive multipliers: a strict minimum, whatever H
            return Curvature(H, H.new_full((1,), math.inf), H.new_zeros(H.shape[0], 0), 0.0), held
        c = curvature(H[free][:, free], curvature_tol, approximate=approximate)
        full = torch.zeros(H.shape[0], c.eigenvectors.shape[1], dtype=H.dtype, device=H.device)
        full[free] = c.eigenvectors
        c.eigenvectors, c.hess = full, H
        return c, held

    def solve(self, z, *, gtol, rtol, ftol, max_iter, escape, max_escapes, check_hessian, curvature_tol):
        self.obj.value(z)  # validates fun's output before autograd sees it
        f, g = self.obj.value_and_grad(z)
        eps = torch.finfo(z.dtype).eps
        scale = float(self._measure(z, g).abs().max()) if math.isfinite(f) else 0.0
        self.threshold = gtol if gtol is not None else rtol * scale
        if self.trajectory is not None:
            self.trajectory.append(z.clone())
            self.values.append(f)
        self.solver.reset(z, f, g)
        curv = held = None
        while True:
            gnorm = float(self._measure(z, g).abs().max())  # NaN when g has one: max propagates NaN
            if not math.isfinite(f) or not math.isfinite(gnorm):
                status = Status.UNBOUNDED if f == -math.inf else Status.NONFINITE
                break
            if gnorm <= self.threshold or (self.nit and self._ftol_met):
                if not check_hessian:
                    status = Status.SUCCESS if gnorm <= self.threshold else Status.FTOL
                    break
                curv, held = self._curvature(z, g, curvature_tol)
                if curv.positive_definite:
                    status = Status.SUCCESS if gnorm <= self.threshold else Status.FTOL
                    break
                found = None
                if escape and self.escapes < max_escapes and self.nit < max_iter:
                    found = probe_descent(self.obj, z, f, curv)
                if found is None:
                    status = Status.SECOND_ORDER
                    break
                z = found[0] if self.box is None else self.box.project(found[0])
                f, g = self.obj.value_and_grad(z)
                if gtol is None:
                    self.threshold = max(self.threshold, rtol * float(self._measure(z, g).abs().max()))
                self.escapes += 1
                curv = held = None
                self.solver.reset(z, f, g)
            elif self.nit >= max_iter:
                status = Status.MAX_ITER
                break
            else:
                step = self.solver.step(self.obj, z, f, g)
                if not step.ok or torch.equal(step.x, z):  # no step, or one below the rounding of x
                    floor = gtol is None and gnorm <= eps ** (1 / 3) * scale
                    if floor and check_hessian:
                        curv, held = self._curvature(z, g, curvature_tol)
                    status = Status.FTOL if floor and (not check_hessian or curv.positive_definite) else (
                        Status.SECOND_ORDER if floor else Status.LINE_SEARCH)
                    break
                self._ftol_met = ftol is not None and f - step.f <= ftol * max(abs(f), abs(step.f))
                z, f, g = step.x, step.f, step.g
            self.nit += 1
            if not self._record(z, f, g):
                status = Status.CALLBACK
                break
        return self._result(z, f, g, status, curv, held, gtol=gtol, rtol=rtol, ftol=ftol, max_iter=max_iter,
                            escape=escape, max_escapes=max_escapes)

    _ftol_met = False

    def _tested(self, gtol, rtol) -> str:
        if gtol is not None:
            return f"gtol = {gtol:g}"
        return f"rtol * |grad f(x0)|_inf = {rtol:.2g} * {self.threshold / rtol if rtol else 0:.3g}"

    def _result(self, z, f, g, status, curv, held, *, gtol, rtol, ftol, max_iter, escape,
                max_escapes) -> OptimizeResult:
        gnorm = float(self._measure(z, g).abs().max())
        second = NOT_CHECKED if curv is None else (VERIFIED if curv.positive_definite else FAILED)
        lam = None if curv is None else curv.min_eigenvalue
        test = self._tested(gtol, rtol)
        where = ""
        if held is not None and bool(held.any()):
            where = (f" on the {int((~held).sum())} free variable(s); {int(held.sum())} bound(s) active with "
                     f"multipliers of the right sign (KKT)")
        if status in (Status.SUCCESS, Status.FTOL) and curv is not None:
            why = (f"|grad f|_inf = {gnorm:.2e} <= {test}" if status is Status.SUCCESS else
                   f"f stopped decreasing ({f'ftol = {ftol:g}' if ftol is not None else 'at its rounding level'}, "
                   f"|grad f|_inf = {gnorm:.2e})")
            lam_text = "inf (no free variables)" if math.isinf(lam) else _num(lam)
            message = (f"converged to a verified local minimum: {why}, and the smallest Hessian eigenvalue "
                       f"{lam_text}{where} is above the threshold {curv.tol:.3g}")
            if self.escapes:
                message += f" (after {self.escapes} escape(s) from stationary points that were not minima)"
        elif status in (Status.SUCCESS, Status.FTOL):
            message = (f"converged: |grad f|_inf = {gnorm:.2e} "
                       f"{'<= ' + test if status is Status.SUCCESS else '(f stopped decreasing)'} "
                       "(second-order conditions not checked)")
        elif status is Status.SECOND_ORDER:
            message = (f"stopped at a stationary point where second-order conditions fail (smallest Hessian "
                       f"eigenvalue {_num(lam)}{where}, not above the threshold {curv.tol:.3g}); ")
            if not escape:
                message += "not a verified minimum — try escape=True or another x0"
            elif self.escapes >= max_escapes or self.nit >= max_iter:
                message += (f"gave up after {self.escapes} escape(s) — not a verified minimum; try another x0 "
                            "or a larger max_escapes")
            else:
                message += ("probing along the directions of non-positive curvature found no lower value, so it "
                            "may be a degenerate minimum, but not a verified one — try another x0")
        elif status is Status.MAX_ITER:
            message = (f"stopped after max_iter = {max_iter} iterations with |grad f|_inf = {gnorm:.2e} > "
                       f"{test}; {status.hint}")
        elif status is Status.LINE_SEARCH:
            message = f"stopped at iteration {self.nit} with |grad f|_inf = {gnorm:.2e} > {test}: {status.hint}"
        elif status in (Status.NONFINITE, Status.UNBOUNDED):
            message = f"f = {f} or its gradient is not finite at iteration {self.nit}: {status.hint}"
        else:
            message = status.hint
        trajectory = values = None
        if self.trajectory is not None:
            trajectory = torch.stack(self.trajectory).reshape(-1, *self.shape)
            values = torch.tensor(self.values, dtype=z.dtype)
        return OptimizeResult(
            x=z.reshape(self.shape), fun=f, success=status.success, status=status, message=message,
            second_order=second, jac=g.reshape(self.shape), hess=None if curv is None else curv.hess,
            min_eigenvalue=lam, nit=self.nit, nfev=self.obj.nfev, njev=self.obj.njev, nhev=self.obj.nhev,
            escapes=self.escapes, method=self.solver.name, trajectory=trajectory, fun_history=values,
            active=None if self.box is None else self.box.active(z).reshape(self.shape),
        )
