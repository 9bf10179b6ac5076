"""An initial guess of the unknown functions, as ``solve_bvp``'s ``y``: fit the trial function to it first.

``guess=`` is an expression in the variable (a string or SymPy; a list or dict for systems), a callable
``guess(x) -> values`` (shape ``(N,)``, or ``(N, k)`` for ``k`` functions), or a previous
:class:`~sciml.pinn.BVPResult` (its dense solution; its unknowns become the guesses of the constants). Before
the solve, Levenberg–Marquardt fits the trial function ``u(x; θ)`` (conditions included) to the guess at the
collocation points, in the least-squares sense: the solve then starts in the basin of the solution the guess
is near. That is how one reaches the second solution of a nonlinear problem, or a nontrivial eigenfunction.

Two things made the solve from a guess seed-dependent (measured on ``y'' = 3y²/2``, ``y(0) = 4``, ``y(1) = 1``
from ``4 - 3x - 40x(1 - x)``, whose second solution dips to −10.7; (20, 20) network, 64 points): seeds 3 and 4
of 0–4 ended at the first solution ``4/(1 + x)²``.

* A fresh network (Glorot weights, zero biases) is odd about the midpoint, and so is every feature of its last
  layer, while the guess differs from the trial function by ``-40x(1 - x)``, which is even: the fit had to break
  the symmetry itself and, for seed 3, stalled at a relative misfit of 1.3 — the solve started nowhere near the
  guess. When the difference has an even part (or a fit does not converge), :func:`fit_guess` draws the
  first-layer biases (each unit's steepest point somewhere in the domain), fits the last layer roughly (the
  trial function is linear in it), then every parameter: a misfit below 1e-4 on seeds 0–7. (Seed 7's odd
  network alone met the guess to 1e-4, bent out of shape, and its solve left the basin: error 6.4.)
* The guess is 3 away from the solution, and a Gauss–Newton step of the network (64 rows, 481 parameters:
  under-determined) can change the function by far more: for seed 4 the first step crossed to the first
  solution. :func:`approach` takes the first steps with a damping in *function values* (a damped Newton
  iteration, as ``solve_bvp``'s): after it (and one more step) the trial function is within 5e-3 of the second
  solution on seeds 0–7.

The second solution (``y''`` to about 170) then converges slowly on the (20, 20) network: after 3000
iterations the error is below 1e-6 on seeds 0–7 (slow test), the relative residual near 5e-7, above the
default ``rtol``, so the run may end at ``max_iter`` (its message says to raise it).
"""

from __future__ import annotations

import math
import warnings

import sympy
import torch
from torch.func import jacrev, vmap

from sciml._validation import as_tensor
from sciml.calculus import to_torch
from sciml.optimize import levenberg_marquardt
from sciml.pinn import _parse
from sciml.pinn._result import BVPResult
from sciml.results import ConvergenceWarning

#: most Levenberg–Marquardt iterations of the fit, and its relative tolerance (a guess needs no more)
FIT_ITER, FIT_RTOL = 200, 1e-4
#: the last layer alone (the trial function is linear in it) is fitted first, to this relative misfit only: a
#: tight linear fit drives its weights large (the features are nearly collinear), which slows the solve's tail
#: (on y'' = 3y²/2 from the second solution's guess, seed 3: 1.4e-6 after 3000 iterations at 1e-2, 4e-7 at 1e-1)
LINEAR_ITER, LINEAR_RTOL = 20, 1e-1
#: the share of even part (about the midpoint) in the guess's difference from a fresh, odd trial function above
#: which the fit starts from drawn biases at once (see :func:`fit_guess`)
EVEN_PART = 0.1
#: weights of the function-space damping of :func:`approach`, relative to ‖J_residuals‖/‖J_values‖, one stage
#: each, and the iterations of a stage
APPROACH_WEIGHTS, APPROACH_ITER = (1.0, 0.3, 0.1, 0.03, 0.01), 10


