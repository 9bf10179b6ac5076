"""The entry point :func:`minimize`: validation of the arguments, then the loop of :mod:`sciml.optimize._driver`."""

from __future__ import annotations

import warnings

import torch

from sciml._validation import as_tensor, check_bool, check_callable, check_int, check_real, resolve_dtype
from sciml.optimize._batched import batched_x0, minimize_batched
from sciml.optimize._bfgs import BFGS
from sciml.optimize._bounds import as_box
from sciml.optimize._driver import Run
from sciml.optimize._first_order import GradientDescent, Momentum
from sciml.optimize._lbfgs import LBFGS
from sciml.optimize._lbfgsb import LBFGSB
from sciml.optimize._newton import Newton
from sciml.optimize._newton_cg import NewtonCG
from sciml.optimize._objective import Objective
from sciml.optimize._result import ConvergenceWarning, OptimizeResult, SecondOrderWarning, Status
from sciml.optimize._torch_methods import Adam, Nesterov, RMSprop
from sciml.optimize._trust_region import TrustExact, TrustNCG
from sciml.results import conclude
from sciml.training import progress_bar

#: method name -> class
METHODS = {cls.name: cls for cls in (GradientDescent, Momentum, Nesterov, Adam, RMSprop, Newton, BFGS, LBFGS,
                                     LBFGSB, NewtonCG, TrustNCG, TrustExact)}


def method_class(method) -> type:
    """The class of ``method`` (case-insensitive); an unknown name lists the valid ones."""
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    return METHODS[method.lower()]


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


def _default_rtol(dtype) -> float:
    return torch.finfo(dtype).eps ** (2 / 3)


