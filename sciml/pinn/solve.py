"""``solve``: a BVP statement → trial function, collocation, Levenberg–Marquardt → :class:`BVPResult`."""

from __future__ import annotations

import math
import time
import warnings

import torch

from sciml._validation import as_tensor, resolve_dtype
from sciml.optimize.least_squares import levenberg_marquardt
from sciml.optimize.result import ConvergenceWarning
from sciml.pinn.ansatz import Ansatz
from sciml.pinn.collocation import collocation_points
from sciml.pinn.network import TanhMLP
from sciml.pinn.residual import Residuals
from sciml.pinn.result import BVPIntermediate, BVPResult, PINNSolution
from sciml.pinn.statement import BVP

METHODS = ("lm",)
DEFAULT_SEED = 0


def solve(problem: BVP, *, hidden=(20, 20), n_points: int = 64, collocation="chebyshev", method: str = "lm",
          max_iter: int = 2000, rtol: float = 1e-7, atol: float = 0.0, xtol: float = 1e-12, ftol: float = 0.0,
          constraints: str = "hard", condition_weight: float = 1.0, data_weight: float = 1.0, theta0=None,
          generator: torch.Generator | None = None, dtype: torch.dtype | None = None, device=None,
          callback=None) -> BVPResult:
    """Solve a :class:`~sciml.pinn.BVP` with a physics-informed neural network.

    The trial function ``u = N(x) + Σ αᵢ(N) sᵢ(x)`` satisfies the linear conditions exactly for any network
    ``N`` (a tanh MLP); nonlinear conditions become penalty rows. The equation residual
    ``F(x, u, u', …)`` at the collocation points ``x_i`` (plus penalty and data rows) is driven to zero by
    Levenberg–Marquardt with the Jacobian from ``torch.func``: minimise

    .. math:: \\frac1N \\sum_i F(x_i, u(x_i), u'(x_i), \\dots)^2 + \\sum_j w\\, g_j(u)^2 .

    Parameters
    ----------
    problem : BVP
    hidden : sequence of int
        Hidden layer widths of the network.
    n_points : int
        Number of collocation points.
    collocation : {"chebyshev", "uniform", "random"} or tensor
        How to place them (see :func:`~sciml.pinn.collocation.collocation_points`), or the points.
    method : {"lm"}
        The optimizer: Levenberg–Marquardt.
    max_iter : int
        Most iterations (Jacobian evaluations).
    rtol, atol : float
        Stop when the residual ``‖F‖`` over the collocation points is at most ``atol + rtol·‖terms‖``,
        where ``‖terms‖`` is the root sum of squares of the equation's terms (a relative residual: how
        well the equation balances).
    xtol, ftol : float
        Stop on a step below ``xtol`` relative to the parameters, or on a loss that fell by less than the
        fraction ``ftol`` over 20 iterations (0: off).
    constraints : {"hard", "soft"}
        Impose the linear conditions through the trial function, or only as penalty rows.
    condition_weight, data_weight : float
        Weights of the penalty rows of soft conditions and of observations.
    theta0 : tensor or BVPResult, optional
        Start from these network parameters (e.g. a previous result, to resume a run).
    generator : torch.Generator, optional
        Source of the initial weights (and of random collocation points). ``None``: a fixed seed, so that a
        solve is reproducible.
    dtype, device :
        float64 by default.
    callback : callable, optional
        ``callback(intermediate)`` after each iteration with a :class:`~sciml.pinn.result.BVPIntermediate`;
        raise ``StopIteration`` to stop.

    Returns
    -------
    BVPResult
        ``x``, ``y``, ``sol``, ``success``, ``status``, ``message``, ``stop_reason``, ``niter``, ``history``, ...
        A run that stops without meeting a convergence test also issues a :class:`ConvergenceWarning`.

    Examples
    --------
    >>> problem = BVP("u'' + u = 0", domain=(0, "pi/2"), conditions=["u(0) = 0", "u(pi/2) = 1"])
    >>> result = solve(problem)
    >>> x = torch.linspace(0, math.pi / 2, 1000, dtype=torch.float64)
    >>> bool((result.sol(x) - torch.sin(x)).abs().max() < 1e-6)
    True
    """
    start = time.perf_counter()
    if not isinstance(problem, BVP):
        raise TypeError(f"problem must be a sciml.pinn.BVP, got {type(problem).__name__}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if constraints not in ("hard", "soft"):
        raise ValueError(f"constraints must be 'hard' or 'soft', got {constraints!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative integer, got {max_iter!r}")
    for name, value in (("rtol", rtol), ("atol", atol), ("xtol", xtol), ("ftol", ftol)):
        if not (isinstance(value, int | float) and value >= 0):
            raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    dtype = resolve_dtype(dtype)
    if generator is None:
        generator = torch.Generator().manual_seed(DEFAULT_SEED)

    order = max([*problem.orders.values(), *(v.order for c in problem.conditions for v in c.values)])
    net = TanhMLP(hidden, len(problem.functions), problem.domain)
    ansatz = Ansatz(problem, order, hard=constraints == "hard", dtype=dtype, device=device)
    x = collocation_points(problem.domain, n_points, collocation, generator=generator, dtype=dtype, device=device)
    residuals = Residuals(problem, net, ansatz, x, condition_weight=condition_weight, data_weight=data_weight)
    theta = _initial(theta0, net, generator, dtype, device)
    guesses = torch.tensor(list(problem.unknowns.values()), dtype=dtype, device=device)
    z0 = torch.cat([theta, guesses])

    n_checked = residuals.n_checked
    cache = {"scale": None, "age": 0}

    def converged(z, r):
        # ‖r‖ over the equation and condition rows comes with r; the scale of the terms changes slowly, so
        # it is refreshed every 10 iterations, and whenever the test looks met
        norm = float(r[:n_checked].norm())
        cache["age"] += 1
        if cache["scale"] is None or cache["age"] >= 10 or norm <= atol + rtol * cache["scale"]:
            cache["scale"], cache["age"] = residuals.relative(z)[1], 0
        return norm <= atol + rtol * cache["scale"]

    def make_sol(theta):
        return PINNSolution(net, ansatz, theta, problem.functions)

    wrapped = None
    if callback is not None:
        def wrapped(state):
            th, p = residuals.split(state.z)
            callback(BVPIntermediate(state.niter, state.loss, state.lam, th.detach().clone(),
                                     _unknowns(problem, p), make_sol))

    out = levenberg_marquardt(residuals, residuals.jacobian, z0, max_iter=max_iter, xtol=xtol, ftol=ftol,
                              converged=converged, callback=wrapped)
    theta, p = residuals.split(out.z)
    sol = make_sol(theta)
    norm, scale = residuals.relative(out.z)
    between = Residuals(problem, net, ansatz, (x[1:] + x[:-1]) / 2) if x.shape[0] > 1 else residuals
    norm_b, scale_b = between.relative(out.z)
    message = out.message
    if out.stop_reason == "no_progress" and dtype == torch.float32:
        message += " (float32 limits the relative residual to about 1e-6; use dtype=torch.float64)"
    if not out.success:
        warnings.warn(f"sciml.pinn.solve: {message} (relative residual {norm / max(scale, 1e-300):.2e})",
                      ConvergenceWarning, stacklevel=2)
    with torch.no_grad():
        y = sol(x)
    return BVPResult(
        x=x, y=y, sol=sol, success=out.success, status=out.status, message=message,
        stop_reason=out.stop_reason, niter=out.niter, nfev=out.nfev, njev=out.njev, loss=out.loss,
        residual=_ratio(norm, scale), residual_between=_ratio(norm_b, scale_b),
        history=torch.tensor(out.history, dtype=torch.float64), unknowns=_unknowns(problem, p),
        network=net.module(theta), theta=theta.detach(), seconds=time.perf_counter() - start,
    )


def _initial(theta0, net, generator, dtype, device) -> torch.Tensor:
    if theta0 is None:
        return net.init(generator, dtype=dtype, device=device)
    if isinstance(theta0, BVPResult):
        theta0 = theta0.theta
    theta = as_tensor(theta0, "theta0", dtype=dtype, device=device, ndim=1)
    if theta.shape[0] != net.n_params:
        raise ValueError(f"theta0 has {theta.shape[0]} entries but the network {net.sizes} has {net.n_params} "
                         "parameters; pass the same hidden= as the run it comes from")
    return theta.detach().clone()


def _unknowns(problem, p) -> dict[str, float]:
    return {name: float(v) for name, v in zip(problem.unknowns, p.tolist(), strict=True)}


def _ratio(norm: float, scale: float) -> float:
    return norm / scale if scale > 0 else (0.0 if norm == 0 else math.inf)
