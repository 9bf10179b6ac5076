"""Running several methods on one problem, and drawing their progress side by side."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from sciml.optimize._result import OptimizeResult


def compare(fun, x0, methods=("gd", "momentum", "adam", "rmsprop", "bfgs"), *, options=None,
            **kwargs) -> dict[str, OptimizeResult]:
    r"""Minimize ``fun`` from ``x0`` with each of ``methods``, keeping every iterate.

    Each run is :func:`~sciml.optimize.minimize` with ``return_trajectory=True``; the results say how each
    ended (``status``, ``message``), so the runs' own convergence warnings are not repeated here.

    Parameters
    ----------
    fun, x0 :
        As for :func:`~sciml.optimize.minimize`.
    methods : sequence of str
        Method names (see :data:`~sciml.optimize.METHODS`); each may appear once.
    options : dict, optional
        Either one options dict for every method, or ``{method: options}`` (methods not named get none).
    **kwargs
        Passed to every :func:`~sciml.optimize.minimize` call (``max_iter``, ``gtol``, ...).

    Returns
    -------
    dict
        ``{method: OptimizeResult}`` in the order of ``methods``; ``trajectory`` and ``fun_history`` are set.

    Examples
    --------
    >>> rosen = lambda x: (1 - x[0])**2 + 100 * (x[1] - x[0]**2)**2
    >>> runs = compare(rosen, [-1.2, 1.0], methods=["gd", "bfgs"], max_iter=500)
    >>> [(m, r.status.name) for m, r in runs.items()]
    [('gd', 'MAX_ITER'), ('bfgs', 'SUCCESS')]

    References
    ----------
    S. Ruder, "An overview of gradient descent optimization algorithms", arXiv:1609.04747 (2016).
    """
    from sciml.optimize._minimize import METHODS, minimize

    if isinstance(methods, str) or not all(isinstance(m, str) for m in methods):
        raise TypeError(f"methods must be a sequence of method names, got {methods!r}")
    names = [m.lower() for m in methods]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"methods must name at least one method, each once, got {list(methods)}")
    per_method = isinstance(options, dict) and options and all(k.lower() in METHODS for k in options)
    if options is not None and not isinstance(options, dict):
        raise TypeError(f"options must be a dict (shared) or a dict of dicts per method, got {type(options).__name__}")
    out = {}
    for name in names:
        opts = ({k.lower(): v for k, v in options.items()}.get(name) if per_method else options)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)  # ConvergenceWarning: in the result
            out[name] = minimize(fun, x0, method=name, options=opts, return_trajectory=True, **kwargs)
    return out


def plot_comparison(results, ax=None, *, contour=None, f_star=None, levels=30):
    r"""Loss curves :math:`f(x_k) - f^*` per iteration (log scale) and, for 2-D problems, the paths over
    the contours of ``contour``.

    Parameters
    ----------
    results : dict
        ``{label: OptimizeResult}`` with trajectories, as :func:`compare` returns.
    ax : Axes or pair of Axes, optional
        One Axes for the loss curves, or ``(loss_ax, path_ax)``; default: the current figure, one subplot
        (two with ``contour``).
    contour : callable, optional
        ``fun(x) -> scalar`` of a 2-D problem, drawn as contours under the paths.
    f_star : float, optional
        The minimum; default the lowest value any run reached.
    levels : int
        Number of contour levels (spaced by quantiles).

    Returns
    -------
    list of matplotlib.artist.Artist
        One loss line per run, then (with ``contour``) the contour set and one path line per run.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> rosen = lambda x: (1 - x[0])**2 + 100 * (x[1] - x[0]**2)**2
    >>> runs = compare(rosen, [-1.2, 1.0], methods=["gd", "bfgs"], max_iter=200)
    >>> fig = Figure()
    >>> artists = plot_comparison(runs, ax=(fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)), contour=rosen)
    >>> len(artists), fig.axes[0].get_yscale()
    (5, 'log')

    References
    ----------
    scikit-learn developer guide, "Developing with the plotting API": ``ax=None`` in, artists out.
    """
    if not isinstance(results, dict) or not results:
        raise TypeError("results must be a non-empty dict {label: OptimizeResult}, as compare() returns")
    for label, r in results.items():
        if not isinstance(r, OptimizeResult) or r.trajectory is None or r.fun_history is None:
            raise ValueError(f"results[{label!r}] has no trajectory; run minimize with return_trajectory=True "
                             "or use compare()")
    if ax is None:
        import matplotlib.pyplot as plt

        fig = plt.gcf()
        ax = (fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)) if contour is not None else fig.add_subplot()
    loss_ax, path_ax = (ax[0], ax[1]) if isinstance(ax, tuple | list) else (ax, None)
    if contour is not None and path_ax is None:
        raise ValueError("contour needs two axes: pass ax=(loss_ax, path_ax)")
    histories = {k: r.fun_history.detach().cpu().numpy() for k, r in results.items()}
    finite = [h[np.isfinite(h)] for h in histories.values()]
    best = min(float(h.min()) for h in finite if h.size) if f_star is None else float(f_star)
    floor = np.finfo(float).eps * max(1.0, abs(best))
    artists = []
    for label, h in histories.items():
        artists += loss_ax.semilogy(np.arange(h.size), np.maximum(h - best, floor), label=label)
    loss_ax.set(xlabel="iteration", ylabel="f(x_k) - f*")
    loss_ax.legend(fontsize="small")
    if contour is not None:
        paths = {k: r.trajectory.detach().cpu().reshape(r.trajectory.shape[0], -1).numpy()
                 for k, r in results.items()}
        if any(p.shape[1] != 2 for p in paths.values()):
            raise ValueError("contour: the paths are drawn for 2-D problems only")
        pts = np.vstack([p[np.isfinite(p).all(1)] for p in paths.values()])
        lo, hi = pts.min(0), pts.max(0)
        pad = 0.15 * np.maximum(hi - lo, 0.5)
        X, Y = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], 150),
                           np.linspace(lo[1] - pad[1], hi[1] + pad[1], 150))
        grid = torch.tensor(np.stack([X.ravel(), Y.ravel()]), dtype=torch.float64)
        with torch.no_grad():
            Z = np.array([float(contour(grid[:, i])) for i in range(grid.shape[1])]).reshape(X.shape)
        artists.append(path_ax.contour(X, Y, Z, levels=np.unique(np.quantile(Z, np.linspace(0, 1, levels))),
                                       cmap="viridis", linewidths=0.6))
        for label, p in paths.items():
            artists += path_ax.plot(p[:, 0], p[:, 1], ".-", ms=2, lw=0.8, label=label)
        path_ax.set(xlabel="x_0", ylabel="x_1")
        path_ax.legend(fontsize="small")
    return artists
