"""The entry point :func:`minimize`: validation, the iteration loop, the second-order check and escapes."""

from __future__ import annotations

import math

import torch

from sciml._validation import as_tensor, check_bool, check_callable, check_int, check_real, resolve_dtype
from sciml.optimize._bfgs import BFGS
from sciml.optimize._first_order import GradientDescent, Momentum
from sciml.optimize._newton import Newton
from sciml.optimize._objective import Objective
from sciml.optimize._result import (
    FAILED,
    NOT_CHECKED,
    VERIFIED,
    ConvergenceWarning,
    OptimizeResult,
    SecondOrderWarning,
    Status,
)
from sciml.optimize._second_order import curvature, probe_descent
from sciml.results import conclude
from sciml.training import progress_bar

#: method name -> class
METHODS = {cls.name: cls for cls in (GradientDescent, Momentum, Newton, BFGS)}


def _num(v: float) -> str:
    """A short number that still reads as a float: 0.0, 20.25, 1.5e-09."""
    return repr(float(f"{v:.4g}"))


def _method(method, options):
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    return METHODS[method.lower()](options)


def _x0(x0, dtype, device) -> torch.Tensor:
    dtype = resolve_dtype(dtype, x0)
    if dtype.is_complex:
        raise TypeError(f"dtype must be a real floating dtype for minimize, got {dtype}")
    x = as_tensor(x0, "x0", dtype=dtype, device=device, ndim=(0, 1))
    if x.is_complex():
        raise TypeError("x0 must be real; minimize works over real vectors (split complex variables)")
    if x.numel() == 0:
        raise ValueError("x0 is empty; pass the starting point, a scalar or a 1-D tensor of length n >= 1")
    return x.detach().clone()


def minimize(fun, x0, *, method: str = "bfgs", jac=None, hess=None, args: tuple = (), tol: float | None = None,
             gtol: float = 1e-8, max_iter: int | None = None, callback=None, escape: bool = True,
             max_escapes: int = 3, check_hessian: bool = True, curvature_tol: float | None = None,
             return_trajectory: bool | None = None, options: dict | None = None, dtype=None,
             device=None, throw: bool = False, progress: bool = False) -> OptimizeResult:
    r"""Minimize a scalar function of a vector, and say whether the answer is a verified local minimum.

    Iterates :math:`x_{k+1} = x_k + t_k d_k` until :math:`\|\nabla f(x_k)\|_\infty \le` ``gtol``, then checks
    the second-order conditions: the Hessian's smallest eigenvalue must exceed ``curvature_tol``. A
    stationary point that fails them (a saddle, an inflection point) is escaped along its directions of
    non-positive curvature when ``f`` decreases there, and the method restarts (``escape=True``); otherwise
    the result says ``success=False``, ``second_order="failed"`` and a :class:`SecondOrderWarning` is issued.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> scalar tensor``, written with torch operations; ``x`` has the shape of ``x0``.
    x0 : tensor, array, list or number
        Starting point, a scalar or shape ``(n,)``; integers become float64.
    method : {"bfgs", "newton", "gd", "momentum"}
        BFGS with a strong Wolfe line search, modified Newton with backtracking, gradient descent and
        heavy-ball momentum (backtracking or a fixed ``options["lr"]``). Case-insensitive.
    jac, hess : callable, optional
        Gradient ``jac(x, *args)`` and Hessian ``hess(x, *args)``; default: :mod:`torch.func`.
    tol : float, optional
        SciPy's name; when given it replaces ``gtol``.
    gtol : float
        Stop when the largest gradient component is at most ``gtol``.
    max_iter : int, optional
        Most iterations (default per method: gd, momentum 20000; newton 200; bfgs max(1000, 200 n)).
    callback : callable, optional
        ``callback(intermediate_result)`` after every iteration with an :class:`OptimizeResult` holding
        ``x``, ``fun``, ``jac`` and ``nit``; raising ``StopIteration`` ends the run (status ``CALLBACK``).
    escape, max_escapes : bool, int
        Escape stationary points that are not minima, at most ``max_escapes`` times.
    check_hessian : bool
        Check second-order conditions at the end (one Hessian, :math:`O(n^2)` memory); without the check
        ``second_order`` is ``"not checked"``.
    curvature_tol : float, optional
        Smallest Hessian eigenvalue counted as positive (default :math:`\sqrt{\epsilon}\max(1, |\lambda|_{\max})`).
    return_trajectory : bool, optional
        Keep the iterates (default: when ``n <= 1000``).
    options : dict, optional
        Method options: ``lr``, ``beta``, ``c1``, ``c2``, ``shrink``, ``max_ls`` (see each method's class).
    dtype, device : optional
        Of the iterates; default those of ``x0`` (float64 for lists, arrays and integer tensors).
    throw : bool
        Raise :class:`~sciml.results.ConvergenceError` (with the result attached) instead of returning a
        result with ``success=False``.
    progress : bool
        Show a progress bar on stderr (iteration, ``f``, ``|grad f|_inf``, elapsed); off by default.

    Returns
    -------
    OptimizeResult
        ``x, fun, jac, hess, success, status, message, second_order, min_eigenvalue, nit, nfev, njev,
        nhev, escapes, trajectory``. Non-convergence is reported there, with a :class:`ConvergenceWarning`.

    Examples
    --------
    The seed's gradient descent starts at the inflection point 0 of :math:`x^4 - 3x^3 + 2`; the escape
    finds the minimizer 9/4:

    >>> res = minimize(lambda x: x**4 - 3 * x**3 + 2, 0.0, method="gd")
    >>> round(float(res.x), 10), res.second_order
    (2.25, 'verified')
    """
    if tol is not None:
        gtol = tol
    gtol = check_real(gtol, "tol" if tol is not None else "gtol", low=0, low_open=True)
    max_escapes = check_int(max_escapes, "max_escapes", low=0)
    curvature_tol = check_real(curvature_tol, "curvature_tol", low=0, none=True)
    check_callable(callback, "callback", "intermediate_result -> None")
    throw, progress = check_bool(throw, "throw"), check_bool(progress, "progress")
    solver = _method(method, options)
    x = _x0(x0, dtype, device)
    shape, z = x.shape, x.reshape(-1)
    n = z.numel()
    max_iter = solver.default_max_iter(n) if max_iter is None else check_int(max_iter, "max_iter", low=0)
    keep = n <= 1000 if return_trajectory is None else bool(return_trajectory)
    obj = Objective(fun, shape, z.dtype, jac=jac, hess=hess, args=args)
    with progress_bar(progress, total=max_iter, desc=f"minimize ({solver.name})") as bar:
        run = _Run(obj, solver, shape, keep, callback, bar)
        result = run.solve(z, gtol=gtol, max_iter=max_iter, escape=escape, max_escapes=max_escapes,
                           check_hessian=check_hessian, curvature_tol=curvature_tol)
    if result.status is Status.CALLBACK:
        return result
    category = SecondOrderWarning if result.status is Status.SECOND_ORDER else ConvergenceWarning
    return conclude(result, throw=throw, category=category)