def guess_values(guess, problem, x: torch.Tensor) -> torch.Tensor:
    """The guess at the points ``x``, shape ``(N, k)``."""
    k, n = len(problem.functions), x.shape[0]
    if isinstance(guess, BVPResult):
        if tuple(guess.sol.functions) != tuple(problem.functions):
            raise ValueError(f"guess: the result solves for {list(guess.sol.functions)}, this problem for "
                             f"{list(problem.functions)}")
        with torch.no_grad():
            values = guess.sol(x.to(guess.theta.dtype)).to(x.dtype)
    elif callable(guess) and not isinstance(guess, sympy.Basic):
        values = as_tensor(guess(x), "guess(x)", dtype=x.dtype, device=x.device)
    else:
        values = torch.stack([_expression(e, f, problem)(x) for f, e in zip(problem.functions,
                                                                             _per_function(guess, problem),
                                                                             strict=True)], dim=-1)
    if values.dim() == 1 and k == 1:
        values = values[:, None]
    if tuple(values.shape) != (n, k):
        want = f"({n},)" if k == 1 else f"({n}, {k})"
        raise ValueError(f"guess must give values of shape {want} at the {n} collocation points (one column per "
                         f"function {list(problem.functions)}), got {tuple(values.shape)}")
    if not bool(torch.isfinite(values).all()):
        raise ValueError("guess is not finite at every collocation point; give a guess defined on the whole domain")
    return values


def _per_function(guess, problem) -> list:
    k = len(problem.functions)
    if isinstance(guess, dict):
        if set(guess) != set(problem.functions):
            raise ValueError(f"guess must give one expression for each of {list(problem.functions)}, got "
                             f"{sorted(guess)}")
        return [guess[f] for f in problem.functions]
    items = list(guess) if isinstance(guess, list | tuple) else [guess]
    if len(items) != k:
        raise ValueError(f"guess has {len(items)} expression(s) for {k} function(s) {list(problem.functions)}")
    return items


def _expression(text, f, problem):
    if not isinstance(text, str | int | float | sympy.Basic) or isinstance(text, bool):
        raise TypeError(f"guess must be an expression in {problem.variable} (a string), a callable guess(x), or a "
                        f"BVPResult; got {type(text).__name__}")
    names = {str(problem.variable): problem.variable}
    expr = _parse.parse_side(text, where=f"guess[{f!r}]", functions=(), names=names)
    stray = sorted(str(s) for s in expr.free_symbols - {problem.variable})
    if stray:
        raise ValueError(f"guess[{f!r}]: {text!r} uses {', '.join(stray)}; it must be a function of "
                         f"{problem.variable} alone")
    return to_torch(expr, [str(problem.variable)])


def fit_guess(residuals, theta: torch.Tensor, values: torch.Tensor,
              generator: torch.Generator | None = None, mirrored: torch.Tensor | None = None
              ) -> tuple[torch.Tensor, float]:
    """θ of the trial function closest to ``values`` at ``residuals.x`` (least squares, from ``theta``); also
    the root-mean-square misfit relative to that of the values.

    A fresh network (zero biases) is odd in its input. When the fit from it does not reach :data:`FIT_RTOL`
    in :data:`FIT_ITER` iterations, its first-layer biases are drawn (``generator``) so that its features can take any
    shape, the last layer (on which the trial function depends linearly) is fitted alone, roughly
    (:data:`LINEAR_RTOL`), then every parameter. The same is done from the start, without trying the odd
    network, when the guess's difference from the fresh trial function has an even part about the midpoint
    of the domain (``mirrored``: the guess at ``a + b - x``) of at least :data:`EVEN_PART` of its size: the
    plain fit may then meet :data:`FIT_RTOL` with features bent out of shape, and the solve leave the basin
    (``y'' = 3y²/2`` from ``4 - 3x - 40x(1 - x)``, seed 7: error 6.4)."""
    x, net = residuals.x, residuals.net
    scale = float(values.norm()) / math.sqrt(values.numel()) or 1.0

    def at(th, xi):
        return residuals._values(th, xi, 0)[0]

    def fun(th):
        return (at(th, x) - values).reshape(-1) / math.sqrt(values.numel())

    def jac(th):
        return vmap(jacrev(at), in_dims=(None, 0))(th, x).reshape(-1, th.shape[0]) / math.sqrt(values.numel())

    def fit(th):
        return levenberg_marquardt(fun, jac, th, max_iter=FIT_ITER, xtol=1e-10,
                                   converged=lambda z, r: float(r.norm()) <= FIT_RTOL * scale)

    with warnings.catch_warnings():  # a rough fit is all a guess needs
        warnings.simplefilter("ignore", ConvergenceWarning)
        kinked = _spread_kinks(net, theta, generator)
        even = kinked is not theta and mirrored is not None and _even_part(
            values - at(theta, x), mirrored - at(theta, residuals.problem.domain[0] + residuals.problem.domain[1] - x))
        out = None if even else fit(theta)
        if (out is None or not out.success) and kinked is not theta:
            last = net.sizes[-2] * net.sizes[-1] + net.sizes[-1]
            head = kinked[:-last]
            linear = levenberg_marquardt(lambda t: fun(torch.cat([head, t])),
                                         lambda t: jac(torch.cat([head, t]))[:, -last:], kinked[-last:],
                                         max_iter=LINEAR_ITER, xtol=1e-12,
                                         converged=lambda z, r: float(r.norm()) <= LINEAR_RTOL * scale)
            out = fit(torch.cat([head, linear.x.detach()]))
    return out.x.detach(), math.sqrt(out.fun) / scale


