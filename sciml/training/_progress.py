"""Opt-in progress bars: a tqdm bar on stderr when asked for, nothing at all otherwise."""

from __future__ import annotations

import contextlib
import math
import sys
import time


class _Silent:
    """What a run reports to when ``progress=False``: every call does nothing."""

    def update(self, n: int, **values) -> None:
        pass


class _Bar:
    """A tqdm bar that shows the iteration count against ``total`` and the latest values (loss, ...)."""

    def __init__(self, total, desc):
        from tqdm.auto import tqdm

        self._bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False)
        self._n, self._shown = 0, -math.inf

    def update(self, n: int, **values) -> None:
        bar = self._bar
        if values and time.monotonic() - self._shown >= bar.mininterval:  # format only as often as tqdm draws
            bar.set_postfix({k: f"{v:.3e}" if isinstance(v, float) else v for k, v in values.items()},
                            refresh=False)
            self._shown = time.monotonic()
        if n > self._n:
            bar.update(n - self._n)
            self._n = n

    def close(self) -> None:
        self._bar.close()


@contextlib.contextmanager
def progress_bar(enabled: bool, *, total: int | None = None, desc: str = ""):
    """A context holding an object with ``update(n, **values)``: a tqdm bar on stderr when ``enabled``
    (iteration ``n`` of ``total``, the ``values``, elapsed time and rate), else a silent one.

    Library code passes its ``progress=`` argument straight through, so nothing is shown unless the user (or
    the CLI, in an interactive terminal) asks for it.

    Parameters
    ----------
    enabled : bool
        Show the bar (the solver's ``progress`` argument).
    total : int, optional
        The iteration limit, for the bar's length and ETA.
    desc : str
        The bar's label, e.g. the solver and method.

    Examples
    --------
    >>> with progress_bar(False, total=10) as bar:
    ...     bar.update(1, loss=0.5)
    """
    if not enabled:
        yield _Silent()
        return
    bar = _Bar(total, desc)
    try:
        yield bar
    finally:
        bar.close()