def minimize(fun, x0, *, method: str = "bfgs", jac=None, hess=None, args: tuple = (), bounds=None,
             tol: float | None = None, gtol: float | None = None, rtol: float | None = None,
             ftol: float | None = None, max_iter: int | None = None, callback=None, escape: bool = True,
             max_escapes: int = 3, check_hessian: bool = True, curvature_tol: float | None = None,
             return_trajectory: bool | None = None, options: dict | None = None, dtype=None,
             device=None, throw: bool = False, progress: bool = False, batched: bool = False) -> OptimizeResult:
    r"""Minimize a scalar function of a vector, and say whether the answer is a verified local minimum.

    Iterates :math:`x_{k+1} = x_k + t_k d_k` until the gradient is small — :math:`\|\nabla f(x_k)\|_\infty \le`
    ``rtol`` :math:`\cdot \|\nabla f(x_0)\|_\infty` by default, a test that a positive factor on ``f`` does
    not change, or :math:`\le` ``gtol`` when given (absolute, as in SciPy) — then checks the second-order
    conditions: the Hessian's smallest eigenvalue must exceed a threshold that fits the dtype (stated in the
    message). A stationary point that fails them (a saddle, an inflection point) is escaped along its
    directions of non-positive curvature when ``f`` decreases there, and the method restarts
    (``escape=True``); otherwise the result says ``success=False``, ``second_order="failed"`` and a
    :class:`SecondOrderWarning` is issued. With ``bounds`` the gradient is the projected one and the check
    runs on the free variables, the active bounds needing multipliers of the right sign (KKT).

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> scalar tensor``, written with torch operations; ``x`` has the shape of ``x0``.
        With ``jac="2-point" | "3-point" | "cs"`` any black box returning a number (NumPy code).
    x0 : tensor, array, list or number
        Starting point, a scalar or shape ``(n,)``; integers become float64.
    method : str
        ``"gd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``, ``"rmsprop"`` (first order: a fixed
        ``options["lr"]`` or Armijo backtracking), ``"newton"`` (modified Newton), ``"bfgs"``,
        ``"l-bfgs"`` (strong Wolfe), ``"l-bfgs-b"`` (bounds), ``"newton-cg"`` (Hessian-vector products),
        ``"trust-ncg"`` (Steihaug CG), ``"trust-exact"`` (Moré–Sorensen); see :data:`METHODS`.
        Case-insensitive.
    jac : callable or {"2-point", "3-point", "cs"}, optional
        Gradient ``jac(x, *args)``; default autograd; a string: finite differences or the complex step
        with SciPy's steps.
    hess : callable, optional
        Hessian ``hess(x, *args)``; default :mod:`torch.func`.
    bounds : optional
        ``scipy.optimize.Bounds``, a pair ``(low, high)`` or a sequence of ``(low, high)`` per variable
        (``None`` for no bound), for ``l-bfgs-b``, ``newton`` and ``trust-exact``. An ``x0`` outside is
        projected, with a warning.
    tol, gtol : float, optional
        Absolute gradient tolerance (``tol`` is SciPy's name for it); replaces the relative test.
    rtol : float, optional
        Relative gradient tolerance (default :math:`\epsilon^{2/3}` of the dtype: 3.7e-11 in float64).
    ftol : float, optional
        Also stop (status ``FTOL``) when :math:`f_k - f_{k+1} \le` ``ftol`` :math:`\max(|f_k|, |f_{k+1}|)`.
    max_iter : int, optional
        Most iterations (default per method, e.g. first order 20000, newton 200, bfgs max(1000, 200 n)).
    callback : callable, optional
        ``callback(intermediate_result)`` after every iteration with an :class:`OptimizeResult` holding
        ``x``, ``fun``, ``jac`` and ``nit``; raising ``StopIteration`` ends the run (status ``CALLBACK``).
    escape, max_escapes : bool, int
        Escape stationary points that are not minima, at most ``max_escapes`` times.
    check_hessian : bool
        Check second-order conditions at the end (one Hessian, :math:`O(n^2)` memory); without the check
        ``second_order`` is ``"not checked"``.
    curvature_tol : float, optional
        Smallest Hessian eigenvalue counted as positive (default :math:`50 n \epsilon \max_i|\lambda_i|`).
    return_trajectory : bool, optional
        Keep the iterates and values (default: when ``n <= 1000``).
    options : dict, optional
        Method options (``lr``, ``beta``, ``m``, ``c1``, ``c2``, ...; see each method's class); an unknown
        one raises ``TypeError`` listing the method's options.
    dtype, device : optional
        Of the iterates; default those of ``x0`` (float64 for lists, arrays and integer tensors).
    throw : bool
        Raise :class:`~sciml.results.ConvergenceError` (with the result attached) instead of returning a
        result with ``success=False``.
    progress : bool
        Show a progress bar on stderr (iteration, ``f``, ``|grad f|_inf``, elapsed); off by default.
    batched : bool
        ``x0`` of shape ``(B, n)`` and ``fun: (B, n) -> (B,)``: ``B`` independent problems advanced together,
        each with its own steps, convergence and status (:mod:`sciml.optimize._batched`; methods ``gd``,
        ``adam``, ``newton``, ``bfgs``, ``l-bfgs``); the result's fields gain a leading ``B``.

    Returns
    -------
    OptimizeResult
        ``x, fun, jac, hess, success, status, message, second_order, min_eigenvalue, nit, nfev, njev,
        nhev, escapes, trajectory, fun_history, active``. Non-convergence is reported there, with a
        :class:`ConvergenceWarning`.

    Examples
    --------
    The seed's gradient descent starts at the inflection point 0 of :math:`x^4 - 3x^3 + 2`; the escape
    finds the minimizer 9/4:

    >>> res = minimize(lambda x: x**4 - 3 * x**3 + 2, 0.0, method="gd")
    >>> round(float(res.x), 10), res.second_order
    (2.25, 'verified')

    A bound that holds the minimizer of :math:`(x_0 - 2)^2 + (x_1 + 1)^2` back:

    >>> res = minimize(lambda x: ((x - torch.tensor([2.0, -1.0], dtype=x.dtype))**2).sum(), [0.0, 0.0],
    ...                method="l-bfgs-b", bounds=[(None, 1.0), (None, None)])
    >>> res.x.tolist(), res.active.tolist(), res.success
    ([1.0, -1.0], [True, False], True)

    References
    ----------
    J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer (2006).
    """
    if tol is not None:
        gtol = tol
    gtol = check_real(gtol, "tol" if tol is not None else "gtol", low=0, low_open=True, none=True)
    rtol = check_real(rtol, "rtol", low=0, low_open=True, none=True)
    ftol = check_real(ftol, "ftol", low=0, low_open=True, none=True)
    max_escapes = check_int(max_escapes, "max_escapes", low=0)
    curvature_tol = check_real(curvature_tol, "curvature_tol", low=0, none=True)
    check_callable(callback, "callback", "intermediate_result -> None")
    throw, progress = check_bool(throw, "throw"), check_bool(progress, "progress")
    cls = method_class(method)
    if check_bool(batched, "batched"):
        for name, value in (("jac", jac), ("hess", hess), ("bounds", bounds), ("callback", callback)):
            if value is not None:
                raise ValueError(f"{name} is not supported with batched=True (autograd derivatives, no bounds); "
                                 f"got {type(value).__name__}")
        if args:
            raise ValueError("args is not supported with batched=True; close over the extra arguments in fun")
        xb, _ = batched_x0(x0, dtype, device)
        rtol = _default_rtol(xb.dtype) if rtol is None else rtol
        max_iter = (20_000 if cls.name in ("gd", "adam") else max(1000, 200 * xb.shape[1])) if max_iter is None \
            else check_int(max_iter, "max_iter", low=0)
        if not callable(fun):
            raise TypeError(f"fun must be callable ((B, n) -> (B,)), got {type(fun).__name__}")
        return minimize_batched(fun, xb, method=cls.name, options=options, gtol=gtol, rtol=rtol,
                                max_iter=max_iter, check_hessian=check_hessian, throw=throw)
    solver = cls(options)
    x = _x0(x0, dtype, device)
    shape, z = x.shape, x.reshape(-1)
    n = z.numel()
    box = as_box(bounds, n, z.dtype, z.device)
    if box is not None:
        if not cls.supports_bounds:
            able = sorted(k for k, c in METHODS.items() if c.supports_bounds)
            raise ValueError(f"bounds: method {cls.name!r} does not take bounds; use one of {able}")
        solver.box = box
        inside = box.project(z)
        if not torch.equal(inside, z):
            count = int((inside != z).sum())
            warnings.warn(f"x0 is outside the bounds in {count} entr{'y' if count == 1 else 'ies'}; "
                          "starting from its projection onto the box", UserWarning, stacklevel=2)
            z = inside
    rtol = _default_rtol(z.dtype) if rtol is None else rtol
    max_iter = solver.default_max_iter(n) if max_iter is None else check_int(max_iter, "max_iter", low=0)
    keep = n <= 1000 if return_trajectory is None else bool(return_trajectory)
    obj = Objective(fun, shape, z.dtype, jac=jac, hess=hess, args=args, box=box)
    with progress_bar(progress, total=max_iter, desc=f"minimize ({solver.name})") as bar:
        run = Run(obj, solver, shape, keep, callback, bar, box, progress=bool(progress))
        result = run.solve(z, gtol=gtol, rtol=rtol, ftol=ftol, max_iter=max_iter, escape=escape,
                           max_escapes=max_escapes, check_hessian=check_hessian, curvature_tol=curvature_tol)
    if result.status is Status.CALLBACK:
        return result
    category = SecondOrderWarning if result.status is Status.SECOND_ORDER else ConvergenceWarning
    return conclude(result, throw=throw, category=category)
