"""A problem's figure: its ``plot`` drawn into a new matplotlib figure and saved (no pyplot state, no window);
and what several kinds' plots share."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def save_figure(problem, result, path) -> Path | None:
    """Draw ``problem.plot(result, fig)`` into a new figure and save it to ``path``; None if no figure helps.

    Uses :class:`matplotlib.figure.Figure` directly (no pyplot state, no window).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.6), layout="constrained")
    if not problem.plot(result, fig):
        return None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def log_axis(ax, values, *, decades: float = 6.0) -> None:
    """A log-scale y-axis for positive ``values`` (errors) showing at most ``decades`` decades below the largest,
    so that exact zeros and sign crossings (dips to the rounding level) do not stretch it."""
    ax.set_yscale("log")
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    if v.size:
        top = float(v.max())
        ax.set_ylim(max(float(v.min()), top * 10.0**-decades) / 2, top * 2)


def integer_ticks(axis) -> None:
    """Integer tick labels (iteration counts) on ``axis`` (``ax.xaxis``)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
