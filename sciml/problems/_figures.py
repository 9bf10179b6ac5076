"""A problem's figure: its ``plot`` drawn into a new matplotlib figure and saved (no pyplot state, no window)."""

from __future__ import annotations

from pathlib import Path


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
