"""An initial guess of the unknown functions, as ``solve_bvp``'s ``y``: fit the trial function to it first.

``guess=`` is an expression in the variable (a string or SymPy; a list or dict for systems), a callable
``guess(x) -> values`` (shape ``(N,)``, or ``(N, k)`` for ``k`` functions), or a previous
:class:`~sciml.pinn.BVPResult` (its dense solution; its unknowns become the guesses of the constants). Before
the solve, Levenberg–Marquardt fits the trial function ``u(x; θ)`` (conditions included) to the guess at the
collocation points, in the least-squares sense: the solve then starts in the basin of the solution the guess
is near. That is how one reaches the second solution of a nonlinear problem, or a nontrivial eigenfunction.

The fit puts the solve in the basin, not at the solution: on ``y'' = 3y²/2``, ``y(0) = 4``, ``y(1) = 1``, from
``4 - 3x - 40x(1 - x)`` the fitted trial function is within 1e-3 of the second solution after 50
Levenberg–Marquardt iterations, but that solution (values to −10.7, ``y''`` to about 170) converges slowly on the
(20, 20) network: 2e-5 after 250 iterations, 5e-7 after 1500, 1e-7 after 3000, the relative residual stalling
near 5e-7 (above the default ``rtol``), so the run ends at ``max_iter`` within 1e-6 of the solution: slow, not
lost, and its message says to raise ``max_iter``.
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


def fit_guess(residuals, theta: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, float]:
    """θ of the trial function closest to ``values`` at ``residuals.x`` (least squares, from ``theta``); also
    the root-mean-square misfit relative to that of the values."""
    x = residuals.x
    scale = float(values.norm()) / math.sqrt(values.numel()) or 1.0

    def at(th, xi):
        return residuals._values(th, xi, 0)[0]

    def fun(th):
        return (at(th, x) - values).reshape(-1) / math.sqrt(values.numel())

    def jac(th):
        return vmap(jacrev(at), in_dims=(None, 0))(th, x).reshape(-1, th.shape[0]) / math.sqrt(values.numel())

    with warnings.catch_warnings():  # a rough fit is all a guess needs
        warnings.simplefilter("ignore", ConvergenceWarning)
        out = levenberg_marquardt(fun, jac, theta, max_iter=FIT_ITER, xtol=1e-10,
                                  converged=lambda z, r: float(r.norm()) <= FIT_RTOL * scale)
    return out.x.detach(), math.sqrt(out.fun) / scale


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
