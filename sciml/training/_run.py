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
    """Whether ``loss`` and every entry of ``tensors`` are finite: the NaN guard of every loop.

    A loop that sees ``False`` restores its last finite iterate and stops with ``Status.NONFINITE``.

    Parameters
    ----------
    loss : float
        The objective's value.
    *tensors : tensor
        Iterates, gradients, residuals.

    Returns
    -------
    bool

    Examples
    --------
    >>> finite(0.5, torch.ones(3)), finite(0.5, torch.tensor([1.0, float("nan")])), finite(float("inf"))
    (True, False, False)
    """
    return math.isfinite(loss) and all(bool(torch.isfinite(t).all()) for t in tensors)


def callback_stop() -> Stop:
    """The stop of a run whose ``callback`` raised ``StopIteration``.

    Returns
    -------
    Stop
        Status ``CALLBACK`` (99, SciPy's code), not a success.

    Examples
    --------
    >>> callback_stop().status, callback_stop().success
    (<Status.CALLBACK: 99>, False)
    """
    return Stop(Status.CALLBACK, "stopped by the callback")


def max_iter_stop(n: int, resume_hint: str = "") -> Stop:
    """The stop of a run that used its ``max_iter`` iterations.

    Parameters
    ----------
    n : int
        The iteration limit that was reached.
    resume_hint : str
        Appended to the message: how to continue the run (e.g. from a checkpoint).

    Returns
    -------
    Stop
        Status ``MAX_ITER``.

    Examples
    --------
    >>> max_iter_stop(100).message
    'stopped at max_iter=100 before meeting the tolerance; raise max_iter'
    """
    return Stop(Status.MAX_ITER, f"stopped at max_iter={n} before meeting the tolerance; raise max_iter{resume_hint}")


def relative_decrease_met(history, window: int, ftol: float, since: int = 0) -> bool:
    r"""The ``ftol`` test: the loss fell by less than the fraction ``ftol`` over the last ``window`` iterations.

    .. math:: L_{k-w} - L_k \le \text{ftol} \cdot L_{k-w}, \qquad w = \text{window},

    counting only iterations after index ``since`` of ``history`` (``ftol = 0`` switches the test off).

    Parameters
    ----------
    history : sequence of float
        The losses, oldest first.
    window : int
        ``w``, in iterations.
    ftol : float
        The relative decrease below which the run counts as converged.
    since : int
        Index of ``history`` before which iterations do not count (a restart, a refinement of the points).

    Returns
    -------
    bool

    Examples
    --------
    >>> relative_decrease_met([4.0, 2.0, 1.99, 1.989], window=2, ftol=0.01)
    True
    >>> relative_decrease_met([4.0, 2.0, 1.0], window=2, ftol=0.01)
    False
    """
    return (ftol > 0 and len(history) - 1 - since >= window
            and history[-1 - window] - history[-1] <= ftol * history[-1 - window])
