"""What a training run returns: the per-epoch :class:`History`, the :class:`TrainResult` and its statuses."""

from __future__ import annotations

import dataclasses

from torch import nn

from sciml.results import ConvergenceWarning, Result, status_enum

TrainStatus = status_enum(
    "TrainStatus", "SUCCESS EARLY_STOPPED NONFINITE CALLBACK",
    doc="How a training run ended: the epochs asked for were run (``SUCCESS``), the monitored metric stopped "
        "improving (``EARLY_STOPPED``, a success), the loss became NaN or infinite (``NONFINITE``: the last "
        "finite weights are kept) or the callback raised ``StopIteration``.",
    hints={"SUCCESS": "ran the epochs asked for",
           "NONFINITE": "the loss became NaN or infinite; the last finite weights are kept: lower the learning "
                        "rate, clip the gradients (clip_grad_norm=) or check the data for NaN"},
    module=__name__)


class TrainWarning(ConvergenceWarning):
    """A training run ended without a usable result (a NaN loss, a callback's stop)."""


class History:
    """The per-epoch record of a run: ``history["loss"]``, ``history["val_accuracy"]``, ``history["lr"]``, ...

    Every key holds one float per epoch, in epoch order (``history.epochs`` numbers them from 1); ``"seconds"``
    is the wall time of each epoch. Validation metrics are prefixed ``val_``.

    >>> h = History()
    >>> h.append(1, {"loss": 0.5, "val_loss": 0.7})
    >>> h.append(2, {"loss": 0.3, "val_loss": 0.6})
    >>> h["val_loss"], h.epochs, len(h)
    ([0.7, 0.6], [1, 2], 2)
    """

    def __init__(self, values: dict | None = None, epochs: list | None = None):
        self.values: dict[str, list[float]] = {k: list(v) for k, v in (values or {}).items()}
        self.epochs: list[int] = list(epochs or [])

    def append(self, epoch: int, row: dict) -> None:
        """Add the values of ``epoch`` (a key first seen now is padded with NaN for the earlier epochs)."""
        for key, value in row.items():
            self.values.setdefault(key, [float("nan")] * len(self.epochs)).append(float(value))
        self.epochs.append(int(epoch))
        for column in self.values.values():
            if len(column) < len(self.epochs):
                column.append(float("nan"))

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.values:
            raise KeyError(f"the history has no {key!r}; it holds {sorted(self.values)}")
        return self.values[key]

    def __contains__(self, key) -> bool:
        return key in self.values

    def __len__(self) -> int:
        return len(self.epochs)

    def keys(self):
        return self.values.keys()

    def state_dict(self) -> dict:
        """Plain lists, for checkpoints and JSON."""
        return {"epochs": list(self.epochs), "values": {k: list(v) for k, v in self.values.items()}}

    @classmethod
    def from_state_dict(cls, state: dict) -> History:
        return cls(state["values"], state["epochs"])

    def __repr__(self) -> str:
        last = {k: round(v[-1], 6) for k, v in self.values.items()} if self.epochs else {}
        return f"History(epochs={len(self)}, last={last})"


@dataclasses.dataclass(repr=False)
class TrainResult(Result):
    """The outcome of :func:`~sciml.learn.train`.

    Attributes
    ----------
    model : torch.nn.Module
        The trained network (the same object that was passed), holding the best weights when early stopping
        restored them, the last finite ones after a NaN.
    history : History
        Per-epoch losses, metrics, learning rates and times.
    success, status, message : bool, TrainStatus, str
        How the run ended (see :class:`TrainStatus`).
    nit : int
        Epochs completed.
    best_epoch : int or None
        The epoch (from 1) with the best monitored value, when a metric was monitored.
    best : float or None
        That value.
    monitor : str or None
        The monitored metric's name.
    """

    model: nn.Module = dataclasses.field(repr=False)
    history: History
    success: bool
    status: TrainStatus
    message: str
    nit: int
    best_epoch: int | None = None
    best: float | None = None
    monitor: str | None = None
