"""Early stopping's bookkeeping: the best value of a monitored quantity, and how long since it improved."""

from __future__ import annotations

import math

from sciml._validation import check_choice, check_int, check_real


class Patience:
    """Tracks the best value of a monitored quantity (``mode="min"`` or ``"max"``) and when to stop.

    ``update(value, epoch)`` records a value and says whether it improved on the best by more than
    ``min_delta``; :attr:`exhausted` is true once ``patience`` updates in a row brought no improvement
    (never, when ``patience`` is ``None``). A NaN never improves. ``state_dict()``/``load_state_dict()``
    make it part of a checkpoint.

    >>> p = Patience("min", patience=2)
    >>> [p.update(v, epoch) for epoch, v in enumerate([3.0, 2.0, 2.5, 2.4])], p.exhausted, p.best_epoch
    ([True, True, False, False], True, 1)
    """

    def __init__(self, mode: str = "min", patience: int | None = None, min_delta: float = 0.0):
        self.mode = check_choice(mode, "mode", ("min", "max"))
        self.patience = check_int(patience, "patience", low=0, none=True)
        self.min_delta = check_real(min_delta, "min_delta", low=0)
        self.best, self.best_epoch, self.waited = math.inf if self.mode == "min" else -math.inf, None, 0

    def improves(self, value: float) -> bool:
        """Whether ``value`` beats the best by more than ``min_delta``."""
        if math.isnan(value):
            return False
        return value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta

    def update(self, value: float, epoch: int) -> bool:
        """Record ``value`` at ``epoch``; return whether it is the new best."""
        if self.improves(value):
            self.best, self.best_epoch, self.waited = float(value), epoch, 0
            return True
        self.waited += 1
        return False

    @property
    def exhausted(self) -> bool:
        """``patience`` updates in a row without improvement."""
        return self.patience is not None and self.waited >= max(self.patience, 1)

    def state_dict(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "waited": self.waited}

    def load_state_dict(self, state: dict) -> None:
        self.best, self.best_epoch, self.waited = state["best"], state["best_epoch"], state["waited"]