def _even_part(d: torch.Tensor, d_mirrored: torch.Tensor) -> bool:
    """Whether ``d`` (at x; ``d_mirrored`` at a + b - x) has an even part of at least :data:`EVEN_PART` of its size."""
    size = float(d.norm())
    return size > 0 and float((d + d_mirrored).norm()) / 2 >= EVEN_PART * size


def _spread_kinks(net, theta: torch.Tensor, generator) -> torch.Tensor:
    """A fresh network's first-layer biases ``b = -w c``, ``c`` uniform in (-1, 1): each unit's steepest point
    somewhere in the (rescaled) domain. With zero biases every feature is odd about the midpoint, and a guess
    whose difference from the trial function is even (``-40x(1 - x)`` on [0, 1]) is out of the last layer's
    reach: the fit must first break the symmetry and can stall at a misfit of order 1."""
    width = net.sizes[1]
    w, b = theta[:width], theta[width:2 * width]
    if bool(b.any()):  # not a fresh network (theta0=, a result): keep it
        return theta
    c = torch.rand(width, generator=generator, dtype=torch.float64).to(theta) * 2 - 1
    return torch.cat([w, -w * c, theta[2 * width:]])


def approach(residuals, z: torch.Tensor, iterations: int = APPROACH_ITER, weights=None) -> torch.Tensor:
    """From the fitted guess towards the solution in small steps of the *function*: Levenberg–Marquardt on the
    residuals plus ``w·(u(x_i) - u_k(x_i))`` (``u_k`` the trial function at the start of each stage), with the
    weight ``w`` falling by :data:`APPROACH_WEIGHTS` relative to the ratio of the residuals' to the values'
    Jacobian norms — a damped Newton iteration in function space, like ``solve_bvp``'s from the same guess.
    Damping in the parameters alone does not keep the function near the guess: one Gauss–Newton step of the
    (under-determined) network can cross to another solution's basin."""
    n, x = residuals.n_theta, residuals.x
    weights = APPROACH_WEIGHTS if weights is None else weights
    root = math.sqrt(x.numel())

    def values(zz):
        return residuals._values(zz[:n], x, 0)[0].reshape(-1) / root

    def values_jac(zz):
        jt = vmap(jacrev(lambda th, xi: residuals._values(th, xi, 0)[0]), in_dims=(None, 0))(zz[:n], x)
        jt = jt.reshape(-1, n) / root
        return torch.cat([jt, jt.new_zeros(jt.shape[0], zz.shape[0] - n)], dim=1)

    ratio = float(residuals.jacobian(z).norm()) / max(float(values_jac(z).norm()), 1e-300)
    for factor in weights:
        w, anchor = factor * ratio, values(z).detach()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            out = levenberg_marquardt(lambda zz, w=w, a=anchor: torch.cat([residuals(zz), w * (values(zz) - a)]),
                                      lambda zz, w=w: torch.cat([residuals.jacobian(zz), w * values_jac(zz)]), z,
                                      max_iter=iterations, xtol=1e-12)
        z = out.x.detach()
    return z


def fit_unknowns(residuals, theta: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """The unknown constants that best fit the equations and conditions with the network fixed at ``theta``
    (least squares from ``p``): a guess of the function implies its constants (``sin 2x`` in ``y'' + k²y = 0``
    gives ``k = 2``), and starting them elsewhere would pull the solve off the guess."""
    if p.numel() == 0:
        return p
    n = residuals.n_theta

    def fun(q):
        return residuals(torch.cat([theta, q]))

    def jac(q):
        return residuals.jacobian(torch.cat([theta, q]))[:, n:]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        out = levenberg_marquardt(fun, jac, p, max_iter=FIT_ITER, xtol=1e-12)
    return out.x.detach()