class _Run:
    """The state of one :func:`minimize` call: iterates, counters, and the way the result is assembled."""

    def __init__(self, obj, solver, shape, keep, callback, bar):
        self.obj, self.solver, self.shape, self.callback, self.bar = obj, solver, shape, callback, bar
        self.trajectory = [] if keep else None
        self.nit = self.escapes = 0

    def _record(self, z, f, g) -> bool:
        """Store an iterate and call the callback; False when the callback asks to stop."""
        if self.trajectory is not None:
            self.trajectory.append(z.clone())
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

    def solve(self, z, *, gtol, max_iter, escape, max_escapes, check_hessian, curvature_tol):
        self.obj.value(z)  # validates fun's output before autograd sees it
        f, g = self.obj.value_and_grad(z)
        if self.trajectory is not None:
            self.trajectory.append(z.clone())
        self.solver.reset(z, f, g)
        curv = None
        while True:
            if not math.isfinite(f) or not bool(torch.isfinite(g).all()):
                status = Status.UNBOUNDED if f == -math.inf else Status.NONFINITE
                break
            gnorm = float(g.abs().max())
            if gnorm <= gtol:
                if not check_hessian:
                    status = Status.SUCCESS
                    break
                curv = curvature(self.obj.hess(z), curvature_tol)
                if curv.positive_definite:
                    status = Status.SUCCESS
                    break
                found = None
                if escape and self.escapes < max_escapes and self.nit < max_iter:
                    found = probe_descent(self.obj, z, f, curv)
                if found is None:
                    status = Status.SECOND_ORDER
                    break
                z = found[0]
                f, g = self.obj.value_and_grad(z)
                self.escapes += 1
                curv = None
                self.solver.reset(z, f, g)
            elif self.nit >= max_iter:
                status = Status.MAX_ITER
                break
            else:
                step = self.solver.step(self.obj, z, f, g)
                if not step.ok or torch.equal(step.x, z):  # no step, or one below the rounding of x
                    status = Status.LINE_SEARCH
                    break
                z, f, g = step.x, step.f, step.g
            self.nit += 1
            if not self._record(z, f, g):
                status = Status.CALLBACK
                break
        return self._result(z, f, g, status, curv, gtol=gtol, max_iter=max_iter, escape=escape,
                            max_escapes=max_escapes)

    def _result(self, z, f, g, status, curv, *, gtol, max_iter, escape, max_escapes) -> OptimizeResult:
        gnorm = float(g.abs().max())
        second = NOT_CHECKED if curv is None else (VERIFIED if curv.positive_definite else FAILED)
        lam = None if curv is None else curv.min_eigenvalue
        if status is Status.SUCCESS and curv is not None:
            message = (f"converged to a verified local minimum: |grad f|_inf = {gnorm:.2e} <= gtol = {gtol:g} "
                       f"and the smallest Hessian eigenvalue {_num(lam)} is positive")
            if self.escapes:
                message += (f" (after {self.escapes} escape(s) from stationary points that were not minima)")
        elif status is Status.SUCCESS:
            message = (f"converged: |grad f|_inf = {gnorm:.2e} <= gtol = {gtol:g} "
                       "(second-order conditions not checked)")
        elif status is Status.SECOND_ORDER:
            message = (f"stopped at a stationary point where second-order conditions fail (smallest Hessian "
                       f"eigenvalue {_num(lam)}); ")
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
                       f"gtol = {gtol:g}; {status.hint}")
        elif status is Status.LINE_SEARCH:
            message = (f"stopped at iteration {self.nit} with |grad f|_inf = {gnorm:.2e} > gtol = {gtol:g}: "
                       f"{status.hint}")
        elif status is Status.NONFINITE:
            message = f"f = {f} or its gradient is not finite at iteration {self.nit}: {status.hint}"
        else:
            message = f"{status.hint} (at iteration {self.nit})" if status is not Status.CALLBACK else status.hint
        result = OptimizeResult(
            x=z.reshape(self.shape), fun=f, success=status is Status.SUCCESS, status=status, message=message,
            second_order=second, jac=g.reshape(self.shape), hess=None if curv is None else curv.hess,
            min_eigenvalue=lam, nit=self.nit, nfev=self.obj.nfev, njev=self.obj.njev, nhev=self.obj.nhev,
            escapes=self.escapes, method=self.solver.name,
            trajectory=None if self.trajectory is None else torch.stack(self.trajectory).reshape(-1, *self.shape),
        )
        return result
