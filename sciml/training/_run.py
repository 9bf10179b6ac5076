"""The bookkeeping every iterative run shares: why it stopped, the NaN guard, the callback's stop request."""

from __future__ import annotations

import dataclasses
import math

import torch

from sciml.results import Status


@dataclasses.dataclass(frozen=True)
class Stop:
    """Why a loop ended: a status (a :class:`~sciml.results.StatusCode` member) and the reason in words."""

    status: Status
    message: str

    @property
    def success(self) -> bool:
        return self.status.success


def finite(loss: float, *tensors: torch.Tensor) -> bool:
    """Whether ``loss`` and every entry of ``tensors`` are finite: the NaN guard of every loop (a loop that
    sees ``False`` restores its last finite iterate and stops with ``NONFINITE``)."""
    return math.isfinite(loss) and all(bool(torch.isfinite(t).all()) for t in tensors)


def callback_stop() -> Stop:
    """The stop of a run whose ``callback`` raised ``StopIteration``."""
    return Stop(Status.CALLBACK, "stopped by the callback")


def max_iter_stop(n: int, resume_hint: str = "") -> Stop:
    """The stop of a run that used its ``max_iter`` iterations."""
    return Stop(Status.MAX_ITER, f"stopped at max_iter={n} before meeting the tolerance; raise max_iter{resume_hint}")


def relative_decrease_met(history, window: int, ftol: float, since: int = 0) -> bool:
    """``ftol`` test: the loss fell by less than the fraction ``ftol`` over the last ``window`` iterations
    (counting only iterations after index ``since`` of ``history``)."""
    return (ftol > 0 and len(history) - 1 - since >= window
            and history[-1 - window] - history[-1] <= ftol * history[-1 - window])
