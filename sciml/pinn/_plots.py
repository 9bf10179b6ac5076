"""Figures of a :func:`~sciml.pinn.solve` result: the solution (with the exact one, its pointwise error and the
observations) and the loss history. Each takes ``ax=None`` (the current axes) and returns the artists."""

from __future__ import annotations

import numpy as np
import sympy
import torch

GRID = 1000


def _check(result):
    from sciml.pinn._result import BVPResult

    if not isinstance(result, BVPResult):
        raise TypeError(f"result must be a sciml.pinn.BVPResult (what solve returns), got {type(result).__name__}")


def _axes(ax):
    import matplotlib.pyplot as plt

    return plt.gca() if ax is None else ax


def _exact_values(exact, problem, x):
    """The exact solution at ``x`` as an ``(n, k)`` array: a callable, an expression (list, dict), or the
    problem's own ``exact=``; ``None`` when there is none."""
    if exact is None:
        if problem is None or problem.exact is None:
            return None
        exact = problem.exact
    if callable(exact) and not isinstance(exact, sympy.Basic | str):
        values = exact(torch.as_tensor(x))
        return np.asarray(values.detach() if isinstance(values, torch.Tensor) else values, dtype=float).reshape(
            len(x), -1)
    variable = problem.variable if problem is not None else sympy.Symbol("x")
    items = list(exact.values()) if isinstance(exact, dict) else exact if isinstance(exact, list | tuple) else [exact]
    columns = [np.broadcast_to(np.asarray(sympy.lambdify(variable, sympy.sympify(e), ["scipy", "numpy"])(x),
                                          dtype=float), x.shape) for e in items]
    return np.stack(columns, axis=-1)


def plot_solution(result, ax=None, exact=None):
    """Plot the solution of a :func:`~sciml.pinn.solve` result on its domain, with the exact solution (dashed)
    and the pointwise error ``|u - u_exact|`` on a logarithmic right axis, and the observations of an inverse
    problem as points.

    Parameters
    ----------
    result : BVPResult
    ax : matplotlib Axes, optional
        Where to draw (default: the current axes). The error goes on ``ax.twinx()``.
    exact : callable, str, list or dict, optional
        The exact solution (``exact(x)`` on a tensor, or expressions in the variable); default the problem's
        own ``exact=``, when it has one.

    Returns
    -------
    list
        The artists: solution lines, exact lines, error lines, observation points.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sciml.pinn import BVP, solve
    >>> result = solve(BVP("u'' + u = 0", (0, "pi/2"), ["u(0) = 0", "u(pi/2) = 1"], exact="sin(x)"))
    >>> len(plot_solution(result))  # solution, exact, error
    3
    """
    _check(result)
    ax = _axes(ax)
    problem = result.problem
    lo, hi = (float(result.x.min()), float(result.x.max())) if problem is None else problem.domain
    x = np.linspace(lo, hi, GRID)
    with torch.no_grad():
        got = result.sol(torch.as_tensor(x, dtype=result.theta.dtype)).cpu().numpy().reshape(GRID, -1)
    names = list(result.sol.functions)
    artists = [ax.plot(x, got[:, j], lw=2, label=f"PINN {f}")[0] for j, f in enumerate(names)]
    ref = _exact_values(exact, problem, x)
    if ref is not None:
        artists += [ax.plot(x, ref[:, j], "--", lw=1, color="k", label=f"exact {f}")[0] for j, f in enumerate(names)]
        err_ax = ax.twinx()
        artists += [err_ax.semilogy(x, np.maximum(np.abs(got[:, j] - ref[:, j]), 1e-17), lw=0.8, color="tab:red",
                                    alpha=0.7, label=f"|error| {f}")[0] for j, f in enumerate(names)]
        err_ax.set_ylabel("pointwise |error|", color="tab:red")
    if problem is not None and problem.data is not None:
        x_obs, u_obs = (t.cpu().numpy() for t in problem.data)
        u_obs = u_obs.reshape(len(x_obs), -1)
        artists += [ax.plot(x_obs, u_obs[:, j], "o", ms=3, label=f"data {f}")[0] for j, f in enumerate(names)]
    ax.set(xlabel=str(problem.variable) if problem is not None else "x", title=f"solution ({result.stop_reason})")
    ax.legend(fontsize="small", loc="best")
    return artists


def plot_history(result, ax=None):
    """Plot the loss after each iteration of a :func:`~sciml.pinn.solve` result (logarithmic), with the
    identified unknowns in the title.

    Parameters
    ----------
    result : BVPResult
    ax : matplotlib Axes, optional
        Where to draw (default: the current axes).

    Returns
    -------
    list
        The line artists.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sciml.pinn import BVP, solve
    >>> result = solve(BVP("u'' + u = 0", (0, "pi/2"), ["u(0) = 0", "u(pi/2) = 1"]))
    >>> len(plot_history(result))
    1
    """
    _check(result)
    ax = _axes(ax)
    history = result.history.cpu().numpy()
    artists = ax.semilogy(np.arange(len(history)), np.maximum(history, 1e-300), lw=1.2)
    title = f"loss ({result.method}, {result.stop_reason})"
    if result.unknowns:
        title += "\n" + ", ".join(f"{k} = {v:.8g}" for k, v in result.unknowns.items())
    ax.set(xlabel="iteration", ylabel="loss", title=title)
    return list(artists)


